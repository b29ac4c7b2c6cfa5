-- The guiding purchase catalogue (政府购买服务指导性目录, MoF Decree 102 art. 14): three-level codes.
CREATE SCHEMA catalogue;

CREATE TABLE catalogue.purchase_categories (
    id              uuid PRIMARY KEY,
    -- level 1: one letter (A); level 2: letter + 2 digits (A01); level 3: letter + 4 digits (A0101)
    code            text NOT NULL UNIQUE CHECK (code ~ '^[A-Z]([0-9]{2}([0-9]{2})?)?$'),
    parent_code     text REFERENCES catalogue.purchase_categories (code),
    level           smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    -- set when the entry is on the negative list (art. 10): it and everything below it may not be bought
    negative_reason text CHECK (negative_reason IN ('goods', 'works', 'financing', 'staffing', 'government_duty')),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK ((level = 1) = (parent_code IS NULL))
);

CREATE INDEX purchase_categories_parent ON catalogue.purchase_categories (parent_code);
