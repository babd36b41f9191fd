-- One contact's purchase sum over the 30 days before the data set's end, as Notifuse's goal
-- aggregate reads it (reference §5.3: sum of goal_value, not deleted, occurred_at after the
-- window's start). :email and :after are set with pgbench -D; NOW() is replaced by the data
-- set's end date, which tally's HTTP side uses as well.
SELECT COALESCE(SUM(goal_value), 0) FROM custom_events
WHERE email = :email AND goal_type = 'purchase' AND deleted_at IS NULL
  AND occurred_at > :after::timestamptz;
