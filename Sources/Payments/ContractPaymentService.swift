import Core
import Delivery
import Foundation
import PostgresNIO
import Store

/// The money side of contracts: the rate card, the payment calculation, claims (claim → approval →
/// payment through the ledger) and recoveries of overpayments. It is Delivery's `ContractFunding`,
/// so signing commits the line and a correcting sign-off opens a recovery in the same transaction.
public struct ContractPaymentService: ContractFunding {
    let database: Database
    let ledger: LedgerService
    let clock: any SpokesClock

    public init(database: Database, ledger: LedgerService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.ledger = ledger
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> ContractPaymentStore { ContractPaymentStore(connection: connection, logger: database.logger) }
    private func records(_ connection: PostgresConnection) -> ContractRecords { ContractRecords(connection: connection, logger: database.logger) }

    private func audit<T: Encodable & Sendable>(_ connection: PostgresConnection, _ actor: Actor, _ action: String, _ contractID: UUID,
                                                before: T?, after: T) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("contract", contractID), before: before, after: after, at: clock.now())
    }

    // MARK: Rate card

    /// The buyer prices the outcomes of a draft nobody has signed yet.
    public func setRateCard(by actor: Actor, contractID: UUID, maximum: Money, deliveryFeeBasisPoints: Int, capPerBeneficiary: Money?,
                            partialRule: RateCard.PartialRule, prices: [RateCard.Price]) async throws -> RateCard {
        try await database.transaction { connection in
            let contract = try await records(connection).lock(contractID)
            try Policy.authorize(actor, .manageContract, Resource(organisationID: contract.buyerID))
            guard contract.status == .draft && contract.buyerSignedAt == nil && contract.supplierSignedAt == nil else {
                throw DomainError.conflict("contract \(contract.reference) has a signature: its rate card cannot change")
            }
            let metrics = Set(try await records(connection).milestones(of: contractID).flatMap { $0.metrics.map(\.code) })
            let card = RateCard(contractID: contractID, maximum: maximum, deliveryFeeBasisPoints: deliveryFeeBasisPoints, capPerBeneficiary: capPerBeneficiary,
                                partialRule: partialRule, prices: prices, setBy: actor.userID, setAt: clock.now())
            let problems = card.problems(value: contract.value, metrics: metrics)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            let before = try await store(connection).rateCard(of: contractID)
            try await store(connection).upsert(card)
            try await audit(connection, actor, "contract.rate_card_set", contractID, before: before, after: card)
            return card
        }
    }

    func rateCard(of contractID: UUID) async throws -> RateCard? {
        try await database.read { try await store($0).rateCard(of: contractID) }
    }

    // MARK: ContractFunding

    public func checkReady(_ contract: Contract, milestones: [Milestone], on connection: PostgresConnection) async throws {
        guard let card = try await store(connection).rateCard(of: contract.id) else {
            throw DomainError.conflict("contract \(contract.reference) has no rate card yet: the buyer prices its outcomes before anyone signs")
        }
        let problems = card.problems(value: contract.value, metrics: Set(milestones.flatMap { $0.metrics.map(\.code) }))
        if let first = problems.first {
            throw DomainError(.conflict, "the rate card of contract \(contract.reference) does not fit its milestones: \(first.message)", fields: problems)
        }
    }

    public func fund(_ contract: Contract, by actor: Actor, on connection: PostgresConnection) async throws -> UUID {
        let card = try await store(connection).rateCard(of: contract.id)!
        return try await ledger.commit(card.maximum, on: contract.purchaseLineID, for: .contract, source: contract.id, by: actor, on: connection).id
    }

    public func payable(_ contract: Contract, outcomes: [MilestoneOutcome], on connection: PostgresConnection) async throws -> Money {
        try await calculate(contract.id, outcomes: outcomes, connection)?.payable ?? Money(minorUnits: 0)
    }

    public func settle(_ contract: Contract, outcomes: [MilestoneOutcome], signOff: SignOff, by actor: Actor, on connection: PostgresConnection) async throws {
        let store = store(connection)
        guard let card = try await store.rateCard(of: contract.id) else { return }
        let claims = try await store.claims(of: contract.id)
        var recoveries = try await store.recoveries(of: contract.id)
        // Only money that left the treasury is recovered; an unpaid claim above the new figure is
        // refused at approval instead.
        let paid = claims.filter { $0.status == .paid }.reduce(0) { $0 + $1.amount.minorUnits }
            - recoveries.filter { $0.status == .repaid }.reduce(0) { $0 + $1.amount.minorUnits }
        let earned = PaymentCalculator.calculate(card: card, outcomes: outcomes, claimed: Money(minorUnits: paid)).earned.minorUnits
        let open = recoveries.filter { $0.status == .open }.reduce(0) { $0 + $1.amount.minorUnits }
        let overpaid = max(paid - earned, 0)
        if overpaid > open, let lastPaid = claims.last(where: { $0.status == .paid }) {
            let recovery = Recovery(id: UUID.v7(at: clock.now()), contractID: contract.id, claimID: lastPaid.id, signOffID: signOff.id,
                                    amount: Money(minorUnits: overpaid - open),
                                    reason: "a corrected sign-off lowered what verified outcomes earn to \(Money(minorUnits: earned).formatted), "
                                        + "below the \(Money(minorUnits: paid).formatted) paid",
                                    status: .open, createdAt: clock.now())
            try await store.insert(recovery)
            try await audit(connection, actor, "contract.recovery_opened", contract.id, before: nil, after: recovery)
        } else if overpaid == 0 {
            try await offset(&recoveries, actor, connection)
        }
    }

    public func checkSettled(_ contract: Contract, on connection: PostgresConnection) async throws {
        let store = store(connection)
        if let open = try await store.claims(of: contract.id).first(where: { $0.status == .claimed || $0.status == .approved }) {
            throw DomainError.conflict("claim \(open.number) is \(open.status): settle it before completing the contract")
        }
        if let recovery = try await store.recoveries(of: contract.id).first(where: { $0.status == .open }) {
            throw DomainError.conflict("\(recovery.amount.formatted) is still to be recovered: record its repayment before completing the contract")
        }
        if let calculation = try await calculate(contract.id, connection), calculation.payable.minorUnits > 0 {
            throw DomainError.conflict("\(calculation.payable.formatted) is payable and not yet claimed: the supplier claims it before the contract completes")
        }
    }

    public func release(_ contract: Contract, by actor: Actor, on connection: PostgresConnection) async throws -> Money {
        guard let commitmentID = contract.commitmentID else { return Money(minorUnits: 0) }
        return try await ledger.release(commitmentID, by: actor, on: connection).paid
    }

    /// Later outcomes have earned back what was overpaid: open recoveries are settled by offset.
    private func offset(_ recoveries: inout [Recovery], _ actor: Actor, _ connection: PostgresConnection) async throws {
        for index in recoveries.indices where recoveries[index].status == .open {
            let before = recoveries[index]
            recoveries[index].status = .offset
            recoveries[index].settledAt = clock.now()
            try await store(connection).update(recoveries[index])
            try await audit(connection, actor, "contract.recovery_offset", before.contractID, before: before, after: recoveries[index])
        }
    }

    // MARK: Calculation

    /// Claims not rejected, less recoveries repaid.
    private func claimed(_ contractID: UUID, _ connection: PostgresConnection) async throws -> Money {
        let store = store(connection)
        return Self.claimed(try await store.claims(of: contractID), try await store.recoveries(of: contractID))
    }

    /// What was claimed (and not rejected), less what was repaid.
    static func claimed(_ claims: [Claim], _ recoveries: [Recovery]) -> Money {
        let claimed = claims.filter { $0.status != .rejected }.reduce(0) { $0 + $1.amount.minorUnits }
        let repaid = recoveries.filter { $0.status == .repaid }.reduce(0) { $0 + $1.amount.minorUnits }
        return Money(minorUnits: claimed - repaid)
    }

    private func calculate(_ contractID: UUID, outcomes: [MilestoneOutcome]? = nil, _ connection: PostgresConnection) async throws -> PaymentCalculation? {
        guard let card = try await store(connection).rateCard(of: contractID) else { return nil }
        var outcomes = outcomes
        if outcomes == nil { outcomes = try await records(connection).outcomes(of: contractID) }
        return PaymentCalculator.calculate(card: card, outcomes: outcomes!, claimed: try await claimed(contractID, connection))
    }

    /// Everything about a contract's money: rate card, the calculation now, claims, recoveries, and
    /// the ledger's commitment. The caller has decided the reader may see the contract.
    public func statement(of contractID: UUID) async throws -> ContractStatement {
        try await database.read { connection in
            let store = store(connection)
            let contract = try await records(connection).contract(contractID)
            var commitment: Commitment?
            if let id = contract?.commitmentID { commitment = try await LedgerStore(connection: connection, logger: database.logger).commitment(id: id) }
            // Each record read once: the calculation works on the same card, claims and recoveries the statement shows.
            let card = try await store.rateCard(of: contractID)
            let (claims, recoveries) = (try await store.claims(of: contractID), try await store.recoveries(of: contractID))
            var calculation: PaymentCalculation?
            if let card {
                calculation = PaymentCalculator.calculate(card: card, outcomes: try await records(connection).outcomes(of: contractID),
                                                          claimed: Self.claimed(claims, recoveries))
            }
            return ContractStatement(rateCard: card, calculation: calculation, claims: claims, recoveries: recoveries, commitment: commitment)
        }
    }

    /// The claims and recoveries of many contracts at once (for publishing what was paid and repaid).
    public func money(of contractIDs: [UUID]) async throws -> (claims: [UUID: [Claim]], recoveries: [UUID: [Recovery]]) {
        guard !contractIDs.isEmpty else { return ([:], [:]) }
        return try await database.read { connection in
            let store = store(connection)
            return (Dictionary(grouping: try await store.claims(of: contractIDs), by: \.contractID),
                    Dictionary(grouping: try await store.recoveries(of: contractIDs), by: \.contractID))
        }
    }

    /// The contracts with a claim recorded as paid on a day before it was claimed (days of `calendar`), for oversight.
    public func contractsPaidBeforeClaimed(calendar: WorkingCalendar) async throws -> [UUID] {
        try await database.read { try await store($0).contractsPaidBeforeClaimed(timeZone: calendar.timeZoneIdentifier) }
    }

    /// Claims of these contracts waiting for the buyer's decision or payment, oldest first (the worklists decide who reads them).
    func openClaims(of contractIDs: [UUID]) async throws -> [Claim] {
        guard !contractIDs.isEmpty else { return [] }
        return try await database.read { try await store($0).openClaims(contractIDs: contractIDs) }
    }

    // MARK: Claims

    /// The supplier claims what is payable now, with the calculation frozen in the claim. One claim
    /// waits at a time; a later claim nets anything open to recover.
    public func claim(by actor: Actor, contractID: UUID) async throws -> Claim {
        try await database.transaction { connection in
            let contract = try await records(connection).lock(contractID)
            try Policy.authorize(actor, .deliverContract, Resource(organisationID: contract.supplierID))
            guard contract.status == .signed else { throw DomainError.conflict("contract \(contract.reference) is \(contract.status): claims go on a running contract") }
            let store = store(connection)
            let claims = try await store.claims(of: contractID)
            if let open = claims.first(where: { $0.status == .claimed || $0.status == .approved }) {
                throw DomainError.conflict("claim \(open.number) is \(open.status) and not yet paid: one claim at a time")
            }
            guard let calculation = try await calculate(contractID, connection), calculation.payable.minorUnits > 0 else {
                // Say what the money waits for, when a milestone's sign-off is still on its way.
                if let wait = try await records(connection).waits(of: contractID).first {
                    throw DomainError.conflict("nothing is payable yet: \(wait.message)")
                }
                throw DomainError.conflict("nothing is payable now: verified outcomes earn no more than has been claimed")
            }
            var recoveries = try await store.recoveries(of: contractID)
            try await offset(&recoveries, actor, connection)
            let claim = Claim(id: UUID.v7(at: clock.now()), contractID: contractID, number: (claims.last?.number ?? 0) + 1, amount: calculation.payable,
                              earned: calculation.earned, explanation: calculation.lines, status: .claimed, claimedBy: actor.userID, claimedAt: clock.now())
            try await store.insert(claim)
            try await audit(connection, actor, "contract.payment_claimed", contractID, before: nil, after: claim)
            return claim
        }
    }

    /// The buyer approves a claim. Approving one that is approved already returns it unchanged, so two
    /// approvals at once approve (and later pay) it once. Refused when a correction since the claim
    /// means the outcomes no longer earn it.
    public func approve(by actor: Actor, claimID: UUID) async throws -> Claim {
        try await decide(claimID, actor) { claim, contract, connection in
            if claim.status == .approved || claim.status == .paid { return nil }
            guard claim.status == .claimed else { throw DomainError.conflict("claim \(claim.number) is \(claim.status)") }
            let calculation = try await calculate(contract.id, connection)!
            guard calculation.overpaid.minorUnits == 0 else {
                throw DomainError.conflict("a correction since claim \(claim.number) lowered what the outcomes earn to \(calculation.earned.formatted): "
                                           + "reject it; the supplier claims again")
            }
            var after = claim
            after.status = .approved
            after.decidedBy = actor.userID
            after.decidedAt = clock.now()
            return (after, "contract.payment_approved")
        }
    }

    public func reject(by actor: Actor, claimID: UUID, reason: String) async throws -> Claim {
        var check = Validator()
        let reason = check.text(reason, "reason", max: 2000)
        check.check(reason.count >= 10 || reason.isEmpty, "reason", "must say why in at least 10 characters")
        let checked = check
        return try await decide(claimID, actor) { claim, _, _ in
            try checked.finish()
            guard claim.status == .claimed || claim.status == .approved else {
                throw DomainError.conflict("claim \(claim.number) is \(claim.status): only an unpaid claim is rejected")
            }
            var after = claim
            after.status = .rejected
            after.decidedBy = actor.userID
            after.decidedAt = clock.now()
            after.rejectionReason = reason
            return (after, "contract.payment_rejected")
        }
    }

    /// The buyer records the treasury's payment of an approved claim, from the contract's own
    /// commitment (so its own line). Idempotent twice over: the same `Idempotency-Key` or the same
    /// treasury reference returns the claim as paid the first time.
    public func pay(by actor: Actor, claimID: UUID, treasuryReference: String, paidOn: String, idempotencyKey: String?) async throws -> Claim {
        if let key = idempotencyKey {
            var check = Validator()
            check.check((1...100).contains(key.count) && key.allSatisfy { $0.isASCII && !$0.isWhitespace }, "Idempotency-Key", "must be 1–100 visible ASCII characters")
            try check.finish()
        }
        return try await decide(claimID, actor) { claim, contract, connection in
            let reference = treasuryReference.trimmingCharacters(in: .whitespaces)
            if claim.status == .paid {
                if (idempotencyKey != nil && claim.idempotencyKey == idempotencyKey) || claim.treasuryReference == reference { return nil }
                throw DomainError.conflict("claim \(claim.number) is paid already (treasury reference \(claim.treasuryReference ?? ""))")
            }
            if let key = idempotencyKey, let other = try await store(connection).claim(contractID: contract.id, idempotencyKey: key), other.id != claim.id {
                throw DomainError(.conflict, "the Idempotency-Key was used for claim \(other.number)", fields: [FieldError("Idempotency-Key", "belongs to another payment")])
            }
            guard claim.status == .approved else { throw DomainError.conflict("claim \(claim.number) is \(claim.status): the buyer approves it before paying") }
            try Self.checkPaidOn(paidOn, of: claim, now: clock.now())
            guard let commitmentID = contract.commitmentID else { throw DomainError.conflict("contract \(contract.reference) has no commitment") }
            let (disbursement, _) = try await ledger.disburse(claim.amount, from: commitmentID, reference: reference, paidOn: paidOn, by: actor, on: connection)
            var after = claim
            after.status = .paid
            after.disbursementID = disbursement.id
            after.treasuryReference = disbursement.treasuryReference
            after.paidOn = disbursement.paidOn
            after.idempotencyKey = idempotencyKey
            return (after, "contract.payment_recorded")
        }
    }

    /// The buyer corrects the day a paid claim was keyed with, giving the reason: the claim and its ledger
    /// payment both carry the corrected day (so do the red flags, read from it), and the trail keeps both days.
    public func correctPaymentDate(by actor: Actor, claimID: UUID, paidOn: String, reason: String) async throws -> Claim {
        var check = Validator()
        let reason = check.text(reason, "reason", max: 2000)
        check.check(reason.count >= 10 || reason.isEmpty, "reason", "must say why in at least 10 characters")
        let checked = check
        return try await decide(claimID, actor, as: .recordPayment) { claim, contract, connection in
            try checked.finish()
            guard claim.status == .paid, let disbursementID = claim.disbursementID else {
                throw DomainError.conflict("claim \(claim.number) is \(claim.status.rawValue): only a paid claim has a payment date to correct")
            }
            try Self.checkPaidOn(paidOn, of: claim, now: clock.now())
            guard paidOn != claim.paidOn else { return nil }
            _ = try await ledger.redate(disbursementID, paidOn: paidOn, reason: reason, by: actor, on: connection)
            var after = claim
            after.paidOn = paidOn
            return (after, "contract.payment_redated")
        }
    }

    /// A payment is dated on a real day, not in the future, and not before the claim it pays was approved.
    static func checkPaidOn(_ paidOn: String, of claim: Claim, now: Date) throws(DomainError) {
        let calendar = WorkingCalendar()
        var check = Validator()
        check.check(WorkingCalendar.isDay(paidOn), "paidOn", "must be a day as yyyy-MM-dd")
        if WorkingCalendar.isDay(paidOn) {
            let approvedOn = calendar.dayKey(claim.decidedAt ?? claim.claimedAt)
            check.check(paidOn <= calendar.dayKey(now), "paidOn", "cannot be in the future")
            check.check(paidOn >= approvedOn, "paidOn", "cannot be before the claim was approved on \(approvedOn)")
        }
        try check.finish()
    }

    /// Locks the claim's contract, checks the actor is its buyer's staff, and applies `change` (nil: nothing to do).
    private func decide(_ claimID: UUID, _ actor: Actor, as action: Action? = nil,
                        _ change: (Claim, Contract, PostgresConnection) async throws -> (Claim, String)?) async throws -> Claim {
        try await database.transaction { connection in
            let store = store(connection)
            guard let unlocked = try await store.claim(id: claimID) else { throw DomainError.notFound("no claim has id \(claimID.lowercased)") }
            let contract = try await records(connection).lock(unlocked.contractID)
            try Policy.authorize(actor, action ?? (unlocked.status == .approved ? .recordPayment : .manageContract), Resource(organisationID: contract.buyerID))
            let claim = try await store.claim(id: claimID)!
            guard let (after, action) = try await change(claim, contract, connection) else { return claim }
            try await store.update(after)
            try await audit(connection, actor, action, contract.id, before: claim, after: after)
            return after
        }
    }

    /// The buyer records that the supplier paid a recovery back into the line.
    public func repay(by actor: Actor, recoveryID: UUID, treasuryReference: String, receivedOn: String) async throws -> Recovery {
        try await database.transaction { connection in
            let store = store(connection)
            guard let unlocked = try await store.recovery(id: recoveryID) else { throw DomainError.notFound("no recovery has id \(recoveryID.lowercased)") }
            let contract = try await records(connection).lock(unlocked.contractID)
            try Policy.authorize(actor, .recordPayment, Resource(organisationID: contract.buyerID))
            let before = try await store.recovery(id: recoveryID)!
            guard before.status == .open else { throw DomainError.conflict("the recovery is \(before.status) already") }
            let openedOn = WorkingCalendar().dayKey(before.createdAt)
            if WorkingCalendar.isDay(receivedOn), receivedOn < openedOn {
                throw DomainError.invalid([FieldError("receivedOn", "cannot be before the recovery was opened on \(openedOn)")])
            }
            guard let commitmentID = contract.commitmentID else { throw DomainError.conflict("contract \(contract.reference) has no commitment") }
            let refund = try await ledger.refund(before.amount, to: commitmentID, reference: treasuryReference, receivedOn: receivedOn, by: actor, on: connection)
            var after = before
            after.status = .repaid
            after.refundID = refund.id
            after.settledAt = clock.now()
            try await store.update(after)
            try await audit(connection, actor, "contract.recovery_repaid", contract.id, before: before, after: after)
            return after
        }
    }
}

/// A contract's money as every party sees it.
public struct ContractStatement: Sendable {
    public var rateCard: RateCard?
    public var calculation: PaymentCalculation?
    public var claims: [Claim]
    public var recoveries: [Recovery]
    public var commitment: Commitment?
}
