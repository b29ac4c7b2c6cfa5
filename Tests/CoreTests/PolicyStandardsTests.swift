import Core
import Foundation
import Testing

/// Who keeps site standards and who inspects (issue 23 item 2, DOMAIN §6): the buying offices of the county (or one
/// above it); the service decides an inspection on the standard's jurisdiction, so a town's office, being below its
/// county, neither sets the county's standard nor grades its own sites.
@Suite("Access policy: site standards")
struct PolicyStandardsTests {
    let county = UUID.v7()
    let town = UUID.v7()
    let otherCounty = UUID.v7()

    func actor(_ roles: Set<Role>, path: [UUID]? = nil, kind: OrganisationKind = .financeOffice) -> Actor {
        Actor(userID: UUID.v7(), username: "u", displayName: "U", organisationID: UUID.v7(), organisationKind: kind,
              jurisdictionPath: path ?? [county], roles: roles)
    }

    @Test("the county's finance office and departments keep its standards and inspect the sites they grade; another county, a town, a supplier, an overseer, a visitor do not")
    func keepAndInspect() {
        let standard = Resource(jurisdictionPath: [county])
        let elsewhere = Resource(jurisdictionPath: [otherCounty])
        for action in [Action.keepSiteStandards, .inspectSites] {
            for kind in [OrganisationKind.financeOffice, .department] {
                #expect(Policy.decide(actor([.buyer], kind: kind), action, standard) == .allow, "\(kind) \(action)")
                #expect(Policy.decide(actor([.buyer], kind: kind), action, elsewhere) != .allow, "\(kind) \(action) in another county")
            }
            #expect(Policy.decide(actor([.buyer], path: [county, town]), action, standard) != .allow, "a town's office is below the county's standard")
            #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), action, standard) != .allow)
            #expect(Policy.decide(actor([.overseer], kind: .overseer), action, standard) != .allow, "overseers read, they do not grade")
            #expect(Policy.decide(actor([.evaluator], kind: .evaluationInstitution), action, standard) != .allow)
            #expect(Policy.decide(actor([.incubator], kind: .incubatorOperator), action, standard) != .allow)
            #expect(Policy.decide(actor([.orgAdmin]), action, standard) != .allow, "an org admin without the buyer role")
            #expect(Policy.decide(nil, action, standard) == .deny("sign in first"))
        }
    }
}
