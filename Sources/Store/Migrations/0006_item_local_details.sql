-- What each jurisdiction that offers an item records locally: where, when, whom to call. The item's
-- name and content stay canonical; a jurisdiction cannot rename it.
CREATE TABLE catalogue.item_local_details (
    item_id         uuid NOT NULL REFERENCES catalogue.items (id),
    -- a jurisdiction of Identity, checked through its service
    jurisdiction_id uuid NOT NULL,
    address         text NOT NULL,
    phone           text NOT NULL,
    hours           text NOT NULL,
    notes           text NOT NULL,
    updated_at      timestamptz NOT NULL,
    updated_by      uuid NOT NULL,
    PRIMARY KEY (item_id, jurisdiction_id)
);
