-- Issue 19: limits that neither parallel requests nor made-up values get round.

-- Sign-in attempts are recorded before the password is checked (under a lock per user name and one per
-- address, see IdentityService.signIn), so that parallel attempts count each other. A row is a pending
-- attempt until the password was checked (`checked`); a right password deletes its own row and the
-- checked failures of its (user name, address) pair, a wrong one marks its row checked. Rows from before
-- this migration were failures, checked, of no known address.
ALTER TABLE identity.login_failures
    ADD COLUMN id          uuid,
    ADD COLUMN client_hash text    NOT NULL DEFAULT '',
    ADD COLUMN checked     boolean NOT NULL DEFAULT true;

CREATE UNIQUE INDEX login_failures_id ON identity.login_failures (id);

-- The ceiling per address across user names counts by this.
CREATE INDEX login_failures_client ON identity.login_failures (client_hash, occurred_at);

-- Anonymous form tokens (survey, residents' voice) are used once: the SHA-256 of each used token, kept
-- for as long as a token lives (then the housekeeping removes it: an expired token is refused anyway).
CREATE TABLE identity.anonymous_token_uses (
    token_hash text PRIMARY KEY,
    used_at    timestamptz NOT NULL
);

CREATE INDEX anonymous_token_uses_used ON identity.anonymous_token_uses (used_at);
