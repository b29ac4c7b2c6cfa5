import Core
import Foundation
import Identity

/// What a reader may do with tenders, purchase lists and evaluations, as the policy decides: the pages
/// and the API ask these instead of testing roles.
public struct TenderActions: Sendable, Equatable {
    /// Draft tenders for their own buyer.
    public var draft = false
    /// Manage this tender: edit, publish, answer, seat the panel, decide (its buyer's staff).
    public var manage = false
    /// Bid for their own social organisation.
    public var bid = false
    /// Decide escalated complaints on this tender (overseers of the buyer's jurisdiction).
    public var decideComplaints = false
    /// Ask questions about this tender (anyone signed in but its buyer's staff, who answer them), while its enquiry period runs.
    public var ask = false
    public init() {}
}

extension TenderService {
    /// What the actor may do, in general and (given one) with a tender.
    public func actions(on tender: Tender? = nil, for actor: Actor?) async throws -> TenderActions {
        var may = TenderActions()
        guard let actor else { return may }
        may.draft = Policy.decide(actor, .manageTender, Resource(organisationID: actor.organisationID)) == .allow
        may.bid = Policy.decide(actor, .submitBid, Resource(organisationID: actor.organisationID)) == .allow
        if let tender {
            may.manage = Policy.decide(actor, .manageTender, Resource(organisationID: tender.buyerID)) == .allow
            may.decideComplaints = Policy.decide(actor, .decideComplaint, try await identity.resource(of: tender.buyerID)) == .allow
            may.ask = Policy.decide(actor, .askQuestion, .platform) == .allow && actor.organisationID != tender.buyerID
        }
        return may
    }

    /// Refused unless the actor may open the tender editor: for a new tender of their own buyer, or this one.
    public func authorizeEditor(by actor: Actor, tender: Tender? = nil) throws(DomainError) {
        try Policy.authorize(actor, .manageTender, Resource(organisationID: tender?.buyerID ?? actor.organisationID))
    }
}

extension PurchaseListService {
    /// The actor's own organisation when they may keep its purchase list.
    public func ownList(of actor: Actor?) -> UUID? {
        guard let actor else { return nil }
        return Policy.decide(actor, .managePurchaseList, Resource(organisationID: actor.organisationID)) == .allow ? actor.organisationID : nil
    }
}
