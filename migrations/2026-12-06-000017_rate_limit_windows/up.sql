-- Rate-limit counters every instance shares (sign-in throttling, exports per client): one
-- row per counted key, a SHA-256 digest, never an address in the clear. Unlogged: they cost no
-- WAL, and a crash or failover forgets them, which only ends some windows early.
CREATE UNLOGGED TABLE rate_limit_windows (
    key        bytea PRIMARY KEY CONSTRAINT rate_limit_windows_key_check CHECK (octet_length(key) = 32),
    started_at timestamptz NOT NULL,
    hits       integer NOT NULL CONSTRAINT rate_limit_windows_hits_check CHECK (hits >= 0)
);
