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
        return try await database.transaction { connection in
            try await store(connection).insert(opened, authorID: actor.userID)
            try await audit(connection, actor, "monitoring.opened", opened.id, title)
            return opened
        }
    }

    /// A post: the buyer's staff respond (the case becomes "responded"); the overseers write back.
    public func post(by actor: Actor, caseID: UUID, text: String) async throws -> MonitoringCase {
        var check = Validator()
        let text = check.text(text, "text", max: 4000)
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let found = try await store.lockedCase(caseID) else { throw DomainError.notFound("no monitoring case has id \(caseID.lowercased)") }
            let side = try await self.side(of: actor, in: found)
            guard found.status != .closed else { throw DomainError.conflict("the case is closed") }
            try await store.insertPost(caseID: caseID, authorID: actor.userID, post: CasePost(authorName: actor.displayName, side: side, text: text, postedAt: clock.now()))
            if side == "buyer" { try await store.setStatus(caseID, .responded, outcome: nil, closedAt: nil) }
            try await audit(connection, actor, "monitoring.posted", caseID, side)
            return try await store.lockedCase(caseID)!
        }
    }

    public func close(by actor: Actor, caseID: UUID, outcome: String) async throws -> MonitoringCase {
        var check = Validator()
        let outcome = check.text(outcome, "outcome", max: 4000)
        check.check(outcome.count >= 10 || outcome.isEmpty, "outcome", "say what was found in at least 10 characters")
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let found = try await store.lockedCase(caseID) else { throw DomainError.notFound("no monitoring case has id \(caseID.lowercased)") }
            try Policy.authorize(actor, .monitor, try await identity.resource(of: found.buyerID))
            guard found.status != .closed else { throw DomainError.conflict("the case is closed already") }
            guard found.status == .responded else { throw DomainError.conflict("the buyer has not responded yet: a case closes after the buyer's response") }
            try await store.setStatus(caseID, .closed, outcome: outcome, closedAt: clock.now())
            try await audit(connection, actor, "monitoring.closed", caseID, outcome)
            return try await store.lockedCase(caseID)!
        }
    }

    /// One case, for its buyer's staff and the overseers who may monitor that buyer.
    public func monitoringCase(id: UUID, by actor: Actor) async throws -> MonitoringCase {
        guard let found = try await database.read({ try await store($0).monitoringCase(id) }) else {
            throw DomainError.notFound("no monitoring case has id \(id.lowercased)")
        }
        _ = try await side(of: actor, in: found)
        return found
    }

    /// The cases an actor takes part in: a buyer's own, or those of the buyers an overseer monitors.
    public func cases(for actor: Actor) async throws -> [MonitoringCase] {
        var result: [MonitoringCase] = []
        for found in try await database.read({ try await store($0).cases() }) where (try? await side(of: actor, in: found)) != nil {
            result.append(found)
        }
        return result
    }

    private func side(of actor: Actor, in found: MonitoringCase) async throws -> String {
        if actor.organisationID == found.buyerID && actor.has(.buyer) { return "buyer" }
        if Policy.decide(actor, .monitor, try await identity.resource(of: found.buyerID)) == .allow { return "overseer" }
        throw DomainError.forbidden("only the buyer's staff and its overseers take part in a monitoring case")
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
    func cases() async throws -> [MonitoringCase] { try await cases(id: nil, lock: false) }

    private func cases(id: UUID?, lock: Bool) async throws -> [MonitoringCase] {
        var result: [MonitoringCase] = []
        for try await row in try await connection.query("""
            SELECT id, buyer_id, subject_type, subject_id, evidence, title, status, opened_by, opened_at, closed_at, outcome
            FROM transparency.cases WHERE (\(id)::uuid IS NULL OR id = \(id)) ORDER BY opened_at DESC, id \(unescaped: lock ? "FOR UPDATE" : "")
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
