-- OCDS releases as published: appended when a public state changes, never rewritten.
CREATE SCHEMA transparency;

CREATE TABLE transparency.releases (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ocid        text   NOT NULL,
    release_id  text   NOT NULL UNIQUE,
    date        timestamptz NOT NULL,
    tags        text[] NOT NULL,
    -- SHA-256 of the release without id, date and tag: what decides whether something changed
    digest      text   NOT NULL,
    release     jsonb  NOT NULL
);

CREATE INDEX releases_ocid ON transparency.releases (ocid, seq);
CREATE INDEX releases_date ON transparency.releases (date, seq);

CREATE TRIGGER releases_append_only BEFORE UPDATE OR DELETE ON transparency.releases
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER releases_no_truncate BEFORE TRUNCATE ON transparency.releases
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
