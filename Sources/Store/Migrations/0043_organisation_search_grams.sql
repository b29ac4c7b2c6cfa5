-- The directory's name search (issue 24): organisations' names carry their characters and character pairs, indexed
-- with GIN as the catalogue's items do (0005): a query's grams must all be present (indexed), ILIKE then confirms.
-- Over the province's 4,900 organisations the scan of every name cost more than the rest of the search together.
ALTER TABLE identity.organisations
    ADD COLUMN search_grams text[] GENERATED ALWAYS AS (catalogue.grams(name_zh || ' ' || name_en)) STORED;

CREATE INDEX organisations_search_grams ON identity.organisations USING gin (search_grams) WHERE status = 'approved';
