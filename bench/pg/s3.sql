-- S3 as Notifuse generates it (reference §5.3): purchase avg between 50 and 100 in the date
-- range 2023-12-01 .. 2024-05-31. Notifuse reads date-only values as midnight UTC and BETWEEN
-- includes both ends, so the range ends at 2024-05-31T00:00:00Z; the tally tree gives the same
-- instants in RFC 3339 (tally reads a date-only end as the whole day, D16).
SELECT COUNT(*) FROM contacts WHERE
  EXISTS (SELECT 1 FROM custom_events ce
          WHERE ce.email = contacts.email AND ce.deleted_at IS NULL AND ce.goal_type = 'purchase'
            AND ce.occurred_at BETWEEN '2023-12-01T00:00:00Z'::timestamptz
                                   AND '2024-05-31T00:00:00Z'::timestamptz
          GROUP BY ce.email HAVING COALESCE(AVG(ce.goal_value), 0) BETWEEN 50 AND 100);
