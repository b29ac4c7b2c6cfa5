-- Issue 20: third-party evaluation institutions (DOMAIN.md §7, seed 001: 价值中立、利益无涉). The
-- organisation kind `evaluator` becomes `evaluation_institution`; a buyer engages an institution for a
-- contract, the institution's administrator assigns its evaluators, and only those sign off, grade and
-- read that contract's evidence. Incubation programmes seat their reviewers in the same spirit.
ALTER TABLE identity.organisations DROP CONSTRAINT organisations_kind_check;
UPDATE identity.organisations SET kind = 'evaluation_institution' WHERE kind = 'evaluator';
ALTER TABLE identity.organisations ADD CONSTRAINT organisations_kind_check
    CHECK (kind IN ('finance_office', 'department', 'social_organisation', 'evaluation_institution',
                    'incubator_operator', 'overseer', 'platform'));

-- A buyer's engagement of an institution for one contract. Ended, never deleted: the audit trail and
-- the sign-offs made under it keep pointing at it. One engagement is open per contract at a time.
CREATE TABLE delivery.engagements (
    id             uuid PRIMARY KEY,
    contract_id    uuid NOT NULL REFERENCES delivery.contracts (id),
    institution_id uuid NOT NULL REFERENCES identity.organisations (id),
    starts_on      date NOT NULL,
    ends_on        date NOT NULL CHECK (ends_on >= starts_on),
    fee_fen        bigint CHECK (fee_fen BETWEEN 0 AND 100000000000),
    engaged_by     uuid NOT NULL,
    engaged_at     timestamptz NOT NULL,
    ended_by       uuid,
    ended_at       timestamptz
);

CREATE UNIQUE INDEX engagements_one_open ON delivery.engagements (contract_id) WHERE ended_at IS NULL;
CREATE INDEX engagements_institution ON delivery.engagements (institution_id, engaged_at DESC);

-- The institution's evaluators assigned to an engagement (unassigning deletes the row; the audit trail
-- keeps the history).
CREATE TABLE delivery.assignments (
    engagement_id uuid NOT NULL REFERENCES delivery.engagements (id),
    evaluator_id  uuid NOT NULL REFERENCES identity.users (id),
    assigned_by   uuid NOT NULL,
    assigned_at   timestamptz NOT NULL,
    PRIMARY KEY (engagement_id, evaluator_id)
);

CREATE INDEX assignments_evaluator ON delivery.assignments (evaluator_id);

-- The evaluators incubator staff seat to review a programme's applications.
CREATE TABLE incubation.programme_reviewers (
    programme_id uuid NOT NULL REFERENCES incubation.programmes (id),
    reviewer_id  uuid NOT NULL REFERENCES identity.users (id),
    seated_by    uuid NOT NULL,
    seated_at    timestamptz NOT NULL,
    PRIMARY KEY (programme_id, reviewer_id)
);
