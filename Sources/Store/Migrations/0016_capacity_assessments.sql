-- Capacity assessments: the seven elements (McKinsey's capacity grid) scored 1–4, repeated over time.
CREATE TABLE incubation.assessments (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    assessed_on     date NOT NULL,
    -- {"aspirations": 1..4, "strategy": …, …}: every element
    scores          jsonb NOT NULL,
    note            text NOT NULL,
    assessor_id     uuid NOT NULL,
    recorded_at     timestamptz NOT NULL,
    UNIQUE (organisation_id, assessed_on)
);

CREATE INDEX assessments_organisation ON incubation.assessments (organisation_id, assessed_on);
