import Core
import Foundation
import Identity
import Logging
import PostgresNIO
import Store

/// A question an overseer puts to a buyer about one of its purchases, and the exchange that follows.
public struct MonitoringCase: Sendable, Equatable {
    public enum Status: String, Sendable { case open, responded, closed }
    public var id: UUID
    public var buyerID: UUID
    public var subjectType: String
    public var subjectID: UUID
    /// The page that shows the evidence.
    public var evidence: String
    public var title: String
    public var status: Status
    public var openedBy: UUID
    public var openedAt: Date
    public var closedAt: Date?
    public var outcome: String?
    public var posts: [CasePost]
    /// What the actor who read the case may do next (the service fills it in for that actor).
    public var may: Set<Step> = []

    /// A step of a case: write in it (the buyer's answer, the overseers' reply) or close it with an outcome.
    public enum Step: String, Sendable, CaseIterable { case post, close }
}

/// A case's subject as its audit trail tells it, with the trail's hash chain checked when it was read.
public struct CaseTrail: Sendable {
    public var monitoringCase: MonitoringCase
    public var entries: [AuditTrailEntry]
    public var report: AuditReport
}

public struct CasePost: Sendable, Equatable {
    public var authorName: String
    /// "overseer" or "buyer".
    public var side: String
    public var text: String
    public var postedAt: Date
}

/// Monitoring cases: open (an overseer of the buyer's jurisdiction) → the buyer's response → closed
/// with an outcome (the overseer). Posts go both ways until it is closed; each step is audited on the case.
public struct MonitoringService: Sendable {
    let database: Database
    let identity: IdentityService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.clock = clock
    }

    /// What a case may be about: the kinds of record the red flags point at.
    public static let subjectTypes: Set<String> = ["tender", "contract", "purchase_line", "organisation"]

    private func store(_ connection: PostgresConnection) -> MonitoringStore { MonitoringStore(connection: connection, logger: database.logger) }

    public func open(by actor: Actor, buyerID: UUID, subjectType: String, subjectID: UUID, evidence: String, title: String, question: String) async throws -> MonitoringCase {
        try Policy.authorize(actor, .monitor, try await identity.resource(of: buyerID))
        var check = Validator()
        let title = check.text(title, "title", max: 300)
        let question = check.text(question, "question", max: 4000)
        check.check(SitePath.isSafe(evidence, maximumLength: 300), "evidence", "must be a page of Spokes")
        check.check(Self.subjectTypes.contains(subjectType), "subjectType", "must be one of \(Self.subjectTypes.sorted().joined(separator: ", "))")
        try check.finish()
        // A case is about one of the buyer's own records: its tender, contract or purchase line, or a supplier it awarded.
        guard try await database.read({ try await store($0).subject(subjectType, subjectID, belongsTo: buyerID) }) else {
            throw DomainError.invalid([FieldError("subjectId", "is not a tender, contract, purchase line or supplier of this buyer")])
        }
        let now = clock.now()
        let opened = MonitoringCase(id: UUID.v7(at: now), buyerID: buyerID, subjectType: subjectType, subjectID: subjectID, evidence: evidence, title: title,
                                    status: .open, openedBy: actor.userID, openedAt: now,
                                    posts: [CasePost(authorName: actor.displayName, side: "overseer", text: question, postedAt: now)])
        let created = try await database.transaction { connection in
            try await store(connection).insert(opened, authorID: actor.userID)
            try await audit(connection, actor, "monitoring.opened", opened.id, title)
            return opened
        }
        return try await withSteps(created, for: actor)
    }

    /// A post: the buyer's staff respond (the case becomes "responded"); the overseers write back.
    public func post(by actor: Actor, caseID: UUID, text: String) async throws -> MonitoringCase {
        var check = Validator()
        let text = check.text(text, "text", max: 4000)
        let checked = check
        let posted = try await database.transaction { connection in
            let store = store(connection)
            guard let found = try await store.lockedCase(caseID) else { throw DomainError.notFound("no monitoring case has id \(caseID.lowercased)") }
            let side = try await self.side(of: actor, in: found)
            // Who may write is decided before what was written is judged.
            try checked.finish()
            guard found.status != .closed else { throw DomainError.conflict("the case is closed") }
            try await store.insertPost(caseID: caseID, authorID: actor.userID, post: CasePost(authorName: actor.displayName, side: side, text: text, postedAt: clock.now()))
            if side == "buyer" { try await store.setStatus(caseID, .responded, outcome: nil, closedAt: nil) }
            try await audit(connection, actor, "monitoring.posted", caseID, side)
            return try await store.lockedCase(caseID)!
        }
        return try await withSteps(posted, for: actor)
    }

    public func close(by actor: Actor, caseID: UUID, outcome: String) async throws -> MonitoringCase {
        var check = Validator()
        let outcome = check.text(outcome, "outcome", max: 4000)
        check.check(outcome.count >= 10 || outcome.isEmpty, "outcome", "say what was found in at least 10 characters")
        let checked = check
        let closed = try await database.transaction { connection in
            let store = store(connection)
            guard let found = try await store.lockedCase(caseID) else { throw DomainError.notFound("no monitoring case has id \(caseID.lowercased)") }
            try Policy.authorize(actor, .monitor, try await identity.resource(of: found.buyerID))
            try checked.finish()
            guard found.status != .closed else { throw DomainError.conflict("the case is closed already") }
            guard found.status == .responded else { throw DomainError.conflict("the buyer has not responded yet: a case closes after the buyer's response") }
            try await store.setStatus(caseID, .closed, outcome: outcome, closedAt: clock.now())
            try await audit(connection, actor, "monitoring.closed", caseID, outcome)
            return try await store.lockedCase(caseID)!
        }
        return try await withSteps(closed, for: actor)
    }

    /// One case, for its buyer's staff and the overseers who may monitor that buyer, with what the actor may do next.
    public func monitoringCase(id: UUID, by actor: Actor?) async throws -> MonitoringCase {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        guard let found = try await database.read({ try await store($0).monitoringCase(id) }) else {
            throw DomainError.notFound("no monitoring case has id \(id.lowercased)")
        }
        return try await withSteps(found, for: actor)
    }

    /// The case with the audit trail of its subject, the hash chain verified now: what both sides of the case look at.
    public func trail(ofCase id: UUID, by actor: Actor?) async throws -> CaseTrail {
        let found = try await monitoringCase(id: id, by: actor)
        let entity = AuditEntity(found.subjectType, found.subjectID)
        let entries = try await database.read { try await AuditLog.trail(of: entity, on: $0, logger: database.logger) }
        return CaseTrail(monitoringCase: found, entries: entries, report: try await AuditVerifier(database: database).verify(entity))
    }

    /// The cases an actor takes part in: a buyer's own, or those of the buyers an overseer monitors (all for
    /// administrators), newest first. Refused to a visitor (401) and to anyone who can take part in none (403).
    /// Keyset paging: at most `limit`, those opened `before` a case (a case that does not exist is no cursor).
    public func cases(for actor: Actor?, before: UUID? = nil, limit: Int = .max) async throws -> [MonitoringCase] {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        let mayMonitor = Policy.decide(actor, .monitor, Resource(jurisdictionPath: actor.jurisdictionPath)) == .allow
        let mayAnswer = Policy.decide(actor, .answerMonitoring, Resource(organisationID: actor.organisationID)) == .allow
        guard mayMonitor || mayAnswer else { throw DomainError.forbidden("only buyers' staff and overseers take part in monitoring cases") }
        var resources: [UUID: Resource] = [:]
        var result: [MonitoringCase] = []
        var cursor: MonitoringCase?
        if let before { cursor = try await database.read { try await store($0).monitoringCase(before) } }
        // Who sees a case is the policy's, case by case: read in batches until the page is full.
        let batch = min(limit, 200)
        while result.count < limit {
            let read = try await database.read { [cursor] in try await store($0).cases(before: cursor, limit: batch) }
            for found in read where result.count < limit {
                if resources[found.buyerID] == nil { resources[found.buyerID] = try await identity.resource(of: found.buyerID) }
                guard Self.side(of: actor, buyer: resources[found.buyerID]!) != nil else { continue }
                result.append(Self.withSteps(found, actor: actor, buyer: resources[found.buyerID]!))
            }
            guard read.count == batch, let last = read.last else { break }
            cursor = last
        }
        return result
    }

    /// The actor's side in a case of the buyer: its own staff answer, overseers of its jurisdiction ask.
    private static func side(of actor: Actor, buyer: Resource) -> String? {
        if Policy.decide(actor, .answerMonitoring, Resource(organisationID: buyer.organisationID)) == .allow { return "buyer" }
        if Policy.decide(actor, .monitor, buyer) == .allow { return "overseer" }
        return nil
    }

    private func side(of actor: Actor, in found: MonitoringCase) async throws -> String {
        guard let side = Self.side(of: actor, buyer: try await identity.resource(of: found.buyerID)) else {
            throw DomainError.forbidden("only the buyer's staff and its overseers take part in a monitoring case")
        }
        return side
    }

    /// The case with what the actor may do next: both sides write until it is closed; an overseer closes it
    /// once the buyer has answered.
    private func withSteps(_ found: MonitoringCase, for actor: Actor) async throws -> MonitoringCase {
        let buyer = try await identity.resource(of: found.buyerID)
        guard Self.side(of: actor, buyer: buyer) != nil else {
            throw DomainError.forbidden("only the buyer's staff and its overseers take part in a monitoring case")
        }
        return Self.withSteps(found, actor: actor, buyer: buyer)
    }

    private static func withSteps(_ found: MonitoringCase, actor: Actor, buyer: Resource) -> MonitoringCase {
        var result = found
        result.may = []
        if found.status != .closed { result.may.insert(.post) }
        if found.status == .responded && Policy.decide(actor, .monitor, buyer) == .allow { result.may.insert(.close) }
        return result
    }

    private func audit(_ connection: PostgresConnection, _ actor: Actor, _ action: String, _ caseID: UUID, _ note: String) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("monitoring_case", caseID), before: nil as String?, after: note, at: clock.now())
    }
}

struct MonitoringStore {
    let connection: PostgresConnection
    let logger: Logger

    /// Whether the record is the buyer's own (a supplier counts when the buyer awarded it a lot).
    func subject(_ type: String, _ id: UUID, belongsTo buyerID: UUID) async throws -> Bool {
        let rows = switch type {
        case "tender": try await connection.query("SELECT 1 FROM tendering.tenders WHERE id = \(id) AND buyer_id = \(buyerID)", logger: logger)
        case "contract": try await connection.query("SELECT 1 FROM delivery.contracts WHERE id = \(id) AND buyer_id = \(buyerID)", logger: logger)
        case "purchase_line": try await connection.query("SELECT 1 FROM tendering.purchase_lines WHERE id = \(id) AND buyer_id = \(buyerID)", logger: logger)
        case "organisation":
            try await connection.query("""
                SELECT 1 FROM tendering.awards a JOIN tendering.tenders t ON t.id = a.tender_id
                WHERE a.supplier_id = \(id) AND t.buyer_id = \(buyerID) LIMIT 1
                """, logger: logger)
        default: try await connection.query("SELECT 1 WHERE false", logger: logger)
        }
        for try await _ in rows { return true }
        return false
    }

    func insert(_ c: MonitoringCase, authorID: UUID) async throws {
        try await connection.query("""
            INSERT INTO transparency.cases (id, buyer_id, subject_type, subject_id, evidence, title, status, opened_by, opened_at)
            VALUES (\(c.id), \(c.buyerID), \(c.subjectType), \(c.subjectID), \(c.evidence), \(c.title), \(c.status.rawValue), \(c.openedBy), \(c.openedAt))
            """, logger: logger)
        for post in c.posts { try await insertPost(caseID: c.id, authorID: authorID, post: post) }
    }

    func insertPost(caseID: UUID, authorID: UUID, post: CasePost) async throws {
        try await connection.query("""
            INSERT INTO transparency.case_posts (id, case_id, author_id, author_name, side, text, posted_at)
            VALUES (\(UUID.v7(at: post.postedAt)), \(caseID), \(authorID), \(post.authorName), \(post.side), \(post.text), \(post.postedAt))
            """, logger: logger)
    }

    func setStatus(_ id: UUID, _ status: MonitoringCase.Status, outcome: String?, closedAt: Date?) async throws {
        try await connection.query("""
            UPDATE transparency.cases SET status = \(status.rawValue), outcome = coalesce(\(outcome), outcome), closed_at = coalesce(\(closedAt), closed_at)
            WHERE id = \(id)
            """, logger: logger)
    }

    func lockedCase(_ id: UUID) async throws -> MonitoringCase? { try await cases(id: id, lock: true).first }
    func monitoringCase(_ id: UUID) async throws -> MonitoringCase? { try await cases(id: id, lock: false).first }
    /// Newest first, those opened before the cursor when given.
    func cases(before cursor: MonitoringCase?, limit: Int) async throws -> [MonitoringCase] {
        try await cases(id: nil, lock: false, before: cursor, limit: limit)
    }

    private func cases(id: UUID?, lock: Bool, before cursor: MonitoringCase? = nil, limit: Int? = nil) async throws -> [MonitoringCase] {
        var result: [MonitoringCase] = []
        for try await row in try await connection.query("""
            SELECT id, buyer_id, subject_type, subject_id, evidence, title, status, opened_by, opened_at, closed_at, outcome
            FROM transparency.cases WHERE (\(id)::uuid IS NULL OR id = \(id))
              AND (\(cursor?.id)::uuid IS NULL OR (opened_at, id) < (\(cursor?.openedAt)::timestamptz, \(cursor?.id)::uuid))
            ORDER BY opened_at DESC, id DESC LIMIT \(limit) \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger) {
            let (caseID, buyer, type, subject, evidence, title, status, by, at, closed, outcome) =
                try row.decode((UUID, UUID, String, UUID, String, String, String, UUID, Date, Date?, String?).self)
            result.append(MonitoringCase(id: caseID, buyerID: buyer, subjectType: type, subjectID: subject, evidence: evidence, title: title,
                                         status: MonitoringCase.Status(rawValue: status)!, openedBy: by, openedAt: at, closedAt: closed, outcome: outcome, posts: []))
        }
        guard !result.isEmpty else { return [] }
        var posts: [UUID: [CasePost]] = [:]
        for try await (caseID, name, side, text, at) in try await connection.query("""
            SELECT case_id, author_name, side, text, posted_at FROM transparency.case_posts WHERE case_id = ANY(\(result.map(\.id))) ORDER BY posted_at, id
            """, logger: logger).decode((UUID, String, String, String, Date).self) {
            posts[caseID, default: []].append(CasePost(authorName: name, side: side, text: text, postedAt: at))
        }
        return result.map { var found = $0; found.posts = posts[$0.id] ?? []; return found }
    }
}
