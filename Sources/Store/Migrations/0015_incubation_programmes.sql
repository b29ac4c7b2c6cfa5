-- Incubation programmes: intake windows with a capacity and a rubric, applications, reviews.
CREATE TABLE incubation.programmes (
    id            uuid PRIMARY KEY,
    name          text    NOT NULL,
    stage         text    NOT NULL CHECK (stage IN ('nursery', 'incubator', 'accelerator', 'industrial_park')),
    intake_opens  date    NOT NULL,
    intake_closes date    NOT NULL CHECK (intake_closes >= intake_opens),
    capacity      integer NOT NULL CHECK (capacity > 0),
    -- [{"name": …, "weight": …}], weights adding up to 100
    rubric        jsonb   NOT NULL,
    created_at    timestamptz NOT NULL,
    created_by    uuid    NOT NULL
);

CREATE TABLE incubation.applications (
    id              uuid PRIMARY KEY,
    programme_id    uuid    NOT NULL REFERENCES incubation.programmes (id),
    organisation_id uuid    NOT NULL,
    idea            text    NOT NULL,
    team_size       integer NOT NULL CHECK (team_size > 0),
    needs           text    NOT NULL,
    status          text    NOT NULL CHECK (status IN ('submitted', 'admitted', 'waitlisted', 'rejected')),
    submitted_at    timestamptz NOT NULL,
    decision_reason text,
    decided_at      timestamptz,
    decided_by      uuid,
    UNIQUE (programme_id, organisation_id)
);

CREATE INDEX applications_programme ON incubation.applications (programme_id, submitted_at);

-- One review per reviewer per application; points per rubric criterion as {"name": hundredths}.
CREATE TABLE incubation.reviews (
    application_id uuid NOT NULL REFERENCES incubation.applications (id),
    reviewer_id    uuid NOT NULL,
    reviewer_name  text NOT NULL,
    points         jsonb NOT NULL,
    comment        text NOT NULL,
    submitted_at   timestamptz NOT NULL,
    PRIMARY KEY (application_id, reviewer_id)
);
