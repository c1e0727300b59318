-- What is signed is what every reader of a version may see: the parties' contact persons
-- (personal data, for party members only) are kept beside the signed snapshot, not in it.
ALTER TABLE agreement_versions ADD COLUMN party_contacts jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(party_contacts) = 'array');

-- The platform's seal of a version that entered into force: a compact JWS (EdDSA, a key of
-- the JWKS) over the agreement, the version, its content hash and who signed it when.
CREATE TABLE agreement_seals (
    agreement_id uuid NOT NULL,
    version      integer NOT NULL,
    seal         text NOT NULL CHECK (seal ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
    sealed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, version),
    FOREIGN KEY (agreement_id, version) REFERENCES agreement_versions (agreement_id, number) ON DELETE CASCADE
);
CREATE TRIGGER agreement_seals_immutable BEFORE UPDATE ON agreement_seals
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
