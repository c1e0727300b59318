-- Organisations taking part in cross-sector collaboration: wellbeing services counties,
-- municipalities, NGOs, parishes, companies and state agencies.
CREATE TABLE organizations (
    id                    uuid PRIMARY KEY,
    name                  jsonb NOT NULL CONSTRAINT organizations_name_check CHECK (localized_text_is_valid(name)),
    kind                  text NOT NULL CONSTRAINT organizations_kind_check CHECK (kind IN
                              ('wellbeing_services_county', 'municipality', 'ngo', 'parish',
                               'company', 'state_agency', 'other')),
    business_id           text NULL CONSTRAINT organizations_business_id_check CHECK (business_id_is_valid(business_id))
                          CONSTRAINT organizations_business_id_key UNIQUE,
    parent_id             uuid NULL CONSTRAINT organizations_parent_id_fkey REFERENCES organizations (id),
    municipality_codes    text[] NOT NULL DEFAULT '{}'
                          CONSTRAINT organizations_municipality_codes_check
                          CHECK (array_position(municipality_codes, NULL) IS NULL),
    wellbeing_county_code text NULL,
    description           jsonb NULL CONSTRAINT organizations_description_check
                          CHECK (description IS NULL OR localized_text_is_valid(description)),
    website               text NULL CONSTRAINT organizations_website_check CHECK (website ~ '^https?://[^\s]+$'),
    email                 text NULL CONSTRAINT organizations_email_check CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    phone                 text NULL CONSTRAINT organizations_phone_check CHECK (phone ~ '^\+?[0-9 ()-]{5,20}$'),
    external_ids          jsonb NOT NULL DEFAULT '{}' CONSTRAINT organizations_external_ids_check
                          CHECK (jsonb_typeof(external_ids) = 'object'),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               bigint NOT NULL DEFAULT 1,
    CONSTRAINT organizations_not_own_parent CHECK (parent_id <> id)
);

CREATE TRIGGER organizations_bump_version BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();

-- Served areas must be in the area register (valid today). A foreign key cannot reach into
-- an array or a validity period, so a constraint trigger does it, raising the same SQLSTATE
-- and a named constraint so the API reports it like any other foreign-key violation.
CREATE FUNCTION organizations_check_areas() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    FOREACH c IN ARRAY NEW.municipality_codes LOOP
        IF NOT area_exists('municipality', c, current_date) THEN
            RAISE EXCEPTION 'unknown municipality code %', c
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'organizations_municipality_codes_fkey';
        END IF;
    END LOOP;
    IF NEW.wellbeing_county_code IS NOT NULL
       AND NOT area_exists('wellbeing_services_county', NEW.wellbeing_county_code, current_date) THEN
        RAISE EXCEPTION 'unknown wellbeing services county code %', NEW.wellbeing_county_code
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'organizations_wellbeing_county_code_fkey';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER organizations_check_areas
    BEFORE INSERT OR UPDATE OF municipality_codes, wellbeing_county_code ON organizations
    FOR EACH ROW EXECUTE FUNCTION organizations_check_areas();

CREATE INDEX organizations_kind_idx ON organizations (kind, id);
CREATE INDEX organizations_parent_idx ON organizations (parent_id, id) WHERE parent_id IS NOT NULL;
CREATE INDEX organizations_county_idx ON organizations (wellbeing_county_code, id)
    WHERE wellbeing_county_code IS NOT NULL;
CREATE INDEX organizations_municipalities_idx ON organizations USING gin (municipality_codes);
CREATE INDEX organizations_search_idx ON organizations USING gin (localized_search_vector(name));
CREATE INDEX organizations_updated_idx ON organizations (updated_at, id);
