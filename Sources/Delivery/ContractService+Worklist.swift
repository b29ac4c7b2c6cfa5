import Core
import Foundation
import Identity
import Tendering

/// What the contracts page lists beside the contracts for the reader: the policy decides each part.
public struct ContractWorklist: Sendable {
    /// Milestones waiting for the reader as an assigned evaluator.
    public var signOffs: [SignOffTask] = []
    /// The reader's buyer's awards ready for a contract draft.
    public var readyForDraft: [ContractDraft] = []
    /// Signed contracts not published in time that the reader answers for or oversees.
    public var latePublications: [DeliveryAlert] = []
}

extension ContractService {
    public func worklist(for actor: Actor?) async throws -> ContractWorklist {
        var list = ContractWorklist()
        guard let actor else { return list }
        if (try? requireEvaluator(actor)) != nil { list.signOffs = try await awaitingSignOff(by: actor) }
        if Policy.decide(actor, .manageContract, Resource(organisationID: actor.organisationID)) == .allow {
            // The drafts list holds only awards without a contract.
            list.readyForDraft = try await awards.contractDrafts(limit: 500).filter { $0.buyerID == actor.organisationID }
        }
        list.latePublications = try await latePublications(for: actor)
        return list
    }

    /// Signed contracts not published within two working days that the actor answers for (the buyer's
    /// staff) or watches (overseers of the buyer's jurisdiction, administrators).
    public func latePublications(for actor: Actor) async throws -> [DeliveryAlert] {
        var visible: [DeliveryAlert] = []
        var buyers: [UUID: Bool] = [:]
        for alert in try await latePublications() {
            if buyers[alert.buyerID] == nil {
                let resource = try await identity.resource(of: alert.buyerID)
                buyers[alert.buyerID] = Policy.decide(actor, .manageContract, resource) == .allow || Policy.decide(actor, .monitor, resource) == .allow
            }
            if buyers[alert.buyerID] == true { visible.append(alert) }
        }
        return visible
    }

    /// The evaluators of the actor's institution its administrators may assign.
    public func assignableEvaluators(by actor: Actor) async throws -> [User] {
        try Policy.authorize(actor, .assignEvaluators, Resource(organisationID: actor.organisationID))
        return try await identity.users(of: actor.organisationID, by: actor).filter { $0.roles.contains(.evaluator) && !$0.disabled }
    }

    /// Of those, the ones the administrators may still assign to this engagement: not assigned yet and tied to
    /// neither party of its contract (assigning one of them would be refused).
    public func assignableEvaluators(by actor: Actor, to engagement: Engagement) async throws -> [User] {
        let candidates = try await assignableEvaluators(by: actor)
        guard let contract = try await database.read({ try await store($0).contract(id: engagement.contractID) }) else { return [] }
        let assigned = Set(engagement.evaluators.map(\.userID))
        var free: [User] = []
        for user in candidates where !assigned.contains(user.id) {
            if try await !identity.ties(of: user.id).contains(where: { contract.isParty($0.organisationID) }) { free.append(user) }
        }
        return free
    }
}
