-- Issue 25: every instance keeps rendered public answers for anonymous visitors and must drop them when anything they
-- show changes. Every change to a record is audited in its own transaction, so an audited insert notifies
-- `spokes_change` (delivered at commit, once per transaction). Service requests, users and API tokens are left out:
-- nothing kept shows them, and a window's registrations would otherwise empty every instance's cache all day.
CREATE FUNCTION audit.notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed WHERE entity_type NOT IN ('request', 'user', 'api_token')) THEN
        PERFORM pg_notify('spokes_change', '');
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify_change AFTER INSERT ON audit.events
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION audit.notify_change();
