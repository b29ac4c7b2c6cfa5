import Core
import Foundation

/// A budget line as the ledger sees it: what its buyer budgeted, what is promised against it and
/// what has left the treasury. Always paid ≤ committed ≤ budget.
public struct BudgetLineBalance: Codable, Sendable, Equatable {
    public var lineID: UUID
    public var buyerID: UUID
    public var budget: Money
    public var committed: Money
    public var paid: Money
    public var uncommitted: Money { Money(minorUnits: budget.minorUnits - committed.minorUnits) }
}

/// Part of a budget line reserved for one purpose (专款专用): money for it is paid only from that line.
public struct Commitment: Codable, Sendable, Equatable {
    public enum Purpose: String, Codable, Sendable {
        case seedGrant = "seed_grant"
        case contract
    }
    public var id: UUID
    public var lineID: UUID
    public var purpose: Purpose
    /// The grant or contract the money is for.
    public var sourceID: UUID
    public var amount: Money
    public var paid: Money
    public var committedAt: Date
}

/// Money paid from a commitment, as the treasury recorded it.
public struct Disbursement: Codable, Sendable, Equatable {
    public var id: UUID
    public var commitmentID: UUID
    public var lineID: UUID
    public var amount: Money
    /// The treasury's own reference: the same reference on the same line is the same payment.
    public var treasuryReference: String
    /// yyyy-MM-dd
    public var paidOn: String
    public var recordedBy: UUID
    public var recordedAt: Date

    public static func isReference(_ text: String) -> Bool {
        (4...40).contains(text.count) && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
    }
}

public enum ClaimStatus: String, Codable, Sendable, CaseIterable {
    case claimed, approved, paid, rejected
}

/// The supplier's request to be paid what the calculation says is payable now, with the calculation
/// frozen as it stood; the buyer approves (or rejects) it and records the treasury's payment.
public struct Claim: Codable, Sendable, Equatable {
    public var id: UUID
    public var contractID: UUID
    public var number: Int
    public var amount: Money
    public var earned: Money
    public var explanation: [CalculationLine]
    public var status: ClaimStatus
    public var claimedBy: UUID
    public var claimedAt: Date
    public var decidedBy: UUID?
    public var decidedAt: Date?
    public var rejectionReason: String?
    public var disbursementID: UUID?
    public var treasuryReference: String?
    public var paidOn: String?
    public var idempotencyKey: String?
}

public enum RecoveryStatus: String, Codable, Sendable, CaseIterable {
    /// Owed back by the supplier.
    case open
    /// Netted: later verified outcomes earned what had been overpaid.
    case offset
    /// The supplier paid it back into the line.
    case repaid
}

/// Money paid for outcomes that a later correction no longer verifies: recovered against the claim that paid it.
public struct Recovery: Codable, Sendable, Equatable {
    public var id: UUID
    public var contractID: UUID
    public var claimID: UUID
    public var signOffID: UUID
    public var amount: Money
    public var reason: String
    public var status: RecoveryStatus
    public var createdAt: Date
    public var refundID: UUID?
    public var settledAt: Date?
}

/// Money paid back into a line.
public struct Refund: Codable, Sendable, Equatable {
    public var id: UUID
    public var commitmentID: UUID
    public var lineID: UUID
    public var amount: Money
    public var treasuryReference: String
    public var receivedOn: String
    public var recordedBy: UUID
    public var recordedAt: Date
}

/// A payment's day as corrected, with the buyer's reason: what the audit trail keeps of a correction.
public struct PaymentDateCorrection<Payment: Codable & Sendable>: Codable, Sendable {
    public var payment: Payment
    public var reason: String
}
