-- Issue 27: training mode. The database remembers the mode of the instance that first migrated it (production or
-- training) and, for a training instance, the class's clock, so that every instance of the class and the `spokes clock`
-- command read one time. The row is written by the migrator (Migrator.migrate(mode:)), which knows the instance's mode:
-- a database migrated before this file existed is marked production.
CREATE TABLE public.spokes_instance (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    mode text NOT NULL CHECK (mode IN ('production', 'training')),
    marked_at timestamptz NOT NULL,
    clock_real_anchor timestamptz,
    clock_virtual_anchor timestamptz,
    clock_rate float8 CHECK (clock_rate >= 0 AND clock_rate <= 86400),
    -- Counts the changes of the time line, so an instance never takes an older one after a newer.
    clock_version bigint NOT NULL DEFAULT 0,
    CHECK ((clock_rate IS NULL) = (clock_real_anchor IS NULL) AND (clock_rate IS NULL) = (clock_virtual_anchor IS NULL)),
    CHECK (mode = 'training' OR clock_rate IS NULL)
);
