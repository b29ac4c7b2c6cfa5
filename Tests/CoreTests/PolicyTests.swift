import Core
import Foundation
import Testing

@Suite("Access policy")
struct PolicyTests {
    let district = UUID.v7()
    let street = UUID.v7()
    let otherDistrict = UUID.v7()
    let ownOrganisation = UUID.v7()
    let otherOrganisation = UUID.v7()

    func actor(_ roles: Set<Role>, organisation: UUID? = nil, path: [UUID]? = nil, kind: OrganisationKind = .financeOffice) -> Actor {
        Actor(userID: UUID.v7(), username: "u", displayName: "U", organisationID: organisation ?? ownOrganisation,
              organisationKind: kind, jurisdictionPath: path ?? [district], roles: roles)
    }

    @Test("anonymous residents may read public things and nothing else")
    func anonymous() {
        #expect(Policy.decide(nil, .readOrganisation, Resource(organisationID: ownOrganisation)) == .allow)
        #expect(Policy.decide(nil, .readJurisdictions, .platform) == .allow)
        #expect(Policy.decide(nil, .readPublicRecord, .platform) == .allow, "dashboards, residents' needs and OCDS are public (DOMAIN §5)")
        #expect(Policy.decide(nil, .signUp, .platform) == .allow, "anyone may apply to join the marketplace (DOMAIN §7)")
        for action in Action.allCases where ![.readOrganisation, .readJurisdictions, .readCatalogue, .readPurchaseLists, .readTenders, .readPublicRecord,
                                              .signUp].contains(action) {
            #expect(Policy.decide(nil, action, Resource(organisationID: ownOrganisation, jurisdictionPath: [district])) != .allow,
                    "anonymous must not \(action)")
        }
    }

    @Test("a buyer's own staff keep its purchase list; no one else, not another buyer nor a supplier of the same id")
    func purchaseList() {
        let own = Resource(organisationID: ownOrganisation)
        #expect(Policy.decide(actor([.buyer]), .managePurchaseList, own) == .allow)
        #expect(Policy.decide(actor([.buyer], kind: .department), .managePurchaseList, own) == .allow)
        #expect(Policy.decide(actor([.buyer], organisation: otherOrganisation), .managePurchaseList, own) != .allow)
        #expect(Policy.decide(actor([.orgAdmin]), .managePurchaseList, own) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .managePurchaseList, own) != .allow)
        #expect(Policy.decide(nil, .readPurchaseLists, .platform) == .allow)
    }

    @Test("only the buyer's own staff record a payment from its budget lines: not another buyer, its org admin, a supplier or the platform")
    func recordPayment() {
        let own = Resource(organisationID: ownOrganisation)
        #expect(Policy.decide(actor([.buyer]), .recordPayment, own) == .allow)
        #expect(Policy.decide(actor([.buyer], kind: .department), .recordPayment, own) == .allow)
        #expect(Policy.decide(actor([.buyer], organisation: otherOrganisation), .recordPayment, own) != .allow)
        #expect(Policy.decide(actor([.orgAdmin]), .recordPayment, own) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .recordPayment, own) != .allow)
        #expect(Policy.decide(actor([.incubator], kind: .incubatorOperator), .recordPayment, own) != .allow)
        #expect(Policy.decide(actor([.admin], kind: .platform), .recordPayment, own) != .allow)
    }

    @Test("platform administrators may do everything but act as a party: bid, read a sealed bid, score, complain")
    func admin() {
        let admin = actor([.admin], kind: .platform)
        for action in Action.allCases {
            let decision = Policy.decide(admin, action, Resource(organisationID: otherOrganisation, jurisdictionPath: [otherDistrict]))
            #expect((decision == .allow) == !action.isPartyOnly, "admin and \(action)")
        }
        #expect(Action.allCases.filter(\.isPartyOnly) == [.recordStanding, .vetOrganisation, .submitBid, .readSealedBid, .scoreBids, .fileComplaint, .manageSupplierProfile, .applyToProgramme, .reviewApplication,
                                                            .manageContract, .deliverContract, .signOffMilestone, .assignEvaluators, .answerMonitoring, .recordPayment,
                                                            // A resident's case is worked by the staff on duty, and their personal data read by them only (issue 23).
                                                            .workServiceRequest, .readApplicant])
    }

    @Test("only a social organisation's supplier staff bid for it, and only it reads its sealed bid")
    func bids() {
        let own = Resource(organisationID: ownOrganisation)
        let supplier = actor([.supplier], kind: .socialOrganisation)
        #expect(Policy.decide(supplier, .submitBid, own) == .allow)
        #expect(Policy.decide(supplier, .readSealedBid, own) == .allow)
        #expect(Policy.decide(supplier, .submitBid, Resource(organisationID: otherOrganisation)) != .allow)
        #expect(Policy.decide(supplier, .readSealedBid, Resource(organisationID: otherOrganisation)) != .allow)
        #expect(Policy.decide(actor([.orgAdmin], kind: .socialOrganisation), .submitBid, own) != .allow)
        #expect(Policy.decide(actor([.buyer]), .submitBid, own) != .allow)
        #expect(Policy.decide(actor([.buyer], organisation: otherOrganisation), .readSealedBid, own) != .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, kind: .overseer), .readSealedBid, own) != .allow)
    }

    @Test("a buyer's own staff manage its tenders and read opened proposals; overseers of its jurisdiction read them too")
    func tenders() {
        let buyer = Resource(organisationID: ownOrganisation, jurisdictionPath: [district])
        #expect(Policy.decide(actor([.buyer]), .manageTender, buyer) == .allow)
        #expect(Policy.decide(actor([.buyer], organisation: otherOrganisation), .manageTender, buyer) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .manageTender, buyer) != .allow)
        #expect(Policy.decide(actor([.buyer]), .readOpenedProposals, buyer) == .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, kind: .overseer), .readOpenedProposals, buyer) == .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, path: [otherDistrict], kind: .overseer), .readOpenedProposals, buyer) != .allow)
        #expect(Policy.decide(actor([.supplier], organisation: otherOrganisation, kind: .socialOrganisation), .readOpenedProposals, buyer) != .allow)
        #expect(Policy.decide(nil, .readTenders, .platform) == .allow)
        #expect(Policy.decide(nil, .askQuestion, .platform) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .askQuestion, .platform) == .allow)
    }

    @Test("evaluators score (their seat is the service's check); the buyer and overseers read the evaluation; bidders complain; overseers decide")
    func evaluation() {
        let buyer = Resource(organisationID: ownOrganisation, jurisdictionPath: [district])
        #expect(Policy.decide(actor([.evaluator], organisation: otherOrganisation, kind: .evaluationInstitution), .scoreBids, .platform) == .allow)
        #expect(Policy.decide(actor([.buyer]), .scoreBids, .platform) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .scoreBids, .platform) != .allow)
        #expect(Policy.decide(actor([.buyer]), .readEvaluation, buyer) == .allow)
        #expect(Policy.decide(actor([.buyer], organisation: otherOrganisation), .readEvaluation, buyer) != .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, kind: .overseer), .readEvaluation, buyer) == .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, path: [otherDistrict], kind: .overseer), .readEvaluation, buyer) != .allow)
        #expect(Policy.decide(nil, .readEvaluation, buyer) != .allow)
        let bidder = Resource(organisationID: ownOrganisation)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .fileComplaint, bidder) == .allow)
        #expect(Policy.decide(actor([.supplier], organisation: otherOrganisation, kind: .socialOrganisation), .fileComplaint, bidder) != .allow)
        #expect(Policy.decide(actor([.buyer]), .fileComplaint, bidder) != .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, kind: .overseer), .decideComplaint, buyer) == .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, path: [otherDistrict], kind: .overseer), .decideComplaint, buyer) != .allow)
        #expect(Policy.decide(actor([.buyer]), .decideComplaint, buyer) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .manageSupplierProfile, bidder) == .allow)
        #expect(Policy.decide(actor([.orgAdmin], kind: .socialOrganisation), .manageSupplierProfile, bidder) == .allow)
        #expect(Policy.decide(actor([.supplier], organisation: otherOrganisation, kind: .socialOrganisation), .manageSupplierProfile, bidder) != .allow)
        #expect(Policy.decide(actor([.orgAdmin]), .manageSupplierProfile, bidder) != .allow)
    }

    @Test("organisation administrators manage their own organisation only")
    func orgAdmin() {
        let manager = actor([.orgAdmin, .buyer])
        #expect(Policy.decide(manager, .manageUsers, Resource(organisationID: ownOrganisation)) == .allow)
        #expect(Policy.decide(manager, .updateOrganisation, Resource(organisationID: ownOrganisation)) == .allow)
        #expect(Policy.decide(manager, .manageUsers, Resource(organisationID: otherOrganisation)) != .allow)
        #expect(Policy.decide(manager, .createOrganisation, .platform) != .allow)
        #expect(Policy.decide(manager, .manageJurisdictions, .platform) != .allow)
    }

    @Test("a member without the administrator role may read but not manage users")
    func member() {
        let member = actor([.buyer])
        #expect(Policy.decide(member, .readUsers, Resource(organisationID: ownOrganisation)) == .allow)
        #expect(Policy.decide(member, .manageUsers, Resource(organisationID: ownOrganisation)) != .allow)
        #expect(Policy.decide(member, .readUsers, Resource(organisationID: otherOrganisation)) != .allow)
    }

    @Test("overseers read audit trails inside their jurisdiction, not outside it")
    func overseer() {
        let overseer = actor([.overseer], kind: .overseer)
        #expect(Policy.decide(overseer, .readAuditTrail, Resource(organisationID: otherOrganisation, jurisdictionPath: [district, street])) == .allow)
        #expect(Policy.decide(overseer, .readAuditTrail, Resource(organisationID: otherOrganisation, jurisdictionPath: [otherDistrict])) != .allow)
        // A street-level overseer does not see the district above it.
        let streetOverseer = actor([.overseer], path: [district, street], kind: .overseer)
        #expect(Policy.decide(streetOverseer, .readAuditTrail, Resource(organisationID: otherOrganisation, jurisdictionPath: [district])) != .allow)
    }

    @Test("red flags: overseers of the buyer's jurisdiction or one above it read them; not another county's, not a street below the buyer, not buyers or suppliers")
    func redFlags() {
        let buyer = Resource(organisationID: otherOrganisation, jurisdictionPath: [district, street])
        #expect(Policy.decide(actor([.overseer], kind: .overseer), .readRedFlags, buyer) == .allow)
        #expect(Policy.decide(actor([.overseer], path: [district, street], kind: .overseer), .readRedFlags, buyer) == .allow)
        #expect(Policy.decide(actor([.overseer], path: [otherDistrict], kind: .overseer), .readRedFlags, buyer) != .allow)
        #expect(Policy.decide(actor([.overseer], path: [district, street], kind: .overseer), .readRedFlags,
                              Resource(organisationID: otherOrganisation, jurisdictionPath: [district])) != .allow, "a street's overseer does not read the district's")
        #expect(Policy.decide(actor([.buyer], organisation: otherOrganisation), .readRedFlags, buyer) != .allow, "not even the buyer's own staff")
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .readRedFlags, buyer) != .allow)
        #expect(Policy.decide(actor([.evaluator], kind: .evaluationInstitution), .readRedFlags, buyer) != .allow)
        #expect(Policy.decide(actor([.admin], kind: .platform), .readRedFlags, buyer) == .allow)
        #expect(Policy.decide(nil, .readRedFlags, buyer) != .allow)
    }

    @Test("monitoring cases: overseers of the buyer's jurisdiction ask and close; only the buyer's own staff answer, never an administrator for it")
    func monitoring() {
        let buyer = Resource(organisationID: ownOrganisation, jurisdictionPath: [district])
        #expect(Policy.decide(actor([.buyer]), .answerMonitoring, Resource(organisationID: ownOrganisation)) == .allow)
        #expect(Policy.decide(actor([.buyer], organisation: otherOrganisation), .answerMonitoring, Resource(organisationID: ownOrganisation)) != .allow)
        #expect(Policy.decide(actor([.orgAdmin]), .answerMonitoring, Resource(organisationID: ownOrganisation)) != .allow)
        #expect(Policy.decide(actor([.admin], kind: .platform), .answerMonitoring, Resource(organisationID: ownOrganisation)) != .allow)
        #expect(Policy.decide(actor([.buyer]), .monitor, buyer) != .allow, "a buyer does not close its own case")
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, kind: .overseer), .monitor, buyer) == .allow)
        #expect(Policy.decide(actor([.overseer], organisation: otherOrganisation, path: [otherDistrict], kind: .overseer), .monitor, buyer) != .allow)
    }

    @Test("finance offices keep the catalogue of their jurisdiction and those below it; nobody else, and never on the platform")
    func catalogue() {
        let own = Resource(jurisdictionPath: [district])
        let below = Resource(jurisdictionPath: [district, street])
        let elsewhere = Resource(jurisdictionPath: [otherDistrict])
        let finance = actor([.buyer], kind: .financeOffice)
        #expect(Policy.decide(finance, .manageCatalogue, own) == .allow)
        #expect(Policy.decide(finance, .manageCatalogue, below) == .allow)
        #expect(Policy.decide(finance, .manageCatalogue, elsewhere) != .allow)
        // An item's resource always names its jurisdiction: the platform (no path) is nobody's but the administrators'.
        #expect(Policy.decide(finance, .manageCatalogue, .platform) != .allow)
        let streetFinance = actor([.buyer], path: [district, street], kind: .financeOffice)
        #expect(Policy.decide(streetFinance, .manageCatalogue, below) == .allow)
        #expect(Policy.decide(streetFinance, .manageCatalogue, own) != .allow)
        #expect(Policy.decide(actor([.buyer], kind: .department), .manageCatalogue, own) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .manageCatalogue, own) != .allow)
        #expect(Policy.decide(actor([.overseer], kind: .overseer), .manageCatalogue, own) != .allow)
        #expect(Policy.decide(actor([.orgAdmin], kind: .financeOffice), .manageCatalogue, own) != .allow)
        #expect(Policy.decide(actor([.admin], kind: .platform), .manageCatalogue, elsewhere) == .allow)
    }

    @Test("the national reference lists are the platform administrators' alone")
    func referenceLists() {
        #expect(Policy.decide(actor([.admin], kind: .platform), .manageReferenceLists, .platform) == .allow)
        #expect(Policy.decide(actor([.buyer, .orgAdmin], kind: .financeOffice), .manageReferenceLists, .platform) != .allow)
        #expect(Policy.decide(actor([.buyer], kind: .financeOffice), .manageReferenceLists, Resource(jurisdictionPath: [district])) != .allow)
        #expect(Policy.decide(nil, .manageReferenceLists, .platform) != .allow)
    }

    /// Every kind of organisation with every role its members may hold (alone, and with org_admin), in three
    /// places: the resource's own jurisdiction, above it, and another county.
    func everyActor() -> [Actor] {
        var actors: [Actor] = []
        for kind in OrganisationKind.allCases {
            let roles = Role.allCases.filter { $0.isAllowed(in: kind) }
            let roleSets = roles.map { Set([$0]) } + [Set(roles)]
            for roleSet in roleSets {
                for path in [[district, street], [district], [otherDistrict]] {
                    for organisation in [ownOrganisation, otherOrganisation] {
                        actors.append(actor(roleSet, organisation: organisation, path: path, kind: kind))
                    }
                }
            }
        }
        return actors
    }

    /// The resource as an action meets it: owned by `ownOrganisation` in the street, and the same with the actor
    /// named as a party and as an assignee (a contract's supplier, its evaluator), so no relation grants by accident.
    func resources(seenBy actor: Actor) -> [Resource] {
        [Resource(organisationID: ownOrganisation, jurisdictionPath: [district, street]),
         Resource(organisationID: ownOrganisation, jurisdictionPath: [district, street], parties: [actor.organisationID], assignees: [actor.userID])]
    }

    @Test("contracts (draft, sign for the buyer, approve, pay, terminate) are managed by the buyer's own staff only: overseers of any jurisdiction, administrators and every other role are refused")
    func manageContractOnlyByTheBuyer() {
        var allowed = 0
        for actor in everyActor() {
            let buyerStaff = actor.organisationKind.isBuyer && actor.has(.buyer) && actor.organisationID == ownOrganisation
            for resource in resources(seenBy: actor) {
                let decision = Policy.decide(actor, .manageContract, resource)
                #expect((decision == .allow) == buyerStaff, "\(actor.organisationKind) \(actor.roles.sorted()), \(actor.organisationID == ownOrganisation ? "the buyer" : "another organisation"): \(decision)")
                if decision == .allow { allowed += 1 }
            }
        }
        // The buyer's staff themselves are allowed (finance office and department, buyer alone and with org_admin, three places, two resources).
        #expect(allowed == 2 * 2 * 3 * 2)
        #expect(Policy.decide(nil, .manageContract, Resource(organisationID: ownOrganisation, jurisdictionPath: [district])) != .allow)
    }

    @Test("an organisation's standing is recorded, and its application decided, by the registrars of its jurisdiction or one above it only: not an administrator, not a registrar elsewhere, no other role (DOMAIN §7)")
    func registrarsKeepTheRegister() {
        var allowed = 0
        for actor in everyActor() {
            // The resource sits in the street below the district: registrars of the district or the street reach it.
            let registrarHere = actor.has(.registrar) && actor.jurisdictionPath.last.map { [district, street].contains($0) } == true
            for resource in resources(seenBy: actor) {
                for action in [Action.recordStanding, .vetOrganisation] {
                    let decision = Policy.decide(actor, action, resource)
                    #expect((decision == .allow) == registrarHere, "\(action) by \(actor.organisationKind) \(actor.roles.sorted()) at \(actor.jurisdictionPath.count): \(decision)")
                    if decision == .allow { allowed += 1 }
                }
                // The applicant's own members and the same registrars read the application; administrators too.
                let reads = Policy.decide(actor, .readRegistration, resource) == .allow
                #expect(reads == (registrarHere || actor.organisationID == ownOrganisation || actor.has(.admin)),
                        "readRegistration by \(actor.organisationKind) \(actor.roles.sorted()): \(reads)")
            }
            #expect(Policy.decide(actor, .recordStanding, .platform) != .allow, "nothing is recorded on no organisation")
        }
        // Departments only (registrar alone and with every role), two places (district, street), two organisations, two resources, two actions.
        #expect(allowed == 2 * 2 * 2 * 2 * 2)
        #expect(Policy.decide(nil, .recordStanding, Resource(organisationID: ownOrganisation)) != .allow)
        #expect(Policy.decide(nil, .vetOrganisation, Resource(organisationID: ownOrganisation, jurisdictionPath: [district])) != .allow)
        #expect(!Role.registrar.isAllowed(in: .financeOffice) && !Role.registrar.isAllowed(in: .socialOrganisation) && Role.registrar.isAllowed(in: .department))
        #expect(Role.registrar.grantedByAdministrators && Role.admin.grantedByAdministrators && !Role.buyer.grantedByAdministrators)
    }

    @Test("authorize throws unauthenticated for nobody and forbidden for the wrong actor")
    func authorize() {
        #expect(throws: DomainError.self) { try Policy.authorize(nil, .manageUsers, .platform) }
        do {
            try Policy.authorize(nil, .manageUsers, .platform)
        } catch {
            #expect(error.kind == .unauthenticated)
        }
        do {
            try Policy.authorize(actor([.buyer]), .createOrganisation, .platform)
            Issue.record("a buyer must not create organisations")
        } catch {
            #expect(error.kind == .forbidden)
        }
    }

    @Test("a jurisdiction's offices keep its sites and those below it; another county, a supplier, an overseer, a visitor do not (issue 23)")
    func manageSites() {
        let own = Resource(jurisdictionPath: [district])
        let below = Resource(jurisdictionPath: [district, street])
        let elsewhere = Resource(jurisdictionPath: [otherDistrict])
        for kind in [OrganisationKind.financeOffice, .department] {
            #expect(Policy.decide(actor([.buyer], kind: kind), .manageSites, own) == .allow, "\(kind)")
            #expect(Policy.decide(actor([.buyer], kind: kind), .manageSites, below) == .allow, "\(kind)")
            #expect(Policy.decide(actor([.buyer], kind: kind), .manageSites, elsewhere) != .allow, "\(kind)")
        }
        #expect(Policy.decide(actor([.buyer], path: [district, street]), .manageSites, own) != .allow, "a street office does not keep the district's sites")
        #expect(Policy.decide(actor([.buyer], path: [district, street]), .manageSites, below) == .allow)
        #expect(Policy.decide(actor([.orgAdmin]), .manageSites, own) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .manageSites, own) != .allow)
        #expect(Policy.decide(actor([.overseer], kind: .overseer), .manageSites, own) != .allow)
        #expect(Policy.decide(actor([.incubator], kind: .incubatorOperator), .manageSites, own) != .allow)
        #expect(Policy.decide(nil, .manageSites, own) == .deny("sign in first"))
    }

    @Test("a site's staff are named to the offices and overseers of its jurisdiction or above it, to no one else (personal data, issue 23)")
    func readSiteStaff() {
        let below = Resource(jurisdictionPath: [district, street])
        let elsewhere = Resource(jurisdictionPath: [otherDistrict])
        #expect(Policy.decide(actor([.buyer]), .readSiteStaff, below) == .allow)
        #expect(Policy.decide(actor([.buyer], kind: .department), .readSiteStaff, below) == .allow)
        #expect(Policy.decide(actor([.overseer], kind: .overseer), .readSiteStaff, below) == .allow)
        #expect(Policy.decide(actor([.buyer]), .readSiteStaff, elsewhere) != .allow)
        #expect(Policy.decide(actor([.overseer], kind: .overseer), .readSiteStaff, elsewhere) != .allow)
        #expect(Policy.decide(actor([.buyer], path: [otherDistrict, street]), .readSiteStaff, Resource(jurisdictionPath: [district])) != .allow)
        #expect(Policy.decide(actor([.supplier], kind: .socialOrganisation), .readSiteStaff, below) != .allow)
        #expect(Policy.decide(actor([.evaluator], kind: .evaluationInstitution), .readSiteStaff, below) != .allow)
        #expect(Policy.decide(actor([.incubator], kind: .incubatorOperator), .readSiteStaff, below) != .allow)
        #expect(Policy.decide(nil, .readSiteStaff, below) != .allow)
    }
}
