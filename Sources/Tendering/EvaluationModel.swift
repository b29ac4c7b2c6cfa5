import Core
import Foundation

/// assigned (no declaration yet) → independent (may score), or refused (tied to the buyer or a
/// bidder, or declared a conflict).
public enum PanelStatus: String, Codable, Sendable, CaseIterable {
    case assigned, independent, refused
}

/// An evaluator's seat on a tender's panel.
public struct PanelMember: Codable, Sendable, Equatable {
    public var tenderID: UUID
    public var userID: UUID
    public var displayName: String
    public var organisationID: UUID
    public var status: PanelStatus
    /// Why the evaluator was refused: the tie found, or the conflict declared.
    public var refusal: String?
    public var declaration: String?
    public var assignedAt: Date
    public var declaredAt: Date?
    /// When the evaluator submitted the scoring sheet; it cannot change afterwards.
    public var submittedAt: Date?

    /// Whether the seat counts: refused evaluators neither score nor hold the evaluation up.
    public var isSeated: Bool { status != .refused }
}

/// One evaluator's points for one bid on one criterion.
public struct ScoreEntry: Codable, Sendable, Equatable {
    public var bidID: UUID
    public var criterion: String
    public var points: Points
    public var comment: String
    public init(bidID: UUID, criterion: String, points: Points, comment: String = "") {
        self.bidID = bidID
        self.criterion = criterion
        self.points = points
        self.comment = comment
    }
}

/// An evaluator's scoring sheet: draft until submitted.
public struct ScoreSheet: Codable, Sendable, Equatable {
    public var userID: UUID
    public var entries: [ScoreEntry]
    public var submittedAt: Date?
}

/// A price flagged as abnormally low (DOMAIN.md §2): ≥ 40 % under the mean of the lot's other bids,
/// or ≥ 30 % under the next price up. The bidder must justify it in writing before it can be awarded.
public struct AbnormalPrice: Codable, Sendable, Equatable {
    /// How far under the others' mean, in whole percent (rounded down), when that rule fired.
    public var percentUnderMean: Int?
    /// How far under the next price up, in whole percent (rounded down), when that rule fired.
    public var percentUnderNext: Int?

    public init(percentUnderMean: Int?, percentUnderNext: Int?) {
        self.percentUnderMean = percentUnderMean
        self.percentUnderNext = percentUnderNext
    }

    public static let underMeanPercent = 40
    public static let underNextPercent = 30

    /// Nil unless `bid`'s price is abnormally low against the other bids of its lot among `bids`.
    public static func check(_ bid: OpenedBid, among bids: [OpenedBid]) -> AbnormalPrice? {
        check(bid.price, against: bids.filter { $0.lotID == bid.lotID && $0.id != bid.id }.map(\.price))
    }

    /// Nil unless `price` is abnormally low against `others` (the lot's other opened prices).
    public static func check(_ price: Money, against others: [Money]) -> AbnormalPrice? {
        guard !others.isEmpty, price.minorUnits > 0 else { return nil }
        // In Int128: a sum of Int64 prices times 100 always fits, so no stored price can trap the check.
        let p = Int128(price.minorUnits)
        let sum = others.reduce(Int128(0)) { $0 + Int128($1.minorUnits) }
        let n = Int128(others.count)
        guard sum > 0 else { return nil }
        // p ≤ (1 − 40 %) × mean  ⇔  100·p·n ≤ 60·sum, in integers
        let underMean = 100 * p * n <= Int128(100 - underMeanPercent) * sum
        let next = others.map { Int128($0.minorUnits) }.filter { $0 >= p }.min()
        let underNext = next.map { 100 * p <= Int128(100 - underNextPercent) * $0 } ?? false
        guard underMean || underNext else { return nil }
        // (100·sum − 100·p·n) ÷ sum is how far under the mean, in percent; integer division rounds down.
        return AbnormalPrice(percentUnderMean: underMean ? Int(clamping: (100 * sum - 100 * p * n) / sum) : nil,
                             percentUnderNext: underNext ? next.map { Int(clamping: (100 * $0 - 100 * p) / $0) } : nil)
    }
}

/// A bid's place in its lot once every seated evaluator has submitted.
public struct RankedBid: Codable, Sendable, Equatable {
    public var bidID: UUID
    public var bidderID: UUID
    public var price: Money
    public var submittedAt: Date
    /// Lowest price in the lot ÷ this price × the price weight.
    public var priceScore: Points
    /// Per criterion: the evaluators' points averaged (highest and lowest dropped with ≥ 5 evaluators).
    public var criterionScores: [String: Points]
    public var qualityScore: Points
    public var total: Points
    /// 1 is the recommended bid.
    public var rank: Int
    public var abnormallyLow: AbnormalPrice?
    /// The bidder's written justification of a flagged price.
    public var justification: String?

    /// Whether the bid may be awarded as it stands: a flagged price needs its justification first.
    public var isAwardable: Bool { abnormallyLow == nil || justification != nil }
}

public struct LotRanking: Codable, Sendable, Equatable {
    public var lotID: UUID
    public var bids: [RankedBid]
    public var recommendedBidID: UUID? { bids.first?.bidID }
}

/// What one supplier won of one buyer's awarded value in one year, beside that year's total and count of awards.
public struct SupplierShare: Sendable, Equatable {
    public var buyerID: UUID
    public var year: Int
    public var supplierID: UUID
    /// In Int128, as a sum of stored values may pass Int64.
    public var won: Int128
    public var buyerTotal: Int128
    public var buyerAwards: Int
    public init(buyerID: UUID, year: Int, supplierID: UUID, won: Int128, buyerTotal: Int128, buyerAwards: Int) {
        self.buyerID = buyerID
        self.year = year
        self.supplierID = supplierID
        self.won = won
        self.buyerTotal = buyerTotal
        self.buyerAwards = buyerAwards
    }
}

/// What the buyer decided for a lot: a bid awarded, or none (the lot unsuccessful), with the reason
/// whenever the decision departs from the evaluation's recommendation.
public struct Award: Codable, Sendable, Equatable {
    public var id: UUID
    public var tenderID: UUID
    public var lotID: UUID
    public var bidID: UUID?
    public var supplierID: UUID?
    public var value: Money?
    public var recommendedBidID: UUID?
    public var reason: String
    public var decidedAt: Date
    /// Set when the tender completes: the award is then a contract draft for the delivery module.
    public var contractReadyAt: Date?
}

public enum ComplaintStatus: String, Codable, Sendable, CaseIterable {
    case claim, answered, escalated, resolved
    /// Open complaints hold the tender in standstill.
    public var isOpen: Bool { self == .claim || self == .escalated }
}

public enum ComplaintOutcome: String, Codable, Sendable, CaseIterable {
    /// The complainant accepted the buyer's answer.
    case accepted
    /// The complainant did not escalate within the window after the answer.
    case lapsed
    /// An overseer found for the complainant (the buyer may then cancel the tender as complaint_upheld).
    case upheld
    /// An overseer found for the buyer.
    case dismissed
}

/// A complaint (质疑) about an award, filed by a bidder during the standstill.
public struct Complaint: Codable, Sendable, Equatable {
    public var id: UUID
    public var tenderID: UUID
    public var lotID: UUID?
    public var complainantID: UUID
    public var status: ComplaintStatus
    public var text: String
    public var filedAt: Date
    public var answer: String?
    public var answeredAt: Date?
    public var escalation: String?
    public var escalatedAt: Date?
    public var outcome: ComplaintOutcome?
    public var decision: String?
    public var resolvedAt: Date?

    /// Working days the complainant has after the answer to escalate it; then it lapses.
    public static let escalationDays = 3

    /// Until when an answered complaint may be escalated (nil: not answered).
    public func escalationDeadline(_ calendar: WorkingCalendar) throws(WorkingCalendar.YearNotHeld) -> Date? {
        guard let answeredAt else { return nil }
        return try calendar.close(ofWorkingDay: Self.escalationDays, after: answeredAt)
    }
}

/// What an award hands to the delivery module once the tender completes: the parties, the lot, the
/// value and the budget line the contract will commit.
public struct ContractDraft: Codable, Sendable, Equatable {
    public var awardID: UUID
    public var tenderID: UUID
    public var tenderReference: String
    public var lotID: UUID
    public var lotNumber: Int
    public var lotTitle: String
    public var purchaseLineID: UUID
    public var buyerID: UUID
    public var supplierID: UUID
    public var value: Money
    public var standstillEnd: Date
    public var readyAt: Date
}

/// A grade of a completed contract (优/良/中/差), for evaluators to weigh past performance.
public struct PerformanceGrade: Codable, Sendable, Equatable {
    public var contractReference: String
    public var grade: String
    public var gradedOn: String
    public init(contractReference: String, grade: String, gradedOn: String) {
        self.contractReference = contractReference
        self.grade = grade
        self.gradedOn = gradedOn
    }
}

/// The delivery module's record of how suppliers performed. Until contracts exist there are no grades.
public protocol PerformanceRecords: Sendable {
    func grades(of organisationIDs: Set<UUID>) async throws -> [UUID: [PerformanceGrade]]
}

public struct NoPerformanceRecords: PerformanceRecords {
    public init() {}
    public func grades(of organisationIDs: Set<UUID>) async throws -> [UUID: [PerformanceGrade]] { [:] }
}

/// Everything about a tender's evaluation that the asking actor may see.
public struct Evaluation: Sendable {
    public var tender: Tender
    public var panel: [PanelMember]
    /// Every seated evaluator has submitted, and at least `minimumScorers` of them.
    public var isComplete: Bool
    /// The actor's own sheet until the evaluation is complete; every sheet afterwards.
    public var sheets: [ScoreSheet]
    /// Nil until complete.
    public var rankings: [LotRanking]?
    public var bids: [OpenedBid]
    public var awards: [Award]
    /// Past-performance grades of the bidders, for evaluators.
    public var grades: [UUID: [PerformanceGrade]]
    /// The actor sits on the panel (and so may declare and score).
    public var seat: PanelMember?

    /// An evaluation needs at least two evaluators' sheets.
    public static let minimumScorers = 2
    /// A panel has at most this many seats.
    public static let maximumPanel = 9
}
