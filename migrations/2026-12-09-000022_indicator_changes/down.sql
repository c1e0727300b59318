DROP TRIGGER indicators_removed ON indicators;
DROP FUNCTION indicators_removed();
DROP TRIGGER indicators_changed ON indicators;
DROP TRIGGER indicators_created ON indicators;
DROP FUNCTION indicators_changed();
DROP TRIGGER observations_removed ON observations;
DROP FUNCTION observations_removed();
DROP TRIGGER observations_changed ON observations;
DROP TRIGGER observations_created ON observations;
DROP FUNCTION observations_changed();
DROP FUNCTION observation_partners(uuid, uuid);
DROP FUNCTION observation_is_public(text, boolean, uuid);
DROP FUNCTION indicator_partners(uuid, uuid[]);
DELETE FROM changes WHERE resource_type IN ('indicator', 'observation');
DELETE FROM webhooks WHERE NOT event_types <@ ARRAY['organization', 'venue', 'event_series', 'event_occurrence']::text[];
ALTER TABLE webhooks DROP CONSTRAINT webhooks_event_types_check,
    ADD CONSTRAINT webhooks_event_types_check
    CHECK (cardinality(event_types) BETWEEN 1 AND 4
           AND event_types <@ ARRAY['organization', 'venue', 'event_series', 'event_occurrence']::text[]);
ALTER TABLE changes DROP CONSTRAINT changes_resource_type_check,
    ADD CONSTRAINT changes_resource_type_check
    CHECK (resource_type IN ('organization', 'venue', 'event_series', 'event_occurrence'));
