-- Substring search that works for two-character Chinese words: pg_trgm cannot index a pattern shorter
-- than three characters, so names also carry their single characters and character pairs, stored and
-- indexed with GIN. A query's grams must all be present (cheap, indexed); ILIKE then confirms the match.
CREATE FUNCTION catalogue.grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
        SELECT substr(lower(t), i, 1) AS g FROM generate_series(1, length(t)) i
        UNION
        SELECT substr(lower(t), i, 2) FROM generate_series(1, length(t) - 1) i) s
    WHERE g !~ '^\s+$'
$$;

ALTER TABLE catalogue.item_versions
    ADD COLUMN search_grams text[] GENERATED ALWAYS AS (catalogue.grams(name_zh || ' ' || name_en)) STORED;

CREATE INDEX item_versions_search_grams ON catalogue.item_versions USING gin (search_grams);
