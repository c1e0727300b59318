DROP TABLE agreement_seals;
ALTER TABLE agreement_versions DROP COLUMN party_contacts;
