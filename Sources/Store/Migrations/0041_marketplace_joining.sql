-- Issue 24, an open marketplace (DOMAIN §7): organisations sign up by themselves and the civil-affairs bureau of
-- their jurisdiction vets them; standing (ratings, sanctions) becomes a live record kept by the bureau's registrars.

-- Where an organisation stands with the register. Everything that existed before was opened by an administrator or
-- the seed, i.e. approved. Only an approved organisation bids (Tender.eligibilityProblem).
ALTER TABLE identity.organisations
    ADD COLUMN status text NOT NULL DEFAULT 'approved' CHECK (status IN ('applied', 'returned', 'approved', 'refused'));

-- The application behind a signed-up organisation: what the bureau vets. Its state is the organisation's status (one
-- place, so the two cannot disagree); this row keeps the particulars, the last decision's reasons and the certificate.
CREATE TABLE identity.applications (
    organisation_id        uuid PRIMARY KEY REFERENCES identity.organisations (id),
    -- social_organisation (社会团体/民办非企业单位), social_work_agency (社工机构), team (未登记的公益团队)
    form                   text NOT NULL CHECK (form IN ('social_organisation', 'social_work_agency', 'team')),
    registration_authority text NOT NULL,
    legal_representative   text NOT NULL,
    contact_name           text NOT NULL,
    contact_phone          text NOT NULL,
    email                  text NOT NULL,
    -- The registration certificate (登记证书), recognised by its bytes; a team has none.
    certificate_kind       text CHECK (certificate_kind IN ('pdf', 'png', 'jpeg', 'docx', 'xlsx')),
    certificate_name       text,
    certificate_sha256     text,
    certificate            bytea,
    reasons                text NOT NULL DEFAULT '',
    submissions            integer NOT NULL DEFAULT 1 CHECK (submissions >= 1),
    submitted_at           timestamptz NOT NULL,
    decided_at             timestamptz,
    decided_by             uuid,
    -- The network address it came from: sign-ups per address are limited.
    client_address         text NOT NULL,
    CHECK ((form = 'team') = (certificate IS NULL))
);

CREATE INDEX applications_address ON identity.applications (client_address, submitted_at);
-- The registrars' queue: applications waiting, oldest first, by the applicant's jurisdiction.
CREATE INDEX organisations_waiting ON identity.organisations (created_at) WHERE status = 'applied';

-- Ratings as the bureau awards them: points out of 1,000, the assessing institution, the certificate's number; who
-- recorded it and, after a correction, why.
ALTER TABLE identity.ratings
    ADD COLUMN points       integer CHECK (points BETWEEN 0 AND 1000),
    ADD COLUMN assessed_by  text NOT NULL DEFAULT '',
    ADD COLUMN document     text NOT NULL DEFAULT '',
    ADD COLUMN corrected_at timestamptz,
    ADD COLUMN correction   text NOT NULL DEFAULT '';

-- Violations become sanctions of a kind from a fixed list, with their source document and, for listings, the day they
-- end. A serious-dishonesty listing blocks bidding while it lasts.
ALTER TABLE identity.violations
    ADD COLUMN kind         text NOT NULL DEFAULT 'administrative_penalty'
        CHECK (kind IN ('administrative_penalty', 'abnormal_activities', 'serious_dishonesty')),
    ADD COLUMN source       text NOT NULL DEFAULT '',
    ADD COLUMN ends_on      date,
    ADD COLUMN corrected_at timestamptz,
    ADD COLUMN correction   text NOT NULL DEFAULT '',
    ADD CONSTRAINT violations_period CHECK (ends_on IS NULL OR ends_on >= occurred_on);
