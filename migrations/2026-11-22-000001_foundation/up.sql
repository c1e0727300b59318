-- Shared building blocks that every resource table uses.

-- A row's version is its optimistic-concurrency token (ETag / If-Match); updated_at feeds
-- `updated_since` pulls. Both are maintained here so no code path can forget them.
CREATE FUNCTION bump_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- LocalizedText: an object with only fi/sv/en string members, at least one non-blank.
CREATE FUNCTION localized_text_is_valid(t jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jsonb_typeof(t) = 'object'
       AND NOT EXISTS (SELECT 1 FROM jsonb_each(t) e
                       WHERE e.key NOT IN ('fi', 'sv', 'en') OR jsonb_typeof(e.value) <> 'string')
       AND EXISTS (SELECT 1 FROM jsonb_each_text(t) e WHERE btrim(e.value) <> '')
$$;

-- Finnish business ID (Y-tunnus): seven digits, dash, check digit (weights 7,9,10,5,8,4,2
-- modulo 11; remainder 1 is never issued). The same rule lives in domain::business_id.
CREATE FUNCTION business_id_is_valid(b text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN b !~ '^[0-9]{7}-[0-9]$' THEN false
        ELSE (
            WITH s AS (
                SELECT (substr(b, 1, 1)::int * 7 + substr(b, 2, 1)::int * 9 + substr(b, 3, 1)::int * 10
                      + substr(b, 4, 1)::int * 5 + substr(b, 5, 1)::int * 8 + substr(b, 6, 1)::int * 4
                      + substr(b, 7, 1)::int * 2) % 11 AS r
            )
            SELECT r <> 1 AND substr(b, 9, 1)::int = CASE WHEN r = 0 THEN 0 ELSE 11 - r END FROM s
        )
    END
$$;

-- Full-text search over a LocalizedText value: stemmed Finnish and Swedish plus an unstemmed
-- 'simple' copy so that prefix queries ("tampe" → Tampere) work on the literal words.
CREATE FUNCTION localized_search_vector(t jsonb) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple'::regconfig,
                       coalesce(t ->> 'fi', '') || ' ' || coalesce(t ->> 'sv', '') || ' ' || coalesce(t ->> 'en', ''))
        || to_tsvector('finnish'::regconfig, coalesce(t ->> 'fi', ''))
        || to_tsvector('swedish'::regconfig, coalesce(t ->> 'sv', ''))
$$;

-- The query side of localized_search_vector. The argument is a sanitised tsquery of prefix
-- terms built by the application ("tampe:* & kau:*"), never raw user input.
CREATE FUNCTION localized_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT to_tsquery('simple'::regconfig, q)
        || to_tsquery('finnish'::regconfig, q)
        || to_tsquery('swedish'::regconfig, q)
$$;
