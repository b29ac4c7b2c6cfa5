-- What tendering eligibility reads about an organisation: its rating (社会组织评估等级, 1A–5A, valid
-- five years) and recorded violations. The incubation module will keep these; they live with the
-- organisation's record in Identity so there is one record from first idea to contracts.
CREATE TABLE identity.ratings (
    organisation_id uuid    NOT NULL REFERENCES identity.organisations (id),
    level           integer NOT NULL CHECK (level BETWEEN 1 AND 5),
    awarded_on      date    NOT NULL,
    expires_on      date    NOT NULL CHECK (expires_on > awarded_on),
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, awarded_on)
);

CREATE TABLE identity.violations (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES identity.organisations (id),
    severity        text NOT NULL CHECK (severity IN ('major', 'minor')),
    occurred_on     date NOT NULL,
    description     text NOT NULL,
    recorded_at     timestamptz NOT NULL
);

CREATE INDEX violations_organisation ON identity.violations (organisation_id, occurred_on DESC);
