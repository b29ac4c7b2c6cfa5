-- The next version of an item, being prepared by the catalogue's staff: at most one per item, never
-- public. A new item exists only as a draft (published_version NULL) until its first publication.
CREATE TABLE catalogue.item_drafts (
    item_id          uuid PRIMARY KEY REFERENCES catalogue.items (id),
    -- the published version it was started from (NULL for a new item); publishing a draft whose base
    -- is no longer the published version is refused, so nobody undoes a version unknowingly
    based_on_version integer,
    -- an ItemContent as JSON: a draft may be saved half-finished, so its columns are not the
    -- published version's strict ones
    content          jsonb NOT NULL,
    updated_at       timestamptz NOT NULL,
    updated_by       uuid NOT NULL
);
