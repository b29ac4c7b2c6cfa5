-- Tender search by reference, title or description without reading every tender: the same single
-- characters and pairs as the catalogue's search (catalogue.grams, 0005), indexed with GIN. A query's
-- grams must all be present (indexed); ILIKE then confirms the words.
ALTER TABLE tendering.tenders
    ADD COLUMN search_grams text[] GENERATED ALWAYS AS
        (catalogue.grams(reference || ' ' || coalesce(terms ->> 'title', '') || ' ' || coalesce(terms ->> 'description', ''))) STORED;

CREATE INDEX tenders_search_grams ON tendering.tenders USING gin (search_grams);

-- Purchase lines are listed newest year first and paged by (year, buyer, reference): a row comparison
-- on (-year, buyer_id, reference) follows this index, so a page deep in the list starts where it should.
CREATE INDEX purchase_lines_page ON tendering.purchase_lines ((-year), buyer_id, reference);
