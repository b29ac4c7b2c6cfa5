-- The ledger of earmarked funds (专款专用): each budget line (a buyer's purchase line) with what is
-- committed against it and what is paid from it. Running totals sit on the line's row, so the CHECK
-- keeps paid ≤ committed ≤ budget atomically and an UPDATE of the row serialises writers of one line.
CREATE SCHEMA payments;

CREATE TABLE payments.budget_lines (
    -- the purchase line (Tendering), read through its service
    line_id       uuid PRIMARY KEY,
    buyer_id      uuid   NOT NULL,
    budget_fen    bigint NOT NULL CHECK (budget_fen > 0),
    committed_fen bigint NOT NULL DEFAULT 0,
    paid_fen      bigint NOT NULL DEFAULT 0,
    CHECK (0 <= paid_fen AND paid_fen <= committed_fen AND committed_fen <= budget_fen)
);

-- A commitment reserves part of a line for one purpose: a seed grant, a contract.
CREATE TABLE payments.commitments (
    id           uuid PRIMARY KEY,
    line_id      uuid   NOT NULL REFERENCES payments.budget_lines (line_id),
    purpose      text   NOT NULL CHECK (purpose IN ('seed_grant', 'contract')),
    source_id    uuid   NOT NULL,
    amount_fen   bigint NOT NULL CHECK (amount_fen >= 0),
    paid_fen     bigint NOT NULL DEFAULT 0,
    committed_at timestamptz NOT NULL,
    CHECK (0 <= paid_fen AND paid_fen <= amount_fen),
    UNIQUE (purpose, source_id)
);

CREATE INDEX commitments_line ON payments.commitments (line_id, committed_at);

-- A disbursement pays part of a commitment from its own line. The treasury's reference is unique per
-- line: recording the same payment twice finds the first.
CREATE TABLE payments.disbursements (
    id                 uuid PRIMARY KEY,
    commitment_id      uuid   NOT NULL REFERENCES payments.commitments (id),
    line_id            uuid   NOT NULL REFERENCES payments.budget_lines (line_id),
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    treasury_reference text   NOT NULL CHECK (treasury_reference ~ '^[A-Za-z0-9-]{4,40}$'),
    paid_on            date   NOT NULL,
    recorded_by        uuid   NOT NULL,
    recorded_at        timestamptz NOT NULL,
    UNIQUE (line_id, treasury_reference)
);

CREATE INDEX disbursements_commitment ON payments.disbursements (commitment_id, paid_on);
