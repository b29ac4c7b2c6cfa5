-- Purchase lists (采购清单): each buyer's yearly budgeted needs. Every line is a budget line that
-- tenders, contracts and payments later commit and pay against.
CREATE SCHEMA tendering;

CREATE TABLE tendering.purchase_lines (
    id              uuid PRIMARY KEY,
    -- the buying organisation (Identity), checked through its service
    buyer_id        uuid    NOT NULL,
    year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    -- the buyer's own number for the line, unique within its list of the year
    reference       text    NOT NULL CHECK (reference ~ '^[A-Za-z0-9-]{1,30}$'),
    -- a purchasable code of the guiding purchase catalogue, checked through Catalogue's service
    catalogue_code  text    NOT NULL,
    title           text    NOT NULL,
    target_group    text    NOT NULL,
    quantity        integer NOT NULL CHECK (quantity > 0),
    unit            text    NOT NULL,
    budget_fen      bigint  NOT NULL CHECK (budget_fen > 0),
    funding_source  text    NOT NULL CHECK (funding_source IN ('general_budget', 'fund_budget', 'lottery', 'transfer', 'other')),
    tier            text    NOT NULL CHECK (tier IN ('district', 'street', 'community')),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (buyer_id, year, reference)
);

-- The public list filters by year and buyer, newest year first.
CREATE INDEX purchase_lines_year_buyer ON tendering.purchase_lines (year DESC, buyer_id, reference);
CREATE INDEX purchase_lines_catalogue ON tendering.purchase_lines (catalogue_code);
