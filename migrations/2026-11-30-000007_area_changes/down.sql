ALTER TABLE areas DROP COLUMN updated_at;
