import Core
import Delivery
import Foundation

/// A claim waiting for someone, with its contract.
public struct ClaimTask: Sendable, Equatable {
    public var claim: Claim
    public var contract: Contract
}

/// A recovery not yet settled, with its contract, and whether the reader may record its repayment.
public struct RecoveryTask: Sendable, Equatable {
    public var recovery: Recovery
    public var contract: Contract
    public var mayRepay: Bool
}

/// The signed-in user's payment worklists: claims to decide, claims to pay and recoveries open, over the
/// contracts of the actor's own organisation. Each list is refused (401 for a visitor, 403 for a caller
/// whose organisation could never act on one) before anything is read, and each item is kept only when the
/// policy lets the actor take its next step on that contract's buyer (or, for a recovery, owe it as the
/// supplier). The `/payments` page and the API read the same lists.
public struct PaymentWorklists: Sendable {
    let contracts: ContractService
    let payments: ContractPaymentService

    public init(contracts: ContractService, payments: ContractPaymentService) {
        self.contracts = contracts
        self.payments = payments
    }

    /// Claims waiting for the buyer's approval or rejection: the buyer's own staff, oldest first.
    public func claimsToApprove(for actor: Actor?) async throws -> [ClaimTask] {
        try Policy.authorize(actor, .manageContract, Resource(organisationID: actor?.organisationID))
        return try await claims(of: try await ownContracts(actor!) { Policy.decide(actor, .manageContract, Resource(organisationID: $0.buyerID)) == .allow })
            .filter { $0.claim.status == .claimed }
    }

    /// Approved claims waiting for the treasury's payment to be recorded: the buyer's own staff, oldest first.
    public func paymentsToMake(for actor: Actor?) async throws -> [ClaimTask] {
        try Policy.authorize(actor, .recordPayment, Resource(organisationID: actor?.organisationID))
        return try await claims(of: try await ownContracts(actor!) { Policy.decide(actor, .recordPayment, Resource(organisationID: $0.buyerID)) == .allow })
            .filter { $0.claim.status == .approved }
    }

    /// Overpayments to recover that are still open: the buyer's staff record the repayment, the supplier's staff see
    /// what their organisation owes. Oldest first.
    public func recoveriesOpen(for actor: Actor?) async throws -> [RecoveryTask] {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        let own = Resource(organisationID: actor.organisationID)
        guard Policy.decide(actor, .recordPayment, own) == .allow || Policy.decide(actor, .deliverContract, own) == .allow else {
            throw DomainError.forbidden("only the buyer's staff who record repayments and the supplier's staff who owe them see open recoveries")
        }
        let mayRepay = { (contract: Contract) in Policy.decide(actor, .recordPayment, Resource(organisationID: contract.buyerID)) == .allow }
        let owes = { (contract: Contract) in Policy.decide(actor, .deliverContract, Resource(organisationID: contract.supplierID)) == .allow }
        let contracts = try await ownContracts(actor) { mayRepay($0) || owes($0) }
        guard !contracts.isEmpty else { return [] }
        let byID = Dictionary(uniqueKeysWithValues: contracts.map { ($0.id, $0) })
        let recoveries = try await payments.money(of: contracts.map(\.id)).recoveries.values.flatMap { $0 }
        return recoveries.filter { $0.status == .open }
            .sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
            .map { RecoveryTask(recovery: $0, contract: byID[$0.contractID]!, mayRepay: mayRepay(byID[$0.contractID]!)) }
    }

    /// The claims waiting on these contracts, oldest first.
    private func claims(of contracts: [Contract]) async throws -> [ClaimTask] {
        guard !contracts.isEmpty else { return [] }
        let byID = Dictionary(uniqueKeysWithValues: contracts.map { ($0.id, $0) })
        return try await payments.openClaims(of: contracts.map(\.id)).compactMap { claim in byID[claim.contractID].map { ClaimTask(claim: claim, contract: $0) } }
    }

    /// Every contract of the actor's own organisation (as buyer or supplier), a page at a time, that `keep` accepts.
    private func ownContracts(_ actor: Actor, keep: (Contract) -> Bool) async throws -> [Contract] {
        var result: [Contract] = []
        var after: UUID?
        while true {
            let page = try await contracts.contracts(for: actor, after: after, limit: 200)
            result += page.filter(keep)
            guard page.count == 200, let last = page.last else { return result }
            after = last.id
        }
    }
}
