import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of the ledger, and nothing else.
struct LedgerStore {
    let connection: PostgresConnection
    let logger: Logger

    /// Makes sure the line has a row, then locks it: every write to one line goes one after the other.
    func lockLine(_ lineID: UUID, buyerID: UUID, budget: Money) async throws -> BudgetLineBalance {
        try await connection.query("""
            INSERT INTO payments.budget_lines (line_id, buyer_id, budget_fen) VALUES (\(lineID), \(buyerID), \(budget.minorUnits))
            ON CONFLICT (line_id) DO NOTHING
            """, logger: logger)
        return try await balances("""
            SELECT line_id, buyer_id, budget_fen, committed_fen, paid_fen FROM payments.budget_lines WHERE line_id = \(lineID) FOR UPDATE
            """).first!
    }

    func balance(_ lineID: UUID, forUpdate: Bool = false) async throws -> BudgetLineBalance? {
        try await balances("""
            SELECT line_id, buyer_id, budget_fen, committed_fen, paid_fen FROM payments.budget_lines WHERE line_id = \(lineID)
            \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """).first
    }

    func balances(_ lineIDs: [UUID]) async throws -> [BudgetLineBalance] {
        try await balances("""
            SELECT line_id, buyer_id, budget_fen, committed_fen, paid_fen FROM payments.budget_lines WHERE line_id = ANY(\(lineIDs))
            """)
    }

    private func balances(_ query: PostgresQuery) async throws -> [BudgetLineBalance] {
        var result: [BudgetLineBalance] = []
        for try await (line, buyer, budget, committed, paid) in try await connection.query(query, logger: logger).decode((UUID, UUID, Int64, Int64, Int64).self) {
            result.append(BudgetLineBalance(lineID: line, buyerID: buyer, budget: Money(minorUnits: budget), committed: Money(minorUnits: committed),
                                            paid: Money(minorUnits: paid)))
        }
        return result
    }

    /// Moves the line's running totals by these amounts (and takes its current budget).
    func adjust(_ lineID: UUID, budget: Money? = nil, committed: Int64 = 0, paid: Int64 = 0) async throws {
        try await connection.query("""
            UPDATE payments.budget_lines SET budget_fen = coalesce(\(budget?.minorUnits), budget_fen),
                committed_fen = committed_fen + \(committed), paid_fen = paid_fen + \(paid)
            WHERE line_id = \(lineID)
            """, logger: logger)
    }

    // MARK: Commitments

    private static let commitmentColumns = "id, line_id, purpose, source_id, amount_fen, paid_fen, committed_at"

    func commitment(id: UUID) async throws -> Commitment? {
        try await commitments("SELECT \(unescaped: Self.commitmentColumns) FROM payments.commitments WHERE id = \(id)").first
    }

    func commitments(lineID: UUID) async throws -> [Commitment] {
        try await commitments("SELECT \(unescaped: Self.commitmentColumns) FROM payments.commitments WHERE line_id = \(lineID) ORDER BY committed_at, id")
    }

    private func commitments(_ query: PostgresQuery) async throws -> [Commitment] {
        var result: [Commitment] = []
        for try await (id, line, purpose, source, amount, paid, at) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, String, UUID, Int64, Int64, Date).self) {
            result.append(Commitment(id: id, lineID: line, purpose: Commitment.Purpose(rawValue: purpose) ?? .contract, sourceID: source,
                                     amount: Money(minorUnits: amount), paid: Money(minorUnits: paid), committedAt: at))
        }
        return result
    }

    func insert(_ c: Commitment) async throws {
        try await connection.query("""
            INSERT INTO payments.commitments (id, line_id, purpose, source_id, amount_fen, paid_fen, committed_at)
            VALUES (\(c.id), \(c.lineID), \(c.purpose.rawValue), \(c.sourceID), \(c.amount.minorUnits), \(c.paid.minorUnits), \(c.committedAt))
            """, logger: logger)
    }

    func setCommitment(_ id: UUID, amount: Money, paid: Money) async throws {
        try await connection.query("""
            UPDATE payments.commitments SET amount_fen = \(amount.minorUnits), paid_fen = \(paid.minorUnits) WHERE id = \(id)
            """, logger: logger)
    }

    // MARK: Disbursements

    private static let disbursementColumns = "id, commitment_id, line_id, amount_fen, treasury_reference, paid_on::text, recorded_by, recorded_at"

    func disbursement(lineID: UUID, reference: String) async throws -> Disbursement? {
        try await disbursements("""
            SELECT \(unescaped: Self.disbursementColumns) FROM payments.disbursements WHERE line_id = \(lineID) AND treasury_reference = \(reference)
            """).first
    }

    func disbursements(commitmentID: UUID) async throws -> [Disbursement] {
        try await disbursements("""
            SELECT \(unescaped: Self.disbursementColumns) FROM payments.disbursements WHERE commitment_id = \(commitmentID) ORDER BY paid_on, recorded_at
            """)
    }

    private func disbursements(_ query: PostgresQuery) async throws -> [Disbursement] {
        var result: [Disbursement] = []
        for try await (id, commitment, line, amount, reference, paidOn, by, at) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID, Int64, String, String, UUID, Date).self) {
            result.append(Disbursement(id: id, commitmentID: commitment, lineID: line, amount: Money(minorUnits: amount), treasuryReference: reference,
                                       paidOn: paidOn, recordedBy: by, recordedAt: at))
        }
        return result
    }

    func disbursement(id: UUID) async throws -> Disbursement? {
        try await disbursements("SELECT \(unescaped: Self.disbursementColumns) FROM payments.disbursements WHERE id = \(id)").first
    }

    func redate(disbursementID: UUID, paidOn: String) async throws {
        try await connection.query("UPDATE payments.disbursements SET paid_on = \(paidOn)::date WHERE id = \(disbursementID)", logger: logger)
    }

    func insert(_ d: Disbursement) async throws {
        try await connection.query("""
            INSERT INTO payments.disbursements (id, commitment_id, line_id, amount_fen, treasury_reference, paid_on, recorded_by, recorded_at)
            VALUES (\(d.id), \(d.commitmentID), \(d.lineID), \(d.amount.minorUnits), \(d.treasuryReference), \(d.paidOn)::date, \(d.recordedBy), \(d.recordedAt))
            """, logger: logger)
    }

    // MARK: Refunds

    func refund(lineID: UUID, reference: String) async throws -> Refund? {
        for try await (id, commitment, amount, on, by, at) in try await connection.query("""
            SELECT id, commitment_id, amount_fen, received_on::text, recorded_by, recorded_at FROM payments.refunds
            WHERE line_id = \(lineID) AND treasury_reference = \(reference)
            """, logger: logger).decode((UUID, UUID, Int64, String, UUID, Date).self) {
            return Refund(id: id, commitmentID: commitment, lineID: lineID, amount: Money(minorUnits: amount), treasuryReference: reference,
                          receivedOn: on, recordedBy: by, recordedAt: at)
        }
        return nil
    }

    func insert(_ r: Refund) async throws {
        try await connection.query("""
            INSERT INTO payments.refunds (id, commitment_id, line_id, amount_fen, treasury_reference, received_on, recorded_by, recorded_at)
            VALUES (\(r.id), \(r.commitmentID), \(r.lineID), \(r.amount.minorUnits), \(r.treasuryReference), \(r.receivedOn)::date, \(r.recordedBy), \(r.recordedAt))
            """, logger: logger)
    }

    /// Lines whose running totals disagree with their commitments and disbursements (empty when the ledger balances).
    func unbalancedLines() async throws -> [UUID] {
        var result: [UUID] = []
        for try await id in try await connection.query("""
            SELECT l.line_id FROM payments.budget_lines l
            LEFT JOIN (SELECT line_id, sum(amount_fen) AS committed, sum(paid_fen) AS paid FROM payments.commitments GROUP BY line_id) c USING (line_id)
            LEFT JOIN (SELECT line_id, sum(amount_fen) AS paid FROM payments.disbursements GROUP BY line_id) d USING (line_id)
            LEFT JOIN (SELECT line_id, sum(amount_fen) AS refunded FROM payments.refunds GROUP BY line_id) r USING (line_id)
            WHERE l.committed_fen <> coalesce(c.committed, 0) OR l.paid_fen <> coalesce(c.paid, 0)
               OR l.paid_fen <> coalesce(d.paid, 0) - coalesce(r.refunded, 0)
            """, logger: logger).decode(UUID.self) {
            result.append(id)
        }
        return result
    }
}
