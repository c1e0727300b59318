DROP TABLE observation_history;
DROP TABLE observations;
DROP TABLE indicator_versions;
DROP TABLE indicators;
