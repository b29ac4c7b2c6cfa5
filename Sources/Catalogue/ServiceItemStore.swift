import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of service items and materials, and nothing else.
struct ServiceItemStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Materials

    private static let materialColumns = "id, code, name_zh, name_en, issuer, retired_at, retired_reason, retired_note"

    func materials() async throws -> [Material] {
        try await materials(PostgresQuery(unsafeSQL: "SELECT \(Self.materialColumns) FROM catalogue.materials ORDER BY code"))
    }

    func material(code: String, forUpdate: Bool = false) async throws -> Material? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.materialColumns) FROM catalogue.materials WHERE code = $1" + (forUpdate ? " FOR UPDATE" : ""))
        query.binds.append(code)
        return try await materials(query).first
    }

    private func materials(_ query: PostgresQuery) async throws -> [Material] {
        var result: [Material] = []
        for try await (id, code, nameZh, nameEn, issuer, retiredAt, reason, note) in try await connection.query(query, logger: logger)
            .decode((UUID, String, String, String, String, Date?, String?, String?).self) {
            result.append(Material(id: id, code: code, nameZh: nameZh, nameEn: nameEn, issuer: issuer, retiredAt: retiredAt,
                                   retiredReason: reason.flatMap(RetirementReason.init(rawValue:)), retiredNote: note))
        }
        return result
    }

    func insert(_ m: Material, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO catalogue.materials (id, code, name_zh, name_en, issuer, created_at)
            VALUES (\(m.id), \(m.code), \(m.nameZh), \(m.nameEn), \(m.issuer), \(date))
            """, logger: logger)
    }

    func update(_ m: Material) async throws {
        try await connection.query("""
            UPDATE catalogue.materials SET name_zh = \(m.nameZh), name_en = \(m.nameEn), issuer = \(m.issuer),
                   retired_at = \(m.retiredAt), retired_reason = \(m.retiredReason?.rawValue), retired_note = \(m.retiredNote)
            WHERE id = \(m.id)
            """, logger: logger)
    }

    func materialsByIssuer() async throws -> [MaterialsByIssuer] {
        var result: [MaterialsByIssuer] = []
        for try await (issuer, total, retired) in try await connection.query("""
            SELECT issuer, count(*)::int, count(retired_at)::int FROM catalogue.materials GROUP BY issuer ORDER BY count(*) DESC, issuer
            """, logger: logger).decode((String, Int, Int).self) {
            result.append(MaterialsByIssuer(issuer: issuer, total: total, retired: retired))
        }
        return result
    }

    // MARK: Items

    private static let itemColumns = """
        i.id, i.code, i.department_id, i.jurisdiction_id, v.version, v.published_at, v.name_zh, v.name_en, v.legal_basis, v.conditions,
        v.procedure, v.result, v.time_limit_days, v.on_the_spot, v.channel, v.fees, v.accept_tier, v.approve_tier,
        v.handle_tier, v.accept_days, v.approve_days, v.material_ids
        """

    func item(id: UUID) async throws -> ServiceItem? {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.itemColumns) FROM catalogue.items i
            JOIN catalogue.item_versions v ON v.item_id = i.id AND v.version = i.published_version WHERE i.id = $1
            """)
        query.binds.append(id)
        return try await items(query).first
    }

    func item(code: String, forUpdate: Bool = false) async throws -> ServiceItem? {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.itemColumns) FROM catalogue.items i
            JOIN catalogue.item_versions v ON v.item_id = i.id AND v.version = i.published_version WHERE i.code = $1
            """ + (forUpdate ? " FOR UPDATE OF i" : ""))
        query.binds.append(code)
        return try await items(query).first
    }

    /// The published items among `ids` or `codes` (unpublished and unknown ones are left out), in code order.
    func published(ids: [UUID] = [], codes: [String] = []) async throws -> [ServiceItem] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.itemColumns) FROM catalogue.items i
            JOIN catalogue.item_versions v ON v.item_id = i.id AND v.version = i.published_version
            WHERE i.id = ANY($1) OR i.code = ANY($2) ORDER BY i.code
            """)
        query.binds.append(ids)
        query.binds.append(codes)
        return try await items(query)
    }

    /// Every item in its published version, or those of one jurisdiction's own list, in code order (for export).
    func allPublished(jurisdictionID: UUID? = nil) async throws -> [ServiceItem] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.itemColumns) FROM catalogue.items i
            JOIN catalogue.item_versions v ON v.item_id = i.id AND v.version = i.published_version
            WHERE ($1::uuid IS NULL OR i.jurisdiction_id = $1) ORDER BY i.code
            """)
        query.binds.append(jurisdictionID)
        return try await items(query)
    }

    /// Every version of an item, newest first.
    func versions(itemID: UUID) async throws -> [ServiceItem] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.itemColumns) FROM catalogue.items i
            JOIN catalogue.item_versions v ON v.item_id = i.id WHERE i.id = $1 ORDER BY v.version DESC
            """)
        query.binds.append(itemID)
        return try await items(query)
    }

    /// Published items matching the search, on the lists of `jurisdictions` when given (a jurisdiction's
    /// path: its own list and those above it). Names containing the text come first (shorter, more
    /// specific names before longer ones); only when no name contains it are names that look like it
    /// offered instead ("did you mean"), by trigram similarity. Without text, the filters alone, by code.
    func search(_ search: ItemSearch, jurisdictions: [UUID]?) async throws -> [ServiceItem] {
        let text = search.text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return try await items(filtered(search, jurisdictions, text: text, sql: Self.byCode)) }
        let contained = try await items(filtered(search, jurisdictions, text: text, sql: Self.containing))
        if !contained.isEmpty || search.after != nil { return contained }
        return try await items(filtered(search, jurisdictions, text: text, sql: Self.similar))
    }

    /// How many items the search matches on every page (by the containing names, or the filters alone), and how
    /// many of them are on the list of `own`; (0, 0) when only suggestions would be offered.
    func count(_ search: ItemSearch, jurisdictions: [UUID]?, own: UUID?) async throws -> (total: Int, own: Int) {
        let text = search.text.trimmingCharacters(in: .whitespaces)
        var unpaged = search
        unpaged.after = nil
        var query = filtered(unpaged, jurisdictions, text: text, sql: text.isEmpty ? Self.countByCode : Self.countContaining)
        query.binds.append(own)
        for try await (total, ownCount) in try await connection.query(query, logger: logger).decode((Int, Int).self) { return (total, ownCount) }
        return (0, 0)
    }

    /// The published version of every item passing the filters ($3 department, $4 tier, $5 on the spot,
    /// $7 the jurisdictions whose lists are wanted).
    private static let published = """
        catalogue.items i JOIN catalogue.item_versions v ON v.item_id = i.id AND v.version = i.published_version
        WHERE ($3::uuid IS NULL OR i.department_id = $3) AND ($4::text IS NULL OR v.accept_tier = $4)
          AND ($5::boolean IS NULL OR v.on_the_spot = $5) AND ($7::uuid[] IS NULL OR i.jurisdiction_id = ANY($7))
        """

    /// The keyset clauses ($8 the cursor's code, $9 the length of its Chinese name): after it in each order.
    private static let afterCode = "AND ($8::text IS NULL OR i.code > $8) AND ($9::int4 IS NULL OR $9 = $9)"
    private static let afterName = "AND ($8::text IS NULL OR (length(v.name_zh), i.code) > ($9::int4, $8))"
    private static let noCursor = "AND ($8::text IS NULL OR $8 = $8) AND ($9::int4 IS NULL OR $9 = $9)"

    private static let byCode = "SELECT \(itemColumns) FROM \(published) AND ($1 = $1) AND ($2 = $2) \(afterCode) ORDER BY i.code LIMIT $6"

    /// The counts beside a page ($10 the jurisdiction whose own list is counted apart).
    private static let countByCode = """
        SELECT count(*)::int8, (count(*) FILTER (WHERE i.jurisdiction_id = $10::uuid))::int8 FROM \(published)
          AND ($1 = $1) AND ($2 = $2) AND ($6::int8 IS NULL OR $6 = $6) \(noCursor)
        """
    private static let countContaining = """
        SELECT count(*)::int8, (count(*) FILTER (WHERE i.jurisdiction_id = $10::uuid))::int8 FROM \(published)
          AND v.search_grams @> catalogue.query_grams($1) AND (v.name_zh || ' ' || v.name_en) ILIKE '%' || $2 || '%'
          AND ($6::int8 IS NULL OR $6 = $6) \(noCursor)
        """

    /// The character pairs narrow the names through their index; ILIKE confirms the substring, on
    /// the very text the grams were made of (so that no trigram index is tried for it: a two-character
    /// pattern gives trigrams nothing to look up, and scanning them cost more than the whole search).
    private static let containing = """
        SELECT \(itemColumns) FROM \(published)
          AND v.search_grams @> catalogue.query_grams($1) AND (v.name_zh || ' ' || v.name_en) ILIKE '%' || $2 || '%'
          \(afterName)
        ORDER BY length(v.name_zh), i.code LIMIT $6
        """

    /// The nearest Chinese and the nearest English names, each read in order from its GiST index,
    /// then ranked together: scoring every similar name instead took 70 ms on 10,000 items.
    private static let similar = """
        WITH near AS (
            (SELECT i.id FROM \(published) AND v.name_zh % $1 ORDER BY v.name_zh <-> $1 LIMIT $6)
            UNION
            (SELECT i.id FROM \(published) AND $1 <% v.name_en ORDER BY $1 <<-> v.name_en LIMIT $6))
        SELECT \(itemColumns) FROM near, \(published) AND i.id = near.id AND ($2 = $2) \(noCursor)
        ORDER BY greatest(similarity(v.name_zh, $1), word_similarity($1, v.name_en)) DESC, i.code LIMIT $6
        """

    /// One search query: the SQL is one of the fixed statements above, every value is bound.
    /// (`$n = $n` keeps each parameter referenced in every statement, so its type is known.)
    private func filtered(_ search: ItemSearch, _ jurisdictions: [UUID]?, text: String, sql: String) -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: sql)
        query.binds.append(text)
        query.binds.append(Self.likeEscaped(text))
        query.binds.append(search.departmentID)
        query.binds.append(search.tier?.rawValue)
        query.binds.append(search.onTheSpot)
        query.binds.append(search.limit)
        query.binds.append(jurisdictions)
        query.binds.append(search.after?.code)
        // PostgreSQL's length counts code points.
        query.binds.append(search.after.map { $0.content.nameZh.unicodeScalars.count })
        return query
    }

    /// A search text with LIKE's wildcards taken literally.
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    private func items(_ query: PostgresQuery) async throws -> [ServiceItem] {
        var result: [ServiceItem] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, code, department, jurisdiction, version, publishedAt, nameZh, nameEn, legalBasis, conditions, procedure, resultText,
                 limit, onTheSpot, channel, fees, accept, approve, handle, acceptDays, approveDays, materials) =
                try row.decode((UUID, String, UUID, UUID, Int, Date, String, String, String, String, [String], String, Int, Bool,
                                String, String, String, String, String, Int, Int, [UUID]).self)
            let authority = TierAuthority(accept: Tier(rawValue: accept) ?? .district, approve: Tier(rawValue: approve) ?? .district,
                                          handle: Tier(rawValue: handle) ?? .district, acceptDays: acceptDays, approveDays: approveDays)
            result.append(ServiceItem(id: id, code: code, departmentID: department, jurisdictionID: jurisdiction, version: version, content: ItemContent(
                nameZh: nameZh, nameEn: nameEn, legalBasis: legalBasis, conditions: conditions, procedure: procedure, result: resultText,
                timeLimitDays: limit, onTheSpot: onTheSpot, channel: Channel(rawValue: channel) ?? .window, fees: fees,
                authority: authority, materialIDs: materials), publishedAt: publishedAt))
        }
        return result
    }

    func insertItem(id: UUID, code: String, departmentID: UUID, jurisdictionID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO catalogue.items (id, code, department_id, jurisdiction_id, created_at)
            VALUES (\(id), \(code), \(departmentID), \(jurisdictionID), \(date))
            """, logger: logger)
    }

    /// Adds a published version and makes it the item's current one.
    func publish(itemID: UUID, version: Int, _ c: ItemContent, by actor: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO catalogue.item_versions (item_id, version, name_zh, name_en, legal_basis, conditions, procedure, result,
                time_limit_days, on_the_spot, channel, fees, accept_tier, approve_tier, handle_tier, accept_days, approve_days,
                material_ids, published_at, published_by)
            VALUES (\(itemID), \(version), \(c.nameZh), \(c.nameEn), \(c.legalBasis), \(c.conditions), \(c.procedure), \(c.result),
                \(c.timeLimitDays), \(c.onTheSpot), \(c.channel.rawValue), \(c.fees), \(c.authority.accept.rawValue),
                \(c.authority.approve.rawValue), \(c.authority.handle.rawValue), \(c.authority.acceptDays), \(c.authority.approveDays),
                \(c.materialIDs), \(date), \(actor))
            """, logger: logger)
        try await connection.query("UPDATE catalogue.items SET published_version = \(version) WHERE id = \(itemID)", logger: logger)
    }

    // MARK: Drafts

    /// The item's code, department, list and published version, locked until the transaction ends.
    func lockItem(id: UUID) async throws -> ItemHeader? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.headerColumns) FROM catalogue.items WHERE id = $1 FOR UPDATE")
        query.binds.append(id)
        return try await headers(query).first
    }

    /// The same, published or not, without a lock (an item's list never changes).
    func header(id: UUID) async throws -> ItemHeader? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.headerColumns) FROM catalogue.items WHERE id = $1")
        query.binds.append(id)
        return try await headers(query).first
    }

    func header(code: String) async throws -> ItemHeader? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.headerColumns) FROM catalogue.items WHERE code = $1")
        query.binds.append(code)
        return try await headers(query).first
    }

    private static let headerColumns = "id, code, department_id, jurisdiction_id, published_version"

    private func headers(_ query: PostgresQuery) async throws -> [ItemHeader] {
        var result: [ItemHeader] = []
        for try await (id, code, department, jurisdiction, version) in try await connection.query(query, logger: logger)
            .decode((UUID, String, UUID, UUID, Int?).self) {
            result.append(ItemHeader(id: id, code: code, departmentID: department, jurisdictionID: jurisdiction, publishedVersion: version))
        }
        return result
    }

    func itemExists(code: String) async throws -> Bool {
        try await connection.query("SELECT 1 FROM catalogue.items WHERE code = \(code)", logger: logger).collect().count > 0
    }

    private static let draftColumns = "d.item_id, i.code, i.department_id, i.jurisdiction_id, d.based_on_version, i.published_version, d.content::text, d.updated_at"

    func draft(itemID: UUID) async throws -> ItemDraft? {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.draftColumns) FROM catalogue.item_drafts d JOIN catalogue.items i ON i.id = d.item_id WHERE d.item_id = $1
            """)
        query.binds.append(itemID)
        return try await drafts(query).first
    }

    /// Every draft, the most recently saved first.
    func drafts() async throws -> [ItemDraft] {
        try await drafts(PostgresQuery(unsafeSQL: """
            SELECT \(Self.draftColumns) FROM catalogue.item_drafts d JOIN catalogue.items i ON i.id = d.item_id ORDER BY d.updated_at DESC
            """))
    }

    private func drafts(_ query: PostgresQuery) async throws -> [ItemDraft] {
        var result: [ItemDraft] = []
        for try await (itemID, code, department, jurisdiction, basedOn, published, json, updatedAt) in try await connection.query(query, logger: logger)
            .decode((UUID, String, UUID, UUID, Int?, Int?, String, Date).self) {
            let content = try JSONDecoder().decode(ItemContent.self, from: Data(json.utf8))
            result.append(ItemDraft(itemID: itemID, code: code, departmentID: department, jurisdictionID: jurisdiction, basedOnVersion: basedOn,
                                    publishedVersion: published, content: content, updatedAt: updatedAt))
        }
        return result
    }

    func saveDraft(itemID: UUID, basedOn version: Int?, _ content: ItemContent, by actor: UUID, at date: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(content), as: UTF8.self)
        try await connection.query("""
            INSERT INTO catalogue.item_drafts (item_id, based_on_version, content, updated_at, updated_by)
            VALUES (\(itemID), \(version), \(json)::jsonb, \(date), \(actor))
            ON CONFLICT (item_id) DO UPDATE SET content = EXCLUDED.content, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """, logger: logger)
    }

    func deleteDraft(itemID: UUID) async throws {
        try await connection.query("DELETE FROM catalogue.item_drafts WHERE item_id = \(itemID)", logger: logger)
    }

    /// Removes an item that was never published (its draft discarded), freeing its code.
    func deleteUnpublishedItem(id: UUID) async throws {
        try await connection.query("DELETE FROM catalogue.items WHERE id = \(id) AND published_version IS NULL", logger: logger)
    }

    // MARK: Local details

    func localDetails(itemID: UUID) async throws -> [LocalDetails] {
        var result: [LocalDetails] = []
        for try await (jurisdiction, address, phone, hours, notes) in try await connection.query("""
            SELECT jurisdiction_id, address, phone, hours, notes FROM catalogue.item_local_details WHERE item_id = \(itemID)
            """, logger: logger).decode((UUID, String, String, String, String).self) {
            result.append(LocalDetails(jurisdictionID: jurisdiction, address: address, phone: phone, hours: hours, notes: notes))
        }
        return result
    }

    func save(_ d: LocalDetails, itemID: UUID, by actor: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO catalogue.item_local_details (item_id, jurisdiction_id, address, phone, hours, notes, updated_at, updated_by)
            VALUES (\(itemID), \(d.jurisdictionID), \(d.address), \(d.phone), \(d.hours), \(d.notes), \(date), \(actor))
            ON CONFLICT (item_id, jurisdiction_id) DO UPDATE
            SET address = EXCLUDED.address, phone = EXCLUDED.phone, hours = EXCLUDED.hours, notes = EXCLUDED.notes,
                updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """, logger: logger)
    }

    func lock() async throws {
        try await connection.query("LOCK TABLE catalogue.items, catalogue.materials IN SHARE ROW EXCLUSIVE MODE", logger: logger)
    }
}
