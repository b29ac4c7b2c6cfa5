-- The incubation pipeline (DOMAIN.md §3): stage policies the incubator's staff edit, and each
-- organisation's stays in the stages.
CREATE SCHEMA incubation;

-- Rules as JSON arrays of {"kind": …} objects (Incubation.StageRule).
CREATE TABLE incubation.stage_policies (
    stage               text PRIMARY KEY CHECK (stage IN ('nursery', 'incubator', 'accelerator', 'industrial_park')),
    entry_rules         jsonb   NOT NULL,
    graduation_rules    jsonb   NOT NULL,
    maximum_stay_months integer NOT NULL CHECK (maximum_stay_months BETWEEN 1 AND 120),
    updated_at          timestamptz NOT NULL,
    updated_by          uuid    NOT NULL
);

-- Seed 002's pipeline as the starting policy: a team enters the nursery with nothing; the incubator
-- needs a registered organisation; the accelerator a 3-year clean record after 6 months incubated;
-- the park a rating of at least 3A and a contract delivered with grade 良 or better.
INSERT INTO incubation.stage_policies (stage, entry_rules, graduation_rules, maximum_stay_months, updated_at, updated_by) VALUES
    ('nursery', '[]', '[{"kind": "months_in_stage", "months": 3}]', 12, now(), '00000000-0000-7000-8000-000000000000'),
    ('incubator', '[{"kind": "registered"}]', '[{"kind": "months_in_stage", "months": 6}]', 18, now(), '00000000-0000-7000-8000-000000000000'),
    ('accelerator', '[{"kind": "registered"}, {"kind": "no_major_violation", "years": 3}]', '[{"kind": "months_in_stage", "months": 6}]', 24, now(),
     '00000000-0000-7000-8000-000000000000'),
    ('industrial_park', '[{"kind": "registered"}, {"kind": "minimum_rating", "level": 3}, {"kind": "contracts_delivered", "count": 1, "minimumGrade": "良"}]',
     '[]', 120, now(), '00000000-0000-7000-8000-000000000000');

-- One row per stay; the current stay has no left_at. An overridden move keeps the rules it broke.
CREATE TABLE incubation.placements (
    id              uuid PRIMARY KEY,
    organisation_id uuid    NOT NULL,
    stage           text    NOT NULL CHECK (stage IN ('nursery', 'incubator', 'accelerator', 'industrial_park')),
    entered_at      timestamptz NOT NULL,
    left_at         timestamptz,
    reason          text    NOT NULL,
    overridden      boolean NOT NULL,
    failed_rules    text[]  NOT NULL,
    moved_by        uuid    NOT NULL
);

CREATE UNIQUE INDEX placements_current ON incubation.placements (organisation_id) WHERE left_at IS NULL;
CREATE INDEX placements_organisation ON incubation.placements (organisation_id, entered_at);
CREATE INDEX placements_stage ON incubation.placements (stage, entered_at) WHERE left_at IS NULL;
