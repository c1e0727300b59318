DROP VIEW agreement_concerned_organizations;
ALTER TABLE agreement_acknowledgements DROP CONSTRAINT agreement_acknowledgements_someone;
DROP INDEX agreement_acknowledgements_contact_once;
ALTER TABLE agreement_acknowledgements DROP COLUMN contact_id,
    ADD CONSTRAINT agreement_acknowledgements_someone CHECK (user_id IS NOT NULL OR person_name IS NOT NULL);
ALTER TABLE agreement_reviews DROP COLUMN participant_contact_ids,
    ADD COLUMN participant_names text[] NOT NULL DEFAULT '{}';
ALTER TABLE agreements DROP COLUMN created_by_organization_id;
ALTER TABLE agreement_versions DROP CONSTRAINT agreement_versions_someone_signs, DROP COLUMN required_signers;
DROP TABLE mail_outbox;
ALTER TABLE invitations DROP CONSTRAINT invitations_email_normalized;
ALTER TABLE users DROP CONSTRAINT users_email_normalized, DROP CONSTRAINT users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
DROP FUNCTION normalized_email(text);
