ALTER TABLE coordination_entries DROP COLUMN venue_id, DROP COLUMN event_series_id;
ALTER TABLE coordination_documents DROP CONSTRAINT coordination_documents_one_scope, DROP COLUMN event_series_id;
