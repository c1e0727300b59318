-- Where an indicator's values come from: `reported` by partners (as until now), derived by the
-- `platform` from the collaboration's own records (agreements, occurrences, attendance,
-- bookings), or imported from THL's `sotkanet`. Derived and imported indicators are public
-- reference data kept by the platform: no owner organisation, no linked agreements, and
-- values without a reporter that nobody edits through the API. The free-text credit for the
-- data (a survey, "THL, Sotkanet") is now `attribution`.
ALTER TABLE indicators RENAME COLUMN source TO attribution;
ALTER TABLE indicators RENAME CONSTRAINT indicators_source_check TO indicators_attribution_check;
UPDATE indicator_versions
   SET definition = (definition - 'source') || jsonb_build_object('attribution', definition -> 'source')
 WHERE definition ? 'source';

ALTER TABLE indicators
    ADD COLUMN source text NOT NULL DEFAULT 'reported'
        CONSTRAINT indicators_source_check CHECK (source IN ('reported', 'platform', 'sotkanet')),
    -- The built-in computation of a platform indicator (documented per code in
    -- docs/INDICATORS.md).
    ADD COLUMN derivation text NULL CONSTRAINT indicators_derivation_key UNIQUE,
    ALTER COLUMN owner_organization_id DROP NOT NULL,
    ADD CONSTRAINT indicators_owner_check CHECK ((source = 'reported') = (owner_organization_id IS NOT NULL)),
    ADD CONSTRAINT indicators_derivation_check CHECK ((source = 'platform') = (derivation IS NOT NULL)),
    ADD CONSTRAINT indicators_reference_data_check
        CHECK (source = 'reported' OR (visibility = 'public' AND cardinality(agreement_ids) = 0)),
    -- Platform and Sotkanet codes are not for partners to take (or to pass their data off as THL's).
    ADD CONSTRAINT indicators_reserved_code_check
        CHECK (source <> 'reported' OR upper(code) !~ '^(PLATFORM|SOTKANET)_');
CREATE INDEX indicators_source_idx ON indicators (source, id);

-- An indicator keeps its source: values reported under one rule set never fall under another.
CREATE FUNCTION indicators_keep_source() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.source IS DISTINCT FROM OLD.source OR NEW.derivation IS DISTINCT FROM OLD.derivation THEN
        RAISE EXCEPTION 'an indicator keeps its source' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'indicators_source_check';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER indicators_keep_source BEFORE UPDATE OF source, derivation ON indicators
    FOR EACH ROW EXECUTE FUNCTION indicators_keep_source();

-- A reported value names its reporter; a derived or imported one has none.
ALTER TABLE observations ALTER COLUMN reporting_organization_id DROP NOT NULL;
CREATE FUNCTION observations_reporter_fits_source() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF ((SELECT source FROM indicators WHERE id = NEW.indicator_id) = 'reported')
       IS DISTINCT FROM (NEW.reporting_organization_id IS NOT NULL) THEN
        RAISE EXCEPTION 'a reported value has a reporter, a derived or imported one none'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'observations_reporter_check';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER observations_reporter_fits_source BEFORE INSERT OR UPDATE OF indicator_id, reporting_organization_id
    ON observations FOR EACH ROW EXECUTE FUNCTION observations_reporter_fits_source();

-- Partners without the missing owner or reporter of reference data.
CREATE OR REPLACE FUNCTION indicator_partners(owner uuid, agreement_ids uuid[]) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT o) FILTER (WHERE o IS NOT NULL), '{}') FROM (
        SELECT owner AS o
        UNION SELECT organization_id FROM agreement_parties WHERE agreement_id = ANY(agreement_ids)
    ) partners
$$;
CREATE OR REPLACE FUNCTION observation_partners(indicator uuid, reporter uuid) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT array_remove(array_append(indicator_partners(i.owner_organization_id, i.agreement_ids), reporter), NULL)
    FROM indicators i WHERE i.id = indicator
$$;

-- What the platform indicators count (their SQL-backed definitions, quoted in
-- docs/INDICATORS.md): units `(month, county, municipality, item, amount, flag)`, one row per
-- thing counted in a month and area, for the months in [from_month, until). A definition that
-- changes is a new migration, so a published figure's rule is on record.

-- The day an agreement was terminated (its in-force period ends there), kept by the database.
ALTER TABLE agreements ADD COLUMN terminated_on date NULL;
UPDATE agreements SET terminated_on = updated_at::date WHERE status = 'terminated';
CREATE FUNCTION agreements_terminated_on() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'terminated' AND OLD.status IS DISTINCT FROM 'terminated' THEN
        NEW.terminated_on := current_date;
    ELSIF NEW.status <> 'terminated' THEN
        NEW.terminated_on := NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER agreements_terminated_on BEFORE UPDATE OF status ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_terminated_on();

-- Public agreements in force during each month (signed), with each party: active ones until
-- their end date, terminated ones until they were terminated. Agreements only their parties
-- read are not counted: a public figure of one county could otherwise reveal one.
CREATE FUNCTION platform_agreements_in_force(from_month date, until date)
RETURNS TABLE (month date, agreement_id uuid, organization_id uuid, complete boolean)
LANGUAGE sql STABLE AS $$
    SELECT m.month::date, a.id, p.organization_id, a.ci_principles_complete
    FROM agreements a
    JOIN agreement_parties p ON p.agreement_id = a.id
    CROSS JOIN LATERAL generate_series(
        date_trunc('month', greatest(a.start_date, from_month)::timestamp),
        least(CASE WHEN a.status = 'terminated' THEN least(a.end_date, a.terminated_on) ELSE a.end_date END,
              until - 1)::timestamp,
        interval '1 month') AS m(month)
    WHERE a.current_version IS NOT NULL AND a.status IN ('active', 'terminated') AND a.visibility = 'public'
$$;

-- Occurrences of published series in their local month: held (not cancelled, ended) or
-- cancelled (the occurrence or its whole series).
CREATE FUNCTION platform_occurrences(from_month date, until date)
RETURNS TABLE (month date, id uuid, series_id uuid, publisher_id uuid, venue_id uuid, municipality text,
               county text, held boolean, cancelled boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT date_trunc('month', e.starts_at AT TIME ZONE s.timezone)::date AS month, e.id, e.series_id,
               s.publisher_id, e.venue_id, e.municipality_code, e.wellbeing_county_code,
               NOT e.cancelled AND s.event_status NOT IN ('cancelled', 'postponed') AND e.ends_at <= now(),
               e.cancelled OR s.event_status = 'cancelled'
        FROM event_occurrences e
        JOIN event_series s ON s.id = e.series_id
        WHERE s.publication_status = 'published'
          AND e.starts_at >= from_month - 1 AND e.starts_at < until + 1
    ) o WHERE o.month >= from_month AND o.month < until
$$;

-- Who organised each occurrence held: the publisher and the accepted co-organisers.
CREATE FUNCTION platform_organizers(from_month date, until date)
RETURNS TABLE (month date, series_id uuid, organization_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT o.month, o.series_id, o.publisher_id FROM platform_occurrences(from_month, until) o WHERE o.held
    UNION
    SELECT o.month, o.series_id, c.organization_id FROM platform_occurrences(from_month, until) o
    JOIN event_series_organizers c ON c.series_id = o.series_id AND c.accepted_at IS NOT NULL
    WHERE o.held
$$;

-- Organisations of these kinds that took part in a month: a party of an agreement in force,
-- or an organiser of an occurrence held.
CREATE FUNCTION platform_participants(from_month date, until date, kinds text[])
RETURNS TABLE (month date, county text, municipality text, item uuid, amount bigint, flag boolean)
LANGUAGE sql STABLE AS $$
    SELECT t.month, org.wellbeing_county_code, NULL::text, org.id, NULL::bigint, NULL::boolean
    FROM (SELECT f.month, f.organization_id FROM platform_agreements_in_force(from_month, until) f
          UNION SELECT g.month, g.organization_id FROM platform_organizers(from_month, until) g) t
    JOIN organizations org ON org.id = t.organization_id
    WHERE org.kind = ANY(kinds)
$$;

CREATE FUNCTION platform_indicator_units(derivation text, from_month date, until date)
RETURNS TABLE (month date, county text, municipality text, item uuid, amount bigint, flag boolean)
LANGUAGE sql STABLE AS $$
    -- agreements_in_force, agreements_with_all_principles: each agreement in the counties of
    -- its parties; the flag says all five principles are documented.
    SELECT f.month, org.wellbeing_county_code, NULL::text, f.agreement_id, NULL::bigint, f.complete
    FROM platform_agreements_in_force(from_month, until) f JOIN organizations org ON org.id = f.organization_id
    WHERE derivation IN ('agreements_in_force', 'agreements_with_all_principles')
    UNION ALL
    SELECT * FROM platform_participants(from_month, until,
                                        ARRAY['wellbeing_services_county', 'municipality', 'state_agency'])
    WHERE derivation = 'organizations_participating_public'
    UNION ALL
    SELECT * FROM platform_participants(from_month, until, ARRAY['ngo'])
    WHERE derivation = 'organizations_participating_ngo'
    UNION ALL
    SELECT * FROM platform_participants(from_month, until, ARRAY['parish'])
    WHERE derivation = 'organizations_participating_parish'
    UNION ALL
    SELECT * FROM platform_participants(from_month, until, ARRAY['company'])
    WHERE derivation = 'organizations_participating_company'
    UNION ALL
    -- occurrences_held, occurrences_cancelled: by the occurrence's venue.
    SELECT o.month, o.county, o.municipality, o.id, NULL::bigint, NULL::boolean
    FROM platform_occurrences(from_month, until) o
    WHERE (derivation = 'occurrences_held' AND o.held) OR (derivation = 'occurrences_cancelled' AND o.cancelled)
    UNION ALL
    -- participants, volunteers: as recorded at occurrences held.
    SELECT o.month, o.county, o.municipality, o.id,
           CASE derivation WHEN 'participants' THEN a.participants ELSE a.volunteers END::bigint, NULL::boolean
    FROM platform_occurrences(from_month, until) o JOIN occurrence_attendance a ON a.occurrence_id = o.id
    WHERE derivation IN ('participants', 'volunteers') AND o.held
    UNION ALL
    -- co_organizers: the organisers of occurrences held in series with an accepted
    -- co-organiser, in their own counties.
    SELECT g.month, org.wellbeing_county_code, NULL::text, org.id, NULL::bigint, NULL::boolean
    FROM platform_organizers(from_month, until) g JOIN organizations org ON org.id = g.organization_id
    WHERE derivation = 'co_organizers'
      AND EXISTS (SELECT 1 FROM event_series_organizers c WHERE c.series_id = g.series_id AND c.accepted_at IS NOT NULL)
    UNION ALL
    -- venues_free_for_ngos: a confirmed booking by an NGO without rent, or an NGO's occurrence
    -- held at a venue free (for NGOs); by the venue.
    SELECT u.month, v.wellbeing_county_code, v.municipality_code, v.id, NULL::bigint, NULL::boolean
    FROM (SELECT date_trunc('month', b.starts_at AT TIME ZONE 'Europe/Helsinki')::date AS month, b.venue_id
          FROM venue_bookings b JOIN organizations org ON org.id = b.organization_id
          WHERE b.status = 'confirmed' AND b.rent_cents = 0 AND org.kind = 'ngo'
            AND b.starts_at >= from_month - 1 AND b.starts_at < until + 1
          UNION
          SELECT o.month, o.venue_id FROM platform_occurrences(from_month, until) o
          JOIN venues v ON v.id = o.venue_id AND v.premises_terms IN ('free', 'free_for_ngos')
          WHERE o.held AND EXISTS (SELECT 1 FROM platform_organizers(from_month, until) g
                                   JOIN organizations org ON org.id = g.organization_id
                                   WHERE g.series_id = o.series_id AND g.month = o.month AND org.kind = 'ngo')) u
    JOIN venues v ON v.id = u.venue_id
    WHERE derivation = 'venues_free_for_ngos' AND u.month >= from_month AND u.month < until
$$;
