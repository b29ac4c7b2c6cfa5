-- Tenders, their lots, questions and sealed bids (DOMAIN.md §2).

-- Days that are not what their weekday says: weekday public holidays (working = false) and the
-- weekend days made working days (调休, working = true). Tender periods count working days.
CREATE TABLE tendering.calendar_days (
    day     date PRIMARY KEY,
    working boolean NOT NULL,
    name    text NOT NULL
);

-- The State Council's published 2026 holiday schedule; later years are added by a new migration.
INSERT INTO tendering.calendar_days (day, working, name) VALUES
    ('2026-01-01', false, '元旦'), ('2026-01-02', false, '元旦'), ('2026-01-04', true, '元旦调休'),
    ('2026-02-14', true, '春节调休'), ('2026-02-16', false, '春节'), ('2026-02-17', false, '春节'),
    ('2026-02-18', false, '春节'), ('2026-02-19', false, '春节'), ('2026-02-20', false, '春节'),
    ('2026-02-23', false, '春节'), ('2026-02-28', true, '春节调休'),
    ('2026-04-06', false, '清明节'),
    ('2026-05-01', false, '劳动节'), ('2026-05-04', false, '劳动节'), ('2026-05-05', false, '劳动节'), ('2026-05-09', true, '劳动节调休'),
    ('2026-06-19', false, '端午节'),
    ('2026-09-20', true, '国庆节调休'), ('2026-09-25', false, '中秋节'),
    ('2026-10-01', false, '国庆节'), ('2026-10-02', false, '国庆节'), ('2026-10-05', false, '国庆节'),
    ('2026-10-06', false, '国庆节'), ('2026-10-07', false, '国庆节'), ('2026-10-10', true, '国庆节调休');

CREATE SEQUENCE tendering.tender_reference;

CREATE TABLE tendering.tenders (
    id             uuid PRIMARY KEY,
    reference      text NOT NULL UNIQUE,
    buyer_id       uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('draft', 'enquiries', 'tendering', 'evaluation', 'awarded',
                                                   'complete', 'cancelled', 'unsuccessful')),
    -- TenderTerms without the lots (those are rows of tendering.lots)
    terms          jsonb NOT NULL,
    terms_version  integer NOT NULL DEFAULT 1,
    published_at   timestamptz,
    enquiry_end    timestamptz,
    tender_end     timestamptz,
    evaluation_end timestamptz,
    opened_at      timestamptz,
    awarded_at     timestamptz,
    standstill_end timestamptz,
    cancellation_reason text CHECK (cancellation_reason IN ('no_longer_needed', 'budget_withdrawn', 'defective_terms',
                                                            'complaint_upheld', 'force_majeure')),
    cancellation_note   text,
    cancelled_at   timestamptz,
    -- when the worker must next look at the tender (a deadline), NULL when nothing is due
    next_event_at  timestamptz,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CHECK (status = 'draft' OR status = 'cancelled' OR tender_end IS NOT NULL)
);

CREATE INDEX tenders_due ON tendering.tenders (next_event_at) WHERE next_event_at IS NOT NULL;
CREATE INDEX tenders_status ON tendering.tenders (status, id DESC);
CREATE INDEX tenders_buyer ON tendering.tenders (buyer_id, id DESC);

CREATE TABLE tendering.lots (
    id               uuid PRIMARY KEY,
    tender_id        uuid    NOT NULL REFERENCES tendering.tenders (id) ON DELETE CASCADE,
    number           integer NOT NULL CHECK (number > 0),
    purchase_line_id uuid    NOT NULL REFERENCES tendering.purchase_lines (id),
    title            text    NOT NULL,
    budget_fen       bigint  NOT NULL CHECK (budget_fen > 0),
    status           text    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsuccessful', 'awarded', 'cancelled')),
    UNIQUE (tender_id, number)
);

CREATE INDEX lots_purchase_line ON tendering.lots (purchase_line_id);

-- Questions are published without the asker; asker_id is kept for the record and abuse handling only.
CREATE TABLE tendering.questions (
    id          uuid PRIMARY KEY,
    tender_id   uuid NOT NULL REFERENCES tendering.tenders (id) ON DELETE CASCADE,
    lot_id      uuid REFERENCES tendering.lots (id),
    asker_id    uuid NOT NULL,
    text        text NOT NULL,
    asked_at    timestamptz NOT NULL,
    answer      text,
    answered_at timestamptz,
    answered_by uuid
);

CREATE INDEX questions_tender ON tendering.questions (tender_id, asked_at);

-- One bid per bidder per lot. Until the deadline only `sealed` holds its content: AES-GCM under the
-- tender's key (HKDF from the master secret), bound to (bid id, version). At opening the worker
-- fills the opened_* columns.
CREATE TABLE tendering.bids (
    id               uuid PRIMARY KEY,
    tender_id        uuid    NOT NULL REFERENCES tendering.tenders (id),
    lot_id           uuid    NOT NULL REFERENCES tendering.lots (id),
    bidder_id        uuid    NOT NULL,
    status           text    NOT NULL CHECK (status IN ('submitted', 'needs_confirmation', 'withdrawn')),
    version          integer NOT NULL,
    terms_version    integer NOT NULL,
    sealed           bytea,
    commitment       text    NOT NULL,
    submitted_at     timestamptz NOT NULL,
    opened_price_fen bigint,
    opened_payload   jsonb,
    UNIQUE (lot_id, bidder_id)
);

CREATE INDEX bids_tender ON tendering.bids (tender_id, lot_id);
CREATE INDEX bids_bidder ON tendering.bids (bidder_id, submitted_at DESC);

-- Every receipt ever given: a bidder can check any of them later, including replaced ones.
CREATE TABLE tendering.bid_receipts (
    commitment   text PRIMARY KEY,
    bid_id       uuid NOT NULL REFERENCES tendering.bids (id),
    version      integer NOT NULL,
    action       text NOT NULL CHECK (action IN ('submitted', 'replaced', 'confirmed', 'withdrawn')),
    submitted_at timestamptz NOT NULL
);

CREATE INDEX bid_receipts_bid ON tendering.bid_receipts (bid_id, version);

-- Idempotency keys of bid submissions: a retried request with the same key and the same body gets
-- the first receipt back. request_mac is an HMAC under the tender's key, so it reveals no price.
CREATE TABLE tendering.bid_requests (
    bidder_id   uuid NOT NULL,
    key         text NOT NULL,
    request_mac text NOT NULL,
    commitment  text,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (bidder_id, key)
);
