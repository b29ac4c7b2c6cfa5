import Foundation
import Logging
import PostgresNIO

/// The SQL of the guiding purchase catalogue and the jurisdictions' own negative-list entries, and nothing else.
struct PurchaseCatalogueStore {
    let connection: PostgresConnection
    let logger: Logger

    func all() async throws -> [PurchaseCategory] {
        var result: [PurchaseCategory] = []
        for try await (id, code, parent, level, nameZh, nameEn, negative) in try await connection.query("""
            SELECT id, code, parent_code, level, name_zh, name_en, negative_reason
            FROM catalogue.purchase_categories ORDER BY code
            """, logger: logger).decode((UUID, String, String?, Int16, String, String, String?).self) {
            result.append(PurchaseCategory(id: id, code: code, parentCode: parent, level: Int(level), nameZh: nameZh,
                                           nameEn: nameEn, negativeReason: negative.flatMap(NegativeReason.init(rawValue:))))
        }
        return result
    }

    /// The entry and its ancestors, root first (at most three rows).
    func lineage(of code: String) async throws -> [PurchaseCategory] {
        var codes = [code]
        while let parent = PurchaseCategory.parentCode(of: codes[0]) { codes.insert(parent, at: 0) }
        var result: [PurchaseCategory] = []
        for try await (id, code, parent, level, nameZh, nameEn, negative) in try await connection.query("""
            SELECT id, code, parent_code, level, name_zh, name_en, negative_reason
            FROM catalogue.purchase_categories WHERE code = ANY(\(codes)) ORDER BY level
            """, logger: logger).decode((UUID, String, String?, Int16, String, String, String?).self) {
            result.append(PurchaseCategory(id: id, code: code, parentCode: parent, level: Int(level), nameZh: nameZh,
                                           nameEn: nameEn, negativeReason: negative.flatMap(NegativeReason.init(rawValue:))))
        }
        return result
    }

    func insert(_ c: PurchaseCategory, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO catalogue.purchase_categories (id, code, parent_code, level, name_zh, name_en, negative_reason, created_at, updated_at)
            VALUES (\(c.id), \(c.code), \(c.parentCode), \(Int16(c.level)), \(c.nameZh), \(c.nameEn), \(c.negativeReason?.rawValue),
                    \(date), \(date))
            """, logger: logger)
    }

    func update(_ c: PurchaseCategory, at date: Date) async throws {
        try await connection.query("""
            UPDATE catalogue.purchase_categories
            SET name_zh = \(c.nameZh), name_en = \(c.nameEn), negative_reason = \(c.negativeReason?.rawValue), updated_at = \(date)
            WHERE id = \(c.id)
            """, logger: logger)
    }

    /// Serialises imports: two at once would each check the file against a catalogue the other is changing.
    func lockForImport() async throws {
        try await connection.query("LOCK TABLE catalogue.purchase_categories IN SHARE ROW EXCLUSIVE MODE", logger: logger)
    }

    // MARK: Jurisdictions' negative-list entries

    private static let entryColumns = "id, jurisdiction_id, code, reason, note, created_at"

    /// The entries of the given jurisdictions (a path: those that bind its last one), or every entry; by code.
    func entries(jurisdictions: [UUID]?) async throws -> [NegativeEntry] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.entryColumns) FROM catalogue.negative_entries
            WHERE ($1::uuid[] IS NULL OR jurisdiction_id = ANY($1)) ORDER BY code, created_at
            """)
        query.binds.append(jurisdictions)
        return try await entries(query)
    }

    func entry(id: UUID) async throws -> NegativeEntry? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.entryColumns) FROM catalogue.negative_entries WHERE id = $1 FOR UPDATE")
        query.binds.append(id)
        return try await entries(query).first
    }

    private func entries(_ query: PostgresQuery) async throws -> [NegativeEntry] {
        var result: [NegativeEntry] = []
        for try await (id, jurisdiction, code, reason, note, createdAt) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, String, String, String, Date).self) {
            result.append(NegativeEntry(id: id, jurisdictionID: jurisdiction, code: code, reason: NegativeReason(rawValue: reason) ?? .governmentDuty,
                                        note: note, createdAt: createdAt))
        }
        return result
    }

    func insert(_ e: NegativeEntry, by actor: UUID) async throws {
        try await connection.query("""
            INSERT INTO catalogue.negative_entries (id, jurisdiction_id, code, reason, note, created_at, created_by)
            VALUES (\(e.id), \(e.jurisdictionID), \(e.code), \(e.reason.rawValue), \(e.note), \(e.createdAt), \(actor))
            """, logger: logger)
    }

    func deleteEntry(id: UUID) async throws {
        try await connection.query("DELETE FROM catalogue.negative_entries WHERE id = \(id)", logger: logger)
    }

    /// Serialises changes to the entries, so two offices cannot list the same code on one path at once.
    func lockEntries() async throws {
        try await connection.query("LOCK TABLE catalogue.negative_entries IN SHARE ROW EXCLUSIVE MODE", logger: logger)
    }
}
