-- Anonymous callers see only what is public: their first pages read these indexes, which
-- hold nothing else, so a page costs the same however many private rows there are.
CREATE INDEX agreements_public_idx ON agreements (id) WHERE visibility = 'public';
CREATE INDEX event_series_published_idx ON event_series (id) WHERE publication_status = 'published';
CREATE INDEX removals_public_idx ON removals (id) WHERE public;
CREATE INDEX contacts_public_idx ON contacts (organization_id, id) WHERE visibility = 'public' AND erased_at IS NULL;
