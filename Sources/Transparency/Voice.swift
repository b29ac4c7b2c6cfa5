import Core
import Crypto
import Foundation
import Identity
import Logging
import PostgresNIO
import Store
import Tendering

/// A need a resident proposed for their community, with its support and the purchase lines that answer it.
public struct Need: Sendable, Equatable {
    public var id: UUID
    public var jurisdictionID: UUID
    public var title: String
    public var description: String
    public var proposedAt: Date
    public var supports: Int
    public var answers: [NeedAnswer]
}

public struct NeedAnswer: Sendable, Equatable {
    public var purchaseLineID: UUID
    public var buyerID: UUID
    public var linkedAt: Date
    /// The line's reference and title, and the published tender that took the line up (when one has).
    public var lineReference = ""
    public var lineTitle = ""
    public var tenderID: UUID?
    public var tenderReference: String?
}

/// Residents' voice (民意调查): residents propose needs and support others' without an account; buyers
/// link the purchase lines that answer them. Limits against abuse: every proposal and support carries the
/// token of a voice form this server issued (`AnonymousTokens`: forged or expired 422, each counts once
/// 409), one support per device per need, and a ceiling per network address on proposals and supports an
/// hour, checked and filled under a lock per address in one transaction with the token's use.
public struct VoiceService: Sendable {
    let database: Database
    let identity: IdentityService
    let lists: PurchaseListService
    let tenders: TenderService
    let clock: any SpokesClock

    public static let proposalsPerAddressPerHour = 5
    public static let supportsPerAddressPerHour = 60
    /// The scope a voice form's token is signed for (every form of the voice page).
    static let scope = "voice"

    /// `tenders`: where the public sees which tender took a line up (by default Tendering's service on the same database).
    public init(database: Database, identity: IdentityService, lists: PurchaseListService, tenders: TenderService? = nil, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.lists = lists
        self.tenders = tenders ?? TenderService(database: database, identity: identity, clock: clock)
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> VoiceStore { VoiceStore(connection: connection, logger: database.logger) }
    private static func hash(_ text: String) -> String { Data(SHA256.hash(data: Data(text.utf8))).hexString }

    /// The token that goes with the voice page's forms: for the device of the cookie, or a new device when there is none.
    public func deviceToken(device: UUID?) -> IssuedAnonymousToken {
        identity.anonymousTokens.issue(scope: Self.scope, device: device, at: identity.wallTime)
    }

    /// A resident proposes a need for a jurisdiction (their street or community).
    public func propose(jurisdictionID: UUID, title: String, description: String, deviceToken: String, client: String) async throws -> Need {
        var check = Validator()
        let title = check.text(title, "title", max: 100)
        let description = check.text(description, "description", max: 2000)
        try check.finish()
        guard try await identity.jurisdictions().contains(where: { $0.id == jurisdictionID }) else {
            throw DomainError.invalid([FieldError("jurisdiction", "choose a jurisdiction from the list")])
        }
        let now = clock.now()
        let device = try identity.anonymousTokens.verify(deviceToken, scope: Self.scope, at: identity.wallTime)
        let client = Self.hash(client)
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lock(.proposals, client: client)
            guard try await store.proposals(client: client, since: now.addingTimeInterval(-3600)) < Self.proposalsPerAddressPerHour else {
                throw DomainError(.rateLimited, "too many needs proposed from this address in the last hour; try again later", retryAfter: 3600)
            }
            try await identity.anonymousTokens.redeem(device, on: connection, logger: database.logger, at: now)
            let need = Need(id: UUID.v7(at: now), jurisdictionID: jurisdictionID, title: title, description: description, proposedAt: now, supports: 0, answers: [])
            try await store.insert(need, device: Self.hash(device.deviceKey), client: client)
            return need
        }
    }

    /// A resident supports a need; a device supports a need once (false when it had already).
    public func support(needID: UUID, deviceToken: String, client: String) async throws -> Bool {
        let now = clock.now()
        let device = try identity.anonymousTokens.verify(deviceToken, scope: Self.scope, at: identity.wallTime)
        let client = Self.hash(client)
        return try await database.transaction { connection in
            let store = store(connection)
            guard try await store.need(id: needID) != nil else { throw DomainError.notFound("no need has id \(needID.lowercased)") }
            try await store.lock(.supports, client: client)
            guard try await store.supports(client: client, since: now.addingTimeInterval(-3600)) < Self.supportsPerAddressPerHour else {
                throw DomainError(.rateLimited, "too many supports from this address in the last hour; try again later", retryAfter: 3600)
            }
            try await identity.anonymousTokens.redeem(device, on: connection, logger: database.logger, at: now)
            return try await store.support(needID: needID, device: Self.hash(device.deviceKey), client: client, at: now)
        }
    }

    /// A buyer's staff link one of their purchase lines to a need of their jurisdiction (or one below it) that it answers.
    @discardableResult
    public func link(by actor: Actor, needID: UUID, purchaseLineID: UUID) async throws -> Need {
        let line = try await lists.line(id: purchaseLineID)
        try Policy.authorize(actor, .managePurchaseList, Resource(organisationID: line.buyerID))
        guard let need = try await database.read({ try await store($0).need(id: needID) }) else { throw DomainError.notFound("no need has id \(needID.lowercased)") }
        let needPath = Self.path(of: need.jurisdictionID, in: try await jurisdictionTree())
        guard let buyerJurisdiction = actor.jurisdictionID, needPath.contains(buyerJurisdiction) else {
            throw DomainError.forbidden("the need is outside your jurisdiction: buyers answer the needs of their own area")
        }
        try await database.transaction { connection in
            try await store(connection).link(needID: needID, lineID: purchaseLineID, buyerID: line.buyerID, by: actor.userID, at: clock.now())
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "voice.need_answered",
                                      entity: AuditEntity("purchase_line", purchaseLineID), before: nil as String?, after: needID.lowercased, at: clock.now())
        }
        return try await self.need(id: needID, by: actor)
    }

    /// Needs, most supported first; of a jurisdiction and those below it when given. Public (the policy allows
    /// every reader); each answer names its purchase line and the published tender that took the line up.
    /// Keyset paging: `after` a need, those that follow it in this order now; a need that does not exist is no cursor.
    public func needs(in jurisdictionID: UUID? = nil, by actor: Actor?, limit: Int = 100, after: UUID? = nil) async throws -> [Need] {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        let area = try await area(jurisdictionID)
        return try await explained(try await database.read { connection in
            let store = store(connection)
            var cursor: Need?
            if let after { cursor = try await store.need(id: after) }
            return try await store.needs(jurisdictions: area, after: cursor, limit: limit)
        })
    }

    /// How many needs there are, of a jurisdiction and those below it when given.
    public func needCount(in jurisdictionID: UUID? = nil, by actor: Actor?) async throws -> Int {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        let area = try await area(jurisdictionID)
        return try await database.read { try await store($0).needCount(jurisdictions: area) }
    }

    /// The jurisdiction and every one below it (nil: all of them).
    private func area(_ jurisdictionID: UUID?) async throws -> [UUID]? {
        guard let jurisdictionID else { return nil }
        let jurisdictions = try await jurisdictionTree()
        return jurisdictions.keys.filter { Self.path(of: $0, in: jurisdictions).contains(jurisdictionID) }
    }

    /// One need, as `needs` shows it.
    public func need(id: UUID, by actor: Actor?) async throws -> Need {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        guard let need = try await database.read({ try await store($0).need(id: id) }) else { throw DomainError.notFound("no need has id \(id.lowercased)") }
        return try await explained([need])[0]
    }

    /// The purchase lines the actor may link to needs: its own buyer's lines, newest years first (none for anyone else).
    public func linkableLines(for actor: Actor?, limit: Int = 200) async throws -> [PurchaseLine] {
        guard let actor, Policy.decide(actor, .managePurchaseList, Resource(organisationID: actor.organisationID)) == .allow else { return [] }
        return try await lists.lines(PurchaseLineQuery(buyerID: actor.organisationID, limit: limit))
    }

    /// The answers' lines and the published tenders that took them up.
    private func explained(_ needs: [Need]) async throws -> [Need] {
        let lineIDs = Array(Set(needs.flatMap { $0.answers.map(\.purchaseLineID) }))
        guard !lineIDs.isEmpty else { return needs }
        let lines = Dictionary(try await lists.lines(ids: lineIDs).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let tenders = try await tenders.publishedTenders(takingUp: lineIDs)
        return needs.map { need in
            var need = need
            need.answers = need.answers.map { answer in
                var answer = answer
                answer.lineReference = lines[answer.purchaseLineID]?.content.reference ?? ""
                answer.lineTitle = lines[answer.purchaseLineID]?.content.title ?? ""
                answer.tenderID = tenders[answer.purchaseLineID]?.id
                answer.tenderReference = tenders[answer.purchaseLineID]?.reference
                return answer
            }
            return need
        }
    }

    private func jurisdictionTree() async throws -> [UUID: Jurisdiction] {
        Dictionary(uniqueKeysWithValues: try await identity.jurisdictions().map { ($0.id, $0) })
    }

    /// The jurisdiction and its ancestors.
    private static func path(of jurisdictionID: UUID, in all: [UUID: Jurisdiction]) -> [UUID] {
        var path: [UUID] = []
        var current: UUID? = jurisdictionID
        while let id = current, let jurisdiction = all[id], !path.contains(id) {
            path.append(id)
            current = jurisdiction.parentID
        }
        return path
    }
}

/// The SQL of residents' voice.
struct VoiceStore {
    let connection: PostgresConnection
    let logger: Logger

    /// What a lock per address serialises: its proposals or its supports.
    enum Ceiling: Int32 {
        case proposals = 1900104
        case supports = 1900105
    }

    /// Serialises one address's proposals (or supports): a transaction-scoped advisory lock, classes
    /// 1_900_104 and 1_900_105 of the two-key space, so that the count checked next is the count kept.
    /// Its own statement: the count's snapshot is taken after the lock is held.
    func lock(_ ceiling: Ceiling, client: String) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(ceiling.rawValue), hashtext(\(client)))", logger: logger)
    }

    func insert(_ need: Need, device: String, client: String) async throws {
        try await connection.query("""
            INSERT INTO transparency.needs (id, jurisdiction_id, title, description, device_hash, client_hash, proposed_at)
            VALUES (\(need.id), \(need.jurisdictionID), \(need.title), \(need.description), \(device), \(client), \(need.proposedAt))
            """, logger: logger)
    }

    func proposals(client: String, since: Date) async throws -> Int {
        try await connection.query("SELECT count(*) FROM transparency.needs WHERE client_hash = \(client) AND proposed_at > \(since)", logger: logger)
            .collect()[0].decode(Int.self)
    }

    func supports(client: String, since: Date) async throws -> Int {
        try await connection.query("SELECT count(*) FROM transparency.need_supports WHERE client_hash = \(client) AND supported_at > \(since)", logger: logger)
            .collect()[0].decode(Int.self)
    }

    func support(needID: UUID, device: String, client: String, at date: Date) async throws -> Bool {
        !(try await connection.query("""
            INSERT INTO transparency.need_supports (need_id, device_hash, client_hash, supported_at) VALUES (\(needID), \(device), \(client), \(date))
            ON CONFLICT DO NOTHING RETURNING need_id
            """, logger: logger).collect().isEmpty)
    }

    func link(needID: UUID, lineID: UUID, buyerID: UUID, by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO transparency.need_answers (need_id, purchase_line_id, buyer_id, linked_by, linked_at)
            VALUES (\(needID), \(lineID), \(buyerID), \(userID), \(date)) ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    func need(id: UUID) async throws -> Need? {
        try await needs("""
            SELECT n.id, n.jurisdiction_id, n.title, n.description, n.proposed_at,
                   (SELECT count(*) FROM transparency.need_supports s WHERE s.need_id = n.id)
            FROM transparency.needs n WHERE n.id = \(id)
            """).first
    }

    /// Most supported first, then oldest first, in the jurisdictions when given, after the cursor's place when given.
    func needs(jurisdictions: [UUID]?, after cursor: Need?, limit: Int) async throws -> [Need] {
        try await needs("""
            SELECT id, jurisdiction_id, title, description, proposed_at, supports FROM (
                SELECT n.id, n.jurisdiction_id, n.title, n.description, n.proposed_at,
                       (SELECT count(*) FROM transparency.need_supports s WHERE s.need_id = n.id) AS supports
                FROM transparency.needs n WHERE (\(jurisdictions)::uuid[] IS NULL OR n.jurisdiction_id = ANY(\(jurisdictions)))) n
            WHERE \(cursor?.id)::uuid IS NULL OR supports < \(cursor?.supports)
               OR (supports = \(cursor?.supports) AND (proposed_at, id) > (\(cursor?.proposedAt)::timestamptz, \(cursor?.id)::uuid))
            ORDER BY supports DESC, proposed_at, id LIMIT \(limit)
            """)
    }

    func needCount(jurisdictions: [UUID]?) async throws -> Int {
        for try await count in try await connection.query("""
            SELECT count(*) FROM transparency.needs WHERE \(jurisdictions)::uuid[] IS NULL OR jurisdiction_id = ANY(\(jurisdictions))
            """, logger: logger).decode(Int.self) { return count }
        return 0
    }

    private func needs(_ query: PostgresQuery) async throws -> [Need] {
        var result: [Need] = []
        for try await (id, jurisdiction, title, description, at, supports) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, String, String, Date, Int).self) {
            result.append(Need(id: id, jurisdictionID: jurisdiction, title: title, description: description, proposedAt: at, supports: supports, answers: []))
        }
        guard !result.isEmpty else { return [] }
        var answers: [UUID: [NeedAnswer]] = [:]
        for try await (need, line, buyer, at) in try await connection.query("""
            SELECT need_id, purchase_line_id, buyer_id, linked_at FROM transparency.need_answers WHERE need_id = ANY(\(result.map(\.id))) ORDER BY linked_at
            """, logger: logger).decode((UUID, UUID, UUID, Date).self) {
            answers[need, default: []].append(NeedAnswer(purchaseLineID: line, buyerID: buyer, linkedAt: at))
        }
        return result.map { var need = $0; need.answers = answers[$0.id] ?? []; return need }
    }
}
