-- Issue 23: service requests (办件) across the three tiers, and who is on duty at each site (DOMAIN §6).
--
-- Duties: the county's offices name, per site, its window clerks (受理), their backups (AB岗), the site head, and
-- the approvers (审批) and handlers (经办) who work the cases that reach the site's tier. Users are Identity's;
-- no foreign key across modules, the service checks them through Identity's API.
CREATE TABLE grassroots.site_duties (
    site_id  uuid NOT NULL REFERENCES grassroots.sites (id),
    user_id  uuid NOT NULL,
    duty     text NOT NULL CHECK (duty IN ('clerk', 'backup', 'head', 'approver', 'handler')),
    PRIMARY KEY (site_id, user_id, duty)
);
CREATE INDEX site_duties_user ON grassroots.site_duties (user_id);

-- A resident's case. The applicant's name, ID number and phone are sealed (AES-GCM under a key only the
-- server holds, bound to the case) and kept masked beside it for lists; the audit trail records only the
-- masked forms. The case moves between the sites of its chain: it is accepted at one site, approved at the
-- site of the item's approving tier on that site's path, handled at the site of its handling tier, and its
-- result returns to the accepting window. `site_id` is where it waits now; `due_at` is the current step's
-- deadline in working days, and the two alert moments after it say when the site head, then the tier above,
-- are told (precomputed on the working calendar so queues are plain index lookups).
CREATE TABLE grassroots.service_requests (
    -- also the case's audit chain (request.*)
    id                 uuid PRIMARY KEY,
    tracking_code      text NOT NULL UNIQUE CHECK (tracking_code ~ '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
    item_id            uuid NOT NULL,
    item_code          text NOT NULL,
    accepting_site_id  uuid NOT NULL REFERENCES grassroots.sites (id),
    approving_site_id  uuid NOT NULL REFERENCES grassroots.sites (id),
    handling_site_id   uuid NOT NULL REFERENCES grassroots.sites (id),
    -- the accepting site's jurisdiction path (what overseers and the tiers above are decided on)
    jurisdiction_path  uuid[] NOT NULL,
    -- the clerk who owns the case to the end (首问负责); a backup who takes over becomes it
    owner_id           uuid NOT NULL,
    applicant_sealed   bytea NOT NULL,
    applicant_masked   text NOT NULL CHECK (length(applicant_masked) <= 60),
    id_number_masked   text NOT NULL CHECK (length(id_number_masked) <= 30),
    phone_masked       text NOT NULL CHECK (length(phone_masked) <= 30),
    state              text NOT NULL CHECK (state IN ('awaiting_materials', 'accepted', 'approving', 'handling', 'returned', 'closed', 'withdrawn')),
    outcome            text CHECK (outcome IN ('granted', 'refused')),
    -- material ids the applicant has shown, and those the item asks for that are still missing
    presented          uuid[] NOT NULL,
    missing            uuid[] NOT NULL,
    reason             text CHECK (length(reason) <= 500),
    result             text CHECK (length(result) <= 500),
    site_id            uuid NOT NULL REFERENCES grassroots.sites (id),
    registered_at      timestamptz NOT NULL,
    accepted_at        timestamptz,
    due_at             timestamptz,
    head_alert_at      timestamptz,
    above_alert_at     timestamptz,
    -- the whole case's promised limit, counted from acceptance
    final_due_at       timestamptz,
    decided_at         timestamptz,
    closed_at          timestamptz,
    -- settled within its limit: set when the result returns to the window
    on_time            boolean,
    -- wrong last-four guesses on the public tracking page since the last right one, and until when it is shut
    track_failures     integer NOT NULL DEFAULT 0 CHECK (track_failures >= 0),
    track_locked_until timestamptz,
    updated_at         timestamptz NOT NULL,
    -- accepted once every material is in: a case waiting for materials (or withdrawn while waiting) has no deadlines
    CHECK (state <> 'awaiting_materials' OR accepted_at IS NULL),
    CHECK (state IN ('awaiting_materials', 'withdrawn') OR accepted_at IS NOT NULL),
    CHECK (state NOT IN ('returned', 'closed') OR outcome IS NOT NULL)
);
-- a site's queue and overdue list, oldest deadline first
CREATE INDEX service_requests_queue ON grassroots.service_requests (site_id, state, due_at) WHERE state IN ('awaiting_materials', 'accepted', 'approving', 'handling', 'returned');
CREATE INDEX service_requests_accepting ON grassroots.service_requests (accepting_site_id, registered_at DESC);
CREATE INDEX service_requests_path ON grassroots.service_requests USING gin (jurisdiction_path);
CREATE INDEX service_requests_owner ON grassroots.service_requests (owner_id) WHERE state <> 'closed';

-- A resident's rating of a settled case: one per case (seed 000 §4).
CREATE TABLE grassroots.request_ratings (
    request_id uuid PRIMARY KEY REFERENCES grassroots.service_requests (id),
    rating     text NOT NULL CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    comment    text NOT NULL CHECK (length(comment) <= 500),
    rated_at   timestamptz NOT NULL
);
