-- Issue 25: public data written without an audit event must empty the public caches too (migration 0046 covers the
-- audited): the OCDS releases the publisher appends after a change, the residents' survey answers (on a contract's page,
-- in the insights and the directory), and the needs board's proposals, supports and answers (on the home page).
CREATE FUNCTION transparency.notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('spokes_change', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER releases_notify_change AFTER INSERT ON transparency.releases
    FOR EACH STATEMENT EXECUTE FUNCTION transparency.notify_change();
CREATE TRIGGER survey_answers_notify_change AFTER INSERT OR UPDATE OR DELETE ON delivery.survey_answers
    FOR EACH STATEMENT EXECUTE FUNCTION transparency.notify_change();
CREATE TRIGGER needs_notify_change AFTER INSERT OR UPDATE OR DELETE ON transparency.needs
    FOR EACH STATEMENT EXECUTE FUNCTION transparency.notify_change();
CREATE TRIGGER need_supports_notify_change AFTER INSERT OR UPDATE OR DELETE ON transparency.need_supports
    FOR EACH STATEMENT EXECUTE FUNCTION transparency.notify_change();
CREATE TRIGGER need_answers_notify_change AFTER INSERT OR UPDATE OR DELETE ON transparency.need_answers
    FOR EACH STATEMENT EXECUTE FUNCTION transparency.notify_change();
