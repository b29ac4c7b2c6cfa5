/// The kinds of organisation that use Spokes (DOMAIN.md, "Who uses it").
public enum OrganisationKind: String, CaseIterable, Codable, Sendable {
    case financeOffice = "finance_office"
    case department
    case socialOrganisation = "social_organisation"
    /// A third-party evaluation institution (第三方评估机构): its evaluators sign off, grade and read
    /// the contracts a buyer engages it for, as its administrator assigns them.
    case evaluationInstitution = "evaluation_institution"
    case incubatorOperator = "incubator_operator"
    case overseer
    case platform

    /// The functional roles a member of this kind of organisation may hold.
    public var functionalRoles: Set<Role> {
        switch self {
        case .financeOffice: [.buyer, .caseworker]
        // A civil-affairs bureau (民政局) is a department; its registrars keep the register of social organisations.
        case .department: [.buyer, .caseworker, .registrar]
        case .socialOrganisation: [.supplier, .caseworker]
        case .evaluationInstitution: [.evaluator]
        case .incubatorOperator: [.incubator]
        case .overseer: [.overseer]
        case .platform: [.admin]
        }
    }

    public var isBuyer: Bool { self == .financeOffice || self == .department }
}

/// What a user may do. A user holds roles within one organisation.
public enum Role: String, CaseIterable, Codable, Sendable, Comparable {
    /// Operates the platform: organisations, users, jurisdictions everywhere.
    case admin
    /// Manages the users of their own organisation.
    case orgAdmin = "org_admin"
    case buyer
    case supplier
    case evaluator
    case incubator
    case overseer
    /// Works service requests at the sites where the county names them on duty (window clerk, approver, handler),
    /// and nothing else: a government office's or a site-running social organisation's staff without buying or
    /// bidding powers (DOMAIN §6).
    case caseworker
    /// Keeps the register of social organisations for a civil-affairs bureau (登记管理机关): vets applications to join,
    /// records ratings and sanctions (DOMAIN §7). Granted by platform administrators only.
    case registrar

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Roles only a platform administrator grants: its own, and the registrar's (a bureau's legal office, which its own
    /// organisation administrator must not hand out).
    public var grantedByAdministrators: Bool { self == .admin || self == .registrar }

    /// Whether a member of an organisation of `kind` may hold this role.
    public func isAllowed(in kind: OrganisationKind) -> Bool {
        self == .orgAdmin || kind.functionalRoles.contains(self)
    }
}

/// The three administrative tiers of the service network (seed 000): county/district,
/// town/street, village/community.
public enum Tier: String, CaseIterable, Codable, Sendable, Comparable {
    case district
    case street
    case community

    public var depth: Int { Tier.allCases.firstIndex(of: self)! }
    public var child: Tier? { depth + 1 < Tier.allCases.count ? Tier.allCases[depth + 1] : nil }
    public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.depth < rhs.depth }
}
