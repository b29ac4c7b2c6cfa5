-- Issue 25: the red flags read in SQL. Two of them look at a lot's opened bids beside its award (one bid only; a price
-- far under the others), which on a province means aggregating every opened bid on each reading. Each lot keeps how
-- many of its bids are opened and the highest opened price, maintained in the opening's own statement. A tender's
-- bids are opened in one transaction (TenderWorker, with the tender claimed), so no recount misses another's opening.
ALTER TABLE tendering.lots ADD COLUMN opened_bids integer NOT NULL DEFAULT 0,
                           ADD COLUMN top_opened_price_fen bigint;

UPDATE tendering.lots l SET opened_bids = s.n, top_opened_price_fen = s.top
FROM (SELECT lot_id, count(*) AS n, max(opened_price_fen) AS top FROM tendering.bids
      WHERE opened_price_fen IS NOT NULL GROUP BY lot_id) s
WHERE s.lot_id = l.id;

-- Recounted from the lot's bids (a lot holds a handful), for every lot the statement touched: one update per lot
-- however many rows a COPY or an opening brings.
CREATE FUNCTION tendering.count_opened_bids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tendering.lots l SET opened_bids = s.n, top_opened_price_fen = s.top
    FROM (SELECT c.lot_id, count(b.opened_price_fen) AS n, max(b.opened_price_fen) AS top
          FROM (SELECT DISTINCT lot_id FROM changed) c
          LEFT JOIN tendering.bids b ON b.lot_id = c.lot_id AND b.opened_price_fen IS NOT NULL
          GROUP BY c.lot_id) s
    WHERE l.id = s.lot_id AND (l.opened_bids, l.top_opened_price_fen) IS DISTINCT FROM (s.n, s.top);
    RETURN NULL;
END;
$$;

CREATE TRIGGER bids_opened_inserted AFTER INSERT ON tendering.bids
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tendering.count_opened_bids();
CREATE TRIGGER bids_opened_updated AFTER UPDATE ON tendering.bids
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tendering.count_opened_bids();
CREATE TRIGGER bids_opened_deleted AFTER DELETE ON tendering.bids
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tendering.count_opened_bids();
