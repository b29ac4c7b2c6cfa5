-- Issue 21: a purchase line and its ledger budget line are one fact. The ledger's line follows the
-- purchase line's budget, and a purchase line cannot be changed under the money that depends on it:
-- its budget not below what is committed on it, its year, buyer and catalogue code not at all once
-- anything is committed. Whatever changes the line (the API, a page, an import) meets this here.
-- Refusals raise SQLSTATE SPK01 with a sentence naming both figures; the services answer 409 with it.
CREATE FUNCTION payments.follow_purchase_line() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held payments.budget_lines%ROWTYPE;
BEGIN
    SELECT * INTO held FROM payments.budget_lines WHERE line_id = NEW.id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF NEW.budget_fen < held.committed_fen THEN
        RAISE EXCEPTION 'line % cannot budget ¥%: ¥% is committed on it (¥% of it paid)', NEW.reference,
            to_char(NEW.budget_fen / 100.0, 'FM999,999,999,990.00'), to_char(held.committed_fen / 100.0, 'FM999,999,999,990.00'),
            to_char(held.paid_fen / 100.0, 'FM999,999,999,990.00')
            USING ERRCODE = 'SPK01', COLUMN = 'budget';
    END IF;
    IF held.committed_fen > 0 AND (NEW.year <> OLD.year OR NEW.buyer_id <> OLD.buyer_id OR NEW.catalogue_code <> OLD.catalogue_code) THEN
        RAISE EXCEPTION 'line % keeps its year, buyer and catalogue code: ¥% is committed on it', NEW.reference,
            to_char(held.committed_fen / 100.0, 'FM999,999,999,990.00')
            USING ERRCODE = 'SPK01', COLUMN = CASE WHEN NEW.year <> OLD.year THEN 'year' ELSE 'catalogueCode' END;
    END IF;
    UPDATE payments.budget_lines SET budget_fen = NEW.budget_fen WHERE line_id = NEW.id;
    RETURN NEW;
END
$$;

CREATE TRIGGER purchase_line_is_its_budget_line BEFORE UPDATE OF budget_fen, year, buyer_id, catalogue_code ON tendering.purchase_lines
    FOR EACH ROW EXECUTE FUNCTION payments.follow_purchase_line();

-- Lines whose two records already disagree (edited before this migration) are brought back together where the
-- ledger allows it; the rest are left for the ledger's own check (`spokes audit` reports unbalanced lines).
UPDATE payments.budget_lines b SET budget_fen = p.budget_fen
FROM tendering.purchase_lines p
WHERE p.id = b.line_id AND p.budget_fen <> b.budget_fen AND p.budget_fen >= b.committed_fen;
