-- Evaluation panels, scores, awards and complaints (DOMAIN.md §2), and people's ties to organisations.

-- A person's ties to organisations other than the one they work in (an evaluation expert's employer,
-- a board seat, consultancy within three years): an evaluator tied to a buyer or a bidder is refused.
CREATE TABLE identity.affiliations (
    user_id         uuid NOT NULL REFERENCES identity.users (id),
    organisation_id uuid NOT NULL REFERENCES identity.organisations (id),
    relation        text NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);

-- The evaluators of a tender. Status: assigned (no declaration yet), independent (declared no
-- conflict; may score), refused (tied to the buyer or a bidder, or declared a conflict). The name and
-- organisation are the evaluator's at assignment, as the panel's record states them.
CREATE TABLE tendering.panel_members (
    tender_id       uuid NOT NULL REFERENCES tendering.tenders (id),
    user_id         uuid NOT NULL,
    display_name    text NOT NULL,
    organisation_id uuid NOT NULL,
    status          text NOT NULL CHECK (status IN ('assigned', 'independent', 'refused')),
    refusal         text,
    declaration     text,
    assigned_at     timestamptz NOT NULL,
    declared_at     timestamptz,
    submitted_at    timestamptz,
    PRIMARY KEY (tender_id, user_id)
);

CREATE INDEX panel_members_user ON tendering.panel_members (user_id, assigned_at DESC);

-- An evaluator's points for one bid on one criterion, in hundredths of a point.
CREATE TABLE tendering.scores (
    tender_id  uuid    NOT NULL REFERENCES tendering.tenders (id),
    user_id    uuid    NOT NULL,
    bid_id     uuid    NOT NULL REFERENCES tendering.bids (id),
    criterion  text    NOT NULL,
    hundredths integer NOT NULL CHECK (hundredths >= 0),
    comment    text    NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, bid_id, criterion),
    FOREIGN KEY (tender_id, user_id) REFERENCES tendering.panel_members (tender_id, user_id)
);

CREATE INDEX scores_tender ON tendering.scores (tender_id);

-- A bidder's written justification of a price flagged as abnormally low.
CREATE TABLE tendering.price_justifications (
    bid_id     uuid PRIMARY KEY REFERENCES tendering.bids (id),
    text       text NOT NULL,
    written_at timestamptz NOT NULL,
    written_by uuid NOT NULL
);

-- The buyer's decision on each lot: the bid awarded (or none, the lot unsuccessful), the bid the
-- evaluation recommended, and why when they differ. contract_ready_at is set when the tender completes:
-- from then on the award is a contract draft for the delivery module.
CREATE TABLE tendering.awards (
    id                 uuid PRIMARY KEY,
    tender_id          uuid NOT NULL REFERENCES tendering.tenders (id),
    lot_id             uuid NOT NULL UNIQUE REFERENCES tendering.lots (id),
    bid_id             uuid REFERENCES tendering.bids (id),
    supplier_id        uuid,
    value_fen          bigint CHECK (value_fen > 0),
    recommended_bid_id uuid REFERENCES tendering.bids (id),
    reason             text NOT NULL DEFAULT '',
    decided_by         uuid NOT NULL,
    decided_at         timestamptz NOT NULL,
    contract_ready_at  timestamptz,
    CHECK ((bid_id IS NULL) = (supplier_id IS NULL) AND (bid_id IS NULL) = (value_fen IS NULL))
);

CREATE INDEX awards_tender ON tendering.awards (tender_id);
CREATE INDEX awards_contract_ready ON tendering.awards (contract_ready_at, id) WHERE contract_ready_at IS NOT NULL;

-- Complaints (质疑) during the standstill: claim → answered → resolved, or escalated to an overseer
-- who decides (→ resolved). An answer not escalated within the window lapses to resolved.
CREATE TABLE tendering.complaints (
    id             uuid PRIMARY KEY,
    tender_id      uuid NOT NULL REFERENCES tendering.tenders (id),
    lot_id         uuid REFERENCES tendering.lots (id),
    complainant_id uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('claim', 'answered', 'escalated', 'resolved')),
    text           text NOT NULL,
    filed_at       timestamptz NOT NULL,
    answer         text,
    answered_at    timestamptz,
    escalation     text,
    escalated_at   timestamptz,
    -- accepted (by the complainant), lapsed (not escalated in time), upheld or dismissed (by an overseer)
    outcome        text CHECK (outcome IN ('accepted', 'lapsed', 'upheld', 'dismissed')),
    decision       text,
    resolved_at    timestamptz,
    CHECK ((status = 'resolved') = (outcome IS NOT NULL))
);

CREATE INDEX complaints_tender ON tendering.complaints (tender_id, filed_at);
