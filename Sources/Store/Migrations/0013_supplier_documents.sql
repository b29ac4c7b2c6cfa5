-- Suppliers' profiles and document libraries (issue 4: a supplier keeps its profile and documents
-- once and reuses them in every bid).

CREATE TABLE tendering.supplier_profiles (
    organisation_id uuid PRIMARY KEY,
    summary         text    NOT NULL,
    staff_count     integer NOT NULL CHECK (staff_count >= 0),
    social_workers  integer NOT NULL CHECK (social_workers >= 0),
    service_areas   text[]  NOT NULL,
    contact         text    NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- A document's bytes are sealed (AES-GCM under a key per organisation derived from the bid master
-- secret); sha256 is of the plain bytes, which bids commit to. kind is what the bytes are, as
-- recognised from them, not what the file was called.
CREATE TABLE tendering.supplier_documents (
    id              uuid PRIMARY KEY,
    organisation_id uuid    NOT NULL,
    title           text    NOT NULL,
    category        text    NOT NULL CHECK (category IN ('registration', 'rating', 'audit', 'tax_and_insurance', 'qualification', 'proposal', 'other')),
    filename        text    NOT NULL,
    kind            text    NOT NULL CHECK (kind IN ('pdf', 'png', 'jpeg', 'docx', 'xlsx')),
    size            integer NOT NULL CHECK (size > 0),
    sha256          text    NOT NULL,
    sealed          bytea   NOT NULL,
    uploaded_at     timestamptz NOT NULL,
    uploaded_by     uuid    NOT NULL,
    retired_at      timestamptz
);

CREATE INDEX supplier_documents_organisation ON tendering.supplier_documents (organisation_id, id DESC);
