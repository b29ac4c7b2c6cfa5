-- Issue 23 at province scale: a county's supervision figures (about 100,000 cases a year) were a bitmap scan of the
-- path index, a heap read per case and a rating lookup per case, ten times the 200 ms goal. The figures now read
-- one covering index per site of the jurisdiction (index-only): the rating is copied onto the case when it is given
-- (the ratings table keeps the comment and the moment), and the index carries every column the figures count.
ALTER TABLE grassroots.service_requests
    ADD COLUMN rating text CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied'));
UPDATE grassroots.service_requests r SET rating = g.rating FROM grassroots.request_ratings g WHERE g.request_id = r.id;
CREATE INDEX service_requests_figures ON grassroots.service_requests (accepting_site_id, registered_at)
    INCLUDE (item_id, handling_site_id, state, outcome, on_time, due_at, reopened_at, rating);
