import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// What a buyer (or anyone) looks for in the directory of suppliers (DOMAIN §7).
public struct DirectoryQuery: Sendable {
    /// A catalogue service code an offer names.
    public var itemCode: String?
    /// A jurisdiction code: offers serving it (it, or a jurisdiction above it).
    public var areaCode: String?
    /// The lowest unexpired rating (3 = 3A).
    public var minimumRating: Int?
    public var stage: IncubationStage?
    /// Words of the name, Chinese or English.
    public var text: String?
    public var after: UUID?
    public var limit: Int
    public init(itemCode: String? = nil, areaCode: String? = nil, minimumRating: Int? = nil, stage: IncubationStage? = nil, text: String? = nil,
                after: UUID? = nil, limit: Int = 50) {
        self.itemCode = itemCode
        self.areaCode = areaCode
        self.minimumRating = minimumRating
        self.stage = stage
        self.text = text
        self.after = after
        self.limit = limit
    }
}

/// One supplier as the directory shows it: who it is and what the platform knows of it.
public struct DirectoryEntry: Sendable, Equatable {
    public var organisationID: UUID
    public var reference: String
    public var nameZh: String
    public var nameEn: String
    /// Its rating while unexpired (3 = 3A).
    public var rating: Int?
    public var stage: IncubationStage?
    /// Contracts signed or completed as the supplier.
    public var contracts: Int
    /// The grades of its latest final evaluations (优/良/中/差), newest first, five at most.
    public var grades: [String]
    /// On the serious-dishonesty list today: it cannot bid.
    public var barred: Bool
    /// The catalogue codes its active offers name.
    public var offers: [String]
    /// Service users' survey answers over its contracts, and how many of them rated 4 or 5 of 5 (satisfied).
    public var answers: Int = 0
    public var satisfiedAnswers: Int = 0
    /// The share satisfied in hundredths of a percent (9500 = 95.00 %); nil before any answer.
    public var satisfied: Int? { answers == 0 ? nil : satisfiedAnswers * 10_000 / answers }
}

/// The public directory of approved social organisations and their offers. Reads the other modules' tables as a read
/// model of public facts (ratings, listings, contracts, final grades, incubation stage), in one query per page.
public struct SupplierDirectory: Sendable {
    let database: Database
    let identity: IdentityService

    public init(database: Database, identity: IdentityService) {
        self.database = database
        self.identity = identity
    }

    public func search(_ query: DirectoryQuery) async throws -> [DirectoryEntry] {
        var check = Validator()
        if let rating = query.minimumRating { check.check((1...5).contains(rating), "minimumRating", "must be 1 to 5 (1A to 5A)") }
        let text = query.text.map { check.text($0, "q", max: 100, required: false) }.flatMap { $0.isEmpty ? nil : $0 }
        let code = query.itemCode.map { check.text($0, "code", max: 40, required: false) }.flatMap { $0.isEmpty ? nil : $0 }
        check.check((1...200).contains(query.limit), "limit", "must be between 1 and 200")
        try check.finish()
        var area: [UUID]?
        if let areaCode = query.areaCode?.trimmingCharacters(in: .whitespaces), !areaCode.isEmpty {
            guard let jurisdiction = try await identity.jurisdiction(code: areaCode) else {
                throw DomainError.invalid([FieldError("area", "no jurisdiction has code \(areaCode)")])
            }
            area = jurisdiction.path
        }
        let today = identity.today()
        return try await database.read { [area] connection in
            try await DirectoryStore(connection: connection, logger: database.logger)
                .search(code: code, area: area, minimumRating: query.minimumRating, stage: query.stage?.rawValue, text: text,
                        after: query.after, limit: query.limit, today: today)
        }
    }
}

struct DirectoryStore {
    let connection: PostgresConnection
    let logger: Logger

    /// Approved social organisations in name order (keyset on name and id), filtered by their active offers (code, area),
    /// unexpired rating, current stage and name. `%` and `_` in the text are matched as themselves.
    func search(code: String?, area: [UUID]?, minimumRating: Int?, stage: String?, text: String?, after: UUID?, limit: Int,
                today: String) async throws -> [DirectoryEntry] {
        let pattern = text.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%" }
        var query = PostgresQuery(unsafeSQL: """
            SELECT o.id, o.reference, o.name_zh, o.name_en,
                   CASE WHEN r.expires_on >= $8::date THEN r.level END,
                   p.stage,
                   (SELECT count(*)::int FROM delivery.contracts c WHERE c.supplier_id = o.id AND c.status IN ('signed', 'completed')),
                   array(SELECT e.grade FROM delivery.evaluations e JOIN delivery.contracts c ON c.id = e.contract_id
                         WHERE c.supplier_id = o.id AND e.phase = 'ex_post' ORDER BY e.evaluated_at DESC LIMIT 5),
                   EXISTS (SELECT 1 FROM identity.violations v WHERE v.organisation_id = o.id AND v.kind = 'serious_dishonesty'
                           AND v.occurred_on <= $8::date AND (v.ends_on IS NULL OR v.ends_on >= $8::date)),
                   array(SELECT DISTINCT f.item_code FROM tendering.supplier_offers f WHERE f.organisation_id = o.id AND f.withdrawn_at IS NULL
                         ORDER BY f.item_code),
                   s.answers, s.satisfied
            FROM identity.organisations o
            LEFT JOIN LATERAL (SELECT count(*)::int AS answers, (count(*) FILTER (WHERE a.rating >= 4))::int AS satisfied
                               FROM delivery.contracts c JOIN delivery.survey_answers a ON a.contract_id = c.id WHERE c.supplier_id = o.id) s ON true
            LEFT JOIN LATERAL (SELECT level, expires_on FROM identity.ratings WHERE organisation_id = o.id ORDER BY awarded_on DESC LIMIT 1) r ON true
            LEFT JOIN incubation.placements p ON p.organisation_id = o.id AND p.left_at IS NULL
            WHERE o.kind = 'social_organisation' AND o.status = 'approved'
              AND ($1::text IS NULL AND $2::uuid[] IS NULL
                   OR EXISTS (SELECT 1 FROM tendering.supplier_offers f WHERE f.organisation_id = o.id AND f.withdrawn_at IS NULL
                              AND ($1::text IS NULL OR f.item_code = $1) AND ($2::uuid[] IS NULL OR f.areas && $2::uuid[])))
              AND ($3::int IS NULL OR (r.level >= $3 AND r.expires_on >= $8::date))
              AND ($4::text IS NULL OR p.stage = $4)
              AND ($5::text IS NULL OR o.search_grams @> catalogue.grams($9) AND (o.name_zh ILIKE $5 OR o.name_en ILIKE $5))
              AND ($6::uuid IS NULL OR (o.name_zh, o.id) > (SELECT name_zh, id FROM identity.organisations WHERE id = $6))
            ORDER BY o.name_zh, o.id LIMIT $7
            """)
        query.binds.append(code)
        query.binds.append(area)
        query.binds.append(minimumRating)
        query.binds.append(stage)
        query.binds.append(pattern)
        query.binds.append(after)
        query.binds.append(limit)
        query.binds.append(today)
        query.binds.append(text)
        var result: [DirectoryEntry] = []
        for try await (id, reference, nameZh, nameEn, rating, stage, contracts, grades, barred, offers, answers, satisfied)
            in try await connection.query(query, logger: logger)
            .decode((UUID, String, String, String, Int?, String?, Int, [String], Bool, [String], Int, Int).self) {
            result.append(DirectoryEntry(organisationID: id, reference: reference, nameZh: nameZh, nameEn: nameEn, rating: rating,
                                         stage: stage.flatMap(IncubationStage.init(rawValue:)), contracts: contracts, grades: grades,
                                         barred: barred, offers: offers, answers: answers, satisfiedAnswers: satisfied))
        }
        return result
    }
}
