import Foundation

/// Who is acting: a signed-in user, seen through their organisation and roles.
public struct Actor: Sendable, Equatable, Codable {
    public var userID: UUID
    public var username: String
    public var displayName: String
    public var organisationID: UUID
    public var organisationKind: OrganisationKind
    /// The jurisdiction of the user's organisation and all its ancestors, nearest last.
    public var jurisdictionPath: [UUID]
    public var roles: Set<Role>

    public init(userID: UUID, username: String, displayName: String, organisationID: UUID,
                organisationKind: OrganisationKind, jurisdictionPath: [UUID], roles: Set<Role>) {
        self.userID = userID
        self.username = username
        self.displayName = displayName
        self.organisationID = organisationID
        self.organisationKind = organisationKind
        self.jurisdictionPath = jurisdictionPath
        self.roles = roles
    }

    public var jurisdictionID: UUID? { jurisdictionPath.last }
    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// A label for the audit trail when no user acts (the command line, background workers).
    public static let systemID = UUID(uuidString: "00000000-0000-7000-8000-000000000000")!
}

extension Actor {
    /// The platform itself, acting from the command line (seeding, `users create`).
    public static let system = Actor(
        userID: systemID, username: "system", displayName: "Spokes", organisationID: systemID,
        organisationKind: .platform, jurisdictionPath: [], roles: [.admin])
}
