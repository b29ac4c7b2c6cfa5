-- Service items (事项清单), their versions and tier authorities, and the registry of certificates and
-- stamps (证明材料) they require.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE catalogue.materials (
    id             uuid PRIMARY KEY,
    code           text NOT NULL UNIQUE CHECK (code ~ '^M[0-9]{4}$'),
    name_zh        text NOT NULL,
    name_en        text NOT NULL,
    -- who issues it, e.g. 公安机关 (public security), 街道办事处 (street office)
    issuer         text NOT NULL,
    -- retired by data sharing (数据共享) or a signed commitment (告知承诺): no longer required anywhere
    retired_at     timestamptz,
    retired_reason text CHECK (retired_reason IN ('data_sharing', 'commitment')),
    retired_note   text,
    created_at     timestamptz NOT NULL,
    CHECK ((retired_at IS NULL) = (retired_reason IS NULL))
);

CREATE TABLE catalogue.items (
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{2}-[0-9]{3}$'),
    -- the department (an organisation of Identity) that owns the item; checked through Identity's API
    department_id     uuid NOT NULL,
    published_version integer,
    created_at        timestamptz NOT NULL
);

CREATE INDEX items_department ON catalogue.items (department_id);

-- A version never changes once published; a change is a new version.
CREATE TABLE catalogue.item_versions (
    item_id          uuid    NOT NULL REFERENCES catalogue.items (id),
    version          integer NOT NULL CHECK (version > 0),
    name_zh          text    NOT NULL,
    name_en          text    NOT NULL,
    legal_basis      text    NOT NULL,
    conditions       text    NOT NULL,
    procedure        text[]  NOT NULL,
    result           text    NOT NULL,
    time_limit_days  integer NOT NULL CHECK (time_limit_days >= 0),
    on_the_spot      boolean NOT NULL,
    channel          text    NOT NULL CHECK (channel IN ('window', 'online', 'both')),
    fees             text    NOT NULL,
    accept_tier      text    NOT NULL CHECK (accept_tier IN ('district', 'street', 'community')),
    approve_tier     text    NOT NULL CHECK (approve_tier IN ('district', 'street', 'community')),
    handle_tier      text    NOT NULL CHECK (handle_tier IN ('district', 'street', 'community')),
    accept_days      integer NOT NULL CHECK (accept_days >= 0),
    approve_days     integer NOT NULL CHECK (approve_days >= 0),
    material_ids     uuid[]  NOT NULL,
    published_at     timestamptz NOT NULL,
    published_by     uuid    NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- Search: substring and similarity on both names of the published versions.
CREATE INDEX item_versions_name_zh_trgm ON catalogue.item_versions USING gin (name_zh gin_trgm_ops);
CREATE INDEX item_versions_name_en_trgm ON catalogue.item_versions USING gin (name_en gin_trgm_ops);
