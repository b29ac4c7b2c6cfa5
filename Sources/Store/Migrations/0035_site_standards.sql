-- Issue 23 item 2: standards and grading of the service sites (DOMAIN §6, seed 003). A county keeps one standard
-- per site tier, a versioned list of requirements (each with its points) and the marks of the grades; an edit adds
-- a version and later inspections score against it. An inspection scores every requirement of the version in force
-- (the measurable ones from the site's record, the others as the inspector found them) and keeps its evidence files
-- with their SHA-256, as contract evidence does. Audited: a standard on its own chain (`site-standard`), an
-- inspection on the site's (`site`).
CREATE TABLE grassroots.standards (
    -- also the standard's audit chain (site-standard.created, site-standard.revised)
    id                uuid PRIMARY KEY,
    jurisdiction_id   uuid NOT NULL,
    jurisdiction_code text NOT NULL,
    -- the jurisdiction and its ancestors, root first (what access is decided on)
    jurisdiction_path uuid[] NOT NULL CHECK (jurisdiction_path[array_length(jurisdiction_path, 1)] = jurisdiction_id),
    tier              text NOT NULL CHECK (tier IN ('county_centre', 'town_centre', 'village_station')),
    current_version   integer NOT NULL CHECK (current_version >= 1),
    updated_at        timestamptz NOT NULL,
    UNIQUE (jurisdiction_id, tier)
);

CREATE TABLE grassroots.standard_versions (
    standard_id  uuid NOT NULL REFERENCES grassroots.standards (id),
    version      integer NOT NULL CHECK (version >= 1),
    title_zh     text NOT NULL CHECK (length(title_zh) BETWEEN 1 AND 200),
    title_en     text NOT NULL CHECK (length(title_en) <= 400),
    -- [{code, kind, threshold?, equipment?, points}]
    requirements jsonb NOT NULL CHECK (jsonb_typeof(requirements) = 'array' AND jsonb_array_length(requirements) BETWEEN 1 AND 50),
    -- the least score (per cent of the points) of 达标 and of 基本达标
    meets_mark   integer NOT NULL CHECK (meets_mark BETWEEN 1 AND 100),
    basic_mark   integer NOT NULL CHECK (basic_mark BETWEEN 1 AND 100 AND basic_mark <= meets_mark),
    created_at   timestamptz NOT NULL,
    created_by   uuid NOT NULL,
    PRIMARY KEY (standard_id, version)
);

CREATE TABLE grassroots.inspections (
    -- audited on the site's chain (site.inspected)
    id               uuid PRIMARY KEY,
    site_id          uuid NOT NULL REFERENCES grassroots.sites (id),
    standard_id      uuid NOT NULL,
    standard_version integer NOT NULL,
    inspected_on     date NOT NULL,
    inspector_id     uuid NOT NULL,
    inspector_org    uuid NOT NULL,
    -- [{code, met, observed?}] in the order of the version's requirements
    scores           jsonb NOT NULL CHECK (jsonb_typeof(scores) = 'array'),
    points           integer NOT NULL CHECK (points >= 0),
    total_points     integer NOT NULL CHECK (total_points >= 1 AND points <= total_points),
    -- points / total in hundredths of a per cent, rounded down
    score            integer NOT NULL CHECK (score BETWEEN 0 AND 10000),
    grade            text NOT NULL CHECK (grade IN ('meets', 'basic', 'below')),
    notes            text NOT NULL CHECK (length(notes) <= 4000),
    recorded_at      timestamptz NOT NULL,
    FOREIGN KEY (standard_id, standard_version) REFERENCES grassroots.standard_versions (standard_id, version)
);

-- A site's grade history, newest first; the latest inspection of each site for the summary.
CREATE INDEX inspections_site ON grassroots.inspections (site_id, inspected_on DESC, recorded_at DESC);

CREATE TABLE grassroots.inspection_evidence (
    id               uuid PRIMARY KEY,
    inspection_id    uuid NOT NULL REFERENCES grassroots.inspections (id),
    requirement_code text NOT NULL,
    filename         text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    kind             text NOT NULL CHECK (kind IN ('pdf', 'png', 'jpeg')),
    size             integer NOT NULL CHECK (size > 0),
    sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content          bytea NOT NULL
);

CREATE INDEX inspection_evidence_inspection ON grassroots.inspection_evidence (inspection_id);
