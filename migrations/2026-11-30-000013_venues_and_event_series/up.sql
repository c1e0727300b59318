-- Meeting places (kohtaamispaikat) and collaboration lobbies (yhteistyöaulat), their bookings,
-- and the event series held there: each series' occurrences are materialised for a rolling
-- horizon so the "what is on" view is an index scan, and an occurrence keeps its overrides and
-- attendance when the schedule is re-derived (it is identified by its day in the series).
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

CREATE TABLE venues (
    id                        uuid PRIMARY KEY,
    name                      jsonb NOT NULL CONSTRAINT venues_name_check CHECK (localized_text_is_valid(name)),
    description               jsonb CONSTRAINT venues_description_check
                              CHECK (description IS NULL OR localized_text_is_valid(description)),
    kind                      text NOT NULL CONSTRAINT venues_kind_check CHECK (kind IN
                              ('meeting_place', 'collaboration_lobby', 'library', 'parish_hall',
                               'health_station', 'school', 'other')),
    owner_organization_id     uuid NOT NULL CONSTRAINT venues_owner_organization_id_fkey REFERENCES organizations (id),
    operator_organization_id  uuid CONSTRAINT venues_operator_organization_id_fkey REFERENCES organizations (id),
    street                    text,
    postal_code               text CONSTRAINT venues_postal_code_check CHECK (postal_code ~ '^[0-9]{5}$'),
    locality                  text,
    municipality_code         text NOT NULL,
    -- Derived from the municipality by the trigger below, for the county filter.
    wellbeing_county_code     text NOT NULL DEFAULT '',
    lon                       double precision CONSTRAINT venues_lon_check CHECK (lon BETWEEN -180 AND 180),
    lat                       double precision CONSTRAINT venues_lat_check CHECK (lat BETWEEN -90 AND 90),
    accessibility             text[] NOT NULL DEFAULT '{}',
    accessibility_info        jsonb,
    interpretation_services   text[] NOT NULL DEFAULT '{}',
    opening_hours             jsonb NOT NULL DEFAULT '{"rules": [], "exceptions": []}',
    capacity                  integer CONSTRAINT venues_capacity_check CHECK (capacity > 0),
    premises_terms            text NOT NULL DEFAULT 'rent' CONSTRAINT venues_premises_terms_check
                              CHECK (premises_terms IN ('free', 'free_for_ngos', 'rent')),
    -- Rent of one booking in cents, when the terms say rent.
    rent_cents                bigint CONSTRAINT venues_rent_check CHECK (rent_cents >= 0),
    contact                   jsonb,
    images                    jsonb NOT NULL DEFAULT '[]',
    external_ids              jsonb NOT NULL DEFAULT '{}',
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    version                   bigint NOT NULL DEFAULT 1,
    CONSTRAINT venues_position_check CHECK ((lon IS NULL) = (lat IS NULL))
);
CREATE TRIGGER venues_bump_version BEFORE UPDATE ON venues
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- The municipality must be in the area register (valid today); its county comes with it.
CREATE FUNCTION venues_set_county() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT wellbeing_county_code INTO NEW.wellbeing_county_code FROM areas
     WHERE kind = 'municipality' AND code = NEW.municipality_code AND valid_from <= current_date
       AND (valid_to IS NULL OR valid_to > current_date);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown municipality code %', NEW.municipality_code
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'venues_municipality_code_fkey';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER venues_set_county BEFORE INSERT OR UPDATE OF municipality_code ON venues
    FOR EACH ROW EXECUTE FUNCTION venues_set_county();

CREATE INDEX venues_county_idx ON venues (wellbeing_county_code, id);
CREATE INDEX venues_municipality_idx ON venues (municipality_code, id);
CREATE INDEX venues_owner_idx ON venues (owner_organization_id);
CREATE INDEX venues_operator_idx ON venues (operator_organization_id) WHERE operator_organization_id IS NOT NULL;
CREATE INDEX venues_accessibility_idx ON venues USING gin (accessibility);
CREATE INDEX venues_search_idx ON venues USING gin (localized_search_vector(name));
CREATE INDEX venues_updated_idx ON venues (updated_at, id);
-- For `near=` (earth_box) and `bbox=`.
CREATE INDEX venues_earth_idx ON venues USING gist (ll_to_earth(lat, lon)) WHERE lat IS NOT NULL;
CREATE INDEX venues_point_idx ON venues USING gist (point(lon, lat)) WHERE lat IS NOT NULL;

CREATE TABLE event_series (
    id                      uuid PRIMARY KEY,
    -- An umbrella series groups child series (a festival week, say).
    parent_id               uuid CONSTRAINT event_series_parent_id_fkey REFERENCES event_series (id),
    title                   jsonb NOT NULL CONSTRAINT event_series_title_check CHECK (localized_text_is_valid(title)),
    summary                 jsonb CONSTRAINT event_series_summary_check CHECK (summary IS NULL OR localized_text_is_valid(summary)),
    description             jsonb CONSTRAINT event_series_description_check
                            CHECK (description IS NULL OR localized_text_is_valid(description)),
    kind                    text NOT NULL CONSTRAINT event_series_kind_check CHECK (kind IN ('single', 'recurring', 'umbrella')),
    activity_type           text NOT NULL CONSTRAINT event_series_activity_type_check
                            CHECK (activity_type IN ('event', 'ongoing_activity', 'support', 'volunteering')),
    -- The organisation that publishes (its coordinators created the series).
    publisher_id            uuid NOT NULL CONSTRAINT event_series_publisher_id_fkey REFERENCES organizations (id),
    agreement_id            uuid CONSTRAINT event_series_agreement_id_fkey REFERENCES agreements (id),
    venue_id                uuid CONSTRAINT event_series_venue_id_fkey REFERENCES venues (id),
    attendance_mode         text NOT NULL DEFAULT 'in_person' CONSTRAINT event_series_attendance_mode_check
                            CHECK (attendance_mode IN ('in_person', 'online', 'phone', 'mixed')),
    online_url              text,
    target_groups           text[] NOT NULL DEFAULT '{}',
    min_age                 integer CONSTRAINT event_series_min_age_check CHECK (min_age BETWEEN 0 AND 150),
    max_age                 integer CONSTRAINT event_series_max_age_check CHECK (max_age BETWEEN 0 AND 150),
    themes                  text[] NOT NULL DEFAULT '{}',
    languages               text[] NOT NULL DEFAULT '{}',
    is_free                 boolean NOT NULL DEFAULT false,
    -- Everything that is shown but never filtered on: images, price info, registration,
    -- keywords, interpretation, responsible contacts.
    details                 jsonb NOT NULL DEFAULT '{}',
    publication_status      text NOT NULL DEFAULT 'draft' CONSTRAINT event_series_publication_status_check
                            CHECK (publication_status IN ('draft', 'published')),
    event_status            text NOT NULL DEFAULT 'scheduled' CONSTRAINT event_series_event_status_check
                            CHECK (event_status IN ('scheduled', 'cancelled', 'postponed', 'rescheduled', 'moved_online')),
    -- RFC 5545 SEQUENCE: raised by every material change.
    sequence                integer NOT NULL DEFAULT 0,
    schedule                jsonb,
    timezone                text NOT NULL DEFAULT 'Europe/Helsinki',
    -- Occurrences exist up to this day; the horizon task moves it forward.
    materialized_until      date,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    version                 bigint NOT NULL DEFAULT 1,
    CONSTRAINT event_series_age_order CHECK (min_age IS NULL OR max_age IS NULL OR min_age <= max_age),
    CONSTRAINT event_series_schedule_check CHECK ((kind = 'umbrella') = (schedule IS NULL)),
    CONSTRAINT event_series_not_own_parent CHECK (parent_id <> id)
);
-- Moving the horizon alone is bookkeeping: the version (and ETag) stays.
CREATE TRIGGER event_series_bump_version BEFORE UPDATE ON event_series
    FOR EACH ROW WHEN (OLD.materialized_until IS NOT DISTINCT FROM NEW.materialized_until)
    EXECUTE FUNCTION bump_row_version();
CREATE INDEX event_series_publisher_idx ON event_series (publisher_id);
CREATE INDEX event_series_parent_idx ON event_series (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX event_series_search_idx ON event_series USING gin (localized_search_vector(title));
CREATE INDEX event_series_updated_idx ON event_series (updated_at, id);
CREATE INDEX event_series_horizon_idx ON event_series (materialized_until) WHERE schedule IS NOT NULL;

-- Organisers besides the publisher. Being listed is an invitation: the organisation is shown
-- as an organiser, and its coordinators edit, once its own coordinator or admin accepted.
CREATE TABLE event_series_organizers (
    series_id        uuid NOT NULL REFERENCES event_series (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL CONSTRAINT event_series_organizers_organization_id_fkey REFERENCES organizations (id),
    accepted_at      timestamptz,
    PRIMARY KEY (series_id, organization_id)
);
CREATE INDEX event_series_organizers_organization_idx ON event_series_organizers (organization_id, series_id);

CREATE TABLE event_occurrences (
    id                    uuid PRIMARY KEY,
    series_id             uuid NOT NULL REFERENCES event_series (id) ON DELETE CASCADE,
    -- The occurrence's day in the series (local): its identity across re-derivations and its
    -- RECURRENCE-ID in calendars.
    instance_date         date NOT NULL,
    -- As the schedule says, and as it is (moved by an override).
    scheduled_start       timestamptz NOT NULL,
    scheduled_end         timestamptz NOT NULL,
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL,
    moved                 boolean NOT NULL DEFAULT false,
    cancelled             boolean NOT NULL DEFAULT false,
    venue_id              uuid CONSTRAINT event_occurrences_venue_id_fkey REFERENCES venues (id),
    venue_overridden      boolean NOT NULL DEFAULT false,
    -- From the venue in effect, for the area filters.
    municipality_code     text,
    wellbeing_county_code text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               bigint NOT NULL DEFAULT 1,
    CONSTRAINT event_occurrences_instance_key UNIQUE (series_id, instance_date),
    CONSTRAINT event_occurrences_order_check CHECK (ends_at > starts_at AND scheduled_end > scheduled_start),
    -- Bounded length keeps the overlap query an index range (`starts_at >= from - 31 days`).
    CONSTRAINT event_occurrences_length_check CHECK (ends_at - starts_at <= interval '31 days')
);
CREATE TRIGGER event_occurrences_bump_version BEFORE UPDATE ON event_occurrences
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();
CREATE INDEX event_occurrences_series_start_idx ON event_occurrences (series_id, starts_at);
CREATE INDEX event_occurrences_start_idx ON event_occurrences (starts_at, id);
CREATE INDEX event_occurrences_county_start_idx ON event_occurrences (wellbeing_county_code, starts_at, id);
CREATE INDEX event_occurrences_municipality_start_idx ON event_occurrences (municipality_code, starts_at, id);
CREATE INDEX event_occurrences_venue_start_idx ON event_occurrences (venue_id, starts_at);

-- How many came (no personal data): feeds the indicators.
CREATE TABLE occurrence_attendance (
    occurrence_id   uuid PRIMARY KEY REFERENCES event_occurrences (id) ON DELETE CASCADE,
    participants    integer NOT NULL CONSTRAINT occurrence_attendance_participants_check CHECK (participants BETWEEN 0 AND 1000000),
    volunteers      integer NOT NULL DEFAULT 0 CONSTRAINT occurrence_attendance_volunteers_check CHECK (volunteers BETWEEN 0 AND 1000000),
    by_age_group    jsonb NOT NULL DEFAULT '{}',
    by_organizer    jsonb NOT NULL DEFAULT '{}',
    notes           text,
    recorded_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         bigint NOT NULL DEFAULT 1
);
CREATE TRIGGER occurrence_attendance_bump_version BEFORE UPDATE ON occurrence_attendance
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- A venue's time taken by one organisation. Two confirmed bookings of a venue never overlap:
-- the exclusion constraint decides between concurrent requests.
CREATE TABLE venue_bookings (
    id               uuid PRIMARY KEY,
    -- A venue with bookings on record is not deleted: they are other organisations' records.
    venue_id         uuid NOT NULL CONSTRAINT venue_bookings_venue_id_fkey REFERENCES venues (id),
    organization_id  uuid NOT NULL CONSTRAINT venue_bookings_organization_id_fkey REFERENCES organizations (id),
    occurrence_id    uuid CONSTRAINT venue_bookings_occurrence_id_fkey REFERENCES event_occurrences (id) ON DELETE SET NULL,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'confirmed' CONSTRAINT venue_bookings_status_check
                     CHECK (status IN ('confirmed', 'cancelled')),
    rent_cents       bigint NOT NULL DEFAULT 0 CHECK (rent_cents >= 0),
    note             text,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          bigint NOT NULL DEFAULT 1,
    CONSTRAINT venue_bookings_order_check CHECK (ends_at > starts_at),
    CONSTRAINT venue_bookings_length_check CHECK (ends_at - starts_at <= interval '31 days'),
    CONSTRAINT venue_bookings_no_overlap EXCLUDE USING gist
        (venue_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'confirmed')
);
CREATE TRIGGER venue_bookings_bump_version BEFORE UPDATE ON venue_bookings
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();
CREATE INDEX venue_bookings_organization_idx ON venue_bookings (organization_id);
CREATE INDEX venue_bookings_occurrence_idx ON venue_bookings (occurrence_id) WHERE occurrence_id IS NOT NULL;

-- What running a series costs, and each accepted organiser's share (adding up to exactly
-- 100.00 %). A share binds its organisation once the organisation has agreed to it
-- (`agreed_by`): by setting it itself, by accepting it, or through the agreement it signed.
CREATE TABLE event_series_cost_items (
    id            uuid PRIMARY KEY,
    series_id     uuid NOT NULL REFERENCES event_series (id) ON DELETE CASCADE,
    category      text NOT NULL CONSTRAINT event_series_cost_items_category_check
                  CHECK (category IN ('rent', 'refreshments', 'materials', 'other')),
    basis         text NOT NULL CONSTRAINT event_series_cost_items_basis_check
                  CHECK (basis IN ('per_occurrence', 'per_participant', 'lump_sum')),
    amount_cents  bigint NOT NULL CONSTRAINT event_series_cost_items_amount_check CHECK (amount_cents >= 0),
    shares        jsonb NOT NULL CONSTRAINT event_series_cost_items_shares_check
                  CHECK (jsonb_typeof(shares) = 'array' AND jsonb_array_length(shares) > 0),
    description   text,
    agreed_by     uuid[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       bigint NOT NULL DEFAULT 1
);
CREATE TRIGGER event_series_cost_items_bump_version BEFORE UPDATE ON event_series_cost_items
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();
CREATE INDEX event_series_cost_items_series_idx ON event_series_cost_items (series_id, id);
