-- Notifuse's single-row upsert (reference §3.1) as a pgbench script: a new purchase for a random
-- contact of the data set. bench/run appends this file once for the single-row runs and 50
-- times between BEGIN and COMMIT for the batch runs (Notifuse's BatchUpsert runs the same
-- statement per event inside one transaction). :contacts is set with pgbench -D.
\set contact random(0, :contacts * 8 / 10 - 1)
\set id random(1, 1000000000000)
\set cents random(500, 50000)
INSERT INTO custom_events (event_name, external_id, email, properties, occurred_at, source,
                           integration_id, goal_name, goal_type, goal_value, deleted_at,
                           created_at, updated_at)
VALUES ('order.completed', 'pg_' || :client_id::text || '_' || :id::text,
        'user' || lpad(:contact::text, 7, '0') || '@example.com',
        '{"sku":"SKU-000123","qty":2,"channel":"web","ok": true}', NOW(), 'api', NULL, NULL,
        'purchase', :cents / 100.0, NULL, NOW(), NOW())
ON CONFLICT (event_name, external_id) DO UPDATE SET
  email = EXCLUDED.email,
  properties = EXCLUDED.properties,
  occurred_at = GREATEST(custom_events.occurred_at, EXCLUDED.occurred_at),
  source = EXCLUDED.source,
  integration_id = EXCLUDED.integration_id,
  goal_name = COALESCE(EXCLUDED.goal_name, custom_events.goal_name),
  goal_type = COALESCE(EXCLUDED.goal_type, custom_events.goal_type),
  goal_value = COALESCE(EXCLUDED.goal_value, custom_events.goal_value),
  deleted_at = EXCLUDED.deleted_at,
  updated_at = NOW()
WHERE EXCLUDED.occurred_at > custom_events.occurred_at
   OR EXCLUDED.deleted_at IS DISTINCT FROM custom_events.deleted_at;
