-- E-mail addresses are stored normalised, and compared as stored: the same normalisation in
-- Rust and here (trim spaces, lowercase ASCII letters only), so a lookup, a uniqueness check
-- and the login limiter can never disagree about which account an address names.
CREATE FUNCTION normalized_email(address text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(btrim(address, ' '), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');

UPDATE users SET email = normalized_email(email) WHERE email <> normalized_email(email);
DROP INDEX users_email_key;
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email),
    ADD CONSTRAINT users_email_normalized CHECK (email = normalized_email(email));
UPDATE invitations SET email = normalized_email(email) WHERE email <> normalized_email(email);
ALTER TABLE invitations ADD CONSTRAINT invitations_email_normalized CHECK (email = normalized_email(email));

-- Mail waiting for delivery. A message is deleted once delivered: it may carry a single-use
-- token, and its recipient is personal data. Undeliverable messages lose their body.
CREATE TABLE mail_outbox (
    id              uuid PRIMARY KEY,
    recipient       text NOT NULL CHECK (recipient ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(recipient) <= 254),
    subject         text NOT NULL CHECK (length(subject) <= 200),
    body            text NULL,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NULL,
    failed_at       timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_outbox_failed_without_body CHECK (failed_at IS NULL OR body IS NULL),
    CONSTRAINT mail_outbox_pending_with_body CHECK (failed_at IS NOT NULL OR body IS NOT NULL)
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE failed_at IS NULL;

-- Who must sign a version is decided when it is frozen: its signing parties, every party that
-- signed the version in force, and every party whose obligations it changes.
ALTER TABLE agreement_versions DISABLE TRIGGER agreement_versions_immutable;
ALTER TABLE agreement_versions ADD COLUMN required_signers uuid[] NOT NULL DEFAULT '{}';
UPDATE agreement_versions v SET required_signers = coalesce((
    SELECT array_agg((p ->> 'organization_id')::uuid)
    FROM jsonb_array_elements(v.snapshot -> 'parties') p
    WHERE coalesce((p ->> 'must_sign')::boolean, true)), '{}');
ALTER TABLE agreement_versions ENABLE TRIGGER agreement_versions_immutable;
ALTER TABLE agreement_versions ADD CONSTRAINT agreement_versions_someone_signs
    CHECK (cardinality(required_signers) > 0);

-- The organisation that created the agreement: before anyone has signed, it may remove
-- parties it named.
ALTER TABLE agreements ADD COLUMN created_by_organization_id uuid NULL
    REFERENCES organizations (id) ON DELETE SET NULL;
UPDATE agreements a SET created_by_organization_id = (
    SELECT p.organization_id FROM agreement_parties p WHERE p.agreement_id = a.id ORDER BY p.position LIMIT 1);

-- Review participants are contact persons, referenced, not copied: erasing a contact erases
-- them from every review. Names copied into earlier reviews and their audit entries go.
ALTER TABLE agreement_reviews ADD COLUMN participant_contact_ids uuid[] NOT NULL DEFAULT '{}',
    DROP COLUMN participant_names;
UPDATE audit_log SET diff = diff #- '{after,participant_names}' #- '{before,participant_names}'
    WHERE resource_type = 'agreement_review';

-- An acknowledgement names an account, a contact person, or (a volunteer without either) a
-- name, which is erased by deleting the acknowledgement.
ALTER TABLE agreement_acknowledgements ADD COLUMN contact_id uuid NULL REFERENCES contacts (id),
    DROP CONSTRAINT agreement_acknowledgements_someone,
    ADD CONSTRAINT agreement_acknowledgements_someone
        CHECK (num_nonnulls(user_id, contact_id, person_name) = 1);
CREATE UNIQUE INDEX agreement_acknowledgements_contact_once
    ON agreement_acknowledgements (agreement_id, version, contact_id) WHERE contact_id IS NOT NULL;

-- The organisations an agreement concerns: its parties as edited now, the parties of the
-- version in force (a party an amendment would remove is bound until it is signed), and the
-- required signers of a version being signed.
CREATE VIEW agreement_concerned_organizations (agreement_id, organization_id) AS
SELECT agreement_id, organization_id FROM agreement_parties
UNION
SELECT v.agreement_id, (p ->> 'organization_id')::uuid
FROM agreements a
JOIN agreement_versions v ON v.agreement_id = a.id AND v.number = a.current_version
CROSS JOIN LATERAL jsonb_array_elements(v.snapshot -> 'parties') p
UNION
SELECT v.agreement_id, s.organization_id
FROM agreements a
JOIN agreement_versions v ON v.agreement_id = a.id
    AND v.number = (SELECT max(l.number) FROM agreement_versions l WHERE l.agreement_id = a.id)
CROSS JOIN LATERAL unnest(v.required_signers) s (organization_id)
WHERE a.status = 'awaiting_signatures' OR a.amendment_status = 'awaiting_signatures';
