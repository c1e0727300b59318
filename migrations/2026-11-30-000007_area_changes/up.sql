-- Integrations pull the area register like any other list: `updated_since` needs a change time.
ALTER TABLE areas ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
