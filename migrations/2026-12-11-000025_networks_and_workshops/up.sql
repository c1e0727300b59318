-- Networks (verkostot), their meetings, workshops (ilmiöpajat, Hukkapaja, Ratkaisupaja) and the
-- follow-up actions both produce (seeds 000, 001, 003 and 004). An organisation is a member of
-- a network only by its own act: an invitation its org admin accepts, or a request to join the
-- network's coordinator approves. Nothing here holds residents' personal data: attendance is
-- counted per organisation, client cases are anonymised, votes are by signed-in users.

CREATE TABLE networks (
    id                uuid PRIMARY KEY,
    name              jsonb NOT NULL CONSTRAINT networks_name_check CHECK (localized_text_is_valid(name)),
    purpose           jsonb NULL CONSTRAINT networks_purpose_check CHECK (purpose IS NULL OR localized_text_is_valid(purpose)),
    kind              text NOT NULL CONSTRAINT networks_kind_check
                      CHECK (kind IN ('hyte_network', 'ngo_advisory_board', 'theme_network', 'other')),
    -- A theme network of an advisory board, say; set only by a coordinator of the parent.
    parent_network_id uuid NULL CONSTRAINT networks_parent_network_id_fkey REFERENCES networks (id),
    county_code       text NULL CONSTRAINT networks_county_code_check CHECK (county_code ~ '^[0-9]{2}$'),
    municipality_codes text[] NOT NULL DEFAULT '{}' CONSTRAINT networks_municipality_codes_check
                      CHECK (cardinality(municipality_codes) <= 100 AND array_position(municipality_codes, NULL) IS NULL),
    visibility        text NOT NULL CONSTRAINT networks_visibility_check CHECK (visibility IN ('public', 'members')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           bigint NOT NULL DEFAULT 1,
    CONSTRAINT networks_not_own_parent CHECK (parent_network_id <> id)
);
CREATE INDEX networks_public_idx ON networks (id) WHERE visibility = 'public';
CREATE INDEX networks_parent_idx ON networks (parent_network_id) WHERE parent_network_id IS NOT NULL;
CREATE TRIGGER networks_bump_version BEFORE UPDATE ON networks FOR EACH ROW EXECUTE FUNCTION bump_row_version();

CREATE TABLE network_members (
    network_id      uuid NOT NULL CONSTRAINT network_members_network_id_fkey REFERENCES networks (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL CONSTRAINT network_members_organization_id_fkey REFERENCES organizations (id),
    role            text NOT NULL CONSTRAINT network_members_role_check CHECK (role IN ('coordinator', 'member')),
    -- The member's own contact persons for the network (contacts of that organisation).
    contact_ids     uuid[] NOT NULL DEFAULT '{}' CONSTRAINT network_members_contact_ids_check
                    CHECK (cardinality(contact_ids) <= 20 AND array_position(contact_ids, NULL) IS NULL),
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, organization_id)
);
CREATE INDEX network_members_organization_idx ON network_members (organization_id);

-- A network always has a coordinator while it exists.
CREATE FUNCTION network_keeps_a_coordinator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM networks WHERE id = OLD.network_id)
       AND NOT EXISTS (SELECT 1 FROM network_members WHERE network_id = OLD.network_id AND role = 'coordinator') THEN
        RAISE EXCEPTION 'a network keeps a coordinator'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'network_members_coordinator_check';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER network_members_coordinator_check AFTER UPDATE OR DELETE ON network_members
    FOR EACH ROW EXECUTE FUNCTION network_keeps_a_coordinator();

-- Invitations (the network asks; the organisation's org admin accepts) and requests to join
-- (the organisation asks; the network's coordinator approves).
CREATE TABLE network_requests (
    id              uuid PRIMARY KEY,
    network_id      uuid NOT NULL CONSTRAINT network_requests_network_id_fkey REFERENCES networks (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL CONSTRAINT network_requests_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    kind            text NOT NULL CONSTRAINT network_requests_kind_check CHECK (kind IN ('invitation', 'join_request')),
    role            text NOT NULL CONSTRAINT network_requests_role_check CHECK (role IN ('coordinator', 'member')),
    status          text NOT NULL DEFAULT 'pending' CONSTRAINT network_requests_status_check
                    CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_by      uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz NULL,
    version         bigint NOT NULL DEFAULT 1,
    CONSTRAINT network_requests_decided_check CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX network_requests_pending_key ON network_requests (network_id, organization_id) WHERE status = 'pending';
CREATE INDEX network_requests_organization_idx ON network_requests (organization_id);

CREATE TABLE workshops (
    id                  uuid PRIMARY KEY,
    kind                text NOT NULL CONSTRAINT workshops_kind_check
                        CHECK (kind IN ('phenomenon_workshop', 'waste_workshop', 'solution_workshop', 'other')),
    title               jsonb NOT NULL CONSTRAINT workshops_title_check CHECK (localized_text_is_valid(title)),
    description         jsonb NULL CONSTRAINT workshops_description_check
                        CHECK (description IS NULL OR localized_text_is_valid(description)),
    date                date NOT NULL,
    venue_id            uuid NULL CONSTRAINT workshops_venue_id_fkey REFERENCES venues (id) ON DELETE SET NULL,
    network_id          uuid NULL CONSTRAINT workshops_network_id_fkey REFERENCES networks (id) ON DELETE SET NULL,
    -- A solution workshop follows the waste workshop whose challenges it works out.
    follows_workshop_id uuid NULL CONSTRAINT workshops_follows_workshop_id_fkey REFERENCES workshops (id) ON DELETE SET NULL,
    -- Anonymised client cases discussed: [{title, description}].
    client_cases        jsonb NOT NULL DEFAULT '[]' CONSTRAINT workshops_client_cases_check
                        CHECK (jsonb_typeof(client_cases) = 'array' AND jsonb_array_length(client_cases) <= 20),
    votes_per_person    integer NOT NULL DEFAULT 3 CONSTRAINT workshops_votes_per_person_check
                        CHECK (votes_per_person BETWEEN 1 AND 20),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             bigint NOT NULL DEFAULT 1,
    CONSTRAINT workshops_not_own_follower CHECK (follows_workshop_id <> id)
);
CREATE INDEX workshops_date_idx ON workshops (date, id);
CREATE INDEX workshops_network_idx ON workshops (network_id) WHERE network_id IS NOT NULL;
CREATE TRIGGER workshops_bump_version BEFORE UPDATE ON workshops FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- Organising and participating organisations; each takes its place by its own act (`accepted`).
CREATE TABLE workshop_organizations (
    workshop_id     uuid NOT NULL CONSTRAINT workshop_organizations_workshop_id_fkey REFERENCES workshops (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL CONSTRAINT workshop_organizations_organization_id_fkey REFERENCES organizations (id),
    role            text NOT NULL CONSTRAINT workshop_organizations_role_check CHECK (role IN ('organizer', 'participant')),
    accepted        boolean NOT NULL DEFAULT false,
    position        integer NOT NULL,
    PRIMARY KEY (workshop_id, organization_id)
);
CREATE INDEX workshop_organizations_organization_idx ON workshop_organizations (organization_id);

CREATE TABLE workshop_phenomena (
    workshop_id   uuid NOT NULL CONSTRAINT workshop_phenomena_workshop_id_fkey REFERENCES workshops (id) ON DELETE CASCADE,
    phenomenon_id uuid NOT NULL CONSTRAINT workshop_phenomena_phenomenon_id_fkey REFERENCES phenomena (id) ON DELETE CASCADE,
    PRIMARY KEY (workshop_id, phenomenon_id)
);
CREATE INDEX workshop_phenomena_phenomenon_idx ON workshop_phenomena (phenomenon_id);

-- Obstacles the workshop names; votes put them in order and organisers prioritise.
CREATE TABLE workshop_challenges (
    id          uuid PRIMARY KEY,
    workshop_id uuid NOT NULL CONSTRAINT workshop_challenges_workshop_id_fkey REFERENCES workshops (id) ON DELETE CASCADE,
    description jsonb NOT NULL CONSTRAINT workshop_challenges_description_check CHECK (localized_text_is_valid(description)),
    prioritised boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     bigint NOT NULL DEFAULT 1,
    UNIQUE (workshop_id, id)
);
CREATE INDEX workshop_challenges_workshop_idx ON workshop_challenges (workshop_id, id);
CREATE TRIGGER workshop_challenges_bump_version BEFORE UPDATE ON workshop_challenges FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- One vote per person per challenge (the key); at most the workshop's votes_per_person per
-- person in a workshop (the trigger, serialised per person and workshop).
CREATE TABLE challenge_votes (
    workshop_id  uuid NOT NULL,
    challenge_id uuid NOT NULL,
    user_id      uuid NOT NULL CONSTRAINT challenge_votes_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT challenge_votes_once_per_person PRIMARY KEY (challenge_id, user_id),
    CONSTRAINT challenge_votes_challenge_fkey FOREIGN KEY (workshop_id, challenge_id)
        REFERENCES workshop_challenges (workshop_id, id) ON DELETE CASCADE
);
CREATE INDEX challenge_votes_person_idx ON challenge_votes (workshop_id, user_id);

CREATE FUNCTION challenge_votes_within_limit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    allowed integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(NEW.workshop_id::text || NEW.user_id::text, 25));
    SELECT votes_per_person INTO allowed FROM workshops WHERE id = NEW.workshop_id;
    IF (SELECT count(*) FROM challenge_votes WHERE workshop_id = NEW.workshop_id AND user_id = NEW.user_id) >= allowed THEN
        RAISE EXCEPTION 'no votes left in this workshop'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'challenge_votes_limit_check';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER challenge_votes_limit_check BEFORE INSERT ON challenge_votes
    FOR EACH ROW EXECUTE FUNCTION challenge_votes_within_limit();

-- Client paths and collaboration flowcharts as ordered steps a frontend can draw.
CREATE TABLE workshop_artefacts (
    id          uuid PRIMARY KEY,
    workshop_id uuid NOT NULL CONSTRAINT workshop_artefacts_workshop_id_fkey REFERENCES workshops (id) ON DELETE CASCADE,
    kind        text NOT NULL CONSTRAINT workshop_artefacts_kind_check
                CHECK (kind IN ('client_path', 'collaboration_flowchart', 'other')),
    title       jsonb NOT NULL CONSTRAINT workshop_artefacts_title_check CHECK (localized_text_is_valid(title)),
    steps       jsonb NOT NULL CONSTRAINT workshop_artefacts_steps_check
                CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     bigint NOT NULL DEFAULT 1
);
CREATE INDEX workshop_artefacts_workshop_idx ON workshop_artefacts (workshop_id, id);
CREATE TRIGGER workshop_artefacts_bump_version BEFORE UPDATE ON workshop_artefacts FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- A meeting of a network, or of an agreement's parties (seed 001's yearly collaboration meeting).
CREATE TABLE meetings (
    id                        uuid PRIMARY KEY,
    network_id                uuid NULL CONSTRAINT meetings_network_id_fkey REFERENCES networks (id) ON DELETE CASCADE,
    agreement_id              uuid NULL CONSTRAINT meetings_agreement_id_fkey REFERENCES agreements (id) ON DELETE CASCADE,
    -- The coordinating organisation: it books the venue.
    organizer_organization_id uuid NOT NULL CONSTRAINT meetings_organizer_organization_id_fkey REFERENCES organizations (id),
    kind                      text NOT NULL CONSTRAINT meetings_kind_check
                              CHECK (kind IN ('network_meeting', 'info_session', 'annual_collaboration_meeting', 'workshop')),
    workshop_id               uuid NULL CONSTRAINT meetings_workshop_id_fkey REFERENCES workshops (id) ON DELETE SET NULL,
    title                     jsonb NULL CONSTRAINT meetings_title_check CHECK (title IS NULL OR localized_text_is_valid(title)),
    starts_at                 timestamptz NOT NULL,
    ends_at                   timestamptz NOT NULL,
    venue_id                  uuid NULL CONSTRAINT meetings_venue_id_fkey REFERENCES venues (id) ON DELETE SET NULL,
    booking_id                uuid NULL CONSTRAINT meetings_booking_id_fkey REFERENCES venue_bookings (id) ON DELETE SET NULL,
    online_url                text NULL CONSTRAINT meetings_online_url_check CHECK (online_url ~ '^https?://' AND length(online_url) <= 2000),
    agenda                    jsonb NOT NULL DEFAULT '[]' CONSTRAINT meetings_agenda_check
                              CHECK (jsonb_typeof(agenda) = 'array' AND jsonb_array_length(agenda) <= 50),
    coordination_document_id  uuid NULL CONSTRAINT meetings_coordination_document_id_fkey
                              REFERENCES coordination_documents (id) ON DELETE SET NULL,
    -- [{organization_id, people}]: organisations and head counts, never names.
    attendance                jsonb NOT NULL DEFAULT '[]' CONSTRAINT meetings_attendance_check
                              CHECK (jsonb_typeof(attendance) = 'array' AND jsonb_array_length(attendance) <= 200),
    minutes                   jsonb NULL CONSTRAINT meetings_minutes_check CHECK (minutes IS NULL OR localized_text_is_valid(minutes)),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    version                   bigint NOT NULL DEFAULT 1,
    CONSTRAINT meetings_host_check CHECK (num_nonnulls(network_id, agreement_id) = 1),
    CONSTRAINT meetings_time_check CHECK (starts_at < ends_at AND ends_at - starts_at <= interval '7 days'),
    CONSTRAINT meetings_workshop_check CHECK (workshop_id IS NULL OR kind = 'workshop')
);
CREATE INDEX meetings_network_idx ON meetings (network_id, starts_at) WHERE network_id IS NOT NULL;
CREATE INDEX meetings_agreement_idx ON meetings (agreement_id, starts_at) WHERE agreement_id IS NOT NULL;
CREATE INDEX meetings_starts_idx ON meetings (starts_at, id);
CREATE TRIGGER meetings_bump_version BEFORE UPDATE ON meetings FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- What will be done: a meeting's decisions and a workshop's actions, followed up in one list.
CREATE TABLE actions (
    id                          uuid PRIMARY KEY,
    workshop_id                 uuid NULL CONSTRAINT actions_workshop_id_fkey REFERENCES workshops (id) ON DELETE CASCADE,
    meeting_id                  uuid NULL CONSTRAINT actions_meeting_id_fkey REFERENCES meetings (id) ON DELETE CASCADE,
    challenge_id                uuid NULL CONSTRAINT actions_challenge_id_fkey REFERENCES workshop_challenges (id) ON DELETE SET NULL,
    description                 jsonb NOT NULL CONSTRAINT actions_description_check CHECK (localized_text_is_valid(description)),
    responsible_organization_id uuid NOT NULL CONSTRAINT actions_responsible_organization_id_fkey REFERENCES organizations (id),
    -- Naming is not consent: the responsible organisation takes the action on by its own act.
    accepted                    boolean NOT NULL DEFAULT false,
    contact_id                  uuid NULL CONSTRAINT actions_contact_id_fkey REFERENCES contacts (id) ON DELETE SET NULL,
    due_date                    date NULL,
    status                      text NOT NULL DEFAULT 'open' CONSTRAINT actions_status_check
                                CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    agreement_id                uuid NULL CONSTRAINT actions_agreement_id_fkey REFERENCES agreements (id) ON DELETE SET NULL,
    event_series_id             uuid NULL CONSTRAINT actions_event_series_id_fkey REFERENCES event_series (id) ON DELETE SET NULL,
    -- The indicator that will show the action's effect.
    indicator_id                uuid NULL CONSTRAINT actions_indicator_id_fkey REFERENCES indicators (id) ON DELETE SET NULL,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    version                     bigint NOT NULL DEFAULT 1,
    CONSTRAINT actions_origin_check CHECK (num_nonnulls(workshop_id, meeting_id) = 1)
);
CREATE INDEX actions_responsible_idx ON actions (responsible_organization_id, id);
CREATE INDEX actions_open_due_idx ON actions (due_date) WHERE status IN ('open', 'in_progress');
CREATE INDEX actions_workshop_idx ON actions (workshop_id) WHERE workshop_id IS NOT NULL;
CREATE INDEX actions_meeting_idx ON actions (meeting_id) WHERE meeting_id IS NOT NULL;
CREATE TRIGGER actions_bump_version BEFORE UPDATE ON actions FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- Who a record's host is, for the policies: a network's members (or its coordinators), a
-- workshop's listed organisations and its network's members (or its accepted organisers), an
-- agreement's parties. Lists filter on these, so a page never holds what its reader cannot see.
CREATE FUNCTION network_member_ids(network uuid, coordinators_only boolean) RETURNS uuid[]
    STABLE LANGUAGE sql AS $$
    SELECT coalesce(array_agg(organization_id ORDER BY organization_id), '{}') FROM network_members
    WHERE network_id = network AND (NOT coordinators_only OR role = 'coordinator')
$$;

CREATE FUNCTION workshop_organization_ids(workshop uuid, organizers_only boolean) RETURNS uuid[]
    STABLE LANGUAGE sql AS $$
    SELECT CASE WHEN organizers_only THEN
        (SELECT coalesce(array_agg(organization_id ORDER BY organization_id), '{}') FROM workshop_organizations
         WHERE workshop_id = workshop AND role = 'organizer' AND accepted)
    ELSE
        (SELECT coalesce(array_agg(DISTINCT o), '{}') FROM (
            SELECT organization_id AS o FROM workshop_organizations WHERE workshop_id = workshop
            UNION ALL
            SELECT m.organization_id FROM workshops w JOIN network_members m ON m.network_id = w.network_id
            WHERE w.id = workshop) listed)
    END
$$;

CREATE FUNCTION meeting_host_ids(network uuid, agreement uuid, coordinators_only boolean) RETURNS uuid[]
    STABLE LANGUAGE sql AS $$
    SELECT CASE WHEN network IS NOT NULL THEN network_member_ids(network, coordinators_only)
        ELSE (SELECT coalesce(array_agg(organization_id ORDER BY organization_id), '{}') FROM agreement_parties
              WHERE agreement_id = agreement) END
$$;

-- Anyone sees a public network's or public agreement's meetings (without minutes); members or
-- parties see all of them.
CREATE FUNCTION meeting_is_public(network uuid, agreement uuid) RETURNS boolean
    STABLE LANGUAGE sql AS $$
    SELECT CASE WHEN network IS NOT NULL THEN EXISTS (SELECT 1 FROM networks WHERE id = network AND visibility = 'public')
        ELSE EXISTS (SELECT 1 FROM agreements WHERE id = agreement AND visibility = 'public') END
$$;

CREATE FUNCTION action_host_ids(workshop uuid, meeting uuid, editors_only boolean) RETURNS uuid[]
    STABLE LANGUAGE sql AS $$
    SELECT CASE WHEN workshop IS NOT NULL THEN workshop_organization_ids(workshop, editors_only)
        ELSE (SELECT meeting_host_ids(m.network_id, m.agreement_id, editors_only) FROM meetings m WHERE m.id = meeting) END
$$;

-- Public networks join the change feed and the removals, as organisations and venues did:
-- created or changed while public (members joining or leaving change the network), made
-- members-only or deleted.
ALTER TABLE changes DROP CONSTRAINT changes_resource_type_check,
    ADD CONSTRAINT changes_resource_type_check
    CHECK (resource_type IN ('organization', 'venue', 'event_series', 'event_occurrence', 'indicator', 'observation',
                             'network'));
ALTER TABLE webhooks DROP CONSTRAINT webhooks_event_types_check,
    ADD CONSTRAINT webhooks_event_types_check
    CHECK (cardinality(event_types) BETWEEN 1 AND 7
           AND event_types <@ ARRAY['organization', 'venue', 'event_series', 'event_occurrence', 'indicator',
                                    'observation', 'network']::text[]);

CREATE FUNCTION networks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.visibility = 'public' THEN
        PERFORM record_upsert('network', NEW.id, NULL, network_member_ids(NEW.id, false));
    ELSIF TG_OP = 'UPDATE' AND OLD.visibility = 'public' THEN
        INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
        VALUES ('network', NEW.id, 'delete', 'unpublished', true, network_member_ids(NEW.id, false));
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER networks_created AFTER INSERT ON networks FOR EACH ROW EXECUTE FUNCTION networks_changed();
CREATE TRIGGER networks_changed AFTER UPDATE ON networks FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION networks_changed();

-- Before the deletion, while the members (who hear of a members-only network's removal)
-- are still there.
CREATE FUNCTION networks_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (resource_type, resource_id, op, reason, public, organization_ids)
    VALUES ('network', OLD.id, 'delete', 'deleted', OLD.visibility = 'public', network_member_ids(OLD.id, false));
    RETURN OLD;
END;
$$;
CREATE TRIGGER networks_removed BEFORE DELETE ON networks FOR EACH ROW EXECUTE FUNCTION networks_removed();
