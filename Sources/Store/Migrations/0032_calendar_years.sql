-- Issue 21: the working calendar is data that administrators load a whole year at a time. A year is
-- held once loaded (even a year with no exception at all); a deadline that would count through a year
-- not held is refused, instead of counting every weekday as working. The days of a year are its
-- exceptions in tendering.calendar_days, which may only belong to a held year.
CREATE TABLE tendering.calendar_years (
    -- the year's audit chain (calendar_year.loaded / calendar_year.replaced)
    id        uuid PRIMARY KEY,
    year      integer NOT NULL UNIQUE CHECK (year BETWEEN 2000 AND 2100),
    loaded_at timestamptz NOT NULL,
    loaded_by uuid NOT NULL
);

-- 2026 shipped with migration 0011 (the State Council's published schedule), by the platform itself.
INSERT INTO tendering.calendar_years (id, year, loaded_at, loaded_by)
VALUES (gen_random_uuid(), 2026, now(), '00000000-0000-7000-8000-000000000000');

ALTER TABLE tendering.calendar_days
    ADD COLUMN year integer GENERATED ALWAYS AS (EXTRACT(YEAR FROM day)::integer) STORED
    REFERENCES tendering.calendar_years (year);

CREATE INDEX calendar_days_year ON tendering.calendar_days (year);
