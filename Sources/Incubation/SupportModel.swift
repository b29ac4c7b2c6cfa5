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
