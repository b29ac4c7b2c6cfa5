-- Issue 26: releases now carry bids, lots, the CN-USCI party ids, the Spokes extension and one milestone list. Every
-- tender and purchase line is looked at once more, so each process gets a release in the new form (appended only where
-- it differs from the last; the history before stays as it was published).
INSERT INTO transparency.pending (entity_type, entity_id, event_id)
SELECT 'tender', id, 0 FROM tendering.tenders
UNION ALL SELECT 'purchase_line', id, 0 FROM tendering.purchase_lines
ON CONFLICT (entity_type, entity_id) DO NOTHING;

-- Releases now carry the tender's public questions and answers (OCDS enquiries): a question asked or answered is a
-- change to its tender's process, so it queues the tender too.
CREATE OR REPLACE FUNCTION transparency.enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transparency.pending (entity_type, entity_id, event_id)
    SELECT DISTINCT ON (entity_type, entity_id) entity_type, entity_id, id
    FROM (SELECT entity_type, entity_id, id FROM changed
          WHERE entity_type IN ('tender', 'contract', 'purchase_line', 'organisation')
          UNION ALL
          SELECT 'tender', q.tender_id, c.id FROM changed c JOIN tendering.questions q ON q.id = c.entity_id
          WHERE c.entity_type = 'question') e
    ORDER BY entity_type, entity_id, id DESC
    ON CONFLICT (entity_type, entity_id) DO UPDATE SET event_id = EXCLUDED.event_id;
    IF FOUND THEN
        -- Delivered at commit; identical payloads in one transaction arrive once.
        PERFORM pg_notify('spokes_public_change', '');
    END IF;
    RETURN NULL;
END;
$$;
