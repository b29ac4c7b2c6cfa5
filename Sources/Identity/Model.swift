import Core
import Foundation

public struct Jurisdiction: Codable, Sendable, Equatable {
    public var id: UUID
    public var parentID: UUID?
    public var tier: Tier
    /// The administrative division code (行政区划代码).
    public var code: String
    public var nameZh: String
    public var nameEn: String
    /// This jurisdiction and its ancestors, root first.
    public var path: [UUID]
}

public struct Organisation: Codable, Sendable, Equatable {
    public var id: UUID
    /// A human reference, e.g. ORG-00042.
    public var reference: String
    public var kind: OrganisationKind
    public var nameZh: String
    public var nameEn: String
    public var creditCode: String?
    public var jurisdictionID: UUID
    public var createdAt: Date
    public var updatedAt: Date
    /// Where it stands with the register (DOMAIN §7): only an approved organisation bids.
    public var status: OrganisationStatus = .approved
}

/// An organisation's place in the register: signed up and waiting (`applied`), sent back to correct (`returned`),
/// approved by the civil-affairs bureau, or refused. Organisations an administrator opens are approved at once.
public enum OrganisationStatus: String, Codable, Sendable, CaseIterable, Termed {
    case applied, returned, approved, refused
    public static var termKey: String { "orgStatus_" }
}

/// A user as other users may see them: never the password hash.
public struct User: Codable, Sendable, Equatable {
    public var id: UUID
    public var username: String
    public var displayName: String
    public var email: String?
    public var organisationID: UUID
    public var roles: [Role]
    public var disabled: Bool
    public var createdAt: Date
}

public struct NewJurisdiction: Sendable {
    public var parentCode: String?
    public var tier: Tier
    public var code: String
    public var nameZh: String
    public var nameEn: String
    public init(parentCode: String?, tier: Tier, code: String, nameZh: String, nameEn: String) {
        self.parentCode = parentCode
        self.tier = tier
        self.code = code
        self.nameZh = nameZh
        self.nameEn = nameEn
    }
}

public struct NewOrganisation: Sendable {
    public var kind: String
    public var nameZh: String
    public var nameEn: String
    public var creditCode: String?
    public var jurisdictionCode: String
    public init(kind: String, nameZh: String, nameEn: String, creditCode: String?, jurisdictionCode: String) {
        self.kind = kind
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.creditCode = creditCode
        self.jurisdictionCode = jurisdictionCode
    }
}

public struct NewUser: Sendable {
    public var username: String
    public var displayName: String
    public var email: String?
    public var password: String
    public var organisationID: UUID
    public var roles: [String]
    public init(username: String, displayName: String, email: String? = nil, password: String,
                organisationID: UUID, roles: [String]) {
        self.username = username
        self.displayName = displayName
        self.email = email
        self.password = password
        self.organisationID = organisationID
        self.roles = roles
    }
}

/// A bearer token as issued: the secret is shown once and stored only as a hash.
public struct IssuedToken: Sendable {
    public var id: UUID
    public var token: String
    public var expiresAt: Date
    public var actor: Actor
}

public struct TokenSummary: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var createdAt: Date
    public var expiresAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
}

/// A signed-in HTML session: the cookie value is the secret, the database keeps its hash.
public struct SessionGrant: Sendable {
    public var secret: String
    public var expiresAt: Date
    public var actor: Actor
}

/// The rules of signing in, with the defaults a production deployment uses.
///
/// How many failed sign-ins are allowed, counted three ways within the sliding `window` (15 minutes):
///
/// - `maxFailures` (5) for one user name from one client address: that pair is then locked, even with the
///   right password, until its 5th-newest failure leaves the window. This is the everyday lock-out.
/// - `maxFailuresPerName` (30) for one user name from all addresses together: the name is then locked
///   everywhere. It bounds guessing one password from many addresses; a stranger at one address cannot
///   reach it (5 per pair), so locking somebody out takes failures from at least 6 addresses.
/// - `maxFailuresPerAddress` (50) from one address for all user names together: that address is then
///   refused for every name. It bounds trying one password on many names (spraying) from one address.
///
/// Attempts are counted before the password is checked, under a lock per name and per address, so
/// parallel attempts count each other: at most the remaining allowance is ever checked. A right password
/// (not locked) clears the failures of its own pair, not those of other addresses. Refusals are `locked`
/// (429 with Retry-After: when the oldest failure that keeps the limit reached leaves the window).
public struct SignInPolicy: Sendable {
    /// Failed attempts for one user name from one address within `window` before that pair is locked.
    public var maxFailures = 5
    /// Failed attempts for one user name from all addresses within `window` before the name is locked.
    public var maxFailuresPerName = 30
    /// Failed attempts from one address for all user names within `window` before the address is refused.
    public var maxFailuresPerAddress = 50
    public var window: TimeInterval = 15 * 60
    public var sessionLifetime: TimeInterval = 12 * 60 * 60
    public var tokenLifetime: TimeInterval = 30 * 24 * 60 * 60
    public var minimumPasswordLength = 10
    /// Organisations signed up from one network address within `signUpWindow` (a day) before that address is refused
    /// (429): an NGO hub or a café may sign up a few, a script may not fill the register.
    public var maxSignUpsPerAddress = 5
    public var signUpWindow: TimeInterval = 24 * 60 * 60
    /// bcrypt's work factor; tests lower it to keep the suite fast.
    public var bcryptCost: UInt8 = 10
    public init() {}
}

/// What a reader may do with an organisation, as the policy decides.
public struct OrganisationActions: Sendable, Equatable {
    public var readUsers = false
    public var manageUsers = false
    public var update = false
    /// Open new organisations (platform administrators).
    public var createOrganisations = false
    /// The roles a manager of its users may give.
    public var assignableRoles: [Role] = []
    /// The register's (DOMAIN §7): read its application to join, decide it, record and correct its standing.
    public var readRegistration = false
    public var decideRegistration = false
    public var keepRegister = false
    public init() {}
}
