import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of supplier profiles and document libraries, and nothing else.
struct SupplierStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Profiles

    func profile(of organisationID: UUID) async throws -> SupplierProfile? {
        for try await (summary, staff, workers, areas, contact, updated) in try await connection.query("""
            SELECT summary, staff_count, social_workers, service_areas, contact, updated_at FROM tendering.supplier_profiles
            WHERE organisation_id = \(organisationID)
            """, logger: logger).decode((String, Int, Int, [String], String, Date).self) {
            return SupplierProfile(organisationID: organisationID, summary: summary, staffCount: staff, socialWorkers: workers,
                                   serviceAreas: areas, contact: contact, updatedAt: updated)
        }
        return nil
    }

    func upsert(_ p: SupplierProfile, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO tendering.supplier_profiles (organisation_id, summary, staff_count, social_workers, service_areas, contact, updated_at)
            VALUES (\(p.organisationID), \(p.summary), \(p.staffCount), \(p.socialWorkers), \(p.serviceAreas), \(p.contact), \(date))
            ON CONFLICT (organisation_id) DO UPDATE SET summary = excluded.summary, staff_count = excluded.staff_count,
                social_workers = excluded.social_workers, service_areas = excluded.service_areas, contact = excluded.contact,
                updated_at = excluded.updated_at
            """, logger: logger)
    }

    // MARK: Documents

    private static let columns = "id, organisation_id, title, category, filename, kind, size, sha256, uploaded_at, retired_at"

    /// The library of an organisation, newest first; retired documents only when asked.
    func documents(of organisationID: UUID, includingRetired: Bool = false) async throws -> [SupplierDocument] {
        try await documents("""
            SELECT \(unescaped: Self.columns) FROM tendering.supplier_documents
            WHERE organisation_id = \(organisationID) AND (\(includingRetired) OR retired_at IS NULL) ORDER BY id DESC
            """)
    }

    func documents(ids: [UUID]) async throws -> [SupplierDocument] {
        try await documents("SELECT \(unescaped: Self.columns) FROM tendering.supplier_documents WHERE id = ANY(\(ids))")
    }

    private func documents(_ query: PostgresQuery) async throws -> [SupplierDocument] {
        var result: [SupplierDocument] = []
        for try await (id, organisation, title, category, filename, kind, size, sha256, uploaded, retired) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, String, String, String, String, Int, String, Date, Date?).self) {
            result.append(SupplierDocument(id: id, organisationID: organisation, title: title, category: DocumentCategory(rawValue: category) ?? .other,
                                           filename: filename, kind: FileKind(rawValue: kind) ?? .pdf, size: size, sha256: sha256,
                                           uploadedAt: uploaded, retiredAt: retired))
        }
        return result
    }

    func sealedContent(of id: UUID) async throws -> Data? {
        for try await sealed in try await connection.query(
            "SELECT sealed FROM tendering.supplier_documents WHERE id = \(id)", logger: logger).decode(ByteBuffer.self) {
            return Data(buffer: sealed)
        }
        return nil
    }

    func insert(_ d: SupplierDocument, sealed: Data, by userID: UUID) async throws {
        try await connection.query("""
            INSERT INTO tendering.supplier_documents (id, organisation_id, title, category, filename, kind, size, sha256, sealed, uploaded_at, uploaded_by)
            VALUES (\(d.id), \(d.organisationID), \(d.title), \(d.category.rawValue), \(d.filename), \(d.kind.rawValue), \(d.size), \(d.sha256),
                    \(ByteBuffer(data: sealed)), \(d.uploadedAt), \(userID))
            """, logger: logger)
    }

    func retire(_ id: UUID, at date: Date) async throws {
        try await connection.query("UPDATE tendering.supplier_documents SET retired_at = \(date) WHERE id = \(id)", logger: logger)
    }

    func libraryCount(of organisationID: UUID) async throws -> Int {
        let rows = try await connection.query("""
            SELECT count(*)::int FROM tendering.supplier_documents WHERE organisation_id = \(organisationID) AND retired_at IS NULL
            """, logger: logger).collect()
        return try rows[0].decode(Int.self)
    }
}
