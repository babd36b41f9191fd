-- S2 as Notifuse generates it (reference §5.3): purchase sum >= 500 anytime.
SELECT COUNT(*) FROM contacts WHERE
  EXISTS (SELECT 1 FROM custom_events ce
          WHERE ce.email = contacts.email AND ce.deleted_at IS NULL AND ce.goal_type = 'purchase'
          GROUP BY ce.email HAVING COALESCE(SUM(ce.goal_value), 0) >= 500);
