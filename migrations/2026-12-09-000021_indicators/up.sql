-- Collective-impact indicators (yhteinen mittaaminen): definitions agreed by partners, and the
-- values partners report for them per period, area and organisation, approved by the
-- indicator's owner before they count. Values are exact decimals (numeric), never floats.
CREATE TABLE indicators (
    id                    uuid PRIMARY KEY,
    code                  text NOT NULL CONSTRAINT indicators_code_key UNIQUE
                          CONSTRAINT indicators_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$'),
    title                 jsonb NOT NULL CONSTRAINT indicators_title_check CHECK (jsonb_typeof(title) = 'object'),
    description           jsonb NULL,
    interpretation        jsonb NULL,
    limitations           jsonb NULL,
    kind                  text NOT NULL CONSTRAINT indicators_kind_check CHECK (kind IN ('population', 'performance')),
    measure               text NOT NULL CONSTRAINT indicators_measure_check
                          CHECK (measure IN ('count', 'percentage', 'rate', 'index', 'ordinal', 'qualitative')),
    unit                  text NULL CONSTRAINT indicators_unit_check CHECK (length(unit) <= 40),
    decimals              smallint NOT NULL CONSTRAINT indicators_decimals_check CHECK (decimals BETWEEN 0 AND 6),
    -- A rate is numerator / denominator × rate_per (per 1,000 inhabitants, say).
    rate_per              integer NULL CONSTRAINT indicators_rate_per_check CHECK (rate_per BETWEEN 1 AND 1000000000),
    direction             text NOT NULL CONSTRAINT indicators_direction_check
                          CHECK (direction IN ('higher_is_better', 'lower_is_better', 'none')),
    aggregation           text NOT NULL CONSTRAINT indicators_aggregation_check
                          CHECK (aggregation IN ('sum', 'mean', 'weighted_mean', 'none')),
    periodicity           text NOT NULL CONSTRAINT indicators_periodicity_check
                          CHECK (periodicity IN ('P1M', 'P3M', 'P1Y', 'P2Y')),
    dimensions            text[] NOT NULL CONSTRAINT indicators_dimensions_check
                          CHECK (dimensions <@ ARRAY['area', 'organization', 'sex', 'age_group']::text[]),
    owner_organization_id uuid NOT NULL CONSTRAINT indicators_owner_organization_id_fkey
                          REFERENCES organizations (id),
    -- Partnerships whose parties report and read the indicator.
    agreement_ids         uuid[] NOT NULL DEFAULT '{}' CONSTRAINT indicators_agreement_ids_check
                          CHECK (cardinality(agreement_ids) <= 20),
    external_references   jsonb NOT NULL DEFAULT '[]',
    source                text NULL CONSTRAINT indicators_source_check CHECK (length(source) <= 500),
    licence               text NULL CONSTRAINT indicators_licence_check CHECK (length(licence) <= 200),
    visibility            text NOT NULL CONSTRAINT indicators_visibility_check CHECK (visibility IN ('public', 'partners')),
    -- Periods that end on or before this day are closed (after an annual review): their
    -- values no longer change.
    locked_through        date NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               bigint NOT NULL DEFAULT 1,
    CONSTRAINT indicators_rate_check CHECK ((measure = 'rate') = (rate_per IS NOT NULL))
);
CREATE INDEX indicators_owner_idx ON indicators (owner_organization_id);
CREATE INDEX indicators_public_idx ON indicators (id) WHERE visibility = 'public';
CREATE INDEX indicators_agreements_idx ON indicators USING gin (agreement_ids);
CREATE TRIGGER indicators_bump_version BEFORE UPDATE ON indicators
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- Every version of a definition as it was written (the API's shape), so that a value can be
-- read against the definition it was reported under.
CREATE TABLE indicator_versions (
    indicator_id uuid NOT NULL CONSTRAINT indicator_versions_indicator_id_fkey
                 REFERENCES indicators (id) ON DELETE CASCADE,
    version      bigint NOT NULL,
    definition   jsonb NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator_id, version)
);

CREATE TABLE observations (
    id                        uuid PRIMARY KEY,
    -- An indicator with values on record is not deleted (409), so no value vanishes with it.
    indicator_id              uuid NOT NULL CONSTRAINT observations_indicator_id_fkey REFERENCES indicators (id),
    value_type                text NOT NULL CONSTRAINT observations_value_type_check
                              CHECK (value_type IN ('actual', 'target', 'baseline')),
    period_code               text NOT NULL CONSTRAINT observations_period_code_check
                              CHECK (period_code ~ '^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2])|-[0-9]{4})?$'),
    period_start              date NOT NULL,
    period_end                date NOT NULL,
    area_kind                 text NULL CONSTRAINT observations_area_kind_check
                              CHECK (area_kind IN ('municipality', 'wellbeing_services_county')),
    area_code                 text NULL CONSTRAINT observations_area_code_check CHECK (area_code ~ '^[0-9]{2,3}$'),
    organization_id           uuid NULL CONSTRAINT observations_organization_id_fkey REFERENCES organizations (id),
    sex                       text NULL CONSTRAINT observations_sex_check CHECK (sex IN ('female', 'male')),
    age_group                 text NULL CONSTRAINT observations_age_group_check
                              CHECK (age_group ~ '^[0-9]{1,3}(-[0-9]{1,3}|\+)$'),
    value                     numeric NULL,
    numerator                 numeric NULL,
    denominator               numeric NULL CONSTRAINT observations_denominator_check CHECK (denominator > 0),
    narrative                 jsonb NULL,
    provisional               boolean NOT NULL DEFAULT false,
    -- Never in public output.
    confidential              boolean NOT NULL DEFAULT false,
    status                    text NOT NULL DEFAULT 'draft' CONSTRAINT observations_status_check
                              CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    status_comment            text NULL CONSTRAINT observations_status_comment_check CHECK (length(status_comment) <= 2000),
    -- The partner that reports the value (and answers for it); not a dimension.
    reporting_organization_id uuid NOT NULL CONSTRAINT observations_reporting_organization_id_fkey
                              REFERENCES organizations (id),
    submitted_by              uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    reviewed_by               uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    version                   bigint NOT NULL DEFAULT 1,
    CONSTRAINT observations_period_check CHECK (period_start <= period_end),
    CONSTRAINT observations_area_check CHECK ((area_kind IS NULL) = (area_code IS NULL)),
    CONSTRAINT observations_content_check CHECK (value IS NOT NULL OR narrative IS NOT NULL),
    CONSTRAINT observations_ratio_check CHECK ((numerator IS NULL) = (denominator IS NULL)),
    -- One value per natural key: a batch upserts on it.
    CONSTRAINT observations_natural_key UNIQUE NULLS NOT DISTINCT
        (indicator_id, value_type, period_code, area_kind, area_code, organization_id, sex, age_group)
);
CREATE INDEX observations_series_idx ON observations (indicator_id, period_start);
CREATE INDEX observations_reporting_idx ON observations (reporting_organization_id);
CREATE INDEX observations_updated_idx ON observations (updated_at, id);
CREATE TRIGGER observations_bump_version BEFORE UPDATE ON observations
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- Every version of a value (corrections, transitions), as the API showed it.
CREATE TABLE observation_history (
    observation_id uuid NOT NULL CONSTRAINT observation_history_observation_id_fkey
                   REFERENCES observations (id) ON DELETE CASCADE,
    version        bigint NOT NULL,
    snapshot       jsonb NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (observation_id, version)
);
