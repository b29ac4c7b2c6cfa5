-- Issue 24 item 2: a correction may replace the document behind a rating or a sanction (a re-issued certificate, the
-- decision as amended). The replaced scan stays, downloadable by its id as the audit trail names it; one stands per record.
ALTER TABLE identity.standing_documents ADD COLUMN replaced_at timestamptz;

DROP INDEX identity.standing_documents_rating;
DROP INDEX identity.standing_documents_violation;
CREATE UNIQUE INDEX standing_documents_rating ON identity.standing_documents (organisation_id, rating_on)
    WHERE rating_on IS NOT NULL AND replaced_at IS NULL;
CREATE UNIQUE INDEX standing_documents_violation ON identity.standing_documents (violation_id)
    WHERE violation_id IS NOT NULL AND replaced_at IS NULL;
