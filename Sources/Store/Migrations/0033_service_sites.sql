-- Issue 23: the service sites of the three-tier network (服务中心/站, DOMAIN §6). A site sits in one
-- jurisdiction; its path (the jurisdiction and its ancestors, root first) is kept on the row so a list of a
-- jurisdiction and everything below it is one index lookup, without reading Identity's tables. Staff are a
-- JSON list on the site (names are personal data, shown only to the offices of the jurisdiction); the items
-- it serves are catalogue.items ids, checked by the service through Catalogue's API (modules share no tables).
CREATE SCHEMA grassroots;

CREATE TABLE grassroots.sites (
    -- also the site's audit chain (site.registered, site.updated)
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9-]{1,40}$'),
    name_zh           text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 100),
    name_en           text NOT NULL CHECK (length(name_en) <= 200),
    tier              text NOT NULL CHECK (tier IN ('county_centre', 'town_centre', 'village_station')),
    -- the jurisdiction's division code as the site was registered with it (codes never change in Identity)
    jurisdiction_code text NOT NULL,
    jurisdiction_id   uuid NOT NULL,
    jurisdiction_path uuid[] NOT NULL CHECK (jurisdiction_path[array_length(jurisdiction_path, 1)] = jurisdiction_id),
    operator_kind     text NOT NULL CHECK (operator_kind IN ('government_office', 'village_committee', 'social_organisation')),
    operator_name     text NOT NULL CHECK (length(operator_name) BETWEEN 1 AND 100),
    contract_id       uuid CHECK (contract_id IS NULL OR operator_kind = 'social_organisation'),
    address           text NOT NULL CHECK (length(address) BETWEEN 1 AND 200),
    -- tenths of a square metre
    floor_area        integer NOT NULL CHECK (floor_area BETWEEN 1 AND 100000),
    hall_area         integer NOT NULL CHECK (hall_area BETWEEN 0 AND 1000000),
    equipment         text[] NOT NULL,
    windows           integer NOT NULL CHECK (windows BETWEEN 0 AND 100),
    staff             jsonb NOT NULL CHECK (jsonb_typeof(staff) = 'array'),
    opening_hours     text NOT NULL CHECK (length(opening_hours) BETWEEN 1 AND 200),
    item_ids          uuid[] NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX sites_path ON grassroots.sites USING gin (jurisdiction_path);
CREATE INDEX sites_tier_code ON grassroots.sites (tier, code);
