import Foundation

/// Everything a user can ask to do. Each module adds its actions here, so that the policy below
/// stays one exhaustive switch: the compiler refuses an action nobody has decided on.
public enum Action: String, CaseIterable, Sendable {
    // Identity
    case readJurisdictions
    case manageJurisdictions
    case readOrganisation
    case createOrganisation
    case updateOrganisation
    case readUsers
    case manageUsers
    case readAuditTrail
    /// Read what a resident may see of the record: the dashboards, residents' needs, the OCDS releases (public).
    case readPublicRecord
    /// Record or correct an organisation's rating or sanction (DOMAIN §7): the registrars of the civil-affairs bureau
    /// of its jurisdiction or one above it. The bureau's own legal act: never a platform administrator.
    case recordStanding
    /// Apply to join the marketplace (sign up an organisation and its first user): anyone, without an account.
    case signUp
    /// Read an organisation's application to join (its contacts, legal representative, certificate): its own members,
    /// the registrars of its jurisdiction or one above it, and the platform's administrators.
    case readRegistration
    /// Approve, return or refuse an application to join: the registrars of the applicant's jurisdiction or one above it.
    case vetOrganisation
    /// Load the working calendar: a year's public holidays and adjusted working days (调休), which every
    /// deadline is counted on. Platform administrators only.
    case keepCalendar
    /// Move a training instance's clock (DOMAIN §8): the class's trainer, who is its platform administrator.
    case runTraining
    // Catalogue
    case readCatalogue
    /// Keep a jurisdiction's catalogue (its service items and its own negative-list entries): finance
    /// offices of that jurisdiction or one above it. Decided on the item's (or entry's) jurisdiction, never the platform.
    case manageCatalogue
    /// Keep the national reference lists every jurisdiction shares (the guiding purchase catalogue with its
    /// national negative list, the materials registry): platform administrators only.
    case manageReferenceLists
    /// Record where and when a jurisdiction offers a service item.
    case manageLocalDetails
    // Tendering
    case readPurchaseLists
    /// Keep a buyer's own purchase list (its budget lines).
    case managePurchaseList
    case readTenders
    /// Draft, publish, change, cancel a buyer's own tenders and answer their questions.
    case manageTender
    /// Ask a question about a tender (published without the asker's name).
    case askQuestion
    /// Submit, replace, confirm or withdraw a bid for one's own organisation.
    case submitBid
    /// Read a sealed bid before the deadline: its bidder's staff only, never an administrator.
    case readSealedBid
    /// Read the proposals of opened bids: the buyer's staff, overseers of its jurisdiction, administrators.
    case readOpenedProposals
    /// Declare conflicts on, and score the bids of, a tender whose panel one sits on (the service checks the seat).
    case scoreBids
    /// Read a tender's panel, scores and ranking before the award: the buyer's staff, overseers, administrators.
    case readEvaluation
    /// Complain about an award during the standstill, for one's own (bidding) organisation.
    case fileComplaint
    /// Decide an escalated complaint: overseers of the buyer's jurisdiction.
    case decideComplaint
    /// Keep a supplier's profile and document library: its own suppliers and administrators.
    case manageSupplierProfile
    // Incubation
    /// Edit the stage policies and move organisations through the pipeline: incubator staff of the jurisdiction.
    case manageIncubation
    /// Apply to an incubation programme for one's own organisation (or team).
    case applyToProgramme
    /// Score applications against a programme's rubric: incubator staff and evaluators.
    case reviewApplication
    // Delivery
    /// Draft, sign for the buyer, publish and terminate a buyer's own contracts, and decide the supplier's claims.
    case manageContract
    /// Sign, report on, and claim payment for a contract of one's own (supplier) organisation.
    case deliverContract
    /// Verify a milestone's report, sign it off, countersign, correct and grade the contract: the evaluators
    /// assigned to it (the service also checks they are independent of both parties).
    case signOffMilestone
    /// Read a contract's reports, evidence and sign-offs: its parties, its assigned evaluators, overseers of the buyer's jurisdiction.
    case readDeliveryRecords
    /// Assign (and unassign) an evaluation institution's evaluators to an engagement: the institution's administrators.
    case assignEvaluators
    // Transparency
    /// Open and close monitoring cases on a buyer's purchases: overseers of its jurisdiction.
    case monitor
    /// Answer and write in the monitoring cases on a buyer's purchases: its own buyer staff (a party: not an administrator).
    case answerMonitoring
    /// Read the red flags of a buyer's purchases: overseers of its jurisdiction (and administrators).
    case readRedFlags
    // Payments
    /// Record money the treasury paid from a budget line: its buyer's own staff (专款专用).
    case recordPayment
    // Grassroots
    /// Register and edit the service sites (服务中心/站) of a jurisdiction: the buying offices (finance office,
    /// civil-affairs bureau and other departments) of that jurisdiction or one above it.
    case manageSites
    /// Read the names of a site's staff (personal data): the buying offices and overseers of the site's
    /// jurisdiction or one above it. Everyone else sees how many staff a site has, by post type.
    case readSiteStaff
    /// Act on a service request (办件) at its current step: register it and take its materials at the window, forward,
    /// approve, refuse, handle, hand the result over. Only the staff on duty at the site where the case waits (the
    /// service names them as the resource's assignees); never an administrator (a party's act).
    case workServiceRequest
    /// Read a service request with the applicant masked: the staff of its chain, and the offices and overseers of
    /// the accepting site's jurisdiction or one above it.
    case readServiceRequest
    /// Read an applicant's name, ID number and phone in full (PIPL): only the staff on duty at a site of the case's
    /// chain, never an administrator or an overseer.
    case readApplicant
    // Grassroots: standards
    /// Keep a jurisdiction's site standards (the requirements per site tier and the marks of the grades): the
    /// buying offices of that jurisdiction (a county) or one above it.
    case keepSiteStandards
    /// Inspect a site against the standard in force for it and record the grade: the buying offices of the
    /// jurisdiction whose standard it is (the county above the towns and villages) or one above it.
    case inspectSites

    /// Actions only a party may take, which an administrator's role does not reach: a platform
    /// operator must not be able to bid for, or read the sealed bid of, an organisation.
    public var isPartyOnly: Bool { [.submitBid, .readSealedBid, .scoreBids, .fileComplaint, .manageSupplierProfile, .applyToProgramme, .reviewApplication, .recordPayment,
                                                  .manageContract, .deliverContract, .signOffMilestone, .assignEvaluators, .answerMonitoring,
                                                  .workServiceRequest, .readApplicant, .recordStanding, .vetOrganisation].contains(self) }
}

/// What an action is done to: its owning organisation, where it sits in the jurisdiction tree, the
/// other organisations party to it and the people assigned to it.
public struct Resource: Sendable, Equatable {
    public var organisationID: UUID?
    /// The resource's jurisdiction and its ancestors, nearest last (empty when it has none).
    public var jurisdictionPath: [UUID]
    /// Organisations party to it besides the owner (a contract's supplier).
    public var parties: Set<UUID>
    /// Users assigned to it: a contract's evaluators (by their institution), a programme's reviewers.
    public var assignees: Set<UUID>

    public init(organisationID: UUID? = nil, jurisdictionPath: [UUID] = [], parties: Set<UUID> = [], assignees: Set<UUID> = []) {
        self.organisationID = organisationID
        self.jurisdictionPath = jurisdictionPath
        self.parties = parties
        self.assignees = assignees
    }

    public static let platform = Resource()
}

public enum Decision: Equatable, Sendable {
    case allow
    case deny(Message)
}

/// The one place that decides whether an actor may do an action to a resource. Default deny.
public enum Policy {
    public static func decide(_ actor: Actor?, _ action: Action, _ resource: Resource) -> Decision {
        // Public reads: residents without an account see these too.
        switch action {
        case .readJurisdictions, .readOrganisation, .readCatalogue, .readPurchaseLists, .readTenders, .readPublicRecord, .signUp: return .allow
        default: break
        }
        guard let actor else { return .deny("sign in first") }
        if actor.has(.admin) && !action.isPartyOnly { return .allow }

        let ownOrganisation = resource.organisationID != nil && resource.organisationID == actor.organisationID
        // The resource lies inside the actor's jurisdiction (its own or one below it).
        let withinJurisdiction = actor.jurisdictionID.map { resource.jurisdictionPath.contains($0) } ?? false
        let party = ownOrganisation || resource.parties.contains(actor.organisationID)
        let assigned = resource.assignees.contains(actor.userID)

        switch action {
        case .readJurisdictions, .readOrganisation, .readCatalogue, .readPurchaseLists, .readTenders, .readPublicRecord, .signUp:
            return .allow
        case .recordStanding:
            return actor.has(.registrar) && withinJurisdiction
                ? .allow : .deny("only the registrars of the organisation's civil-affairs bureau (its jurisdiction or one above it) record its standing")
        case .vetOrganisation:
            return actor.has(.registrar) && withinJurisdiction
                ? .allow : .deny("only the registrars of the applicant's civil-affairs bureau (its jurisdiction or one above it) decide its application")
        case .readRegistration:
            return ownOrganisation || (actor.has(.registrar) && withinJurisdiction)
                ? .allow : .deny("an application to join is read by the applicant and the registrars of its jurisdiction")
        case .managePurchaseList:
            return actor.organisationKind.isBuyer && actor.has(.buyer) && ownOrganisation
                ? .allow : .deny("only the buyer's own staff keep its purchase list")
        case .manageTender:
            return actor.organisationKind.isBuyer && actor.has(.buyer) && ownOrganisation
                ? .allow : .deny("only the buyer's own staff manage its tenders")
        case .askQuestion:
            return .allow
        case .submitBid:
            return actor.organisationKind == .socialOrganisation && actor.has(.supplier) && ownOrganisation
                ? .allow : .deny("only a social organisation's own staff with the supplier role may bid for it")
        case .readSealedBid:
            return ownOrganisation ? .allow : .deny("a bid is sealed until the tendering deadline: only its bidder may read it")
        case .readOpenedProposals:
            if ownOrganisation && actor.has(.buyer) { return .allow }
            return actor.has(.overseer) && withinJurisdiction ? .allow : .deny("only the buyer's staff and overseers read the proposals")
        case .scoreBids:
            return actor.has(.evaluator) ? .allow : .deny("only evaluators on the tender's panel score its bids")
        case .readEvaluation:
            if ownOrganisation && actor.has(.buyer) { return .allow }
            return actor.has(.overseer) && withinJurisdiction
                ? .allow : .deny("the evaluation is read by the buyer's staff, its panel and overseers until the award")
        case .fileComplaint:
            return actor.organisationKind == .socialOrganisation && actor.has(.supplier) && ownOrganisation
                ? .allow : .deny("only a bidder's own staff with the supplier role may complain for it")
        case .manageSupplierProfile:
            return actor.organisationKind == .socialOrganisation && (actor.has(.supplier) || actor.has(.orgAdmin)) && ownOrganisation
                ? .allow : .deny("only a social organisation's own staff keep its supplier profile and documents")
        case .manageIncubation:
            return actor.has(.incubator) && withinJurisdiction
                ? .allow : .deny("only the incubator's staff of this jurisdiction manage the incubation pipeline")
        case .applyToProgramme:
            return actor.organisationKind == .socialOrganisation && (actor.has(.supplier) || actor.has(.orgAdmin)) && ownOrganisation
                ? .allow : .deny("only a social organisation's (or team's) own members apply for it")
        case .reviewApplication:
            if actor.has(.incubator) { return .allow }
            return actor.has(.evaluator) && assigned ? .allow : .deny("only the incubator's staff and the evaluators seated as the programme's reviewers review its applications")
        case .manageContract:
            return actor.organisationKind.isBuyer && actor.has(.buyer) && ownOrganisation
                ? .allow : .deny("only the buyer's own staff manage its contracts")
        case .deliverContract:
            return actor.organisationKind == .socialOrganisation && actor.has(.supplier) && ownOrganisation
                ? .allow : .deny("only the supplier's own staff with the supplier role sign, report and claim for it")
        case .signOffMilestone:
            return actor.has(.evaluator) && assigned
                ? .allow : .deny("only the evaluators their institution assigned to this contract sign it off and grade it")
        case .readDeliveryRecords:
            if party || (actor.has(.evaluator) && assigned) { return .allow }
            return actor.has(.overseer) && withinJurisdiction
                ? .allow : .deny("a contract's reports are read by its parties, its assigned evaluators and overseers of the buyer's jurisdiction")
        case .assignEvaluators:
            return actor.organisationKind == .evaluationInstitution && actor.has(.orgAdmin) && ownOrganisation
                ? .allow : .deny("only the engaged institution's administrators assign its evaluators")
        case .recordPayment:
            return actor.organisationKind.isBuyer && actor.has(.buyer) && ownOrganisation
                ? .allow : .deny("only the buyer's own staff record payments from its budget lines")
        case .monitor:
            return actor.has(.overseer) && withinJurisdiction
                ? .allow : .deny("only overseers of the buyer's jurisdiction open and close monitoring cases")
        case .answerMonitoring:
            return actor.organisationKind.isBuyer && actor.has(.buyer) && ownOrganisation
                ? .allow : .deny("only the buyer's own staff answer the monitoring cases on its purchases")
        case .readRedFlags:
            return actor.has(.overseer) && withinJurisdiction
                ? .allow : .deny("only overseers of the buyer's jurisdiction and administrators read its red flags")
        case .decideComplaint:
            return actor.has(.overseer) && withinJurisdiction
                ? .allow : .deny("only overseers of the buyer's jurisdiction decide escalated complaints")
        case .manageLocalDetails:
            // Buying offices of the jurisdiction or one above it keep its local details.
            return actor.organisationKind.isBuyer && actor.has(.buyer) && withinJurisdiction
                ? .allow : .deny("only the offices of this jurisdiction or one above it may do this")
        case .manageSites:
            // The county's (or street's) own offices keep the sites of their jurisdiction and below it.
            return actor.organisationKind.isBuyer && actor.has(.buyer) && withinJurisdiction
                ? .allow : .deny("only the offices of the site's jurisdiction or one above it register and edit its sites")
        case .readSiteStaff:
            return (actor.organisationKind.isBuyer && actor.has(.buyer) || actor.has(.overseer)) && withinJurisdiction
                ? .allow : .deny("a site's staff are named only to the offices and overseers of its jurisdiction")
        case .workServiceRequest:
            return assigned ? .allow : .deny("only the staff on duty at the site where the case waits act on it")
        case .readServiceRequest:
            if assigned { return .allow }
            return (actor.organisationKind.isBuyer && actor.has(.buyer) || actor.has(.overseer)) && withinJurisdiction
                ? .allow : .deny("a case is read by the staff of its sites and the offices and overseers of its jurisdiction")
        case .readApplicant:
            return assigned ? .allow : .deny("an applicant's personal data is shown only to the staff of the case's sites")
        // Grassroots: standards
        case .keepSiteStandards:
            return actor.organisationKind.isBuyer && actor.has(.buyer) && withinJurisdiction
                ? .allow : .deny("only the offices of the standard's jurisdiction or one above it keep its site standards")
        case .inspectSites:
            return actor.organisationKind.isBuyer && actor.has(.buyer) && withinJurisdiction
                ? .allow : .deny("only the offices of the jurisdiction whose standard grades the site, or one above it, inspect it")
        case .manageCatalogue:
            // A jurisdiction's finance office keeps its list and those of the jurisdictions below it.
            return actor.organisationKind == .financeOffice && actor.has(.buyer) && withinJurisdiction
                ? .allow : .deny("only the finance offices of this jurisdiction or one above it keep its catalogue")
        case .manageJurisdictions, .createOrganisation, .manageReferenceLists:
            return .deny("only platform administrators may do this")
        case .keepCalendar:
            return .deny("only the platform's administrators load the working calendar")
        case .runTraining:
            return .deny("only the training instance's administrators move its clock")
        case .updateOrganisation, .manageUsers:
            return actor.has(.orgAdmin) && ownOrganisation ? .allow : .deny("only this organisation's administrators may do this")
        case .readUsers:
            return ownOrganisation ? .allow : .deny("only members of this organisation may see its users")
        case .readAuditTrail:
            if ownOrganisation { return .allow }
            return actor.has(.overseer) && withinJurisdiction ? .allow : .deny("only overseers of this jurisdiction may read this trail")
        }
    }

    /// Throws `forbidden` (or `unauthenticated` when nobody is signed in) unless allowed.
    public static func authorize(_ actor: Actor?, _ action: Action, _ resource: Resource) throws(DomainError) {
        if case .deny(let reason) = decide(actor, action, resource) {
            throw actor == nil ? .unauthenticated(reason) : .forbidden(reason)
        }
    }
}
