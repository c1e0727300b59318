-- Identity and access: people, their memberships in organisations, service clients,
-- token material, contact persons and the audit log.

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL CONSTRAINT users_email_check CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    display_name   text NOT NULL CONSTRAINT users_display_name_check CHECK (btrim(display_name) <> ''),
    -- Argon2id PHC string; NULL until the person sets a password.
    password_hash  text NULL,
    active         boolean NOT NULL DEFAULT true,
    platform_admin boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        bigint NOT NULL DEFAULT 1
);
-- E-mail addresses are unique regardless of case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE TRIGGER users_bump_version BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION bump_row_version();

CREATE TABLE memberships (
    organization_id uuid NOT NULL CONSTRAINT memberships_organization_id_fkey
                    REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL CONSTRAINT memberships_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    role            text NOT NULL CONSTRAINT memberships_role_check
                    CHECK (role IN ('org_admin', 'coordinator', 'member')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         bigint NOT NULL DEFAULT 1,
    CONSTRAINT memberships_pkey PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);
CREATE TRIGGER memberships_bump_version BEFORE UPDATE ON memberships FOR EACH ROW EXECUTE FUNCTION bump_row_version();

CREATE TABLE invitations (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           text NOT NULL CONSTRAINT invitations_email_check CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    display_name    text NOT NULL CHECK (btrim(display_name) <> ''),
    role            text NOT NULL CHECK (role IN ('org_admin', 'coordinator', 'member')),
    -- SHA-256 of the single-use token; the token itself is never stored.
    token_hash      bytea NOT NULL CONSTRAINT invitations_token_hash_key UNIQUE,
    invited_by      uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_organization_idx ON invitations (organization_id);

-- Keys that sign access tokens (Ed25519). The newest active key signs; all active keys verify.
CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    algorithm   text NOT NULL DEFAULT 'EdDSA' CHECK (algorithm = 'EdDSA'),
    -- 32-byte Ed25519 seed and public key.
    private_key bytea NOT NULL CHECK (length(private_key) = 32),
    public_key  bytea NOT NULL CHECK (length(public_key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz NULL
);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the opaque token.
    token_hash bytea PRIMARY KEY,
    -- All tokens rotated from one login; reuse of a spent token revokes the family.
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope      text NOT NULL DEFAULT '',
    expires_at timestamptz NOT NULL,
    used_at    timestamptz NULL,
    revoked_at timestamptz NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Machine clients (reporting tools, directory integrations) using client_credentials.
CREATE TABLE service_clients (
    id              uuid PRIMARY KEY,
    name            text NOT NULL CONSTRAINT service_clients_name_check CHECK (btrim(name) <> ''),
    organization_id uuid NOT NULL CONSTRAINT service_clients_organization_id_fkey
                    REFERENCES organizations (id) ON DELETE CASCADE,
    scopes          text[] NOT NULL DEFAULT '{}' CONSTRAINT service_clients_scopes_check
                    CHECK (scopes <@ ARRAY['indicators:read', 'directory:read', 'webhooks:manage']::text[]),
    -- SHA-256 of the high-entropy generated secret.
    secret_hash     bytea NOT NULL,
    revoked_at      timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         bigint NOT NULL DEFAULT 1
);
CREATE INDEX service_clients_organization_idx ON service_clients (organization_id);
CREATE TRIGGER service_clients_bump_version BEFORE UPDATE ON service_clients
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- Contact persons (yhdyshenkilöt). Erasure anonymises the row in place: it keeps its id so
-- that references still resolve, and no personal data remains.
CREATE TABLE contacts (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL CONSTRAINT contacts_organization_id_fkey
                    REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NULL,
    title           text NULL,
    email           text NULL CONSTRAINT contacts_email_check CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    phone           text NULL CONSTRAINT contacts_phone_check CHECK (phone ~ '^\+?[0-9 ()-]{5,20}$'),
    topics          text[] NOT NULL DEFAULT '{}',
    languages       text[] NOT NULL DEFAULT '{}',
    user_id         uuid NULL CONSTRAINT contacts_user_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    visibility      text NOT NULL DEFAULT 'members' CONSTRAINT contacts_visibility_check
                    CHECK (visibility IN ('members', 'public')),
    erased_at       timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         bigint NOT NULL DEFAULT 1,
    CONSTRAINT contacts_name_check CHECK (erased_at IS NOT NULL OR btrim(name) <> ''),
    CONSTRAINT contacts_erased_holds_nothing_personal CHECK (
        erased_at IS NULL OR (name IS NULL AND title IS NULL AND email IS NULL AND phone IS NULL AND user_id IS NULL))
);
CREATE INDEX contacts_organization_idx ON contacts (organization_id, id);
CREATE TRIGGER contacts_bump_version BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- Every write, in the same transaction as the write. `seq` increases strictly and is the
-- position a change feed resumes from.
CREATE TABLE audit_log (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_kind      text NOT NULL CHECK (actor_kind IN ('anonymous', 'user', 'client', 'system')),
    actor_id        uuid NULL,
    action          text NOT NULL,
    resource_type   text NOT NULL,
    resource_id     text NOT NULL,
    -- The organisations the resource belongs to (all parties of an agreement, say), so that
    -- their org admins can read the entry.
    organization_ids uuid[] NOT NULL DEFAULT '{}',
    -- {"before": {...}, "after": {...}} with the fields that changed.
    diff            jsonb NOT NULL,
    request_id      text NULL
);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, seq);
CREATE INDEX audit_log_organizations_idx ON audit_log USING gin (organization_ids);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq);

-- The log is append-only; the one permitted change is scrubbing a snapshot for erasure.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.seq, NEW.at, NEW.actor_kind, NEW.actor_id, NEW.action, NEW.resource_type, NEW.resource_id,
        NEW.organization_ids, NEW.request_id)
       IS DISTINCT FROM
       (OLD.seq, OLD.at, OLD.actor_kind, OLD.actor_id, OLD.action, OLD.resource_type, OLD.resource_id,
        OLD.organization_ids, OLD.request_id) THEN
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
