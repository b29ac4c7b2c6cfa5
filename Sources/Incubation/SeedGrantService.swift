import Core
import Foundation
import Identity
import Payments
import PostgresNIO
import Store

/// Seed grants (启动资金): the incubator's staff award start-up money to an organisation in the
/// pipeline from a buyer's budget line of its jurisdiction, which commits that much of the line in the
/// ledger; the line's buyer records the treasury's payment; an unpaid grant may be cancelled, which
/// gives the money back to the line.
public struct SeedGrantService: Sendable {
    let database: Database
    let identity: IdentityService
    let ledger: LedgerService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, ledger: LedgerService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.ledger = ledger
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> SupportStore { SupportStore(connection: connection, logger: database.logger) }

    private func audit(_ connection: PostgresConnection, _ actor: Actor, _ action: String, _ grant: SeedGrant, before: SeedGrant?) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("organisation", grant.organisationID), before: before, after: grant, at: clock.now())
    }

    public func award(by actor: Actor, organisationID: UUID, purchaseLineID: UUID, amount: Money, purpose: String) async throws -> SeedGrant {
        let resource = try await identity.resource(of: organisationID)
        try Policy.authorize(actor, .manageIncubation, resource)
        var check = Validator()
        let purpose = check.text(purpose, "purpose", max: 1000)
        check.check(amount.minorUnits > 0 && amount <= SeedGrant.maximum, "amount", "must be more than ¥0.00 and at most \(SeedGrant.maximum.formatted)")
        try check.finish()
        // Earmarked money (专款专用): a grant comes only from a line budgeted for incubation, whatever a form offers.
        guard try await ledger.line(purchaseLineID).content.catalogueCode.hasPrefix(SeedGrant.incubationCode) else {
            throw DomainError.invalid([FieldError("purchaseLineId",
                                                  "is not an incubation line (catalogue \(SeedGrant.incubationCode), 社会组织孵化培育): seed grants come only from budget earmarked for incubation")])
        }
        let balance = try await ledger.balance(of: purchaseLineID)
        let buyer = try await identity.resource(of: balance.buyerID)
        guard let buyerJurisdiction = buyer.jurisdictionPath.last, resource.jurisdictionPath.contains(buyerJurisdiction) else {
            throw DomainError(.conflict, "the purchase line belongs to a buyer outside the organisation's jurisdiction; funds are spent where they were budgeted",
                              fields: [FieldError("purchaseLineId", "is not a budget line of the organisation's jurisdiction")])
        }
        let now = clock.now()
        return try await database.transaction { connection in
            guard try await IncubationStore(connection: connection, logger: database.logger).placements(of: organisationID).contains(where: { $0.leftAt == nil }) else {
                throw DomainError.conflict("the organisation is not in the pipeline; seed grants go to organisations in a stage")
            }
            let id = UUID.v7(at: now)
            let commitment = try await ledger.commit(amount, on: purchaseLineID, for: .seedGrant, source: id, by: actor, on: connection)
            let grant = SeedGrant(id: id, organisationID: organisationID, purchaseLineID: purchaseLineID, commitmentID: commitment.id, amount: amount,
                                  purpose: purpose, status: .awarded, awardedBy: actor.userID, awardedAt: now)
            try await store(connection).insert(grant)
            try await audit(connection, actor, "incubation.grant_awarded", grant, before: nil)
            return grant
        }
    }

    /// The line's buyer records the treasury's payment of the whole grant. Recording the same
    /// reference again returns the grant as it is.
    public func pay(by actor: Actor, grantID: UUID, treasuryReference: String, paidOn: String) async throws -> SeedGrant {
        try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.grant(id: grantID) else { throw DomainError.notFound("no seed grant has id \(grantID.lowercased)") }
            // Who may pay is decided before anything about the payment is checked or said.
            try Policy.authorize(actor, .recordPayment, Resource(organisationID: try await ledger.balance(of: before.purchaseLineID).buyerID))
            if before.status == .paid && before.treasuryReference == treasuryReference.trimmingCharacters(in: .whitespaces) {
                return before
            }
            guard before.status == .awarded else { throw DomainError.conflict("the seed grant is \(before.status) already") }
            let (disbursement, _) = try await ledger.disburse(before.amount, from: before.commitmentID, reference: treasuryReference, paidOn: paidOn,
                                                              by: actor, on: connection)
            var after = before
            after.status = .paid
            after.treasuryReference = disbursement.treasuryReference
            after.paidOn = disbursement.paidOn
            try await store.update(after)
            try await audit(connection, actor, "incubation.grant_paid", after, before: before)
            return after
        }
    }

    /// Staff cancel a grant not yet paid, with a reason; its money goes back to the line.
    public func cancel(by actor: Actor, grantID: UUID, reason: String) async throws -> SeedGrant {
        var check = Validator()
        let reason = check.text(reason, "reason", max: 1000)
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.grant(id: grantID) else { throw DomainError.notFound("no seed grant has id \(grantID.lowercased)") }
            try Policy.authorize(actor, .manageIncubation, try await identity.resource(of: before.organisationID))
            guard before.status == .awarded else { throw DomainError.conflict("only an unpaid grant may be cancelled; this one is \(before.status)") }
            _ = try await ledger.release(before.commitmentID, by: actor, on: connection)
            var after = before
            after.status = .cancelled
            after.closedReason = reason
            try await store.update(after)
            try await audit(connection, actor, "incubation.grant_cancelled", after, before: before)
            return after
        }
    }

    /// An organisation's grants, oldest first (public: public money).
    public func grants(of organisationID: UUID) async throws -> [SeedGrant] {
        try await database.read { try await store($0).grants(of: organisationID) }
    }

    /// The grants awarded from the actor's own budget lines and not yet paid: its payments to make.
    public func awaitingPayment(by actor: Actor) async throws -> [SeedGrant] {
        let awarded = try await database.read { try await store($0).grants(status: .awarded) }
        let lines = try await ledger.balances(of: awarded.map(\.purchaseLineID))
        return awarded.filter { lines[$0.purchaseLineID]?.buyerID == actor.organisationID }
    }
}
