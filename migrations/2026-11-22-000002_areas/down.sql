DROP FUNCTION area_exists(text, text, date);
DROP TABLE areas;
