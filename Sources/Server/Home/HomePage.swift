/// The home page's model (template `home`): for a visitor, what Spokes is and who is on it; for a signed-in user,
/// their organisation and roles and what waits for them; for everyone, what is open now.
struct HomePage {
    struct Welcome {
        var displayName: String
        var organisation: OrganisationFacts
        var roles: [RoleWork]
        var isAdmin: Bool
        var isOrgAdmin: Bool
    }

    /// A role the user holds, with the work it gives them.
    struct RoleWork {
        var name: String
        var work: String
    }

    /// The platform in figures, for a visitor.
    struct Overview {
        var jurisdictions: Int
        var districts: [String]
        var suppliers: Int
        var buyers: Int
    }

    var signedIn: Welcome?
    var overview: Overview?
    /// What waits for the signed-in user (empty for a visitor: the template then says nothing waits only to a user).
    var waiting: [WorkLine] = []
    var open: [WorkLine]
    var calendarWarning: String?

    init(open: [WorkLine]) { self.open = open }
}
