import Core
import Delivery
import Foundation
import Identity
import Payments
import PostgresNIO
import Store
import Tendering
import TestSupport
import Testing

/// Issue 21, finding 4: the days a record carries agree with the contract it belongs to. Evidence is obtained
/// within the term and not in the future; nothing is signed off before the term starts; a payment is dated on
/// or after the claim's approval and not in the future; a wrongly keyed day is corrected by the buyer, with a reason.
@Suite("Dates within their contract")
struct ContractDatesTests {
    /// A contract of the world's award whose term starts on 1 December 2026, signed while the clock stands at
    /// 19 November (the day its standstill ended).
    private func startingInDecember(_ w: DeliveryWorld) async throws -> Contract {
        let award = try await w.completedAward()
        let finance = try await w.actor("finance")
        let contract = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: "2026-12-01", endsOn: "2027-11-30",
                                                                              terms: DeliveryWorld.terms))
        var milestones = DeliveryWorld.milestones
        milestones[1].dueOn = "2027-11-30"
        _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, milestones)
        _ = try await w.priceOutcomes(contract)
        _ = try await w.engageInstitution(contract, assigning: w.assessors)
        _ = try await w.contracts.sign(by: finance, contractID: contract.id)
        return try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id)
    }

    private func report(obtainedOn: String) -> ReportInput {
        var input = DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120)
        input.evidence[0].obtainedOn = obtainedOn
        return input
    }

    @Test("evidence obtained before the term starts is refused; a milestone is signed off only from the term's first day")
    func evidenceAndSignOffWithinTheTerm() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await startingInDecember(w)
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            let ngo = try await w.actor("ngo"), evaluator = try await w.actor("evaluator")
            await #expect(throws: DomainError.invalid([FieldError("evidence[0].obtainedOn", "must fall within the contract's term 2026-12-01…2027-11-30")])) {
                _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, report(obtainedOn: "2026-11-19"))
            }
            let signOff = SignOffInput(decision: .partiallyMet, verified: ["visits": 1800, "assessments": 100], verifiedBeneficiaries: 120,
                                       reasons: "抽样回访属实，按报告数量认定，上门服务未达目标。")
            await #expect(throws: DomainError.conflict("contract \(contract.reference) starts on 2026-12-01: milestones are signed off from that day")) {
                _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id, signOff)
            }
            // On the first day of the term (Tuesday 1 December) evidence of that day is delivery, and it is signed off.
            try await w.t.move(to: Date(timeIntervalSince1970: 1_796_086_800))
            await #expect(throws: DomainError.invalid([FieldError("evidence[0].obtainedOn", "cannot be in the future")])) {
                _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, report(obtainedOn: "2026-12-02"))
            }
            _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, report(obtainedOn: "2026-12-01"))
            let signed = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id, signOff)
            #expect(signed.decision == .partiallyMet)
        }
    }

    @Test("a payment is dated from the claim's approval to today; the buyer corrects a wrong day with a reason, both records follow")
    func paymentDays() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let contract = try await w.signedContract()
            // Approved on Thursday 19 November 2026 (the world's clock); then the clock moves to Monday 23 November.
            let claim = try await w.approvedFirstClaim(contract)
            w.t.clock.advance(by: 4 * 86_400)
            let finance = try await w.actor("finance")
            await #expect(throws: DomainError.invalid([FieldError("paidOn", "cannot be before the claim was approved on 2026-11-19")])) {
                _ = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1118-01", paidOn: "2026-11-18", idempotencyKey: nil)
            }
            await #expect(throws: DomainError.invalid([FieldError("paidOn", "cannot be in the future")])) {
                _ = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1124-01", paidOn: "2026-11-24", idempotencyKey: nil)
            }
            await #expect(throws: DomainError.conflict("claim 1 is approved: only a paid claim has a payment date to correct")) {
                _ = try await w.payments.correctPaymentDate(by: finance, claimID: claim.id, paidOn: "2026-11-20", reason: "按国库回单更正支付日期。")
            }
            let paid = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1123-01", paidOn: "2026-11-23", idempotencyKey: nil)
            #expect(paid.paidOn == "2026-11-23")

            // The treasury's slip says Friday the 20th: only the buyer's staff correct it, with a reason, within the same limits.
            let reason = "经办人误按录入日期填写，国库回单载明11月20日支付。"
            await #expect(throws: DomainError.forbidden("only the buyer's own staff record payments from its budget lines")) {
                _ = try await w.payments.correctPaymentDate(by: try await w.actor("ngo"), claimID: claim.id, paidOn: "2026-11-20", reason: reason)
            }
            await #expect(throws: DomainError.invalid([FieldError("reason", "must say why in at least 10 characters")])) {
                _ = try await w.payments.correctPaymentDate(by: finance, claimID: claim.id, paidOn: "2026-11-20", reason: "写错了")
            }
            await #expect(throws: DomainError.invalid([FieldError("paidOn", "cannot be before the claim was approved on 2026-11-19")])) {
                _ = try await w.payments.correctPaymentDate(by: finance, claimID: claim.id, paidOn: "2026-11-18", reason: reason)
            }
            await #expect(throws: DomainError.invalid([FieldError("paidOn", "must be a day as yyyy-MM-dd")])) {
                _ = try await w.payments.correctPaymentDate(by: finance, claimID: claim.id, paidOn: "2026-11-31", reason: reason)
            }
            let corrected = try await w.payments.correctPaymentDate(by: finance, claimID: claim.id, paidOn: "2026-11-20", reason: reason)
            #expect(corrected.paidOn == "2026-11-20" && corrected.treasuryReference == "GK-2026-1123-01" && corrected.amount == paid.amount)
            // The ledger's payment carries the same day, and the trail keeps the corrected day and why.
            let (ledgerDay, trail) = try await database.read { connection in
                let day = try await connection.query("SELECT paid_on::text FROM payments.disbursements WHERE id = \(try #require(paid.disbursementID))",
                                                     logger: database.logger).collect()[0].decode(String.self)
                let trail = try await connection.query("SELECT after_state::text FROM audit.events WHERE action = 'ledger.payment_redated'",
                                                       logger: database.logger).collect().map { try $0.decode(String.self) }
                return (day, trail)
            }
            #expect(ledgerDay == "2026-11-20")
            #expect(trail.count == 1 && trail[0].contains("2026-11-20") && trail[0].contains("国库回单"))
            #expect(try await w.payments.statement(of: contract.id).claims[0].paidOn == "2026-11-20")
        }
    }
}
