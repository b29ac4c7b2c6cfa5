-- Residents' voice: needs proposed by residents of a community, supported by others, answered by buyers'
-- purchase lines. Residents have no account: a device cookie and the client's address (both hashed)
-- keep one support per device per need and cap what one address may add.
CREATE TABLE transparency.needs (
    id              uuid PRIMARY KEY,
    jurisdiction_id uuid NOT NULL,
    title           text NOT NULL,
    description     text NOT NULL,
    device_hash     text NOT NULL,
    client_hash     text NOT NULL,
    proposed_at     timestamptz NOT NULL
);

CREATE INDEX needs_jurisdiction ON transparency.needs (jurisdiction_id, proposed_at);
CREATE INDEX needs_client ON transparency.needs (client_hash, proposed_at);

CREATE TABLE transparency.need_supports (
    need_id     uuid NOT NULL REFERENCES transparency.needs (id),
    device_hash text NOT NULL,
    client_hash text NOT NULL,
    supported_at timestamptz NOT NULL,
    PRIMARY KEY (need_id, device_hash)
);

CREATE INDEX need_supports_client ON transparency.need_supports (client_hash, supported_at);

-- A buyer's purchase line that answers a need.
CREATE TABLE transparency.need_answers (
    need_id          uuid NOT NULL REFERENCES transparency.needs (id),
    purchase_line_id uuid NOT NULL,
    buyer_id         uuid NOT NULL,
    linked_by        uuid NOT NULL,
    linked_at        timestamptz NOT NULL,
    PRIMARY KEY (need_id, purchase_line_id)
);

CREATE INDEX need_answers_line ON transparency.need_answers (purchase_line_id);
