DROP TABLE phenomena;
DROP TABLE phenomenon_themes;
