CREATE OR REPLACE FUNCTION observation_partners(indicator uuid, reporter uuid) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT array_append(indicator_partners(i.owner_organization_id, i.agreement_ids), reporter)
    FROM indicators i WHERE i.id = indicator
$$;
CREATE OR REPLACE FUNCTION indicator_partners(owner uuid, agreement_ids uuid[]) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(DISTINCT o) FROM (
        SELECT owner AS o
        UNION SELECT organization_id FROM agreement_parties WHERE agreement_id = ANY(agreement_ids)
    ) partners
$$;
DROP TRIGGER observations_reporter_fits_source ON observations;
DROP FUNCTION observations_reporter_fits_source();
DELETE FROM observations WHERE reporting_organization_id IS NULL;
ALTER TABLE observations ALTER COLUMN reporting_organization_id SET NOT NULL;
DROP TRIGGER indicators_keep_source ON indicators;
DROP FUNCTION indicators_keep_source();
DELETE FROM indicators WHERE source <> 'reported';
DROP INDEX indicators_source_idx;
ALTER TABLE indicators DROP CONSTRAINT indicators_reserved_code_check,
    DROP CONSTRAINT indicators_reference_data_check,
    DROP CONSTRAINT indicators_derivation_check,
    DROP CONSTRAINT indicators_owner_check,
    ALTER COLUMN owner_organization_id SET NOT NULL,
    DROP COLUMN derivation,
    DROP COLUMN source;
UPDATE indicator_versions
   SET definition = (definition - 'attribution') || jsonb_build_object('source', definition -> 'attribution')
 WHERE definition ? 'attribution';
ALTER TABLE indicators RENAME CONSTRAINT indicators_attribution_check TO indicators_source_check;
ALTER TABLE indicators RENAME COLUMN attribution TO source;
DROP FUNCTION platform_indicator_units(text, date, date);
DROP FUNCTION platform_participants(date, date, text[]);
DROP FUNCTION platform_organizers(date, date);
DROP FUNCTION platform_occurrences(date, date);
DROP FUNCTION platform_agreements_in_force(date, date);
DROP TRIGGER agreements_terminated_on ON agreements;
DROP FUNCTION agreements_terminated_on();
ALTER TABLE agreements DROP COLUMN terminated_on;
