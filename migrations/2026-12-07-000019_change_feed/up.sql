-- The change feed (muutossyöte): one record of what changed in public view, from which both
-- `/api/v1/directory/changes` and `/api/v1/removals` answer. `removals` becomes `changes`:
-- besides what left view (`op = 'delete'`), it records what was created or changed in it
-- (`op = 'upsert'`). Written by triggers, so no code path can forget it.
ALTER TABLE removals RENAME TO changes;
ALTER INDEX removals_pkey RENAME TO changes_pkey;
ALTER INDEX removals_removed_at_idx RENAME TO changes_changed_at_idx;
DROP INDEX removals_public_idx;
ALTER TABLE changes RENAME COLUMN removed_at TO changed_at;
ALTER TABLE changes RENAME CONSTRAINT removals_resource_type_check TO changes_resource_type_check;
ALTER TABLE changes DROP CONSTRAINT changes_resource_type_check,
    ADD CONSTRAINT changes_resource_type_check
    CHECK (resource_type IN ('organization', 'venue', 'event_series', 'event_occurrence'));
ALTER SEQUENCE removals_id_seq RENAME TO changes_id_seq;
ALTER TABLE changes ADD COLUMN op text NOT NULL DEFAULT 'delete'
    CONSTRAINT changes_op_check CHECK (op IN ('upsert', 'delete'));
ALTER TABLE changes ALTER COLUMN op DROP DEFAULT;
ALTER TABLE changes ALTER COLUMN reason DROP NOT NULL;
ALTER TABLE changes ADD CONSTRAINT changes_reason_of_deletes CHECK ((op = 'delete') = (reason IS NOT NULL));

-- The removals, as before, now saying that they are.
CREATE OR REPLACE FUNCTION venues_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
    VALUES ('venue', OLD.id, 'delete', 'deleted', true, ARRAY[OLD.owner_organization_id]);
    RETURN OLD;
END;
$$;

CREATE OR REPLACE FUNCTION event_series_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (resource_type, resource_id, series_id, op, reason, public, organization_ids)
    VALUES ('event_series', OLD.id, OLD.id, 'delete', 'deleted', OLD.publication_status = 'published',
            series_organizations(OLD.id, OLD.publisher_id));
    RETURN OLD;
END;
$$;

CREATE OR REPLACE FUNCTION event_series_unpublished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (resource_type, resource_id, series_id, op, reason, public, organization_ids)
    VALUES ('event_series', NEW.id, NEW.id, 'delete', 'unpublished', true,
            series_organizations(NEW.id, NEW.publisher_id));
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION event_occurrences_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    series event_series%ROWTYPE;
BEGIN
    SELECT * INTO series FROM event_series WHERE id = OLD.series_id;
    IF FOUND THEN
        INSERT INTO changes (resource_type, resource_id, series_id, op, reason, public, organization_ids)
        VALUES ('event_occurrence', OLD.id, OLD.series_id, 'delete', 'deleted',
                series.publication_status = 'published', series_organizations(series.id, series.publisher_id));
    ELSE
        INSERT INTO changes (resource_type, resource_id, series_id, op, reason, public)
        VALUES ('event_occurrence', OLD.id, OLD.series_id, 'delete', 'deleted', false);
    END IF;
    RETURN OLD;
END;
$$;

-- The position in the feed, from the audit log's sequence, given when the writing transaction
-- commits, one committer at a time: so positions are in commit order, and a reader who has
-- seen position N has seen every change below N, whichever transaction began first. (Given
-- when a change is written, a transaction that began earlier but committed later would appear
-- below a position a reader had already passed, and be skipped.) NULL only until the commit,
-- which no other transaction sees.
ALTER TABLE changes ADD COLUMN seq bigint;
UPDATE changes c SET seq = ordered.seq
FROM (SELECT id, nextval('audit_log_seq_seq') AS seq FROM (SELECT id FROM changes ORDER BY id) o) ordered
WHERE ordered.id = c.id;
CREATE UNIQUE INDEX changes_seq_idx ON changes (seq);
CREATE INDEX changes_public_seq_idx ON changes (seq) WHERE public;
CREATE INDEX changes_public_deletes_idx ON changes (seq) WHERE public AND op = 'delete';

CREATE FUNCTION changes_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Held until this transaction's commit is visible: the next committer's positions are
    -- greater than all of this one's.
    PERFORM pg_advisory_xact_lock(4155306289);
    UPDATE changes SET seq = nextval('audit_log_seq_seq'), changed_at = clock_timestamp() WHERE id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER changes_sequence AFTER INSERT ON changes DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION changes_sequence();

-- Positions below this one were deleted after the retention period: a reader behind it must
-- read the lists again.
CREATE TABLE change_horizon (
    singleton      boolean PRIMARY KEY DEFAULT true CONSTRAINT change_horizon_singleton CHECK (singleton),
    pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO change_horizon DEFAULT VALUES;

-- One upsert per resource and transaction is enough (the mirror reads the resource after the
-- commit), unless it was removed since within the transaction. A row without a position is
-- this transaction's own: no other one sees it.
CREATE INDEX changes_pending_idx ON changes (resource_id) WHERE seq IS NULL;
CREATE FUNCTION record_upsert(kind text, resource uuid, series uuid, organizations uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT c.op FROM changes c WHERE c.resource_id = resource AND c.resource_type = kind AND c.seq IS NULL
        ORDER BY c.id DESC LIMIT 1) IS DISTINCT FROM 'upsert' THEN
        INSERT INTO changes (resource_type, resource_id, series_id, op, public, organization_ids)
        VALUES (kind, resource, series, 'upsert', true, organizations);
    END IF;
END;
$$;

-- Created or changed in public view. Organisations and venues are public directory data.
CREATE FUNCTION organizations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_upsert('organization', NEW.id, NULL, ARRAY[NEW.id]);
    RETURN NEW;
END;
$$;
CREATE TRIGGER organizations_created AFTER INSERT ON organizations FOR EACH ROW
    EXECUTE FUNCTION organizations_changed();
CREATE TRIGGER organizations_changed AFTER UPDATE ON organizations FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION organizations_changed();

CREATE FUNCTION organizations_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
    VALUES ('organization', OLD.id, 'delete', 'deleted', true, ARRAY[OLD.id]);
    RETURN OLD;
END;
$$;
CREATE TRIGGER organizations_removed AFTER DELETE ON organizations FOR EACH ROW
    EXECUTE FUNCTION organizations_removed();

CREATE FUNCTION venues_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_upsert('venue', NEW.id, NULL, ARRAY[NEW.owner_organization_id]);
    RETURN NEW;
END;
$$;
CREATE TRIGGER venues_created AFTER INSERT ON venues FOR EACH ROW EXECUTE FUNCTION venues_changed();
CREATE TRIGGER venues_changed AFTER UPDATE ON venues FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION venues_changed();

-- A published series, created, changed or published; setting it back to draft is a removal
-- (`event_series_unpublished`).
CREATE FUNCTION event_series_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_upsert('event_series', NEW.id, NEW.id, series_organizations(NEW.id, NEW.publisher_id));
    RETURN NEW;
END;
$$;
CREATE TRIGGER event_series_created AFTER INSERT ON event_series FOR EACH ROW
    WHEN (NEW.publication_status = 'published') EXECUTE FUNCTION event_series_changed();
CREATE TRIGGER event_series_changed AFTER UPDATE ON event_series FOR EACH ROW
    WHEN (NEW.publication_status = 'published' AND OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION event_series_changed();

-- A published series' organisers are part of it: one accepting or leaving changes it.
CREATE FUNCTION event_series_organizers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    series_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.series_id ELSE NEW.series_id END;
    series event_series%ROWTYPE;
BEGIN
    SELECT * INTO series FROM event_series s WHERE s.id = series_id AND s.publication_status = 'published';
    IF FOUND THEN
        PERFORM record_upsert('event_series', series.id, series.id, series_organizations(series.id, series.publisher_id));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER event_series_organizers_changed AFTER INSERT OR UPDATE OR DELETE ON event_series_organizers
    FOR EACH ROW EXECUTE FUNCTION event_series_organizers_changed();

-- An occurrence of a published series, created, moved, cancelled or published with its
-- series. When the series leaves view, its removal stands for its occurrences.
CREATE FUNCTION event_occurrences_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    series event_series%ROWTYPE;
BEGIN
    SELECT * INTO series FROM event_series WHERE id = NEW.series_id;
    PERFORM record_upsert('event_occurrence', NEW.id, NEW.series_id, series_organizations(series.id, series.publisher_id));
    RETURN NEW;
END;
$$;
CREATE TRIGGER event_occurrences_created AFTER INSERT ON event_occurrences FOR EACH ROW
    WHEN (NEW.published) EXECUTE FUNCTION event_occurrences_changed();
CREATE TRIGGER event_occurrences_changed AFTER UPDATE ON event_occurrences FOR EACH ROW
    WHEN (NEW.published AND OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION event_occurrences_changed();
