import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of the service sites, and nothing else.
struct SiteStore {
    let connection: PostgresConnection
    let logger: Logger

    private static let columns = """
        id, code, name_zh, name_en, tier, jurisdiction_code, jurisdiction_id, jurisdiction_path, operator_kind, operator_name, contract_id,
        address, floor_area, hall_area, equipment, windows, staff::text, opening_hours, item_ids, updated_at
        """

    /// A page of sites by code after the cursor's code; `$1` tier, `$2` a jurisdiction whose subtree is wanted.
    func sites(tier: SiteTier?, jurisdictionID: UUID?, after: String?, limit: Int) async throws -> [ServiceSite] {
        try await sites(PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM grassroots.sites
            WHERE ($1::text IS NULL OR tier = $1) AND ($2::uuid IS NULL OR jurisdiction_path @> ARRAY[$2::uuid])
              AND ($3::text IS NULL OR code > $3)
            ORDER BY code LIMIT $4
            """, binds: binds(tier?.rawValue, jurisdictionID, after, limit)))
    }

    /// Sites and staff per tier under the filters (no cursor).
    func counts(jurisdictionID: UUID?) async throws -> [SiteTierCount] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT tier, count(*)::integer, coalesce(sum(jsonb_array_length(staff)), 0)::integer FROM grassroots.sites
            WHERE ($1::uuid IS NULL OR jurisdiction_path @> ARRAY[$1::uuid]) GROUP BY tier
            """)
        query.binds.append(jurisdictionID)
        var counts: [SiteTier: SiteTierCount] = [:]
        for try await (tier, sites, staff) in try await connection.query(query, logger: logger).decode((String, Int, Int).self) {
            if let tier = SiteTier(rawValue: tier) { counts[tier] = SiteTierCount(tier: tier, sites: sites, staff: staff) }
        }
        return SiteTier.allCases.map { counts[$0] ?? SiteTierCount(tier: $0, sites: 0, staff: 0) }
    }

    func site(id: UUID, forUpdate: Bool = false) async throws -> ServiceSite? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM grassroots.sites WHERE id = $1" + (forUpdate ? " FOR UPDATE" : ""))
        query.binds.append(id)
        return try await sites(query).first
    }

    func site(code: String) async throws -> ServiceSite? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM grassroots.sites WHERE code = $1")
        query.binds.append(code)
        return try await sites(query).first
    }

    /// Every site whose code is among `codes` (an import's rows).
    func sites(codes: [String]) async throws -> [ServiceSite] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM grassroots.sites WHERE code = ANY($1)")
        query.binds.append(codes)
        return try await sites(query)
    }

    func sites(ids: [UUID]) async throws -> [ServiceSite] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM grassroots.sites WHERE id = ANY($1)")
        query.binds.append(ids)
        return try await sites(query)
    }

    /// Serialises imports and registrations: codes are checked, then written, under it.
    /// Whether any service request was registered at the site (then it keeps its jurisdiction).
    func hasRequests(siteID: UUID) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM grassroots.service_requests WHERE accepting_site_id = \(siteID) LIMIT 1", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    func lock() async throws {
        try await connection.query("LOCK TABLE grassroots.sites IN SHARE ROW EXCLUSIVE MODE", logger: logger)
    }

    func insert(_ site: ServiceSite) async throws {
        let c = site.content
        try await connection.query("""
            INSERT INTO grassroots.sites (id, code, name_zh, name_en, tier, jurisdiction_code, jurisdiction_id, jurisdiction_path, operator_kind,
                operator_name, contract_id, address, floor_area, hall_area, equipment, windows, staff, opening_hours, item_ids, updated_at)
            VALUES (\(site.id), \(c.code), \(c.nameZh), \(c.nameEn), \(c.tier.rawValue), \(c.jurisdictionCode), \(site.jurisdictionID),
                \(site.jurisdictionPath), \(c.operatorKind.rawValue), \(c.operatorName), \(c.contractID), \(c.address), \(c.floorAreaTenths),
                \(c.hallAreaTenths), \(c.equipment), \(c.windows), \(try Self.json(c.staff))::jsonb, \(c.openingHours), \(c.itemIDs), \(site.updatedAt))
            """, logger: logger)
    }

    func update(_ site: ServiceSite) async throws {
        let c = site.content
        try await connection.query("""
            UPDATE grassroots.sites SET code = \(c.code), name_zh = \(c.nameZh), name_en = \(c.nameEn), tier = \(c.tier.rawValue),
                jurisdiction_code = \(c.jurisdictionCode), jurisdiction_id = \(site.jurisdictionID), jurisdiction_path = \(site.jurisdictionPath),
                operator_kind = \(c.operatorKind.rawValue), operator_name = \(c.operatorName), contract_id = \(c.contractID), address = \(c.address),
                floor_area = \(c.floorAreaTenths), hall_area = \(c.hallAreaTenths), equipment = \(c.equipment), windows = \(c.windows),
                staff = \(try Self.json(c.staff))::jsonb, opening_hours = \(c.openingHours), item_ids = \(c.itemIDs), updated_at = \(site.updatedAt)
            WHERE id = \(site.id)
            """, logger: logger)
    }

    private static func json(_ staff: [SiteStaff]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(staff), as: UTF8.self)
    }

    private func binds(_ tier: String?, _ jurisdiction: UUID?, _ after: String?, _ limit: Int) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(tier)
        binds.append(jurisdiction)
        binds.append(after)
        binds.append(limit)
        return binds
    }

    private func sites(_ query: PostgresQuery) async throws -> [ServiceSite] {
        var result: [ServiceSite] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, code, nameZh, nameEn, tier, jurisdictionCode, jurisdictionID, path, operatorKind, operatorName, contractID,
                 address, floor, hall, equipment, windows, staff, hours, items, updatedAt) =
                try row.decode((UUID, String, String, String, String, String, UUID, [UUID], String, String, UUID?,
                                String, Int, Int, [String], Int, String, String, [UUID], Date).self)
            let people = (try? JSONDecoder().decode([SiteStaff].self, from: Data(staff.utf8))) ?? []
            result.append(ServiceSite(id: id, content: SiteContent(
                code: code, nameZh: nameZh, nameEn: nameEn, tier: SiteTier(rawValue: tier) ?? .villageStation, jurisdictionCode: jurisdictionCode,
                operatorKind: OperatorKind(rawValue: operatorKind) ?? .governmentOffice, operatorName: operatorName, contractID: contractID,
                address: address, floorAreaTenths: floor, hallAreaTenths: hall, equipment: equipment, windows: windows, staff: people,
                openingHours: hours, itemIDs: items), jurisdictionID: jurisdictionID, jurisdictionPath: path, updatedAt: updatedAt))
        }
        return result
    }
}
