import Core
import Delivery
import Foundation
import Identity
import Payments
import Store
import Tendering
import TestSupport
import Testing

@Suite("Reports, sign-off, claims, payment and recovery")
struct DeliveryFlowTests {
    @Test("reports: the supplier's staff, every metric, evidence recognised by its bytes; each report a new version")
    func reports() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let ngo = try await w.actor("ngo")
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            await #expect(throws: DomainError.forbidden("only the supplier's own staff with the supplier role sign, report and claim for it")) {
                _ = try await w.contracts.report(by: try await w.actor("finance"), milestoneID: milestone.id,
                                                 DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            }
            var renamed = DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120)
            renamed.evidence[0] = EvidenceUpload(filename: "签到记录.pdf", data: Data("MZ\u{90}\0 not a pdf".utf8), obtainedHow: "扫描", obtainedOn: "2026-11-30")
            await #expect(throws: DomainError.invalid([
                FieldError("evidence[0].obtainedOn", "cannot be in the future"),
                FieldError("evidence[0].file", "is not a PDF, PNG, JPEG, DOCX or XLSX file (judged by its content, not its name)"),
            ])) {
                _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, renamed)
            }
            var noEvidence = DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120)
            noEvidence.evidence = []
            await #expect(throws: DomainError.invalid([FieldError("evidence", "attach at least one file that shows what was delivered")])) {
                _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, noEvidence)
            }
            await #expect(throws: DomainError.invalid([FieldError("results.assessments", "is required: report the 份 delivered, 0 if none")])) {
                _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, DeliveryWorld.report(visits: 1800, beneficiaries: 120))
            }
            let first = try await w.contracts.report(by: ngo, milestoneID: milestone.id, DeliveryWorld.report(visits: 1700, assessments: 100, beneficiaries: 120))
            let second = try await w.contracts.report(by: ngo, milestoneID: milestone.id, DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            #expect(first.version == 1 && second.version == 2 && second.evidence[0].kind == .pdf && second.evidence[0].size == DeliveryWorld.pdf.count)
            let file = try await w.contracts.file(id: contract.id, by: ngo)
            #expect(file.reports.map(\.version) == [2, 1] && file.milestones[0].status == .reported)
            // The evidence is the parties', evaluators' and overseers' to read, not the public's, and comes back as uploaded.
            let evidence = try await w.contracts.evidenceFile(id: second.evidence[0].id, by: try await w.actor("evaluator"))
            #expect(evidence.data == DeliveryWorld.pdf)
            await #expect(throws: DomainError.notFound("no evidence file has id \(second.evidence[0].id.lowercased)")) {
                _ = try await w.contracts.evidenceFile(id: second.evidence[0].id, by: try await w.actor("eldercare"))
            }
        }
    }

    @Test("sign-off: an independent evaluator, no more than reported, met only when every target is verified; a large amount needs a second evaluator")
    func signOff() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let admin = try await w.actor("admin")
            let evaluator = try await w.actor("evaluator"), evaluator2 = try await w.actor("evaluator2")
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id,
                                             DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            // 马评审 declares a tie to the supplier: no longer independent of this contract.
            try await w.t.world.identity.recordAffiliation(by: admin, Affiliation(userID: evaluator2.userID, organisationID: contract.supplierID, relation: "理事"))
            let partial = SignOffInput(decision: .partiallyMet, verified: ["visits": 1600, "assessments": 90], verifiedBeneficiaries: 110,
                                       reasons: "抽样回访发现部分签到记录无法核实，按可核实数量认定。")
            await #expect(throws: DomainError.self) { _ = try await w.contracts.signOff(by: evaluator2, milestoneID: milestone.id, partial) }
            await #expect(throws: DomainError.forbidden("only the evaluators their institution assigned to this contract sign it off and grade it")) {
                _ = try await w.contracts.signOff(by: try await w.actor("finance"), milestoneID: milestone.id, partial)
            }
            await #expect(throws: DomainError.invalid([FieldError("verified.visits", "must be from 0 to the 1800 reported in version 1")])) {
                _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id,
                                                  SignOffInput(decision: .partiallyMet, verified: ["visits": 1900, "assessments": 90], verifiedBeneficiaries: 110, reasons: partial.reasons))
            }
            await #expect(throws: DomainError.invalid([FieldError("decision", "met needs every target verified; visits has 1600 of 2000"),
                                                       FieldError("decision", "met needs every target verified; assessments has 90 of 100")])) {
                _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id,
                                                  SignOffInput(decision: .met, verified: partial.verified, verifiedBeneficiaries: 110, reasons: partial.reasons))
            }
            // ¥145,760 payable exceeds the ¥100,000 threshold: the milestone waits for a second signature.
            let signOff = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id, partial)
            #expect(signOff.countersignRequired && !signOff.isFinal)
            #expect(try await w.contracts.milestones(of: [contract.id])[0].status == .reported)
            #expect(try await w.contracts.awaitingSignOff(by: evaluator2).map(\.signOffID) == [signOff.id])
            await #expect(throws: DomainError.forbidden("the second signature must be another evaluator's, not that of the evaluator who signed off")) {
                _ = try await w.contracts.countersign(by: evaluator, signOffID: signOff.id)
            }
            await #expect(throws: DomainError.self) { _ = try await w.contracts.countersign(by: evaluator2, signOffID: signOff.id) }
            let countersigned = try await w.contracts.countersign(by: try await w.actor("evaluator3"), signOffID: signOff.id)
            #expect(countersigned.isFinal && countersigned.countersignerName == "黄评审")
            #expect(try await w.contracts.milestones(of: [contract.id])[0].status == .partiallyMet)
            #expect(try await w.contracts.awaitingSignOff(by: evaluator2).isEmpty)
        }
    }

    /// Milestone 1 reported (1,800 visits, 100 assessments, 120 beneficiaries) and signed off partially
    /// met (1,600 and 90 verified, 110 beneficiaries) under a threshold high enough for one signature.
    func partiallyMet(_ w: DeliveryWorld, draft: Contract? = nil) async throws -> (Contract, Milestone) {
        let contract: Contract
        if let draft {
            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: draft.id)
            contract = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: draft.id)
        } else {
            contract = try await w.signedContract()
        }
        let milestone = try await w.contracts.milestones(of: [contract.id])[0]
        _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id,
                                         DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
        _ = try await w.contracts.signOff(by: try await w.actor("evaluator"), milestoneID: milestone.id,
                                          SignOffInput(decision: .partiallyMet, verified: ["visits": 1600, "assessments": 90], verifiedBeneficiaries: 110,
                                                       reasons: "抽样回访发现部分签到记录无法核实，按可核实数量认定。"))
        return (contract, milestone)
    }

    @Test("the payment is computed with its explanation, claimed, approved and recorded; the same payment twice stays one")
    func payment() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let (contract, _) = try await partiallyMet(w)
            let finance = try await w.actor("finance"), ngo = try await w.actor("ngo")
            let statement = try await w.payments.statement(of: contract.id)
            let calculation = try #require(statement.calculation)
            // Fee pool 30 % of ¥380,000 = ¥114,000; milestone 1's 40 % = ¥45,600 × 85 % of targets = ¥38,760.
            // Outcomes: 1,600 visits × ¥50 = ¥80,000 and 90 assessments × ¥300 = ¥27,000.
            #expect(calculation.deliveryFees == Money(minorUnits: 3_876_000) && calculation.outcomePayments == .yuan(107_000))
            #expect(calculation.payable == .yuan(145_760) && calculation.lines.map(\.key) == ["fee", "fee", "outcome", "outcome", "earned", "claimed", "payable"])
            #expect(calculation.lines[0].english == "Milestone 1 delivery fee (40 % of the fee pool ¥114,000.00): partially met, 85 % of targets verified")
            await #expect(throws: DomainError.forbidden("only the supplier's own staff with the supplier role sign, report and claim for it")) {
                _ = try await w.payments.claim(by: finance, contractID: contract.id)
            }
            let claim = try await w.payments.claim(by: ngo, contractID: contract.id)
            #expect(claim.amount == .yuan(145_760) && claim.number == 1 && claim.explanation == calculation.lines)
            await #expect(throws: DomainError.conflict("claim 1 is claimed and not yet paid: one claim at a time")) {
                _ = try await w.payments.claim(by: ngo, contractID: contract.id)
            }
            await #expect(throws: DomainError.conflict("claim 1 is claimed: the buyer approves it before paying")) {
                _ = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-07", paidOn: "2026-11-19", idempotencyKey: "k-1")
            }
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its contracts")) {
                _ = try await w.payments.approve(by: ngo, claimID: claim.id)
            }
            _ = try await w.payments.approve(by: finance, claimID: claim.id)
            let paid = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-07", paidOn: "2026-11-19", idempotencyKey: "k-1")
            let again = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-07", paidOn: "2026-11-19", idempotencyKey: "k-1")
            #expect(paid.status == .paid && again == paid)
            let commitment = try #require(try await w.payments.statement(of: contract.id).commitment)
            #expect(try await w.ledger.disbursements(of: commitment.id).count == 1 && commitment.paid == .yuan(145_760))
            await #expect(throws: DomainError.conflict("nothing is payable now: verified outcomes earn no more than has been claimed")) {
                _ = try await w.payments.claim(by: ngo, contractID: contract.id)
            }
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("one Idempotency-Key pays one claim: the key that paid claim 1, sent to pay claim 2, is refused and pays nothing")
    func idempotencyKeyPaysOneClaim() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let contract = try await w.signedContract()
            let finance = try await w.actor("finance"), ngo = try await w.actor("ngo")
            let first = try await w.approvedFirstClaim(contract)
            _ = try await w.payments.pay(by: finance, claimID: first.id, treasuryReference: "GK-2026-1120-41", paidOn: "2026-11-19", idempotencyKey: "pay-41")
            // Milestone 2 delivered and met: a second claim, approved, for a different amount.
            let milestone = try await w.contracts.milestones(of: [contract.id])[1]
            _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, DeliveryWorld.report(visits: 3000, beneficiaries: 60))
            _ = try await w.contracts.signOff(by: try await w.actor("evaluator"), milestoneID: milestone.id,
                                              SignOffInput(decision: .met, verified: ["visits": 3000], verifiedBeneficiaries: 60,
                                                           reasons: "逐份核对签到记录并抽样回访，全年目标均已达到。"))
            let second = try await w.payments.approve(by: finance, claimID: try await w.payments.claim(by: ngo, contractID: contract.id).id)
            #expect(second.number == 2 && second.amount != first.amount)
            await #expect(throws: DomainError(.conflict, "the Idempotency-Key was used for claim 1", fields: [FieldError("Idempotency-Key", "belongs to another payment")])) {
                _ = try await w.payments.pay(by: finance, claimID: second.id, treasuryReference: "GK-2026-1120-42", paidOn: "2026-11-19", idempotencyKey: "pay-41")
            }
            let commitment = try #require(try await w.payments.statement(of: contract.id).commitment)
            #expect(try await w.ledger.disbursements(of: commitment.id).count == 1 && commitment.paid == first.amount)
            // Under a key of its own the second claim is paid.
            let paid = try await w.payments.pay(by: finance, claimID: second.id, treasuryReference: "GK-2026-1120-42", paidOn: "2026-11-19", idempotencyKey: "pay-42")
            #expect(paid.status == .paid && paid.idempotencyKey == "pay-42")
        }
    }

    @Test("two approvals and two payments at once: approved once, paid once")
    func concurrentApprovals() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let (contract, _) = try await partiallyMet(w)
            let finance = try await w.actor("finance")
            let claim = try await w.payments.claim(by: try await w.actor("ngo"), contractID: contract.id)
            let approvals = try await withThrowingTaskGroup(of: Claim.self) { group in
                for _ in 0..<4 { group.addTask { try await w.payments.approve(by: finance, claimID: claim.id) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(approvals.allSatisfy { $0.status == .approved } && Set(approvals.compactMap(\.decidedAt)).count == 1)
            let payments = await withTaskGroup(of: Claim?.self) { group in
                for key in ["a", "b", "c"] {
                    group.addTask { try? await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-08", paidOn: "2026-11-19", idempotencyKey: key) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(payments.compactMap { $0 }.allSatisfy { $0.status == .paid })
            let commitment = try #require(try await w.payments.statement(of: contract.id).commitment)
            #expect(try await w.ledger.disbursements(of: commitment.id).count == 1 && commitment.paid == .yuan(145_760))
            let trail = try await database.read { try await AuditLog.trail(of: AuditEntity("contract", contract.id), on: $0, logger: database.logger) }
            #expect(trail.filter { $0.action == "contract.payment_approved" }.count == 1 && trail.filter { $0.action == "contract.payment_recorded" }.count == 1)
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("a correction that lowers verified outcomes opens a recovery against the claim that paid them; repaid, the ledger balances")
    func recovery() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let (contract, milestone) = try await partiallyMet(w)
            let finance = try await w.actor("finance"), ngo = try await w.actor("ngo")
            let claim = try await w.payments.claim(by: ngo, contractID: contract.id)
            _ = try await w.payments.approve(by: finance, claimID: claim.id)
            _ = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-09", paidOn: "2026-11-19", idempotencyKey: nil)
            // Later checks find 200 of the verified visits were double-counted.
            let correction = try await w.contracts.signOff(by: try await w.actor("evaluator2"), milestoneID: milestone.id,
                                                           SignOffInput(decision: .partiallyMet, verified: ["visits": 1400, "assessments": 90], verifiedBeneficiaries: 110,
                                                                        reasons: "复核发现200人次重复签到，更正核定数量。"))
            #expect(correction.supersedes != nil)
            let statement = try await w.payments.statement(of: contract.id)
            // Visits ¥70,000; fee ¥45,600 × 80 % = ¥36,480; assessments ¥27,000: ¥133,480 earned, ¥12,280 overpaid.
            #expect(statement.calculation?.earned == .yuan(133_480) && statement.calculation?.overpaid == .yuan(12_280))
            let recovery = try #require(statement.recoveries.first)
            #expect(statement.recoveries.count == 1 && recovery.amount == .yuan(12_280) && recovery.claimID == claim.id && recovery.status == .open)
            await #expect(throws: DomainError.forbidden("only the buyer's own staff record payments from its budget lines")) {
                _ = try await w.payments.repay(by: ngo, recoveryID: recovery.id, treasuryReference: "TH-2026-0001", receivedOn: "2026-11-19")
            }
            let repaid = try await w.payments.repay(by: finance, recoveryID: recovery.id, treasuryReference: "TH-2026-0001", receivedOn: "2026-11-19")
            #expect(repaid.status == .repaid)
            let after = try await w.payments.statement(of: contract.id)
            #expect(after.commitment?.paid == .yuan(133_480) && after.calculation?.overpaid == .yuan(0) && after.calculation?.payable == .yuan(0))
            #expect(try await w.ledger.balance(of: contract.purchaseLineID).paid == .yuan(133_480))
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("refusals of the money flow: wrong state, wrong party, a short reason, a paid claim paid again under another key, a recovery repaid twice")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let draft = try await w.draftedContract()
            let finance = try await w.actor("finance"), ngo = try await w.actor("ngo")
            await #expect(throws: DomainError.conflict("contract \(draft.reference) is not signed yet: only a signed contract is published")) {
                _ = try await w.contracts.publish(by: finance, contractID: draft.id)
            }
            await #expect(throws: DomainError.conflict("contract \(draft.reference) is draft: claims go on a running contract")) {
                _ = try await w.payments.claim(by: ngo, contractID: draft.id)
            }
            await #expect(throws: DomainError.conflict("contract \(draft.reference) is draft: only a running contract is terminated")) {
                _ = try await w.contracts.terminate(by: finance, contractID: draft.id, reason: "服务机构无法按期进场，双方协商一致解除合同。")
            }
            let (contract, milestone) = try await partiallyMet(w, draft: draft)
            let claim = try await w.payments.claim(by: ngo, contractID: contract.id)
            await #expect(throws: DomainError.invalid([FieldError("reason", "must say why in at least 10 characters")])) {
                _ = try await w.payments.reject(by: finance, claimID: claim.id, reason: "不行")
            }
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its contracts")) {
                _ = try await w.payments.reject(by: ngo, claimID: claim.id, reason: "供应商不能驳回自己的请款")
            }
            let rejected = try await w.payments.reject(by: finance, claimID: claim.id, reason: "请补充服务对象签字后重新请款。")
            #expect(rejected.status == .rejected)
            await #expect(throws: DomainError.conflict("claim 1 is rejected")) { _ = try await w.payments.approve(by: finance, claimID: claim.id) }
            // Claimed again, approved and paid under a key; paid again under another key, it is refused.
            let second = try await w.payments.claim(by: ngo, contractID: contract.id)
            #expect(second.number == 2 && second.amount == .yuan(145_760))
            _ = try await w.payments.approve(by: finance, claimID: second.id)
            _ = try await w.payments.pay(by: finance, claimID: second.id, treasuryReference: "GK-2026-1120-31", paidOn: "2026-11-19", idempotencyKey: "key-1")
            await #expect(throws: DomainError.conflict("claim 2 is paid already (treasury reference GK-2026-1120-31)")) {
                _ = try await w.payments.pay(by: finance, claimID: second.id, treasuryReference: "GK-2026-1120-32", paidOn: "2026-11-19", idempotencyKey: "key-2")
            }
            _ = try await w.contracts.signOff(by: try await w.actor("evaluator2"), milestoneID: milestone.id,
                                              SignOffInput(decision: .notMet, verified: ["visits": 0, "assessments": 0], verifiedBeneficiaries: 0,
                                                           reasons: "复核发现签到记录系事后补签，全部不予认定。"))
            let recovery = try #require(try await w.payments.statement(of: contract.id).recoveries.first)
            #expect(recovery.amount == .yuan(145_760) && recovery.claimID == second.id)
            _ = try await w.payments.repay(by: finance, recoveryID: recovery.id, treasuryReference: "TH-2026-0002", receivedOn: "2026-11-19")
            await #expect(throws: DomainError.conflict("the recovery is repaid already")) {
                _ = try await w.payments.repay(by: finance, recoveryID: recovery.id, treasuryReference: "TH-2026-0003", receivedOn: "2026-11-19")
            }
            #expect(try await w.ledger.balance(of: contract.purchaseLineID).paid == .yuan(0))
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }
}
