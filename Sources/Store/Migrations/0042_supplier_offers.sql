-- Issue 24 item 3: what an approved organisation offers (DOMAIN §7): a catalogue service it delivers, the areas it
-- serves, its capacity a year and its price range per unit. The public directory searches them.
CREATE TABLE tendering.supplier_offers (
    id              uuid PRIMARY KEY,
    organisation_id uuid    NOT NULL REFERENCES identity.organisations (id),
    item_code       text    NOT NULL,
    -- The jurisdictions served; an offer serves each of them and everything below it.
    areas           uuid[]  NOT NULL CHECK (cardinality(areas) BETWEEN 1 AND 20),
    capacity        integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000000),
    capacity_unit   text    NOT NULL CHECK (capacity_unit IN ('people', 'hours')),
    -- Fen per unit (a person served for a year, or an hour).
    price_min       bigint  NOT NULL CHECK (price_min >= 0),
    price_max       bigint  NOT NULL CHECK (price_max >= price_min AND price_max <= 100000000000),
    description     text    NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    withdrawn_at    timestamptz
);

CREATE INDEX supplier_offers_organisation ON tendering.supplier_offers (organisation_id) WHERE withdrawn_at IS NULL;
CREATE INDEX supplier_offers_code ON tendering.supplier_offers (item_code) WHERE withdrawn_at IS NULL;
CREATE INDEX supplier_offers_areas ON tendering.supplier_offers USING gin (areas) WHERE withdrawn_at IS NULL;
