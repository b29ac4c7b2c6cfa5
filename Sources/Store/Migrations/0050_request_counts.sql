-- Issue 25: the public dashboards show, per town of each county, this year's service requests settled on time, rated
-- and where they were settled. Counted over the year's requests on each reading, that took 1.6 s on the province (two
-- million cases). The counts that move only when a case changes are kept per accepting site, Beijing year of
-- registration and handling tier, in the change's own statement; what depends on the hour (open cases past their
-- limit) is still counted live, over the open cases only (the partial index below).
CREATE TABLE grassroots.request_counts (
    accepting_site_id uuid NOT NULL REFERENCES grassroots.sites (id),
    year integer NOT NULL,
    handling_tier text NOT NULL,
    registered bigint NOT NULL DEFAULT 0,
    settled bigint NOT NULL DEFAULT 0,
    on_time bigint NOT NULL DEFAULT 0,
    refused bigint NOT NULL DEFAULT 0,
    rated bigint NOT NULL DEFAULT 0,
    satisfied bigint NOT NULL DEFAULT 0,
    reopened bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (accepting_site_id, year, handling_tier)
);

CREATE TYPE grassroots.request_part AS (accepting_site_id uuid, year integer, handling_site_id uuid, registered integer,
    settled integer, on_time integer, refused integer, rated integer, satisfied integer, reopened integer);

-- One case's part in the counts (the rules, written once); a withdrawn case has none.
CREATE FUNCTION grassroots.part_of_request(r grassroots.service_requests) RETURNS grassroots.request_part
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.state <> 'withdrawn' THEN ROW(
        r.accepting_site_id, extract(year FROM r.registered_at AT TIME ZONE 'Asia/Shanghai')::integer, r.handling_site_id, 1,
        (r.state IN ('returned', 'closed'))::integer,
        (r.state IN ('returned', 'closed') AND coalesce(r.on_time, false))::integer,
        (r.outcome IS NOT DISTINCT FROM 'refused')::integer,
        (r.rating IS NOT NULL)::integer,
        (coalesce(r.rating IN ('satisfied', 'basically_satisfied'), false))::integer,
        (r.reopened_at IS NOT NULL)::integer)::grassroots.request_part END
$$;

-- Adds the parts of a statement's cases (after the change, +1) less their parts before it (-1), summed per key: only
-- keys whose counts changed (a tracking lookup or an alert changes none and locks nothing), in key order (two
-- transactions touching the same sites lock their rows in one order).
CREATE FUNCTION grassroots.add_request_parts(added grassroots.request_part[], removed grassroots.request_part[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO grassroots.request_counts AS c
        (accepting_site_id, year, handling_tier, registered, settled, on_time, refused, rated, satisfied, reopened)
    SELECT p.accepting_site_id, p.year, h.tier, sum(p.sign * p.registered), sum(p.sign * p.settled), sum(p.sign * p.on_time),
           sum(p.sign * p.refused), sum(p.sign * p.rated), sum(p.sign * p.satisfied), sum(p.sign * p.reopened)
    FROM (SELECT a.*, 1 AS sign FROM unnest(added) a UNION ALL SELECT b.*, -1 FROM unnest(removed) b) p
    JOIN grassroots.sites h ON h.id = p.handling_site_id
    WHERE p.accepting_site_id IS NOT NULL
    GROUP BY 1, 2, 3
    HAVING sum(p.sign * p.registered) <> 0 OR sum(p.sign * p.settled) <> 0 OR sum(p.sign * p.on_time) <> 0
        OR sum(p.sign * p.refused) <> 0 OR sum(p.sign * p.rated) <> 0 OR sum(p.sign * p.satisfied) <> 0 OR sum(p.sign * p.reopened) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (accepting_site_id, year, handling_tier) DO UPDATE SET
        registered = c.registered + excluded.registered, settled = c.settled + excluded.settled,
        on_time = c.on_time + excluded.on_time, refused = c.refused + excluded.refused, rated = c.rated + excluded.rated,
        satisfied = c.satisfied + excluded.satisfied, reopened = c.reopened + excluded.reopened;
$$;

-- A statement's cases are first summed per accepting site, year and handling site, so that a load of millions passes a
-- few thousand parts on.
CREATE FUNCTION grassroots.count_requests() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    added grassroots.request_part[] := '{}';
    removed grassroots.request_part[] := '{}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        added := ARRAY(SELECT ROW(p.accepting_site_id, p.year, p.handling_site_id, sum(p.registered), sum(p.settled), sum(p.on_time),
                                  sum(p.refused), sum(p.rated), sum(p.satisfied), sum(p.reopened))::grassroots.request_part
                       FROM new_cases r, grassroots.part_of_request(r) p
                       GROUP BY p.accepting_site_id, p.year, p.handling_site_id);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        removed := ARRAY(SELECT ROW(p.accepting_site_id, p.year, p.handling_site_id, sum(p.registered), sum(p.settled), sum(p.on_time),
                                    sum(p.refused), sum(p.rated), sum(p.satisfied), sum(p.reopened))::grassroots.request_part
                         FROM old_cases r, grassroots.part_of_request(r) p
                       GROUP BY p.accepting_site_id, p.year, p.handling_site_id);
    END IF;
    PERFORM grassroots.add_request_parts(added, removed);
    RETURN NULL;
END;
$$;

SELECT grassroots.add_request_parts(ARRAY(
    SELECT ROW(p.accepting_site_id, p.year, p.handling_site_id, sum(p.registered), sum(p.settled), sum(p.on_time),
               sum(p.refused), sum(p.rated), sum(p.satisfied), sum(p.reopened))::grassroots.request_part
    FROM grassroots.service_requests r, grassroots.part_of_request(r) p
                       GROUP BY p.accepting_site_id, p.year, p.handling_site_id), '{}');

CREATE TRIGGER service_requests_counted_inserted AFTER INSERT ON grassroots.service_requests
    REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION grassroots.count_requests();
CREATE TRIGGER service_requests_counted_updated AFTER UPDATE ON grassroots.service_requests
    REFERENCING OLD TABLE AS old_cases NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION grassroots.count_requests();
CREATE TRIGGER service_requests_counted_deleted AFTER DELETE ON grassroots.service_requests
    REFERENCING OLD TABLE AS old_cases FOR EACH STATEMENT EXECUTE FUNCTION grassroots.count_requests();

-- The open cases, for what is counted live (open, and past the limit).
CREATE INDEX service_requests_open_by_site ON grassroots.service_requests (accepting_site_id, registered_at) INCLUDE (due_at)
    WHERE state IN ('accepted', 'approving', 'handling');
