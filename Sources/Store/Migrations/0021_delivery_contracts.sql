-- Delivery: contracts from awards, their milestones with outcome metrics, the supplier's reports with
-- evidence, and the independent evaluator's sign-offs.
CREATE SCHEMA delivery;

CREATE SEQUENCE delivery.contract_reference;

CREATE TABLE delivery.contracts (
    id                  uuid PRIMARY KEY,
    reference           text   NOT NULL UNIQUE,
    -- the award (Tendering) the contract carries out: one contract per award
    award_id            uuid   NOT NULL UNIQUE,
    tender_id           uuid   NOT NULL,
    lot_id              uuid   NOT NULL,
    buyer_id            uuid   NOT NULL,
    supplier_id         uuid   NOT NULL,
    purchase_line_id    uuid   NOT NULL,
    title               text   NOT NULL,
    value_fen           bigint NOT NULL CHECK (value_fen > 0),
    starts_on           date   NOT NULL,
    ends_on             date   NOT NULL,
    term_justification  text,
    terms               text   NOT NULL,
    status              text   NOT NULL CHECK (status IN ('draft', 'signed', 'completed', 'terminated')),
    buyer_signed_by     uuid,
    buyer_signed_at     timestamptz,
    supplier_signed_by  uuid,
    supplier_signed_at  timestamptz,
    signed_at           timestamptz,
    published_at        timestamptz,
    commitment_id       uuid,
    closed_at           timestamptz,
    closing_reason      text,
    created_by          uuid   NOT NULL,
    created_at          timestamptz NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK ((status = 'draft') = (signed_at IS NULL))
);

CREATE INDEX contracts_buyer ON delivery.contracts (buyer_id, id);
CREATE INDEX contracts_supplier ON delivery.contracts (supplier_id, id);
CREATE INDEX contracts_public ON delivery.contracts (id) WHERE published_at IS NOT NULL;
CREATE INDEX contracts_unpublished ON delivery.contracts (signed_at) WHERE signed_at IS NOT NULL AND published_at IS NULL;

CREATE TABLE delivery.milestones (
    id           uuid PRIMARY KEY,
    contract_id  uuid NOT NULL REFERENCES delivery.contracts (id),
    number       int  NOT NULL CHECK (number > 0),
    title        text NOT NULL,
    due_on       date NOT NULL,
    deliverables text NOT NULL,
    -- share of the contract's payment, in basis points; a contract's shares add up to 10000
    share_bp     int  NOT NULL CHECK (share_bp > 0 AND share_bp <= 10000),
    -- [{code, definition, unit, target, dataSource, validationMethod}]
    metrics      jsonb NOT NULL,
    status       text NOT NULL CHECK (status IN ('pending', 'reported', 'more_evidence', 'met', 'partially_met', 'not_met')),
    UNIQUE (contract_id, number)
);

-- A report is never rewritten: a new version is a new row.
CREATE TABLE delivery.reports (
    id            uuid PRIMARY KEY,
    milestone_id  uuid NOT NULL REFERENCES delivery.milestones (id),
    contract_id   uuid NOT NULL REFERENCES delivery.contracts (id),
    version       int  NOT NULL CHECK (version > 0),
    -- {metric code: quantity}
    results       jsonb NOT NULL,
    beneficiaries int  NOT NULL CHECK (beneficiaries >= 0),
    narrative     text NOT NULL,
    submitted_by  uuid NOT NULL,
    submitted_at  timestamptz NOT NULL,
    UNIQUE (milestone_id, version)
);

CREATE TABLE delivery.evidence (
    id           uuid PRIMARY KEY,
    report_id    uuid   NOT NULL REFERENCES delivery.reports (id),
    filename     text   NOT NULL,
    kind         text   NOT NULL,
    size         int    NOT NULL CHECK (size > 0),
    sha256       text   NOT NULL,
    obtained_how text   NOT NULL,
    obtained_on  date   NOT NULL,
    content      bytea  NOT NULL
);

CREATE INDEX evidence_report ON delivery.evidence (report_id);

-- A sign-off of a report. A correction is a later sign-off of the same milestone that supersedes it.
CREATE TABLE delivery.signoffs (
    id                     uuid PRIMARY KEY,
    -- the order they were made in, which decides the one that stands (two may share a timestamp)
    seq                    bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    milestone_id           uuid NOT NULL REFERENCES delivery.milestones (id),
    report_id              uuid NOT NULL REFERENCES delivery.reports (id),
    contract_id            uuid NOT NULL REFERENCES delivery.contracts (id),
    decision               text NOT NULL CHECK (decision IN ('met', 'partially_met', 'not_met', 'more_evidence')),
    verified               jsonb NOT NULL,
    verified_beneficiaries int  NOT NULL CHECK (verified_beneficiaries >= 0),
    reasons                text NOT NULL,
    evaluator_id           uuid NOT NULL,
    evaluator_name         text NOT NULL,
    signed_at              timestamptz NOT NULL,
    -- the amount it makes payable exceeded the threshold: a second evaluator must sign too
    countersign_required   boolean NOT NULL,
    countersigned_by       uuid,
    countersigner_name     text,
    countersigned_at       timestamptz,
    supersedes             uuid REFERENCES delivery.signoffs (id),
    CHECK (countersigned_by IS NULL OR countersigned_by <> evaluator_id)
);

CREATE INDEX signoffs_milestone ON delivery.signoffs (milestone_id, seq);
CREATE INDEX signoffs_contract ON delivery.signoffs (contract_id);

-- Payments: each contract's rate card, the supplier's claims, and recoveries of overpayments.
CREATE TABLE payments.rate_cards (
    contract_id              uuid PRIMARY KEY,
    maximum_fen              bigint NOT NULL CHECK (maximum_fen > 0),
    delivery_fee_bp          int    NOT NULL CHECK (delivery_fee_bp BETWEEN 0 AND 10000),
    cap_per_beneficiary_fen  bigint CHECK (cap_per_beneficiary_fen > 0),
    partial_rule             text   NOT NULL CHECK (partial_rule IN ('proportional', 'nothing')),
    -- [{metric, priceFen, capFen}]
    prices                   jsonb  NOT NULL,
    set_by                   uuid   NOT NULL,
    set_at                   timestamptz NOT NULL
);

CREATE TABLE payments.claims (
    id                 uuid PRIMARY KEY,
    contract_id        uuid   NOT NULL,
    number             int    NOT NULL CHECK (number > 0),
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    -- what was earned to date when claimed, and the calculation's lines
    earned_fen         bigint NOT NULL,
    explanation        jsonb  NOT NULL,
    status             text   NOT NULL CHECK (status IN ('claimed', 'approved', 'paid', 'rejected')),
    claimed_by         uuid   NOT NULL,
    claimed_at         timestamptz NOT NULL,
    decided_by         uuid,
    decided_at         timestamptz,
    rejection_reason   text,
    disbursement_id    uuid,
    treasury_reference text,
    paid_on            date,
    idempotency_key    text,
    UNIQUE (contract_id, number),
    UNIQUE (contract_id, idempotency_key)
);

CREATE INDEX claims_open ON payments.claims (contract_id) WHERE status IN ('claimed', 'approved');

-- Money paid back to a line (a recovery repaid): the line's paid total goes down by it.
CREATE TABLE payments.refunds (
    id                 uuid PRIMARY KEY,
    commitment_id      uuid   NOT NULL REFERENCES payments.commitments (id),
    line_id            uuid   NOT NULL REFERENCES payments.budget_lines (line_id),
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    treasury_reference text   NOT NULL CHECK (treasury_reference ~ '^[A-Za-z0-9-]{4,40}$'),
    received_on        date   NOT NULL,
    recorded_by        uuid   NOT NULL,
    recorded_at        timestamptz NOT NULL,
    UNIQUE (line_id, treasury_reference)
);

CREATE TABLE payments.recoveries (
    id                 uuid PRIMARY KEY,
    contract_id        uuid   NOT NULL,
    -- the claim that paid what verified outcomes no longer earn
    claim_id           uuid   NOT NULL REFERENCES payments.claims (id),
    signoff_id         uuid   NOT NULL,
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    reason             text   NOT NULL,
    status             text   NOT NULL CHECK (status IN ('open', 'offset', 'repaid')),
    created_at         timestamptz NOT NULL,
    refund_id          uuid REFERENCES payments.refunds (id),
    settled_at         timestamptz
);

CREATE INDEX recoveries_contract ON payments.recoveries (contract_id, created_at);
