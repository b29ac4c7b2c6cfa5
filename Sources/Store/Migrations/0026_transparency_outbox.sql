-- What the publisher still has to look at: every audited change to something public (a tender, a
-- contract, a purchase line, an organisation) enqueues its entity in the same transaction as the
-- change, so no change is missed, whatever the order transactions commit in. The publisher deletes
-- an entry only if no later change re-enqueued it meanwhile (event_id is the newest event's id).
CREATE TABLE transparency.pending (
    entity_type text   NOT NULL,
    entity_id   uuid   NOT NULL,
    event_id    bigint NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);

CREATE INDEX pending_order ON transparency.pending (event_id);

CREATE FUNCTION transparency.enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transparency.pending (entity_type, entity_id, event_id)
    SELECT DISTINCT ON (entity_type, entity_id) entity_type, entity_id, id FROM changed
    WHERE entity_type IN ('tender', 'contract', 'purchase_line', 'organisation')
    ORDER BY entity_type, entity_id, id DESC
    ON CONFLICT (entity_type, entity_id) DO UPDATE SET event_id = EXCLUDED.event_id;
    IF FOUND THEN
        -- Delivered at commit; identical payloads in one transaction arrive once.
        PERFORM pg_notify('spokes_public_change', '');
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_enqueue_public AFTER INSERT ON audit.events
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION transparency.enqueue();

-- Databases published before this queue existed look at everything once.
INSERT INTO transparency.pending (entity_type, entity_id, event_id)
SELECT 'tender', id, 0 FROM tendering.tenders
UNION ALL SELECT 'purchase_line', id, 0 FROM tendering.purchase_lines;
