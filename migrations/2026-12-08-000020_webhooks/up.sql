-- Webhooks: an organisation's subscriptions to the change feed, pushed as signed POSTs. The
-- deliveries are a durable outbox: each one is a batch of feed changes cut under the
-- subscription's row lock, then claimed for sending (FOR UPDATE SKIP LOCKED, with a lease) and
-- sent until the receiver answers 2xx, so that a crash or restart loses nothing and two
-- instances never send the same batch at once.
CREATE TABLE webhooks (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL CONSTRAINT webhooks_organization_id_fkey
                    REFERENCES organizations (id) ON DELETE CASCADE,
    url             text NOT NULL CONSTRAINT webhooks_url_check
                    CHECK (length(url) <= 2000 AND url ~ '^https?://[^\s]+$'),
    event_types     text[] NOT NULL CONSTRAINT webhooks_event_types_check
                    CHECK (cardinality(event_types) BETWEEN 1 AND 4
                           AND event_types <@ ARRAY['organization', 'venue', 'event_series', 'event_occurrence']::text[]),
    -- The HMAC key: kept as given (a signature needs it), never shown again.
    secret          text NOT NULL CONSTRAINT webhooks_secret_check CHECK (length(secret) BETWEEN 32 AND 256),
    active          boolean NOT NULL DEFAULT true,
    disabled_reason text NULL,
    disabled_at     timestamptz NULL,
    -- The feed position up to which changes have been cut into deliveries.
    after_seq       bigint NOT NULL CONSTRAINT webhooks_after_seq_check CHECK (after_seq >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         bigint NOT NULL DEFAULT 1,
    CONSTRAINT webhooks_disabled_reason_check CHECK (active OR disabled_reason IS NOT NULL)
);
CREATE INDEX webhooks_organization_idx ON webhooks (organization_id);
CREATE INDEX webhooks_active_idx ON webhooks (after_seq) WHERE active;
-- The version (the ETag) is the keeper's: moving the feed position is the worker's and
-- leaves it, so that a busy subscription does not answer every conditional write 412.
CREATE TRIGGER webhooks_bump_version BEFORE UPDATE OF url, event_types, secret, active, disabled_reason ON webhooks
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

CREATE TABLE webhook_deliveries (
    -- Sent as `Yhdyspinta-Delivery`: the receiver's deduplication key.
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL CONSTRAINT webhook_deliveries_webhook_id_fkey
                    REFERENCES webhooks (id) ON DELETE CASCADE,
    first_seq       bigint NOT NULL,
    last_seq        bigint NOT NULL CONSTRAINT webhook_deliveries_seq_check CHECK (last_seq >= first_seq),
    -- The change items, exactly as sent on every attempt.
    payload         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_deliveries_status_check
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CONSTRAINT webhook_deliveries_attempts_check CHECK (attempts >= 0),
    -- Each attempt: {at, status_code, error, duration_ms}.
    attempt_log     jsonb NOT NULL DEFAULT '[]' CONSTRAINT webhook_deliveries_attempt_log_check
                    CHECK (jsonb_typeof(attempt_log) = 'array'),
    -- Also the lease: a worker sending it sets this past its timeout, so no other takes it
    -- meanwhile, and one that dies mid-send leaves it to be taken again.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- The first failed attempt of the current run of failures: retried for a day from here,
    -- then the subscription is disabled. Turning it back on starts the run again.
    failing_since   timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz NULL,
    CONSTRAINT webhook_deliveries_delivered_check CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
-- One batch at a time per subscription, so that a receiver gets the changes in order.
CREATE UNIQUE INDEX webhook_deliveries_one_pending_idx ON webhook_deliveries (webhook_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC);
