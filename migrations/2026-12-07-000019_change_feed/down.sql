DROP TRIGGER event_occurrences_changed ON event_occurrences;
DROP TRIGGER event_occurrences_created ON event_occurrences;
DROP FUNCTION event_occurrences_changed();
DROP TRIGGER event_series_organizers_changed ON event_series_organizers;
DROP FUNCTION event_series_organizers_changed();
DROP TRIGGER event_series_changed ON event_series;
DROP TRIGGER event_series_created ON event_series;
DROP FUNCTION event_series_changed();
DROP TRIGGER venues_changed ON venues;
DROP TRIGGER venues_created ON venues;
DROP FUNCTION venues_changed();
DROP TRIGGER organizations_removed ON organizations;
DROP FUNCTION organizations_removed();
DROP TRIGGER organizations_changed ON organizations;
DROP TRIGGER organizations_created ON organizations;
DROP FUNCTION organizations_changed();
DROP FUNCTION record_upsert(text, uuid, uuid, uuid[]);
DROP INDEX changes_pending_idx;
DROP TABLE change_horizon;
CREATE OR REPLACE FUNCTION venues_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removals (resource_type, resource_id, reason, public, organization_ids)
    VALUES ('venue', OLD.id, 'deleted', true, ARRAY[OLD.owner_organization_id]);
    RETURN OLD;
END;
$$;
CREATE OR REPLACE FUNCTION event_series_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removals (resource_type, resource_id, series_id, reason, public, organization_ids)
    VALUES ('event_series', OLD.id, OLD.id, 'deleted', OLD.publication_status = 'published',
            series_organizations(OLD.id, OLD.publisher_id));
    RETURN OLD;
END;
$$;
CREATE OR REPLACE FUNCTION event_series_unpublished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removals (resource_type, resource_id, series_id, reason, public, organization_ids)
    VALUES ('event_series', NEW.id, NEW.id, 'unpublished', true, series_organizations(NEW.id, NEW.publisher_id));
    RETURN NEW;
END;
$$;
CREATE OR REPLACE FUNCTION event_occurrences_removed() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER changes_sequence ON changes;
DROP FUNCTION changes_sequence();
DELETE FROM changes WHERE op = 'upsert' OR resource_type = 'organization';
DROP INDEX changes_public_deletes_idx;
DROP INDEX changes_public_seq_idx;
DROP INDEX changes_seq_idx;
ALTER TABLE changes DROP COLUMN seq;
ALTER TABLE changes DROP CONSTRAINT changes_reason_of_deletes;
ALTER TABLE changes ALTER COLUMN reason SET NOT NULL;
ALTER TABLE changes DROP COLUMN op;
ALTER SEQUENCE changes_id_seq RENAME TO removals_id_seq;
ALTER TABLE changes DROP CONSTRAINT changes_resource_type_check,
    ADD CONSTRAINT removals_resource_type_check
    CHECK (resource_type IN ('venue', 'event_series', 'event_occurrence'));
ALTER TABLE changes RENAME COLUMN changed_at TO removed_at;
CREATE INDEX removals_public_idx ON changes (id) WHERE public;
ALTER INDEX changes_changed_at_idx RENAME TO removals_removed_at_idx;
ALTER INDEX changes_pkey RENAME TO removals_pkey;
ALTER TABLE changes RENAME TO removals;
