import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// Third-party evaluation (DOMAIN.md §7): the buyer engages an institution for a contract, the
/// institution's administrator assigns its evaluators, and `resource(of:)` carries them to the policy,
/// which lets only them sign off, grade and read the contract's evidence.
extension ContractService {
    /// The policy's view of a contract: the buyer owns it in the buyer's jurisdiction, the supplier is
    /// the other party, and the evaluators assigned under its open engagement are its assignees.
    func resource(of contract: Contract, _ connection: PostgresConnection) async throws -> Resource {
        let buyer = try await identity.resource(of: contract.buyerID)
        return Resource(organisationID: contract.buyerID, jurisdictionPath: buyer.jurisdictionPath, parties: [contract.supplierID],
                        assignees: try await store(connection).assignedEvaluators(ofContract: contract.id))
    }

    /// Refused unless the actor is the contract's buyer's staff: a form asks this before it reads its fields.
    public func authorizeManaging(by actor: Actor, contractID: UUID) async throws {
        let contract = try await database.read { connection in
            guard let contract = try await store(connection).contract(id: contractID), try await mayRead(contract, actor, connection) else {
                throw DomainError.notFound("no contract has id \(contractID.lowercased)")
            }
            return contract
        }
        try Policy.authorize(actor, .manageContract, Resource(organisationID: contract.buyerID))
    }

    /// The buyer engages an evaluation institution for a draft or running contract; one at a time.
    public func engage(by actor: Actor, contractID: UUID, _ input: EngagementInput) async throws -> Engagement {
        let now = clock.now()
        return try await database.transaction { connection in
            let contract = try await lockedContract(contractID, connection)
            try Policy.authorize(actor, .manageContract, Resource(organisationID: contract.buyerID))
            var check = Validator()
            let institution = try? await identity.organisation(id: input.institutionID)
            check.check(institution?.kind == .evaluationInstitution, "institutionId", "is not an evaluation institution")
            check.check(WorkingCalendar.isDay(input.startsOn), "startsOn", "must be a day as yyyy-MM-dd")
            check.check(WorkingCalendar.isDay(input.endsOn), "endsOn", "must be a day as yyyy-MM-dd")
            if WorkingCalendar.isDay(input.startsOn) && WorkingCalendar.isDay(input.endsOn) {
                check.check(input.endsOn >= input.startsOn, "endsOn", "must not be before the start \(input.startsOn)")
                check.check(input.endsOn >= contract.startsOn, "endsOn", "must not end before the contract starts on \(contract.startsOn)")
            }
            if let fee = input.fee { check.money(fee, "fee", allowZero: true) }
            try check.finish()
            guard contract.status == .draft || contract.status == .signed else {
                throw DomainError.conflict("contract \(contract.reference) is \(contract.status): no evaluation institution is engaged for it now")
            }
            let store = store(connection)
            if let open = try await store.engagements(ofContract: contractID).last(where: \.isOpen) {
                throw DomainError.conflict("contract \(contract.reference) has an open engagement (\(open.id.lowercased)): end it before engaging another institution")
            }
            let engagement = Engagement(id: UUID.v7(at: now), contractID: contractID, institutionID: input.institutionID, startsOn: input.startsOn,
                                        endsOn: input.endsOn, fee: input.fee, engagedBy: actor.userID, engagedAt: now, endedAt: nil, evaluators: [])
            try await store.insert(engagement)
            try await audit(connection, actor, "contract.institution_engaged", contractID, before: nil as Engagement?, after: engagement)
            return engagement
        }
    }

    /// The buyer ends an engagement: its evaluators lose the contract from then on.
    public func endEngagement(by actor: Actor, engagementID: UUID) async throws -> Engagement {
        let now = clock.now()
        return try await database.transaction { connection in
            let (contract, before) = try await lockedEngagement(engagementID, connection)
            try Policy.authorize(actor, .manageContract, Resource(organisationID: contract.buyerID))
            guard before.isOpen else { throw DomainError.conflict("the engagement ended already") }
            try await store(connection).end(engagementID: engagementID, by: actor.userID, at: now)
            var after = before
            after.endedAt = now
            try await audit(connection, actor, "contract.engagement_ended", contract.id, before: before, after: after)
            return after
        }
    }

    /// The institution's administrator assigns one of its evaluators, independent of both parties.
    public func assignEvaluator(by actor: Actor, engagementID: UUID, evaluatorID: UUID) async throws -> Engagement {
        let now = clock.now()
        return try await database.transaction { connection in
            let (contract, before) = try await lockedEngagement(engagementID, connection)
            try Policy.authorize(actor, .assignEvaluators, Resource(organisationID: before.institutionID))
            guard before.isOpen else { throw DomainError.conflict("the engagement ended: nobody is assigned to it any more") }
            let evaluator = try? await identity.user(id: evaluatorID)
            guard let evaluator, evaluator.organisationID == before.institutionID, evaluator.roles.contains(.evaluator), !evaluator.disabled else {
                throw DomainError.invalid([FieldError("evaluatorId", "is not an evaluator of this institution")])
            }
            if let tie = try await identity.ties(of: evaluatorID).first(where: { contract.isParty($0.organisationID) }) {
                let organisation = try await identity.organisation(id: tie.organisationID)
                throw DomainError.invalid([FieldError("evaluatorId", "is tied to \(organisation.nameZh) (\(tie.relation)), a party to contract \(contract.reference)")])
            }
            let store = store(connection)
            try await store.assign(evaluatorID, to: engagementID, by: actor.userID, at: now)
            guard let after = try await store.engagement(id: engagementID) else { throw DomainError.notFound("no engagement has id \(engagementID.lowercased)") }
            try await audit(connection, actor, "contract.evaluator_assigned", contract.id, before: before, after: after)
            return after
        }
    }

    /// The institution's administrator takes an assignment away.
    public func unassignEvaluator(by actor: Actor, engagementID: UUID, evaluatorID: UUID) async throws -> Engagement {
        try await database.transaction { connection in
            let (contract, before) = try await lockedEngagement(engagementID, connection)
            try Policy.authorize(actor, .assignEvaluators, Resource(organisationID: before.institutionID))
            guard before.evaluators.contains(where: { $0.userID == evaluatorID }) else {
                throw DomainError.notFound("evaluator \(evaluatorID.lowercased) is not assigned to this engagement")
            }
            let store = store(connection)
            try await store.unassign(evaluatorID, from: engagementID)
            guard let after = try await store.engagement(id: engagementID) else { throw DomainError.notFound("no engagement has id \(engagementID.lowercased)") }
            try await audit(connection, actor, "contract.evaluator_unassigned", contract.id, before: before, after: after)
            return after
        }
    }

    /// A contract's engagements, for whoever may read the contract (which institution evaluates a
    /// published contract is public).
    public func engagements(ofContract contractID: UUID, by actor: Actor?) async throws -> [Engagement] {
        try await database.read { connection in
            guard let contract = try await store(connection).contract(id: contractID), try await mayRead(contract, actor, connection) else {
                throw DomainError.notFound("no contract has id \(contractID.lowercased)")
            }
            return try await store(connection).engagements(ofContract: contractID)
        }
    }

    /// The engagements of the actor's institution, newest first: its staff's work list.
    public func engagements(of actor: Actor) async throws -> [EngagementWork] {
        guard actor.organisationKind == .evaluationInstitution else {
            throw DomainError.forbidden("only the staff of an evaluation institution have engagements")
        }
        return try await database.read { try await store($0).engagements(ofInstitution: actor.organisationID) }
    }

    /// The engagement and its contract, both locked (the contract's row first, as every change to it).
    private func lockedEngagement(_ id: UUID, _ connection: PostgresConnection) async throws -> (Contract, Engagement) {
        let store = store(connection)
        guard let found = try await store.engagement(id: id) else { throw DomainError.notFound("no engagement has id \(id.lowercased)") }
        let contract = try await lockedContract(found.contractID, connection)
        return (contract, try await store.engagement(id: id, forUpdate: true) ?? found)
    }
}
