-- Payment on verified records (issue 23, item 6): a sign-off keeps the platform's figure for each metric that takes
-- its data from the service sites the supplier operates under the contract, as it stood when the evaluator signed.
ALTER TABLE delivery.signoffs ADD COLUMN platform_figures jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(platform_figures) = 'object');

-- The cases of the sites operated under a contract, by when their result came back to the window.
CREATE INDEX service_requests_site_decided ON grassroots.service_requests (accepting_site_id, decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX sites_contract ON grassroots.sites (contract_id) WHERE contract_id IS NOT NULL;
