-- Partnership agreements (kumppanuussopimukset): the working copy in `agreements`, the
-- parties relationally (authorisation and filters need them), frozen versions with their
-- content hashes, and append-only signatures.

-- Are all five collective-impact principles documented?
CREATE FUNCTION ci_principles_are_complete(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT count(DISTINCT e ->> 'principle') = 5
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p) = 'array' THEN p ELSE '[]'::jsonb END) AS e
    WHERE e ->> 'principle' IN ('common_agenda', 'shared_measurement', 'mutually_reinforcing_activities',
                                'continuous_communication', 'backbone_support')
$$;

CREATE TABLE agreements (
    id                  uuid PRIMARY KEY,
    code                text NOT NULL CONSTRAINT agreements_code_key UNIQUE
                        CONSTRAINT agreements_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$'),
    title               jsonb NOT NULL CONSTRAINT agreements_title_check CHECK (localized_text_is_valid(title)),
    purpose             jsonb NOT NULL CONSTRAINT agreements_purpose_check CHECK (localized_text_is_valid(purpose)),
    start_date          date NOT NULL,
    end_date            date NOT NULL,
    max_extension_date  date NULL,
    -- Stored lifecycle state; `expired` is derived from end_date when reading.
    status              text NOT NULL DEFAULT 'draft' CONSTRAINT agreements_status_check
                        CHECK (status IN ('draft', 'negotiation', 'awaiting_signatures', 'active', 'terminated', 'cancelled')),
    status_comment      text NULL,
    -- The version in force (signed by every signing party).
    current_version     integer NULL,
    -- An amendment being prepared while current_version stays in force.
    amendment_status    text NULL CONSTRAINT agreements_amendment_status_check
                        CHECK (amendment_status IN ('draft', 'negotiation', 'awaiting_signatures')),
    amendment_rationale text NULL,
    visibility          text NOT NULL DEFAULT 'parties' CONSTRAINT agreements_visibility_check
                        CHECK (visibility IN ('parties', 'public')),
    tasks               jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tasks) = 'array'),
    ground_rules        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(ground_rules) = 'object'),
    ci_principles       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(ci_principles) = 'array'),
    ci_principles_complete boolean GENERATED ALWAYS AS (ci_principles_are_complete(ci_principles)) STORED,
    cost_sharing        jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(cost_sharing) = 'array'),
    review_cycle_months integer NOT NULL DEFAULT 12 CONSTRAINT agreements_review_cycle_check
                        CHECK (review_cycle_months BETWEEN 1 AND 60),
    review_next_due     date NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             bigint NOT NULL DEFAULT 1,
    CONSTRAINT agreements_period_check CHECK (end_date >= start_date),
    CONSTRAINT agreements_extension_check CHECK (max_extension_date IS NULL OR max_extension_date >= end_date),
    CONSTRAINT agreements_amendment_only_when_active CHECK (
        amendment_status IS NULL OR (status = 'active' AND current_version IS NOT NULL AND amendment_rationale IS NOT NULL))
);
CREATE TRIGGER agreements_bump_version BEFORE UPDATE ON agreements FOR EACH ROW EXECUTE FUNCTION bump_row_version();
CREATE INDEX agreements_status_idx ON agreements (status, id);
CREATE INDEX agreements_period_idx ON agreements (start_date, end_date);
CREATE INDEX agreements_review_idx ON agreements (review_next_due) WHERE review_next_due IS NOT NULL;
CREATE INDEX agreements_updated_idx ON agreements (updated_at, id);
CREATE INDEX agreements_search_idx ON agreements USING gin (localized_search_vector(title));

CREATE TABLE agreement_parties (
    agreement_id    uuid NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL CONSTRAINT agreement_parties_organization_id_fkey REFERENCES organizations (id),
    position        integer NOT NULL,
    roles           text[] NOT NULL CONSTRAINT agreement_parties_roles_check CHECK (
                        cardinality(roles) > 0
                        AND roles <@ ARRAY['backbone', 'partner', 'premises_host', 'funder', 'subsidised_ngo']::text[]),
    must_sign       boolean NOT NULL DEFAULT true,
    contact_ids     uuid[] NOT NULL DEFAULT '{}',
    CONSTRAINT agreement_parties_pkey PRIMARY KEY (agreement_id, organization_id)
);
CREATE INDEX agreement_parties_organization_idx ON agreement_parties (organization_id, agreement_id);

CREATE TABLE agreement_versions (
    agreement_id uuid NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    number       integer NOT NULL CHECK (number > 0),
    -- The frozen agreement; content_hash is the SHA-256 of its RFC 8785 canonical form.
    snapshot     jsonb NOT NULL,
    content_hash text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    rationale    text NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, number)
);

CREATE TABLE agreement_signatures (
    id              uuid PRIMARY KEY,
    agreement_id    uuid NOT NULL,
    version         integer NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    content_hash    text NOT NULL,
    signatory_name  text NOT NULL CHECK (btrim(signatory_name) <> ''),
    signatory_title text NOT NULL CHECK (btrim(signatory_title) <> ''),
    method          text NOT NULL CONSTRAINT agreement_signatures_method_check
                    CHECK (method IN ('electronic', 'board_decision', 'scan')),
    decision_ref    text NULL,
    signed_by       uuid NULL REFERENCES users (id),
    signed_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreement_signatures_version_fkey FOREIGN KEY (agreement_id, version)
        REFERENCES agreement_versions (agreement_id, number),
    CONSTRAINT agreement_signatures_once_per_party UNIQUE (agreement_id, version, organization_id)
);

-- Frozen versions and signatures never change.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER agreement_versions_immutable BEFORE UPDATE ON agreement_versions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER agreement_signatures_append_only BEFORE UPDATE OR DELETE ON agreement_signatures
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
