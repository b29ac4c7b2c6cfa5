-- Monitoring cases: an overseer asks a buyer about a purchase (open), the buyer responds, the overseer
-- closes the case with an outcome; every post is kept.
CREATE TABLE transparency.cases (
    id            uuid PRIMARY KEY,
    buyer_id      uuid NOT NULL,
    subject_type  text NOT NULL,
    subject_id    uuid NOT NULL,
    evidence      text NOT NULL,
    title         text NOT NULL,
    status        text NOT NULL CHECK (status IN ('open', 'responded', 'closed')),
    opened_by     uuid NOT NULL,
    opened_at     timestamptz NOT NULL,
    closed_at     timestamptz,
    outcome       text
);

CREATE INDEX cases_buyer ON transparency.cases (buyer_id, opened_at);

CREATE TABLE transparency.case_posts (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES transparency.cases (id),
    author_id   uuid NOT NULL,
    author_name text NOT NULL,
    side        text NOT NULL CHECK (side IN ('overseer', 'buyer')),
    text        text NOT NULL,
    posted_at   timestamptz NOT NULL
);

CREATE INDEX case_posts_case ON transparency.case_posts (case_id, posted_at);
