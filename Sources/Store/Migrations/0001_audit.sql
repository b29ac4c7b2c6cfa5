-- The audit trail: one hash chain per entity, appended in the same transaction as the change it records.
CREATE SCHEMA audit;

CREATE TABLE audit.events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_type   text        NOT NULL,
    entity_id     uuid        NOT NULL,
    seq           integer     NOT NULL CHECK (seq > 0),
    occurred_at   timestamptz NOT NULL,
    actor_id      uuid        NOT NULL,
    action        text        NOT NULL,
    before_digest text,
    after_digest  text,
    -- the state after the change, as exactly the text that was hashed (json keeps text, jsonb does not)
    after_state   json,
    prev_hash     text        NOT NULL,
    hash          text        NOT NULL,
    UNIQUE (entity_type, entity_id, seq)
);

CREATE INDEX events_actor ON audit.events (actor_id, occurred_at);

-- The newest event of every chain. It lets verification notice when the last events were cut off,
-- and its row lock serialises writers of one entity while other entities append in parallel.
CREATE TABLE audit.chain_heads (
    entity_type text    NOT NULL,
    entity_id   uuid    NOT NULL,
    seq         integer NOT NULL,
    hash        text    NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);

-- Append-only: the application never updates or deletes an event. Only someone who can disable
-- triggers (a database superuser) can rewrite history, and `spokes audit verify` catches that.
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON audit.events
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
