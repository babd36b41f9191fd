-- Notifuse's custom_events table (reference §2.2, as created in v18 / init.go) and the part of
-- its contacts table that segmentation reads (keyed by email, reference §6). Indexes are created
-- after the bulk load by indexes.sql. Notifuse's triggers on custom_events (timeline and
-- webhooks) and the contacts trigger are left out: the comparison measures the statement and
-- the indexes, so PostgreSQL's figures are the best case for Notifuse.
CREATE TABLE contacts (
  email VARCHAR(255) PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE custom_events (
  event_name VARCHAR(100) NOT NULL,
  external_id VARCHAR(255) NOT NULL,
  email VARCHAR(255) NOT NULL,
  properties JSONB NOT NULL DEFAULT '{}',
  occurred_at TIMESTAMPTZ NOT NULL,
  source VARCHAR(50) NOT NULL DEFAULT 'api',
  integration_id VARCHAR(32),
  goal_name VARCHAR(100),
  goal_type VARCHAR(20),
  goal_value DECIMAL(15,2),
  deleted_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW(),
  PRIMARY KEY (event_name, external_id)
);
