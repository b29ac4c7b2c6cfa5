import Core
import Foundation
import Incubation
import OpenAPIRuntime
import Payments
import SpokesAPI

/// Withdrawals, seed grants, space and the ledger's balances in the JSON API.
extension APIHandler {
    func withdrawApplication(_ input: Operations.WithdrawApplication.Input) async throws -> Operations.WithdrawApplication.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let (withdrawn, promoted) = try await programmes.withdraw(by: try signedIn(), applicationID: try uuid(input.path.applicationId, "applicationId"),
                                                                  reason: body.reason)
        let mapped = try await mapped([withdrawn] + (promoted.map { [$0] } ?? []))
        return .ok(.init(body: .json(.init(withdrawn: mapped[0], promoted: mapped.count > 1 ? mapped[1] : nil))))
    }

    func listSeedGrants(_ input: Operations.ListSeedGrants.Input) async throws -> Operations.ListSeedGrants.Output {
        .ok(.init(body: .json(try await seedGrants.grants(of: try uuid(input.path.organisationId, "organisationId")).map(Components.Schemas.SeedGrant.init))))
    }

    func awardSeedGrant(_ input: Operations.AwardSeedGrant.Input) async throws -> Operations.AwardSeedGrant.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let grant = try await seedGrants.award(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"),
                                               purchaseLineID: try uuid(body.purchaseLineId, "purchaseLineId"), amount: Money(minorUnits: body.amountFen),
                                               purpose: body.purpose)
        return .created(.init(body: .json(.init(grant))))
    }

    func listGrantsAwaitingPayment(_ input: Operations.ListGrantsAwaitingPayment.Input) async throws -> Operations.ListGrantsAwaitingPayment.Output {
        .ok(.init(body: .json(try await seedGrants.awaitingPayment(by: try signedIn()).map(Components.Schemas.SeedGrant.init))))
    }

    func paySeedGrant(_ input: Operations.PaySeedGrant.Input) async throws -> Operations.PaySeedGrant.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let grant = try await seedGrants.pay(by: try signedIn(), grantID: try uuid(input.path.grantId, "grantId"), treasuryReference: body.treasuryReference,
                                             paidOn: body.paidOn)
        return .ok(.init(body: .json(.init(grant))))
    }

    func cancelSeedGrant(_ input: Operations.CancelSeedGrant.Input) async throws -> Operations.CancelSeedGrant.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let grant = try await seedGrants.cancel(by: try signedIn(), grantID: try uuid(input.path.grantId, "grantId"), reason: body.reason)
        return .ok(.init(body: .json(.init(grant))))
    }

    func listSpaces(_ input: Operations.ListSpaces.Input) async throws -> Operations.ListSpaces.Output {
        .ok(.init(body: .json(try await incubation.spaces().map { .init(space: .init($0.space), allocations: $0.allocations.map(Components.Schemas.SpaceAllocation.init)) })))
    }

    func addSpace(_ input: Operations.AddSpace.Input) async throws -> Operations.AddSpace.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let space = try await incubation.addSpace(by: try signedIn(), name: body.name, kind: Space.Kind(rawValue: body.kind.rawValue) ?? .desk)
        return .created(.init(body: .json(.init(space))))
    }

    func allocateSpace(_ input: Operations.AllocateSpace.Input) async throws -> Operations.AllocateSpace.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let allocation = try await incubation.allocate(by: try signedIn(), spaceID: try uuid(input.path.spaceId, "spaceId"),
                                                       organisationID: try uuid(body.organisationId, "organisationId"), from: body.from, to: body.to)
        return .created(.init(body: .json(.init(allocation))))
    }

    func handBackSpace(_ input: Operations.HandBackSpace.Input) async throws -> Operations.HandBackSpace.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let allocation = try await incubation.handBack(by: try signedIn(), allocationID: try uuid(input.path.allocationId, "allocationId"), on: body.on)
        return .ok(.init(body: .json(.init(allocation))))
    }

    func getBudgetLineBalance(_ input: Operations.GetBudgetLineBalance.Input) async throws -> Operations.GetBudgetLineBalance.Output {
        let b = try await ledger.balance(of: try uuid(input.path.lineId, "lineId"), by: actor)
        return .ok(.init(body: .json(.init(lineId: b.lineID.lowercased, buyerId: b.buyerID.lowercased, budgetFen: b.budget.minorUnits,
                                           committedFen: b.committed.minorUnits, paidFen: b.paid.minorUnits, uncommittedFen: b.uncommitted.minorUnits))))
    }
}

extension Components.Schemas.SeedGrant {
    init(_ g: SeedGrant) {
        self.init(id: g.id.lowercased, organisationId: g.organisationID.lowercased, purchaseLineId: g.purchaseLineID.lowercased,
                  commitmentId: g.commitmentID.lowercased, amountFen: g.amount.minorUnits, purpose: g.purpose, status: .init(rawValue: g.status.rawValue) ?? .awarded,
                  awardedAt: g.awardedAt, treasuryReference: g.treasuryReference, paidOn: g.paidOn, closedReason: g.closedReason)
    }
}

extension Components.Schemas.Space {
    init(_ s: Space) { self.init(id: s.id.lowercased, name: s.name, kind: .init(rawValue: s.kind.rawValue) ?? .desk) }
}

extension Components.Schemas.SpaceAllocation {
    init(_ a: SpaceAllocation) {
        self.init(id: a.id.lowercased, spaceId: a.spaceID.lowercased, organisationId: a.organisationID.lowercased, from: a.from, to: a.to,
                  handedBackOn: a.handedBackOn)
    }
}
