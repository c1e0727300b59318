-- Indicators and their values join the change feed and the removals: a public indicator and
-- a public value (approved, not confidential, of a public indicator) are upserts while public;
-- leaving public view (a value's approval withdrawn or corrected, an indicator made
-- partners-only) and deletion are removals. A value that only partners saw leaves a removal
-- for the partners, so a reporting tool pulling with `updated_since` drops it too.
ALTER TABLE changes DROP CONSTRAINT changes_resource_type_check,
    ADD CONSTRAINT changes_resource_type_check
    CHECK (resource_type IN ('organization', 'venue', 'event_series', 'event_occurrence', 'indicator', 'observation'));
ALTER TABLE webhooks DROP CONSTRAINT webhooks_event_types_check,
    ADD CONSTRAINT webhooks_event_types_check
    CHECK (cardinality(event_types) BETWEEN 1 AND 6
           AND event_types <@ ARRAY['organization', 'venue', 'event_series', 'event_occurrence', 'indicator',
                                    'observation']::text[]);

-- The owner and the parties of the linked agreements.
CREATE FUNCTION indicator_partners(owner uuid, agreement_ids uuid[]) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(DISTINCT o) FROM (
        SELECT owner AS o
        UNION SELECT organization_id FROM agreement_parties WHERE agreement_id = ANY(agreement_ids)
    ) partners
$$;

CREATE FUNCTION observation_is_public(status text, confidential boolean, indicator uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT status = 'approved' AND NOT confidential
           AND EXISTS (SELECT 1 FROM indicators WHERE id = indicator AND visibility = 'public')
$$;

CREATE FUNCTION observation_partners(indicator uuid, reporter uuid) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT array_append(indicator_partners(i.owner_organization_id, i.agreement_ids), reporter)
    FROM indicators i WHERE i.id = indicator
$$;

CREATE FUNCTION observations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_public boolean := TG_OP = 'UPDATE'
        AND observation_is_public(OLD.status, OLD.confidential, OLD.indicator_id);
    is_public boolean := observation_is_public(NEW.status, NEW.confidential, NEW.indicator_id);
BEGIN
    IF is_public THEN
        PERFORM record_upsert('observation', NEW.id, NULL, observation_partners(NEW.indicator_id, NEW.reporting_organization_id));
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'approved' THEN
        INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
        VALUES ('observation', NEW.id, 'delete', 'unpublished', was_public,
                observation_partners(NEW.indicator_id, NEW.reporting_organization_id));
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER observations_created AFTER INSERT ON observations FOR EACH ROW
    EXECUTE FUNCTION observations_changed();
CREATE TRIGGER observations_changed AFTER UPDATE ON observations FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION observations_changed();

CREATE FUNCTION observations_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
    VALUES ('observation', OLD.id, 'delete', 'deleted',
            observation_is_public(OLD.status, OLD.confidential, OLD.indicator_id),
            observation_partners(OLD.indicator_id, OLD.reporting_organization_id));
    RETURN OLD;
END;
$$;
CREATE TRIGGER observations_removed AFTER DELETE ON observations FOR EACH ROW
    EXECUTE FUNCTION observations_removed();

-- A public indicator created or changed; made partners-only, it and its public values leave
-- public view; made public, its public values enter it.
CREATE FUNCTION indicators_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    partners uuid[] := indicator_partners(NEW.owner_organization_id, NEW.agreement_ids);
    value record;
BEGIN
    IF NEW.visibility = 'public' THEN
        PERFORM record_upsert('indicator', NEW.id, NULL, partners);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.visibility IS DISTINCT FROM NEW.visibility THEN
        IF NEW.visibility <> 'public' THEN
            INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
            VALUES ('indicator', NEW.id, 'delete', 'unpublished', true, partners);
        END IF;
        FOR value IN SELECT id, reporting_organization_id FROM observations
                     WHERE indicator_id = NEW.id AND status = 'approved' AND NOT confidential LOOP
            IF NEW.visibility = 'public' THEN
                PERFORM record_upsert('observation', value.id, NULL, array_append(partners, value.reporting_organization_id));
            ELSE
                INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
                VALUES ('observation', value.id, 'delete', 'unpublished', true,
                        array_append(partners, value.reporting_organization_id));
            END IF;
        END LOOP;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER indicators_created AFTER INSERT ON indicators FOR EACH ROW
    EXECUTE FUNCTION indicators_changed();
CREATE TRIGGER indicators_changed AFTER UPDATE ON indicators FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION indicators_changed();

CREATE FUNCTION indicators_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
    VALUES ('indicator', OLD.id, 'delete', 'deleted', OLD.visibility = 'public',
            indicator_partners(OLD.owner_organization_id, OLD.agreement_ids));
    RETURN OLD;
END;
$$;
CREATE TRIGGER indicators_removed AFTER DELETE ON indicators FOR EACH ROW
    EXECUTE FUNCTION indicators_removed();
