-- Issue 25: the outcomes dashboard sums, per contract, what the final sign-off of each milestone verified against the
-- milestone's targets. Read from every sign-off that took 1.5 s on the province; each contract's totals are kept here
-- instead, recounted in the sign-off's own statement. A milestone's final sign-off is its last one that decides (not
-- "more evidence") and is countersigned where it must be. Milestones (and so their targets) are replaced only while a
-- contract has no sign-off (the sign-offs' foreign key forbids it after), so sign-offs are the only change to follow.
-- Sign-offs of a contract are made one after the other under its row's lock (ContractService.lockedMilestone), so a
-- recount never misses a sign-off committed beside it.
CREATE TABLE delivery.contract_outcomes (
    contract_id uuid PRIMARY KEY REFERENCES delivery.contracts (id),
    verified numeric NOT NULL,
    target numeric NOT NULL
);

CREATE FUNCTION delivery.count_outcomes(contracts uuid[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM delivery.contract_outcomes WHERE contract_id = ANY(contracts);
    WITH final AS (
        SELECT DISTINCT ON (s.milestone_id) s.milestone_id, s.contract_id, s.verified FROM delivery.signoffs s
        WHERE s.contract_id = ANY(contracts)
          AND s.decision <> 'more_evidence' AND (NOT s.countersign_required OR s.countersigned_at IS NOT NULL)
        ORDER BY s.milestone_id, s.seq DESC),
    verified AS (SELECT f.contract_id, sum(v.value::numeric) AS verified FROM final f, jsonb_each_text(f.verified) v GROUP BY 1),
    targeted AS (SELECT f.contract_id, sum((e->>'target')::numeric) AS target
                 FROM final f JOIN delivery.milestones m ON m.id = f.milestone_id, jsonb_array_elements(m.metrics) e GROUP BY 1)
    INSERT INTO delivery.contract_outcomes (contract_id, verified, target)
    SELECT c.contract_id, coalesce(v.verified, 0), coalesce(t.target, 0)
    FROM (SELECT DISTINCT contract_id FROM final) c
    LEFT JOIN verified v ON v.contract_id = c.contract_id LEFT JOIN targeted t ON t.contract_id = c.contract_id;
$$;

SELECT delivery.count_outcomes(array_agg(DISTINCT contract_id)) FROM delivery.signoffs;

CREATE FUNCTION delivery.signoffs_count_outcomes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM delivery.count_outcomes(ARRAY(SELECT DISTINCT contract_id FROM changed));
    RETURN NULL;
END;
$$;

CREATE TRIGGER signoffs_outcomes_inserted AFTER INSERT ON delivery.signoffs
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION delivery.signoffs_count_outcomes();
CREATE TRIGGER signoffs_outcomes_updated AFTER UPDATE ON delivery.signoffs
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION delivery.signoffs_count_outcomes();
CREATE TRIGGER signoffs_outcomes_deleted AFTER DELETE ON delivery.signoffs
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION delivery.signoffs_count_outcomes();
