DROP TABLE agreement_signatures;
DROP TABLE agreement_versions;
DROP FUNCTION forbid_change();
DROP TABLE agreement_parties;
DROP TABLE agreements;
DROP FUNCTION ci_principles_are_complete(jsonb);
