-- Performance evaluations (事前, 事中, 事后) with their grade, the beneficiaries' satisfaction survey,
-- and amendments signed by both parties.
CREATE TABLE delivery.evaluations (
    id               uuid PRIMARY KEY,
    contract_id      uuid NOT NULL REFERENCES delivery.contracts (id),
    phase            text NOT NULL CHECK (phase IN ('ex_ante', 'in_process', 'ex_post')),
    -- [{kind, name, weight, score, note}], points in hundredths
    indicators       jsonb NOT NULL,
    score_hundredths int  NOT NULL CHECK (score_hundredths BETWEEN 0 AND 10000),
    grade            text NOT NULL CHECK (grade IN ('优', '良', '中', '差')),
    summary          text NOT NULL,
    evaluator_id     uuid NOT NULL,
    evaluator_name   text NOT NULL,
    evaluated_at     timestamptz NOT NULL
);

-- Before and after happen once; during as often as the milestones need.
CREATE UNIQUE INDEX evaluations_once ON delivery.evaluations (contract_id, phase) WHERE phase <> 'in_process';
CREATE INDEX evaluations_contract ON delivery.evaluations (contract_id, evaluated_at);
CREATE INDEX evaluations_ex_post ON delivery.evaluations (contract_id) WHERE phase = 'ex_post';

-- The survey's link carries this token, not the contract's id: a link handed to service users names nothing else.
ALTER TABLE delivery.contracts ADD COLUMN survey_token text UNIQUE;

CREATE TABLE delivery.survey_answers (
    id           uuid PRIMARY KEY,
    contract_id  uuid NOT NULL REFERENCES delivery.contracts (id),
    rating       int  NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment      text NOT NULL DEFAULT '',
    -- SHA-256 of the device cookie and of the client's address: one answer per device, a ceiling per address
    device_hash  text NOT NULL,
    client_hash  text NOT NULL,
    answered_at  timestamptz NOT NULL,
    UNIQUE (contract_id, device_hash)
);

CREATE INDEX survey_answers_client ON delivery.survey_answers (contract_id, client_hash, answered_at);

CREATE TABLE delivery.amendments (
    id                  uuid PRIMARY KEY,
    contract_id         uuid NOT NULL REFERENCES delivery.contracts (id),
    number              int  NOT NULL CHECK (number > 0),
    reason              text NOT NULL,
    -- {endsOn, terms, termJustification} before and after
    before              jsonb NOT NULL,
    after               jsonb NOT NULL,
    status              text NOT NULL CHECK (status IN ('proposed', 'agreed', 'withdrawn')),
    proposed_by         uuid NOT NULL,
    proposed_at         timestamptz NOT NULL,
    buyer_signed_by     uuid,
    buyer_signed_at     timestamptz,
    supplier_signed_by  uuid,
    supplier_signed_at  timestamptz,
    closed_at           timestamptz,
    UNIQUE (contract_id, number)
);

CREATE UNIQUE INDEX amendments_one_open ON delivery.amendments (contract_id) WHERE status = 'proposed';
