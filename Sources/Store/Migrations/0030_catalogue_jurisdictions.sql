-- Catalogues by jurisdiction (issue 20). Every service item belongs to one jurisdiction's list: its
-- department's, or one below it stated on the item. A finance office keeps the lists of its own
-- jurisdiction and of those below it; a jurisdiction's public list shows what it inherits from above.
ALTER TABLE catalogue.items ADD COLUMN jurisdiction_id uuid;

-- Items made before lists had a jurisdiction join their department's list. This one statement reads
-- Identity's table; the running code asks Identity's service (modules do not share tables).
UPDATE catalogue.items i SET jurisdiction_id = o.jurisdiction_id FROM identity.organisations o WHERE o.id = i.department_id;

-- a jurisdiction of Identity, checked through its service
ALTER TABLE catalogue.items ALTER COLUMN jurisdiction_id SET NOT NULL;

-- A jurisdiction's list with what it inherits: items whose jurisdiction is on its path.
CREATE INDEX items_jurisdiction ON catalogue.items (jurisdiction_id, code);

-- A jurisdiction's own additions to the negative list (Decree 102 art. 10) on codes of the guiding
-- catalogue: they bind the jurisdiction and every one below it, on top of the national entries kept in
-- catalogue.purchase_categories. An entry never lifts a national one.
CREATE TABLE catalogue.negative_entries (
    id              uuid PRIMARY KEY,
    -- a jurisdiction of Identity, checked through its service
    jurisdiction_id uuid NOT NULL,
    code            text NOT NULL REFERENCES catalogue.purchase_categories (code),
    reason          text NOT NULL CHECK (reason IN ('goods', 'works', 'financing', 'staffing', 'government_duty')),
    note            text NOT NULL,
    created_at      timestamptz NOT NULL,
    created_by      uuid NOT NULL,
    UNIQUE (jurisdiction_id, code)
);
