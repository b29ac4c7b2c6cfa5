-- Support given to organisations in the pipeline: mentors, and the mentoring and training sessions
-- they receive (date, hours, kind, topic).
CREATE TABLE incubation.mentors (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    expertise   text NOT NULL,
    affiliation text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE incubation.sessions (
    id              uuid PRIMARY KEY,
    organisation_id uuid    NOT NULL,
    mentor_id       uuid REFERENCES incubation.mentors (id),
    held_on         date    NOT NULL,
    minutes         integer NOT NULL CHECK (minutes BETWEEN 15 AND 1440),
    kind            text    NOT NULL CHECK (kind IN ('mentoring', 'training', 'roadshow', 'site_visit')),
    topic           text    NOT NULL,
    recorded_by     uuid    NOT NULL,
    recorded_at     timestamptz NOT NULL
);

CREATE INDEX sessions_organisation ON incubation.sessions (organisation_id, held_on);
