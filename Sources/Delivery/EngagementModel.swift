import Core
import Foundation

/// A buyer's engagement of a third-party evaluation institution for one contract (DOMAIN.md §7): the
/// institution's administrator assigns its evaluators, and only they sign the contract's milestones
/// off, grade it and read its evidence.
public struct Engagement: Codable, Sendable, Equatable {
    public var id: UUID
    public var contractID: UUID
    public var institutionID: UUID
    public var startsOn: String
    public var endsOn: String
    /// What the buyer pays the institution, when it says so.
    public var fee: Money?
    public var engagedBy: UUID
    public var engagedAt: Date
    public var endedAt: Date?
    public var evaluators: [AssignedEvaluator]

    public var isOpen: Bool { endedAt == nil }
}

/// An evaluator of the institution assigned to an engagement.
public struct AssignedEvaluator: Codable, Sendable, Equatable {
    public var userID: UUID
    public var displayName: String
    public var assignedAt: Date
}

/// What the buyer writes to engage an institution.
public struct EngagementInput: Sendable {
    public var institutionID: UUID
    public var startsOn: String
    public var endsOn: String
    public var fee: Money?

    public init(institutionID: UUID, startsOn: String, endsOn: String, fee: Money? = nil) {
        self.institutionID = institutionID
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.fee = fee
    }
}

/// An engagement with the contract it is for, as the institution's staff see their work.
public struct EngagementWork: Sendable, Equatable {
    public var engagement: Engagement
    public var contractReference: String
    public var contractTitle: String
}
