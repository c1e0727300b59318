-- Whether an occurrence's series is published, kept on the occurrence itself: the public list
-- of what is on then reads an index of published occurrences alone, however many occurrences
-- drafts hold. Triggers keep the flag equal to its series' status; nothing else writes it.
ALTER TABLE event_occurrences ADD COLUMN published boolean NOT NULL DEFAULT false;
UPDATE event_occurrences o SET published = true
FROM event_series s WHERE s.id = o.series_id AND s.publication_status = 'published';

CREATE FUNCTION event_occurrences_take_publication() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.published := EXISTS (
        SELECT 1 FROM event_series s WHERE s.id = NEW.series_id AND s.publication_status = 'published');
    RETURN NEW;
END $$;
CREATE TRIGGER event_occurrences_publication BEFORE INSERT OR UPDATE OF series_id, published ON event_occurrences
    FOR EACH ROW EXECUTE FUNCTION event_occurrences_take_publication();

CREATE FUNCTION event_series_pass_publication() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_occurrences SET published = (NEW.publication_status = 'published') WHERE series_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER event_series_publication AFTER UPDATE OF publication_status ON event_series
    FOR EACH ROW WHEN (OLD.publication_status IS DISTINCT FROM NEW.publication_status)
    EXECUTE FUNCTION event_series_pass_publication();

CREATE INDEX event_occurrences_published_start_idx ON event_occurrences (starts_at, id) WHERE published;
CREATE INDEX event_occurrences_published_county_idx ON event_occurrences (wellbeing_county_code, starts_at, id)
    WHERE published;
CREATE INDEX event_occurrences_published_municipality_idx ON event_occurrences (municipality_code, starts_at, id)
    WHERE published;
