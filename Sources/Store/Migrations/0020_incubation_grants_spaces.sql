-- Seed grants, space in the centre, and withdrawals from a cohort (which free a seat for the waiting list).
CREATE TABLE incubation.seed_grants (
    id                 uuid PRIMARY KEY,
    organisation_id    uuid   NOT NULL,
    -- the purchase line the grant is paid from; the commitment is the ledger's (Payments)
    purchase_line_id   uuid   NOT NULL,
    commitment_id      uuid   NOT NULL,
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    purpose            text   NOT NULL,
    status             text   NOT NULL CHECK (status IN ('awarded', 'paid', 'cancelled')),
    awarded_by         uuid   NOT NULL,
    awarded_at         timestamptz NOT NULL,
    treasury_reference text,
    paid_on            date,
    closed_reason      text
);

CREATE INDEX seed_grants_organisation ON incubation.seed_grants (organisation_id, awarded_at);

CREATE TABLE incubation.spaces (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    kind       text NOT NULL CHECK (kind IN ('desk', 'room')),
    created_at timestamptz NOT NULL
);

CREATE TABLE incubation.space_allocations (
    id              uuid PRIMARY KEY,
    space_id        uuid NOT NULL REFERENCES incubation.spaces (id),
    organisation_id uuid NOT NULL,
    from_day        date NOT NULL,
    to_day          date NOT NULL CHECK (to_day >= from_day),
    handed_back_on  date CHECK (handed_back_on IS NULL OR handed_back_on >= from_day),
    allocated_by    uuid NOT NULL,
    allocated_at    timestamptz NOT NULL
);

CREATE INDEX space_allocations_space ON incubation.space_allocations (space_id, from_day);
CREATE INDEX space_allocations_organisation ON incubation.space_allocations (organisation_id, from_day);

ALTER TABLE incubation.applications DROP CONSTRAINT applications_status_check;

ALTER TABLE incubation.applications ADD CONSTRAINT applications_status_check
    CHECK (status IN ('submitted', 'admitted', 'waitlisted', 'rejected', 'withdrawn'));
