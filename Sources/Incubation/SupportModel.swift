import Core
import Foundation

/// A mentor of the incubator: an expert the staff pair with organisations.
public struct Mentor: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var expertise: String
    /// Where the mentor works (a university, an agency, a bureau).
    public var affiliation: String
}

/// A session of support an organisation received.
public struct SupportSession: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case mentoring, training, roadshow
        case siteVisit = "site_visit"
    }
    public var id: UUID
    public var organisationID: UUID
    public var mentorID: UUID?
    /// yyyy-MM-dd
    public var heldOn: String
    /// Kept in minutes so half hours add up exactly.
    public var minutes: Int
    public var kind: Kind
    public var topic: String
}

/// Start-up money for an organisation in the pipeline, paid from a buyer's budget line through the
/// ledger: awarded by the incubator's staff (committing the line), paid by the line's buyer.
public struct SeedGrant: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case awarded, paid, cancelled
    }
    public var id: UUID
    public var organisationID: UUID
    public var purchaseLineID: UUID
    public var commitmentID: UUID
    public var amount: Money
    public var purpose: String
    public var status: Status
    public var awardedBy: UUID
    public var awardedAt: Date
    public var treasuryReference: String?
    /// yyyy-MM-dd
    public var paidOn: String?
    /// Why it was cancelled.
    public var closedReason: String?

    /// The most one grant may be: seed money, not a contract (¥100,000).
    public static let maximum = Money.yuan(100_000)
    /// The guiding catalogue's incubation branch (B02, 社会组织孵化培育): the only lines a grant may come from.
    public static let incubationCode = "B02"
}

/// A desk or a room of the centre that organisations use for a while.
public struct Space: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case desk, room
    }
    public var id: UUID
    public var name: String
    public var kind: Kind
}

/// A space lent to an organisation from one day to another; handing it back early frees it.
public struct SpaceAllocation: Codable, Sendable, Equatable {
    public var id: UUID
    public var spaceID: UUID
    public var organisationID: UUID
    /// yyyy-MM-dd, both included.
    public var from: String
    public var to: String
    public var handedBackOn: String?
    /// The last day the organisation holds the space.
    public var lastDay: String { handedBackOn.map { min($0, to) } ?? to }
}

/// Where a member of a cohort has got to: its stage now, the support it received, its latest
/// capacity score and the seed money paid to it.
public struct CohortProgress: Sendable, Equatable {
    public var organisationID: UUID
    public var stage: IncubationStage?
    public var supportMinutes: Int
    /// Hundredths on the 1–4 scale (nil before any assessment).
    public var latestAverage: Int?
    public var grantsPaid: Money
}
