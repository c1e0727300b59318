-- Idempotency-Key on creating POSTs: the first answer to a (caller, key) is kept for a day
-- and given again to a retry of the same request.
CREATE TABLE idempotency_keys (
    caller       text NOT NULL CHECK (length(caller) BETWEEN 1 AND 100),
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of the method, path and body: the same key with another request is refused.
    request_hash bytea NOT NULL CHECK (length(request_hash) = 32),
    -- NULL while the first request is being answered.
    status       smallint NULL CHECK (status BETWEEN 200 AND 299),
    location     text NULL,
    etag         text NULL,
    body         bytea NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
