-- Issue 23 at province scale (two million cases). A site's lists page by case id (time-ordered, oldest first), so their
-- indexes follow the id after the site: the cases waiting at a site (the queue index, ordered by deadline, serves the
-- overdue list), and those it accepted (the index by registration time it replaces served no query).
CREATE INDEX service_requests_waiting_page ON grassroots.service_requests (site_id, id)
    WHERE state IN ('awaiting_materials', 'accepted', 'approving', 'handling', 'returned');
CREATE INDEX service_requests_accepted_page ON grassroots.service_requests (accepting_site_id, id);
DROP INDEX grassroots.service_requests_accepting;
