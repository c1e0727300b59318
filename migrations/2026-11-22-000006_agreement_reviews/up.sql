-- Annual reviews of agreements (yhteistyöpalaverit) and the record of who was briefed on
-- which version's ground rules (perehdytys).

CREATE TABLE agreement_reviews (
    id                           uuid PRIMARY KEY,
    agreement_id                 uuid NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    scheduled_date               date NOT NULL,
    held_on                      date NULL,
    participant_organization_ids uuid[] NOT NULL DEFAULT '{}',
    participant_names            text[] NOT NULL DEFAULT '{}',
    agenda                       jsonb NULL CHECK (agenda IS NULL OR localized_text_is_valid(agenda)),
    findings                     jsonb NULL CHECK (findings IS NULL OR localized_text_is_valid(findings)),
    decisions                    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(decisions) = 'array'),
    outcome                      text NOT NULL CONSTRAINT agreement_reviews_outcome_check
                                 CHECK (outcome IN ('continue', 'amend', 'terminate')),
    next_review_due              date NULL,
    recorded_by                  uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    version                      bigint NOT NULL DEFAULT 1,
    CONSTRAINT agreement_reviews_next_after_review CHECK (next_review_due IS NULL OR next_review_due > scheduled_date)
);
CREATE INDEX agreement_reviews_agreement_idx ON agreement_reviews (agreement_id, scheduled_date, id);
CREATE TRIGGER agreement_reviews_bump_version BEFORE UPDATE ON agreement_reviews
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

CREATE TABLE agreement_acknowledgements (
    id              uuid PRIMARY KEY,
    agreement_id    uuid NOT NULL,
    version         integer NOT NULL,
    -- A person with an account, or a named person (a volunteer, say) without one.
    user_id         uuid NULL REFERENCES users (id) ON DELETE CASCADE,
    person_name     text NULL CHECK (person_name IS NULL OR btrim(person_name) <> ''),
    organization_id uuid NULL REFERENCES organizations (id) ON DELETE SET NULL,
    acknowledged_on date NOT NULL,
    recorded_by     uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreement_acknowledgements_version_fkey FOREIGN KEY (agreement_id, version)
        REFERENCES agreement_versions (agreement_id, number) ON DELETE CASCADE,
    CONSTRAINT agreement_acknowledgements_someone CHECK (user_id IS NOT NULL OR person_name IS NOT NULL)
);
CREATE UNIQUE INDEX agreement_acknowledgements_user_once
    ON agreement_acknowledgements (agreement_id, version, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX agreement_acknowledgements_agreement_idx ON agreement_acknowledgements (agreement_id, id);
