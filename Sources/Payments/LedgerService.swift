import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tendering

/// The ledger of earmarked funds. Other modules commit and pay through it inside their own
/// transaction (a seed grant, a contract), so the money moves with the decision that moves it or not at
/// all. Each line is locked while it is written: two commitments cannot both take the last of a line.
public struct LedgerService: Sendable {
    let database: Database
    let purchaseLists: PurchaseListService
    let clock: any SpokesClock

    public init(database: Database, purchaseLists: PurchaseListService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.purchaseLists = purchaseLists
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> LedgerStore { LedgerStore(connection: connection, logger: database.logger) }

    /// Reserves `amount` of a purchase line for a grant or contract; refused when it would exceed what
    /// the line has left. The caller has decided the actor may spend from this line.
    public func commit(_ amount: Money, on lineID: UUID, for purpose: Commitment.Purpose, source: UUID, by actor: Actor,
                       on connection: PostgresConnection) async throws -> Commitment {
        guard amount.minorUnits > 0 else { throw DomainError.invalid([FieldError("amount", "must be more than ¥0.00")]) }
        let line = try await purchaseLists.line(id: lineID)
        let store = store(connection)
        let balance = try await store.lockLine(lineID, buyerID: line.buyerID, budget: line.content.budget)
        // The buyer may have changed the line's budget since: the current figure counts.
        let remaining = line.content.budget.minorUnits - balance.committed.minorUnits
        guard amount.minorUnits <= remaining else {
            throw DomainError(.conflict, "the purchase line \(line.content.reference) has \(Money(minorUnits: max(remaining, 0)).formatted) uncommitted; "
                              + "\(amount.formatted) would exceed its budget of \(line.content.budget.formatted)",
                              fields: [FieldError("amount", "exceeds what remains of the budget line")])
        }
        let commitment = Commitment(id: UUID.v7(at: clock.now()), lineID: lineID, purpose: purpose, sourceID: source, amount: amount,
                                    paid: Money(minorUnits: 0), committedAt: clock.now())
        try await store.adjust(lineID, budget: line.content.budget, committed: amount.minorUnits)
        try await store.insert(commitment)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "ledger.committed",
                                  entity: AuditEntity("budget_line", lineID), before: balance, after: commitment, at: clock.now())
        return commitment
    }

    /// Gives back to the line what a commitment has not paid (a grant cancelled, a contract terminated).
    public func release(_ commitmentID: UUID, by actor: Actor, on connection: PostgresConnection) async throws -> Commitment {
        let store = store(connection)
        guard let before = try await store.commitment(id: commitmentID) else { throw DomainError.notFound("no commitment has id \(commitmentID.lowercased)") }
        _ = try await store.balance(before.lineID, forUpdate: true)
        guard let commitment = try await store.commitment(id: commitmentID) else { throw DomainError.notFound("no commitment has id \(commitmentID.lowercased)") }
        var after = commitment
        after.amount = commitment.paid
        try await store.adjust(commitment.lineID, committed: -(commitment.amount.minorUnits - commitment.paid.minorUnits))
        try await store.setCommitment(commitmentID, amount: after.amount, paid: after.paid)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "ledger.released",
                                  entity: AuditEntity("budget_line", commitment.lineID), before: commitment, after: after, at: clock.now())
        return after
    }

    /// Records money the treasury paid against a commitment, from the commitment's own line.
    /// Idempotent by the treasury's reference: the same payment recorded again returns the first
    /// (`created` false); the same reference for a different payment is refused.
    public func disburse(_ amount: Money, from commitmentID: UUID, reference: String, paidOn: String, by actor: Actor,
                         on connection: PostgresConnection) async throws -> (disbursement: Disbursement, created: Bool) {
        var check = Validator()
        check.check(amount.minorUnits > 0, "amount", "must be more than ¥0.00")
        let reference = reference.trimmingCharacters(in: .whitespaces)
        check.check(Disbursement.isReference(reference), "treasuryReference", "must be 4–40 letters, digits or hyphens, as the treasury wrote it")
        check.check(WorkingCalendar.isDay(paidOn), "paidOn", "must be a day as yyyy-MM-dd")
        if WorkingCalendar.isDay(paidOn) { check.check(paidOn <= WorkingCalendar().dayKey(clock.now()), "paidOn", "cannot be in the future") }
        try check.finish()
        let store = store(connection)
        guard let unlocked = try await store.commitment(id: commitmentID) else { throw DomainError.notFound("no commitment has id \(commitmentID.lowercased)") }
        guard let balance = try await store.balance(unlocked.lineID, forUpdate: true) else { throw DomainError.notFound("the commitment's line is not in the ledger") }
        try Policy.authorize(actor, .recordPayment, Resource(organisationID: balance.buyerID))
        if let existing = try await store.disbursement(lineID: balance.lineID, reference: reference) {
            guard existing.commitmentID == commitmentID && existing.amount == amount else {
                throw DomainError(.conflict, "the treasury reference \(reference) records another payment on this line",
                                  fields: [FieldError("treasuryReference", "is the reference of another payment")])
            }
            return (existing, false)
        }
        let commitment = try await store.commitment(id: commitmentID)!
        let unpaid = commitment.amount.minorUnits - commitment.paid.minorUnits
        guard amount.minorUnits <= unpaid else {
            throw DomainError(.conflict, "\(amount.formatted) is more than the \(Money(minorUnits: unpaid).formatted) committed and unpaid",
                              fields: [FieldError("amount", "exceeds what is committed and unpaid")])
        }
        let disbursement = Disbursement(id: UUID.v7(at: clock.now()), commitmentID: commitmentID, lineID: commitment.lineID, amount: amount,
                                        treasuryReference: reference, paidOn: paidOn, recordedBy: actor.userID, recordedAt: clock.now())
        try await store.insert(disbursement)
        try await store.setCommitment(commitmentID, amount: commitment.amount, paid: Money(minorUnits: commitment.paid.minorUnits + amount.minorUnits))
        try await store.adjust(commitment.lineID, paid: amount.minorUnits)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "ledger.paid",
                                  entity: AuditEntity("budget_line", commitment.lineID), before: commitment, after: disbursement, at: clock.now())
        return (disbursement, true)
    }

    /// Corrects the day a payment was keyed with (the caller has checked the day against what the payment
    /// pays for); the amount, reference and line stay. Audited on the line with the reason.
    func redate(_ disbursementID: UUID, paidOn: String, reason: String, by actor: Actor, on connection: PostgresConnection) async throws -> Disbursement {
        let store = store(connection)
        guard let before = try await store.disbursement(id: disbursementID) else {
            throw DomainError.notFound("no payment has id \(disbursementID.lowercased)")
        }
        var after = before
        after.paidOn = paidOn
        try await store.redate(disbursementID: disbursementID, paidOn: paidOn)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "ledger.payment_redated",
                                  entity: AuditEntity("budget_line", before.lineID), before: before,
                                  after: PaymentDateCorrection(payment: after, reason: reason), at: clock.now())
        return after
    }

    /// Records money paid back into a commitment's line (a recovery repaid): the commitment and the
    /// line have that much less paid. Idempotent by the treasury's reference, like a payment.
    public func refund(_ amount: Money, to commitmentID: UUID, reference: String, receivedOn: String, by actor: Actor,
                       on connection: PostgresConnection) async throws -> Refund {
        var check = Validator()
        check.check(amount.minorUnits > 0, "amount", "must be more than ¥0.00")
        let reference = reference.trimmingCharacters(in: .whitespaces)
        check.check(Disbursement.isReference(reference), "treasuryReference", "must be 4–40 letters, digits or hyphens, as the treasury wrote it")
        check.check(WorkingCalendar.isDay(receivedOn), "receivedOn", "must be a day as yyyy-MM-dd")
        if WorkingCalendar.isDay(receivedOn) { check.check(receivedOn <= WorkingCalendar().dayKey(clock.now()), "receivedOn", "cannot be in the future") }
        try check.finish()
        let store = store(connection)
        guard let unlocked = try await store.commitment(id: commitmentID) else { throw DomainError.notFound("no commitment has id \(commitmentID.lowercased)") }
        guard let balance = try await store.balance(unlocked.lineID, forUpdate: true) else { throw DomainError.notFound("the commitment's line is not in the ledger") }
        try Policy.authorize(actor, .recordPayment, Resource(organisationID: balance.buyerID))
        if let existing = try await store.refund(lineID: balance.lineID, reference: reference) {
            guard existing.commitmentID == commitmentID && existing.amount == amount else {
                throw DomainError(.conflict, "the treasury reference \(reference) records another refund on this line",
                                  fields: [FieldError("treasuryReference", "is the reference of another refund")])
            }
            return existing
        }
        let commitment = try await store.commitment(id: commitmentID)!
        guard amount <= commitment.paid else {
            throw DomainError.conflict("\(amount.formatted) is more than the \(commitment.paid.formatted) paid from this commitment")
        }
        let refund = Refund(id: UUID.v7(at: clock.now()), commitmentID: commitmentID, lineID: commitment.lineID, amount: amount,
                            treasuryReference: reference, receivedOn: receivedOn, recordedBy: actor.userID, recordedAt: clock.now())
        try await store.insert(refund)
        try await store.setCommitment(commitmentID, amount: commitment.amount, paid: Money(minorUnits: commitment.paid.minorUnits - amount.minorUnits))
        try await store.adjust(commitment.lineID, paid: -amount.minorUnits)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "ledger.refunded",
                                  entity: AuditEntity("budget_line", commitment.lineID), before: commitment, after: refund, at: clock.now())
        return refund
    }

    public func commitment(id: UUID) async throws -> Commitment? {
        try await database.read { try await store($0).commitment(id: id) }
    }

    // MARK: Reading

    /// The line's balance; a line nothing has been committed against yet shows its whole budget free.
    /// The purchase line itself: its catalogue code says what its money may buy (专款专用).
    public func line(_ lineID: UUID) async throws -> PurchaseLine {
        try await purchaseLists.line(id: lineID)
    }

    public func balance(of lineID: UUID) async throws -> BudgetLineBalance {
        if let balance = try await database.read({ try await store($0).balance(lineID) }) { return balance }
        let line = try await purchaseLists.line(id: lineID)
        return BudgetLineBalance(lineID: lineID, buyerID: line.buyerID, budget: line.content.budget, committed: Money(minorUnits: 0),
                                 paid: Money(minorUnits: 0))
    }

    /// The line's balance for a reader: public, as the purchase list is (the policy decides). Other modules'
    /// services read `balance(of:)` for their own rules.
    public func balance(of lineID: UUID, by actor: Actor?) async throws -> BudgetLineBalance {
        let balance = try await balance(of: lineID)
        try Policy.authorize(actor, .readPurchaseLists, Resource(organisationID: balance.buyerID))
        return balance
    }

    /// The balances of the lines that something has been committed against, in one read.
    public func balances(of lineIDs: [UUID]) async throws -> [UUID: BudgetLineBalance] {
        guard !lineIDs.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await database.read { try await store($0).balances(Array(Set(lineIDs))) }.map { ($0.lineID, $0) })
    }

    public func commitments(on lineID: UUID) async throws -> [Commitment] {
        try await database.read { try await store($0).commitments(lineID: lineID) }
    }

    public func disbursements(of commitmentID: UUID) async throws -> [Disbursement] {
        try await database.read { try await store($0).disbursements(commitmentID: commitmentID) }
    }

    /// The lines whose running totals disagree with their entries; empty when the ledger balances.
    public func unbalancedLines() async throws -> [UUID] {
        try await database.read { try await store($0).unbalancedLines() }
    }
}
