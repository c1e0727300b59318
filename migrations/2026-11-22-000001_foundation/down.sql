DROP FUNCTION localized_search_query(text);
DROP FUNCTION localized_search_vector(jsonb);
DROP FUNCTION business_id_is_valid(text);
DROP FUNCTION localized_text_is_valid(jsonb);
DROP FUNCTION bump_row_version();
