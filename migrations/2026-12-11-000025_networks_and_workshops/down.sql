DROP TRIGGER networks_removed ON networks;
DROP FUNCTION networks_removed();
DROP TRIGGER networks_changed ON networks;
DROP TRIGGER networks_created ON networks;
DROP FUNCTION networks_changed();
DELETE FROM changes WHERE resource_type = 'network';
DELETE FROM webhooks WHERE event_types = ARRAY['network'];
UPDATE webhooks SET event_types = array_remove(event_types, 'network') WHERE 'network' = ANY(event_types);
ALTER TABLE webhooks DROP CONSTRAINT webhooks_event_types_check,
    ADD CONSTRAINT webhooks_event_types_check
    CHECK (cardinality(event_types) BETWEEN 1 AND 6
           AND event_types <@ ARRAY['organization', 'venue', 'event_series', 'event_occurrence', 'indicator',
                                    'observation']::text[]);
ALTER TABLE changes DROP CONSTRAINT changes_resource_type_check,
    ADD CONSTRAINT changes_resource_type_check
    CHECK (resource_type IN ('organization', 'venue', 'event_series', 'event_occurrence', 'indicator', 'observation'));
DROP FUNCTION action_host_ids(uuid, uuid, boolean);
DROP FUNCTION meeting_is_public(uuid, uuid);
DROP FUNCTION meeting_host_ids(uuid, uuid, boolean);
DROP FUNCTION workshop_organization_ids(uuid, boolean);
DROP FUNCTION network_member_ids(uuid, boolean);
DROP TABLE actions;
DROP TABLE meetings;
DROP TABLE workshop_artefacts;
DROP TRIGGER challenge_votes_limit_check ON challenge_votes;
DROP FUNCTION challenge_votes_within_limit();
DROP TABLE challenge_votes;
DROP TABLE workshop_challenges;
DROP TABLE workshop_phenomena;
DROP TABLE workshop_organizations;
DROP TABLE workshops;
DROP TABLE network_requests;
DROP TRIGGER network_members_coordinator_check ON network_members;
DROP FUNCTION network_keeps_a_coordinator();
DROP TABLE network_members;
DROP TABLE networks;
