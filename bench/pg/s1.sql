-- S1 (VIP) as Notifuse generates it (reference §5.3): AND of purchase sum >= 1000 anytime,
-- purchase count >= 5 anytime, purchase count >= 1 in the last 60 days. NOW() is the data
-- set's end (2024-06-01T00:00:00Z), so the window is occurred_at > 2024-04-02T00:00:00Z; the
-- count is what segments.preview reports as total_count.
SELECT COUNT(*) FROM contacts WHERE (
  EXISTS (SELECT 1 FROM custom_events ce
          WHERE ce.email = contacts.email AND ce.deleted_at IS NULL AND ce.goal_type = 'purchase'
          GROUP BY ce.email HAVING COALESCE(SUM(ce.goal_value), 0) >= 1000)
  AND EXISTS (SELECT 1 FROM custom_events ce
              WHERE ce.email = contacts.email AND ce.deleted_at IS NULL
                AND ce.goal_type = 'purchase'
              GROUP BY ce.email HAVING COUNT(*) >= 5)
  AND EXISTS (SELECT 1 FROM custom_events ce
              WHERE ce.email = contacts.email AND ce.deleted_at IS NULL
                AND ce.goal_type = 'purchase'
                AND ce.occurred_at > '2024-04-02T00:00:00Z'::timestamptz
              GROUP BY ce.email HAVING COUNT(*) >= 1));
