-- Issue 23 (supervision): a sampled re-check that finds the approval wrong reopens the case at its approving site, to be
-- decided again; supervision counts the cases reopened.
ALTER TABLE grassroots.service_requests ADD COLUMN reopened_at timestamptz;
