-- An award names its tender and its lot; the lot must be one of that tender's. The service always made it so, but
-- nothing in the database held it, so every reading joined lots on both columns, and that made PostgreSQL expect a
-- single row and loop through indexes (the insights' sums: 200 ms on the province instead of 100). Now the database
-- holds it and readings join on the lot alone.
ALTER TABLE tendering.lots ADD CONSTRAINT lots_id_tender_key UNIQUE (id, tender_id);
ALTER TABLE tendering.awards ADD CONSTRAINT awards_lot_of_its_tender
    FOREIGN KEY (lot_id, tender_id) REFERENCES tendering.lots (id, tender_id);
