-- Issue 24 item 2: the document behind a rating or a sanction (the assessment certificate, the penalty decision, the
-- listing notice), uploaded by the registrar with the record, public with it, recognised by its bytes. One per record.
CREATE TABLE identity.standing_documents (
    id              uuid PRIMARY KEY,
    organisation_id uuid    NOT NULL REFERENCES identity.organisations (id),
    -- What it documents: a rating (by the day it was awarded) or a sanction (by its id).
    rating_on       date,
    violation_id    uuid REFERENCES identity.violations (id),
    kind            text    NOT NULL CHECK (kind IN ('pdf', 'png', 'jpeg', 'docx', 'xlsx')),
    name            text    NOT NULL,
    sha256          text    NOT NULL,
    size            integer NOT NULL CHECK (size > 0),
    bytes           bytea   NOT NULL,
    uploaded_by     uuid    NOT NULL,
    uploaded_at     timestamptz NOT NULL,
    CHECK ((rating_on IS NULL) <> (violation_id IS NULL)),
    FOREIGN KEY (organisation_id, rating_on) REFERENCES identity.ratings (organisation_id, awarded_on)
);

CREATE UNIQUE INDEX standing_documents_rating ON identity.standing_documents (organisation_id, rating_on) WHERE rating_on IS NOT NULL;
CREATE UNIQUE INDEX standing_documents_violation ON identity.standing_documents (violation_id) WHERE violation_id IS NOT NULL;
