import Core
import Foundation
import PostgresNIO

/// The SQL of suppliers' offers, beside the rest of the supplier store's.
extension SupplierStore {
    func offers(of organisationID: UUID) async throws -> [SupplierOffer] {
        var result: [SupplierOffer] = []
        for try await (id, code, areas, capacity, unit, low, high, description, created, updated) in try await connection.query("""
            SELECT id, item_code, areas, capacity, capacity_unit, price_min, price_max, description, created_at, updated_at
            FROM tendering.supplier_offers WHERE organisation_id = \(organisationID) AND withdrawn_at IS NULL ORDER BY item_code, id
            """, logger: logger).decode((UUID, String, [UUID], Int, String, Int64, Int64, String, Date, Date).self) {
            result.append(SupplierOffer(id: id, organisationID: organisationID, itemCode: code, areas: areas, capacity: capacity,
                                        unit: SupplierOffer.Unit(rawValue: unit) ?? .people, priceMin: Money(minorUnits: low),
                                        priceMax: Money(minorUnits: high), description: description, createdAt: created, updatedAt: updated))
        }
        return result
    }

    /// Whether `code` is a service (third level) of the guiding purchase catalogue, what purchase lines and tenders name.
    func serviceExists(code: String) async throws -> Bool {
        try await connection.query("SELECT 1 FROM catalogue.purchase_categories WHERE code = \(code) AND level = 3", logger: logger)
            .collect().isEmpty == false
    }

    func lockOffers(of organisationID: UUID) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('offers ' || \(organisationID.uuidString), 0))", logger: logger)
    }

    func insert(_ o: SupplierOffer) async throws {
        try await connection.query("""
            INSERT INTO tendering.supplier_offers (id, organisation_id, item_code, areas, capacity, capacity_unit, price_min, price_max,
                description, created_at, updated_at)
            VALUES (\(o.id), \(o.organisationID), \(o.itemCode), \(o.areas), \(o.capacity), \(o.unit.rawValue), \(o.priceMin.minorUnits),
                \(o.priceMax.minorUnits), \(o.description), \(o.createdAt), \(o.updatedAt))
            """, logger: logger)
    }

    func withdraw(_ id: UUID, at date: Date) async throws {
        try await connection.query("UPDATE tendering.supplier_offers SET withdrawn_at = \(date), updated_at = \(date) WHERE id = \(id)", logger: logger)
    }
}
