-- Issue 23 (supervision): a risk grade per service item, and the sampled re-checks of high-risk approvals by the
-- tier above (DOMAIN §6: fund disbursements, social-insurance payments and eligibility checks are re-checked on a
-- sample). The county's offices grade an item for their county and set the share re-checked; when a case of a
-- high-risk item is approved, a share of them is drawn for the nearest site of a higher tier than the approving one.
CREATE TABLE grassroots.item_risks (
    item_id         uuid NOT NULL,
    -- the county whose cases the grade covers
    jurisdiction_id uuid NOT NULL,
    grade           text NOT NULL CHECK (grade IN ('high', 'normal')),
    sample_percent  integer NOT NULL CHECK (sample_percent BETWEEN 0 AND 100),
    set_by          uuid NOT NULL,
    set_at          timestamptz NOT NULL,
    PRIMARY KEY (item_id, jurisdiction_id)
);

CREATE TABLE grassroots.rechecks (
    id          uuid PRIMARY KEY,
    request_id  uuid NOT NULL UNIQUE REFERENCES grassroots.service_requests (id),
    -- the site of the tier above whose staff re-check it
    site_id     uuid NOT NULL REFERENCES grassroots.sites (id),
    sampled_at  timestamptz NOT NULL,
    outcome     text CHECK (outcome IN ('confirmed', 'error_found')),
    finding     text CHECK (length(finding) <= 500),
    checked_by  uuid,
    checked_at  timestamptz,
    CHECK ((outcome IS NULL) = (checked_at IS NULL))
);
CREATE INDEX rechecks_open ON grassroots.rechecks (site_id, sampled_at) WHERE outcome IS NULL;
