-- Notifuse's secondary indexes on custom_events (reference §2.2 lists their columns; the
-- predicates of the partial ones follow their names there: not deleted, has an
-- integration_id, has a goal, purchases, deleted).
CREATE INDEX idx_custom_events_email_occurred
  ON custom_events (email, occurred_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX idx_custom_events_external_id ON custom_events (external_id);
CREATE INDEX idx_custom_events_integration_id
  ON custom_events (integration_id) WHERE integration_id IS NOT NULL;
CREATE INDEX idx_custom_events_properties ON custom_events USING GIN (properties);
CREATE INDEX idx_custom_events_goals
  ON custom_events (email, goal_type, occurred_at DESC)
  WHERE goal_type IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX idx_custom_events_purchases
  ON custom_events (email, occurred_at DESC)
  WHERE goal_type = 'purchase' AND deleted_at IS NULL;
CREATE INDEX idx_custom_events_deleted_at
  ON custom_events (deleted_at) WHERE deleted_at IS NOT NULL;
ANALYZE contacts;
ANALYZE custom_events;
