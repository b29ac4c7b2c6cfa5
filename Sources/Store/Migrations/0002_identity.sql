-- Jurisdictions, organisations, users, sessions and API tokens.
CREATE SCHEMA identity;

CREATE TABLE identity.jurisdictions (
    id         uuid PRIMARY KEY,
    parent_id  uuid REFERENCES identity.jurisdictions (id),
    tier       text NOT NULL CHECK (tier IN ('district', 'street', 'community')),
    -- the administrative division code (行政区划代码), e.g. 370102 for Lixia
    code       text NOT NULL UNIQUE,
    name_zh    text NOT NULL,
    name_en    text NOT NULL,
    -- this jurisdiction and all its ancestors, root first: scope checks become one array test
    path       uuid[] NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX jurisdictions_parent ON identity.jurisdictions (parent_id);
CREATE INDEX jurisdictions_path ON identity.jurisdictions USING gin (path);

CREATE TABLE identity.organisations (
    id              uuid PRIMARY KEY,
    reference       text NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('finance_office', 'department', 'social_organisation',
                                                  'evaluator', 'incubator_operator', 'overseer', 'platform')),
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    credit_code     text UNIQUE CHECK (credit_code ~ '^[0-9A-HJ-NP-RTUWXY]{18}$'),
    jurisdiction_id uuid NOT NULL REFERENCES identity.jurisdictions (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX organisations_jurisdiction ON identity.organisations (jurisdiction_id);
CREATE INDEX organisations_kind ON identity.organisations (kind, name_zh);

CREATE SEQUENCE identity.organisation_reference;

CREATE TABLE identity.users (
    id              uuid PRIMARY KEY,
    username        text NOT NULL,
    display_name    text NOT NULL,
    email           text,
    password_hash   text NOT NULL,
    organisation_id uuid NOT NULL REFERENCES identity.organisations (id),
    roles           text[] NOT NULL,
    disabled_at     timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE UNIQUE INDEX users_username ON identity.users (lower(username));
CREATE INDEX users_organisation ON identity.users (organisation_id, username);

-- Failed sign-ins by user name (known or not, so lock-out reveals nothing about which names exist).
CREATE TABLE identity.login_failures (
    username    text        NOT NULL,
    occurred_at timestamptz NOT NULL
);

CREATE INDEX login_failures_username ON identity.login_failures (username, occurred_at);

-- HTML sessions. The cookie holds a random secret; only its SHA-256 is stored.
CREATE TABLE identity.sessions (
    token_hash   text PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX sessions_user ON identity.sessions (user_id);
CREATE INDEX sessions_expiry ON identity.sessions (expires_at);

-- API bearer tokens, stored hashed and revocable.
CREATE TABLE identity.api_tokens (
    id           uuid PRIMARY KEY,
    token_hash   text NOT NULL UNIQUE,
    user_id      uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE INDEX api_tokens_user ON identity.api_tokens (user_id, created_at);
