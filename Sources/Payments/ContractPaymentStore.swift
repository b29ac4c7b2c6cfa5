import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of contract payments: rate cards, claims, recoveries.
struct ContractPaymentStore {
    let connection: PostgresConnection
    let logger: Logger

    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    // MARK: Rate cards

    func upsert(_ card: RateCard) async throws {
        let prices = String(decoding: try encoder.encode(card.prices), as: UTF8.self)
        try await connection.query("""
            INSERT INTO payments.rate_cards (contract_id, maximum_fen, delivery_fee_bp, cap_per_beneficiary_fen, partial_rule, prices, set_by, set_at)
            VALUES (\(card.contractID), \(card.maximum.minorUnits), \(card.deliveryFeeBasisPoints), \(card.capPerBeneficiary?.minorUnits),
                \(card.partialRule.rawValue), \(prices)::jsonb, \(card.setBy), \(card.setAt))
            ON CONFLICT (contract_id) DO UPDATE SET maximum_fen = EXCLUDED.maximum_fen, delivery_fee_bp = EXCLUDED.delivery_fee_bp,
                cap_per_beneficiary_fen = EXCLUDED.cap_per_beneficiary_fen, partial_rule = EXCLUDED.partial_rule, prices = EXCLUDED.prices,
                set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
            """, logger: logger)
    }

    func rateCard(of contractID: UUID) async throws -> RateCard? {
        for try await (maximum, fee, cap, rule, prices, by, at) in try await connection.query("""
            SELECT maximum_fen, delivery_fee_bp, cap_per_beneficiary_fen, partial_rule, prices::text, set_by, set_at
            FROM payments.rate_cards WHERE contract_id = \(contractID)
            """, logger: logger).decode((Int64, Int, Int64?, String, String, UUID, Date).self) {
            return RateCard(contractID: contractID, maximum: Money(minorUnits: maximum), deliveryFeeBasisPoints: fee,
                            capPerBeneficiary: cap.map { Money(minorUnits: $0) }, partialRule: RateCard.PartialRule(rawValue: rule)!,
                            prices: try decoder.decode([RateCard.Price].self, from: Data(prices.utf8)), setBy: by, setAt: at)
        }
        return nil
    }

    // MARK: Claims

    private static let claimColumns = """
        id, contract_id, number, amount_fen, earned_fen, explanation::text, status, claimed_by, claimed_at, decided_by, decided_at, rejection_reason,
        disbursement_id, treasury_reference, paid_on::text, idempotency_key
        """

    func insert(_ c: Claim) async throws {
        try await connection.query("""
            INSERT INTO payments.claims (id, contract_id, number, amount_fen, earned_fen, explanation, status, claimed_by, claimed_at)
            VALUES (\(c.id), \(c.contractID), \(c.number), \(c.amount.minorUnits), \(c.earned.minorUnits),
                \(String(decoding: try encoder.encode(c.explanation), as: UTF8.self))::jsonb, \(c.status.rawValue), \(c.claimedBy), \(c.claimedAt))
            """, logger: logger)
    }

    func update(_ c: Claim) async throws {
        try await connection.query("""
            UPDATE payments.claims SET status = \(c.status.rawValue), decided_by = \(c.decidedBy), decided_at = \(c.decidedAt),
                rejection_reason = \(c.rejectionReason), disbursement_id = \(c.disbursementID), treasury_reference = \(c.treasuryReference),
                paid_on = \(c.paidOn)::date, idempotency_key = \(c.idempotencyKey)
            WHERE id = \(c.id)
            """, logger: logger)
    }

    func claim(id: UUID) async throws -> Claim? {
        try await claims("SELECT \(unescaped: Self.claimColumns) FROM payments.claims WHERE id = \(id)").first
    }

    func claims(of contractID: UUID) async throws -> [Claim] { try await claims(of: [contractID]) }

    func claims(of contractIDs: [UUID]) async throws -> [Claim] {
        try await claims("SELECT \(unescaped: Self.claimColumns) FROM payments.claims WHERE contract_id = ANY(\(contractIDs)) ORDER BY contract_id, number")
    }

    /// The contracts with a claim recorded as paid on a day (of `timeZone`) before the day it was claimed.
    func contractsPaidBeforeClaimed(timeZone: String) async throws -> [UUID] {
        var result: [UUID] = []
        for try await id in try await connection.query("""
            SELECT DISTINCT contract_id FROM payments.claims
            WHERE status = 'paid' AND paid_on < (claimed_at AT TIME ZONE \(timeZone))::date ORDER BY contract_id
            """, logger: logger).decode(UUID.self) {
            result.append(id)
        }
        return result
    }

    func claim(contractID: UUID, idempotencyKey: String) async throws -> Claim? {
        try await claims("""
            SELECT \(unescaped: Self.claimColumns) FROM payments.claims WHERE contract_id = \(contractID) AND idempotency_key = \(idempotencyKey)
            """).first
    }

    /// Claims waiting for a decision or a payment, of the given contracts.
    func openClaims(contractIDs: [UUID]) async throws -> [Claim] {
        try await claims("""
            SELECT \(unescaped: Self.claimColumns) FROM payments.claims
            WHERE contract_id = ANY(\(contractIDs)) AND status IN ('claimed', 'approved') ORDER BY claimed_at
            """)
    }

    private func claims(_ query: PostgresQuery) async throws -> [Claim] {
        var result: [Claim] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, contract, number, amount, earned, explanation, status, by, at, decidedBy, decidedAt, rejection, disbursement, reference, paidOn, key) =
                try row.decode((UUID, UUID, Int, Int64, Int64, String, String, UUID, Date, UUID?, Date?, String?, UUID?, String?, String?, String?).self)
            result.append(Claim(id: id, contractID: contract, number: number, amount: Money(minorUnits: amount), earned: Money(minorUnits: earned),
                                explanation: try decoder.decode([CalculationLine].self, from: Data(explanation.utf8)), status: ClaimStatus(rawValue: status)!,
                                claimedBy: by, claimedAt: at, decidedBy: decidedBy, decidedAt: decidedAt, rejectionReason: rejection,
                                disbursementID: disbursement, treasuryReference: reference, paidOn: paidOn, idempotencyKey: key))
        }
        return result
    }

    // MARK: Recoveries

    func insert(_ r: Recovery) async throws {
        try await connection.query("""
            INSERT INTO payments.recoveries (id, contract_id, claim_id, signoff_id, amount_fen, reason, status, created_at)
            VALUES (\(r.id), \(r.contractID), \(r.claimID), \(r.signOffID), \(r.amount.minorUnits), \(r.reason), \(r.status.rawValue), \(r.createdAt))
            """, logger: logger)
    }

    func update(_ r: Recovery) async throws {
        try await connection.query("""
            UPDATE payments.recoveries SET status = \(r.status.rawValue), refund_id = \(r.refundID), settled_at = \(r.settledAt) WHERE id = \(r.id)
            """, logger: logger)
    }

    func recoveries(of contractID: UUID) async throws -> [Recovery] { try await recoveries(of: [contractID]) }

    func recoveries(of contractIDs: [UUID]) async throws -> [Recovery] {
        try await recoveries("""
            SELECT id, contract_id, claim_id, signoff_id, amount_fen, reason, status, created_at, refund_id, settled_at
            FROM payments.recoveries WHERE contract_id = ANY(\(contractIDs)) ORDER BY created_at, id
            """)
    }

    func recovery(id: UUID) async throws -> Recovery? {
        try await recoveries("""
            SELECT id, contract_id, claim_id, signoff_id, amount_fen, reason, status, created_at, refund_id, settled_at
            FROM payments.recoveries WHERE id = \(id)
            """).first
    }

    private func recoveries(_ query: PostgresQuery) async throws -> [Recovery] {
        var result: [Recovery] = []
        for try await (id, contract, claim, signOff, amount, reason, status, at, refund, settled) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID, UUID, Int64, String, String, Date, UUID?, Date?).self) {
            result.append(Recovery(id: id, contractID: contract, claimID: claim, signOffID: signOff, amount: Money(minorUnits: amount), reason: reason,
                                   status: RecoveryStatus(rawValue: status)!, createdAt: at, refundID: refund, settledAt: settled))
        }
        return result
    }
}
