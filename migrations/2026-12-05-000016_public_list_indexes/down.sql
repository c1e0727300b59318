DROP INDEX contacts_public_idx;
DROP INDEX removals_public_idx;
DROP INDEX event_series_published_idx;
DROP INDEX agreements_public_idx;
