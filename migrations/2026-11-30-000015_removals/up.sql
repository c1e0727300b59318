-- What left the view of a puller: an integration that pulls `updated_since` hears of a venue,
-- series or occurrence deleted, or of a series withdrawn from publication, here. Written by
-- triggers, so no code path can forget it. `public`: it was visible to everyone; otherwise
-- only the organisations in `organization_ids` hear of it.
CREATE TABLE removals (
    id               bigserial PRIMARY KEY,
    resource_type    text NOT NULL CONSTRAINT removals_resource_type_check
                     CHECK (resource_type IN ('venue', 'event_series', 'event_occurrence')),
    resource_id      uuid NOT NULL,
    series_id        uuid,
    reason           text NOT NULL CONSTRAINT removals_reason_check CHECK (reason IN ('deleted', 'unpublished')),
    public           boolean NOT NULL,
    organization_ids uuid[] NOT NULL DEFAULT '{}',
    removed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX removals_removed_at_idx ON removals (removed_at, id);

-- A series' organisations: the publisher and everyone named.
CREATE FUNCTION series_organizations(series uuid, publisher uuid) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(DISTINCT o) FROM (
        SELECT publisher AS o
        UNION SELECT organization_id FROM event_series_organizers WHERE series_id = series) named
$$;

CREATE FUNCTION venues_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removals (resource_type, resource_id, reason, public, organization_ids)
    VALUES ('venue', OLD.id, 'deleted', true, ARRAY[OLD.owner_organization_id]);
    RETURN OLD;
END;
$$;
CREATE TRIGGER venues_removed AFTER DELETE ON venues FOR EACH ROW EXECUTE FUNCTION venues_removed();

-- Before the delete: the organisers are still there to name.
CREATE FUNCTION event_series_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removals (resource_type, resource_id, series_id, reason, public, organization_ids)
    VALUES ('event_series', OLD.id, OLD.id, 'deleted', OLD.publication_status = 'published',
            series_organizations(OLD.id, OLD.publisher_id));
    RETURN OLD;
END;
$$;
CREATE TRIGGER event_series_removed BEFORE DELETE ON event_series FOR EACH ROW EXECUTE FUNCTION event_series_removed();

CREATE FUNCTION event_series_unpublished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removals (resource_type, resource_id, series_id, reason, public, organization_ids)
    VALUES ('event_series', NEW.id, NEW.id, 'unpublished', true, series_organizations(NEW.id, NEW.publisher_id));
    RETURN NEW;
END;
$$;
CREATE TRIGGER event_series_unpublished AFTER UPDATE OF publication_status ON event_series FOR EACH ROW
    WHEN (OLD.publication_status = 'published' AND NEW.publication_status <> 'published')
    EXECUTE FUNCTION event_series_unpublished();

-- An occurrence the schedule no longer has. When its whole series is deleted, the series'
-- removal stands for it (the series is gone by then: not public, no organisations).
CREATE FUNCTION event_occurrences_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    series event_series%ROWTYPE;
BEGIN
    SELECT * INTO series FROM event_series WHERE id = OLD.series_id;
    IF FOUND THEN
        INSERT INTO removals (resource_type, resource_id, series_id, reason, public, organization_ids)
        VALUES ('event_occurrence', OLD.id, OLD.series_id, 'deleted', series.publication_status = 'published',
                series_organizations(series.id, series.publisher_id));
    ELSE
        INSERT INTO removals (resource_type, resource_id, series_id, reason, public)
        VALUES ('event_occurrence', OLD.id, OLD.series_id, 'deleted', false);
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER event_occurrences_removed AFTER DELETE ON event_occurrences FOR EACH ROW
    EXECUTE FUNCTION event_occurrences_removed();
