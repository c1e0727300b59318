-- Shared coordination documents (yhteiset suunnitelmat): a title, ordered markdown sections and
-- schedule entries that every key person of the editing organisations can change. Entries are
-- rows of their own with their own version, so two people editing different rows never
-- conflict. Every change appends a revision (a JSON Patch against the whole document, with a
-- full snapshot now and then); a new revision is announced with NOTIFY so every server
-- process can push it to open editors.

CREATE TABLE coordination_documents (
    id                    uuid PRIMARY KEY,
    -- The organisation that created the document: it cannot be removed from the editors, and
    -- its admins restore the document once deleted.
    owner_organization_id uuid NOT NULL REFERENCES organizations (id),
    title                 text NOT NULL
                          CONSTRAINT coordination_documents_title_check CHECK (btrim(title) <> '' AND length(title) <= 200),
    timezone              text NOT NULL DEFAULT 'Europe/Helsinki',
    agreement_id          uuid CONSTRAINT coordination_documents_agreement_id_fkey REFERENCES agreements (id),
    sections              jsonb NOT NULL DEFAULT '[]'
                          CONSTRAINT coordination_documents_sections_check CHECK (jsonb_typeof(sections) = 'array'),
    -- The newest revision number: revisions are numbered 1, 2, ... without gaps (0 until the
    -- creation is recorded, in the same transaction).
    revision              bigint NOT NULL DEFAULT 0,
    updated_by            uuid REFERENCES users (id) ON DELETE SET NULL,
    deleted_at            timestamptz,
    deleted_by            uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               bigint NOT NULL DEFAULT 1
);
-- Advancing the revision number alone (an entry changed) leaves the document's version and
-- ETag as they are.
CREATE TRIGGER coordination_documents_bump_version BEFORE UPDATE ON coordination_documents
    FOR EACH ROW WHEN (OLD.revision = NEW.revision) EXECUTE FUNCTION bump_row_version();
CREATE INDEX coordination_documents_agreement ON coordination_documents (agreement_id) WHERE agreement_id IS NOT NULL;

-- Organisations whose coordinators and admins edit, and whose members read. Being listed is an
-- invitation: the organisation edits once its own coordinator or admin has accepted.
CREATE TABLE coordination_document_editors (
    document_id     uuid NOT NULL REFERENCES coordination_documents (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL CONSTRAINT coordination_document_editors_organization_id_fkey
                    REFERENCES organizations (id),
    accepted_at     timestamptz,
    PRIMARY KEY (document_id, organization_id)
);
CREATE INDEX coordination_document_editors_organization ON coordination_document_editors (organization_id);

CREATE TABLE coordination_entries (
    id                           uuid PRIMARY KEY,
    document_id                  uuid NOT NULL REFERENCES coordination_documents (id) ON DELETE CASCADE,
    -- Fractional index: a new row between two others gets a key between theirs, so nothing
    -- else is renumbered. Byte order, whatever the database's collation.
    position                     text COLLATE "C" NOT NULL,
    date                         date NOT NULL,
    start_time                   time,
    end_time                     time,
    title                        text NOT NULL
                                 CONSTRAINT coordination_entries_title_check CHECK (btrim(title) <> '' AND length(title) <= 200),
    content                      text NOT NULL DEFAULT '',
    responsible_organization_ids uuid[] NOT NULL DEFAULT '{}',
    responsible_contact_ids      uuid[] NOT NULL DEFAULT '{}',
    status                       text NOT NULL
                                 CONSTRAINT coordination_entries_status_check
                                 CHECK (status IN ('planned', 'confirmed', 'done', 'cancelled')),
    updated_by                   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    version                      bigint NOT NULL DEFAULT 1,
    CONSTRAINT coordination_entries_position_key UNIQUE (document_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT coordination_entries_times_check CHECK (
        (start_time IS NOT NULL OR end_time IS NULL) AND (end_time IS NULL OR end_time > start_time))
);
CREATE TRIGGER coordination_entries_bump_version BEFORE UPDATE ON coordination_entries
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- The append-only history. `patch` turns revision n-1 into n (RFC 6902, paths into the
-- document's history form); `snapshot` holds the whole document at n, written at the first
-- revision, every 50th and at every restore, so rebuilding any revision applies at most 49
-- patches.
CREATE TABLE coordination_revisions (
    document_id uuid NOT NULL REFERENCES coordination_documents (id) ON DELETE CASCADE,
    revision    bigint NOT NULL CHECK (revision > 0),
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    action      text NOT NULL,
    entry_id    uuid,
    patch       jsonb NOT NULL CHECK (jsonb_typeof(patch) = 'array'),
    snapshot    jsonb,
    -- The ETags the change produced: {"document": "\"4\""} and/or {"entry": "\"2\""}.
    etags       jsonb NOT NULL,
    PRIMARY KEY (document_id, revision)
);

-- Only the actor may change (to NULL, when the account is deleted): history is never rewritten.
CREATE FUNCTION coordination_revisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (NEW.document_id, NEW.revision, NEW.at, NEW.action, NEW.entry_id, NEW.patch, NEW.snapshot, NEW.etags)
           IS NOT DISTINCT FROM
           (OLD.document_id, OLD.revision, OLD.at, OLD.action, OLD.entry_id, OLD.patch, OLD.snapshot, OLD.etags) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'coordination revisions are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER coordination_revisions_append_only BEFORE UPDATE ON coordination_revisions
    FOR EACH ROW EXECUTE FUNCTION coordination_revisions_append_only();

-- Announces a new revision to every listening server process, on commit.
CREATE FUNCTION coordination_revisions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coordination_revisions', NEW.document_id::text || ' ' || NEW.revision::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER coordination_revisions_notify AFTER INSERT ON coordination_revisions
    FOR EACH ROW EXECUTE FUNCTION coordination_revisions_notify();
