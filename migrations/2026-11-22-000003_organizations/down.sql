DROP TABLE organizations;
DROP FUNCTION organizations_check_areas();
