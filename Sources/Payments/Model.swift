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
