import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of evaluation panels, scores and price justifications, and nothing else.
struct EvaluationStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Panel

    private static let columns = """
        tender_id, user_id, display_name, organisation_id, status, refusal, declaration, assigned_at, declared_at, submitted_at
        """

    func panel(of tenderID: UUID) async throws -> [PanelMember] {
        try await members("""
            SELECT \(unescaped: Self.columns) FROM tendering.panel_members WHERE tender_id = \(tenderID) ORDER BY assigned_at, user_id
            """)
    }

    /// The seat, locked for update unless only read.
    func member(tenderID: UUID, userID: UUID, forUpdate: Bool = true) async throws -> PanelMember? {
        try await members("""
            SELECT \(unescaped: Self.columns) FROM tendering.panel_members WHERE tender_id = \(tenderID) AND user_id = \(userID)
            \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """).first
    }

    private func members(_ query: PostgresQuery) async throws -> [PanelMember] {
        var result: [PanelMember] = []
        for try await (tender, user, name, organisation, status, refusal, declaration, assigned, declared, submitted) in
            try await connection.query(query, logger: logger)
            .decode((UUID, UUID, String, UUID, String, String?, String?, Date, Date?, Date?).self) {
            result.append(PanelMember(tenderID: tender, userID: user, displayName: name, organisationID: organisation,
                                      status: PanelStatus(rawValue: status) ?? .refused, refusal: refusal, declaration: declaration,
                                      assignedAt: assigned, declaredAt: declared, submittedAt: submitted))
        }
        return result
    }

    func insert(_ member: PanelMember) async throws {
        try await connection.query("""
            INSERT INTO tendering.panel_members (tender_id, user_id, display_name, organisation_id, status, refusal, assigned_at)
            VALUES (\(member.tenderID), \(member.userID), \(member.displayName), \(member.organisationID), \(member.status.rawValue),
                    \(member.refusal), \(member.assignedAt))
            """, logger: logger)
    }

    func update(_ member: PanelMember) async throws {
        try await connection.query("""
            UPDATE tendering.panel_members SET status = \(member.status.rawValue), refusal = \(member.refusal), declaration = \(member.declaration),
                declared_at = \(member.declaredAt), submitted_at = \(member.submittedAt)
            WHERE tender_id = \(member.tenderID) AND user_id = \(member.userID)
            """, logger: logger)
    }

    func delete(_ member: PanelMember) async throws {
        try await connection.query("""
            DELETE FROM tendering.scores WHERE tender_id = \(member.tenderID) AND user_id = \(member.userID)
            """, logger: logger)
        try await connection.query("""
            DELETE FROM tendering.panel_members WHERE tender_id = \(member.tenderID) AND user_id = \(member.userID)
            """, logger: logger)
    }

    /// The tenders on whose panels a user sits, newest seat first.
    func seats(of userID: UUID, limit: Int) async throws -> [UUID] {
        var result: [UUID] = []
        for try await id in try await connection.query("""
            SELECT tender_id FROM tendering.panel_members WHERE user_id = \(userID) ORDER BY assigned_at DESC LIMIT \(limit)
            """, logger: logger).decode(UUID.self) {
            result.append(id)
        }
        return result
    }

    // MARK: Scores

    /// The sheets of the tender's `seated` evaluators (the service decides whose the actor may see).
    func sheets(of tenderID: UUID, seated: [PanelMember]) async throws -> [ScoreSheet] {
        var entries: [UUID: [ScoreEntry]] = [:]
        for try await (user, bid, criterion, hundredths, comment) in try await connection.query("""
            SELECT user_id, bid_id, criterion, hundredths, comment FROM tendering.scores WHERE tender_id = \(tenderID)
            ORDER BY user_id, bid_id, criterion
            """, logger: logger).decode((UUID, UUID, String, Int, String).self) {
            entries[user, default: []].append(ScoreEntry(bidID: bid, criterion: criterion, points: Points(hundredths: hundredths), comment: comment))
        }
        return seated.map {
            ScoreSheet(userID: $0.userID, entries: entries[$0.userID] ?? [], submittedAt: $0.submittedAt)
        }
    }

    /// Replaces the evaluator's draft entries with `entries`.
    func replaceScores(tenderID: UUID, userID: UUID, _ entries: [ScoreEntry]) async throws {
        try await connection.query("DELETE FROM tendering.scores WHERE tender_id = \(tenderID) AND user_id = \(userID)", logger: logger)
        for entry in entries {
            try await connection.query("""
                INSERT INTO tendering.scores (tender_id, user_id, bid_id, criterion, hundredths, comment)
                VALUES (\(tenderID), \(userID), \(entry.bidID), \(entry.criterion), \(entry.points.hundredths), \(entry.comment))
                """, logger: logger)
        }
    }

    // MARK: Price justifications

    func justifications(of tenderID: UUID) async throws -> [UUID: String] {
        var result: [UUID: String] = [:]
        for try await (bid, text) in try await connection.query("""
            SELECT j.bid_id, j.text FROM tendering.price_justifications j JOIN tendering.bids b ON b.id = j.bid_id
            WHERE b.tender_id = \(tenderID)
            """, logger: logger).decode((UUID, String).self) {
            result[bid] = text
        }
        return result
    }

    func insertJustification(bidID: UUID, text: String, by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO tendering.price_justifications (bid_id, text, written_at, written_by) VALUES (\(bidID), \(text), \(date), \(userID))
            """, logger: logger)
    }
}
