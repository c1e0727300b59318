-- Phenomena (ilmiöt): what staff at collaboration lobbies and meeting places notice in their
-- area (loneliness, digital exclusion, housing worries, ...), so that authorities can react
-- and phenomenon workshops can take them up. A report describes a phenomenon, never a person:
-- the API refuses identity codes, phone numbers and e-mail addresses in its text.

-- The controlled list of themes; platform admins extend it.
CREATE TABLE phenomenon_themes (
    code       text PRIMARY KEY CONSTRAINT phenomenon_themes_code_check CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name       jsonb NOT NULL CONSTRAINT phenomenon_themes_name_check CHECK (localized_text_is_valid(name)),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO phenomenon_themes (code, name) VALUES
    ('loneliness', '{"fi": "Yksinäisyys", "sv": "Ensamhet", "en": "Loneliness"}'),
    ('digital_exclusion', '{"fi": "Digisyrjäytyminen", "sv": "Digitalt utanförskap", "en": "Digital exclusion"}'),
    ('housing', '{"fi": "Asumisen huolet", "sv": "Boendebekymmer", "en": "Housing worries"}'),
    ('livelihood', '{"fi": "Toimeentulon huolet", "sv": "Bekymmer för utkomsten", "en": "Livelihood worries"}'),
    ('mental_wellbeing', '{"fi": "Mielen hyvinvointi", "sv": "Psykiskt välbefinnande", "en": "Mental wellbeing"}'),
    ('substance_use', '{"fi": "Päihteet", "sv": "Rusmedel", "en": "Substance use"}'),
    ('family_life', '{"fi": "Perheiden arki", "sv": "Familjernas vardag", "en": "Family life"}'),
    ('safety', '{"fi": "Turvallisuus", "sv": "Trygghet", "en": "Safety"}'),
    ('access_to_services', '{"fi": "Palveluihin pääsy", "sv": "Tillgång till tjänster", "en": "Access to services"}'),
    ('other', '{"fi": "Muu", "sv": "Annat", "en": "Other"}');

CREATE TABLE phenomena (
    id                          uuid PRIMARY KEY,
    theme                       text NOT NULL CONSTRAINT phenomena_theme_fkey REFERENCES phenomenon_themes (code),
    description                 jsonb NOT NULL CONSTRAINT phenomena_description_check CHECK (localized_text_is_valid(description)),
    municipality_code           text NOT NULL CONSTRAINT phenomena_municipality_code_check
                                CHECK (municipality_code ~ '^[0-9]{3}$'),
    postal_code                 text NULL CONSTRAINT phenomena_postal_code_check CHECK (postal_code ~ '^[0-9]{5}$'),
    venue_id                    uuid NULL CONSTRAINT phenomena_venue_id_fkey REFERENCES venues (id) ON DELETE SET NULL,
    observed_from               date NOT NULL,
    observed_to                 date NOT NULL,
    -- An estimate of how many people it concerned.
    people_concerned            integer NULL CONSTRAINT phenomena_people_concerned_check
                                CHECK (people_concerned BETWEEN 0 AND 100000),
    reporter_organization_id    uuid NOT NULL CONSTRAINT phenomena_reporter_organization_id_fkey
                                REFERENCES organizations (id),
    reported_by                 uuid NULL REFERENCES users (id) ON DELETE SET NULL,
    -- The organisation asked to respond; naming it lets it respond and binds it to nothing.
    responsible_organization_id uuid NULL CONSTRAINT phenomena_responsible_organization_id_fkey
                                REFERENCES organizations (id),
    status                      text NOT NULL DEFAULT 'new' CONSTRAINT phenomena_status_check
                                CHECK (status IN ('new', 'under_review', 'addressed', 'closed')),
    response                    jsonb NULL CONSTRAINT phenomena_response_check
                                CHECK (response IS NULL OR localized_text_is_valid(response)),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    version                     bigint NOT NULL DEFAULT 1,
    CONSTRAINT phenomena_observed_check CHECK (observed_from <= observed_to AND observed_to - observed_from <= 366)
);
CREATE INDEX phenomena_observed_idx ON phenomena (observed_from, id);
CREATE INDEX phenomena_reporter_idx ON phenomena (reporter_organization_id);
CREATE INDEX phenomena_responsible_idx ON phenomena (responsible_organization_id)
    WHERE responsible_organization_id IS NOT NULL;
CREATE INDEX phenomena_theme_idx ON phenomena (theme, municipality_code);
CREATE TRIGGER phenomena_bump_version BEFORE UPDATE ON phenomena FOR EACH ROW EXECUTE FUNCTION bump_row_version();
