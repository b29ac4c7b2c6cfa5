-- An organisation's page lists the awards it won.
CREATE INDEX awards_supplier ON tendering.awards (supplier_id, decided_at) WHERE supplier_id IS NOT NULL;
