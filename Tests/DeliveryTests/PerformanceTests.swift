import Core
import Delivery
import Foundation
import Identity
import Payments
import Store
import Tendering
import TestSupport
import Testing

@Suite("Performance evaluation, completion, satisfaction survey, amendments")
struct PerformanceTests {
    static func grid(output: Double, outcome: Double, cost: Double, satisfaction: Double) -> [Indicator] {
        [Indicator(kind: .output, name: "服务数量完成率", weight: Points(30)!, score: Points(output)!),
         Indicator(kind: .outcome, name: "服务对象状况改善", weight: Points(40)!, score: Points(outcome)!),
         Indicator(kind: .cost, name: "成本控制", weight: Points(10)!, score: Points(cost)!),
         Indicator(kind: .satisfaction, name: "服务对象满意度", weight: Points(20)!, score: Points(satisfaction)!, note: "问卷满意率96%")]
    }

    @Test("grades: 优 from 90, 良 from 80, 中 from 60, 差 below")
    func grades() {
        #expect([90, 89.99, 80, 79.99, 60, 59.99, 100, 0].map { PerformanceEvaluation.grade(for: Points($0)!) } == ["优", "良", "良", "中", "中", "差", "优", "差"])
        #expect(PerformanceEvaluation.problems(of: Self.grid(output: 30, outcome: 40, cost: 10, satisfaction: 20)).isEmpty)
        var bad = Self.grid(output: 31, outcome: 40, cost: 10, satisfaction: 20)
        bad.removeLast()
        #expect(PerformanceEvaluation.problems(of: bad) == [FieldError("indicators", "weights add up to 80; they must add up to 100"),
                                                           FieldError("indicators", "no satisfaction indicator: output, outcome, cost and satisfaction are each judged"),
                                                           FieldError("indicators[0].score", "must be from 0 to its weight, 30")])
    }

    /// Both milestones reported and signed off met, the whole ¥344,000 claimed and paid.
    func delivered(_ w: DeliveryWorld) async throws -> Contract {
        let contract = try await w.signedContract()
        let ngo = try await w.actor("ngo"), evaluator = try await w.actor("evaluator"), finance = try await w.actor("finance")
        let milestones = try await w.contracts.milestones(of: [contract.id])
        _ = try await w.contracts.report(by: ngo, milestoneID: milestones[0].id, DeliveryWorld.report(visits: 2000, assessments: 100, beneficiaries: 150))
        _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestones[0].id, SignOffInput(decision: .met, verified: ["visits": 2000, "assessments": 100],
                                                                                                     verifiedBeneficiaries: 150, reasons: "抽样回访全部属实，目标全部达成。"))
        _ = try await w.contracts.report(by: ngo, milestoneID: milestones[1].id, DeliveryWorld.report(visits: 3000, beneficiaries: 200))
        _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestones[1].id, SignOffInput(decision: .met, verified: ["visits": 3000],
                                                                                                     verifiedBeneficiaries: 200, reasons: "全年服务记录完整，目标达成。"))
        let claim = try await w.payments.claim(by: ngo, contractID: contract.id)
        #expect(claim.amount == .yuan(344_000))
        _ = try await w.payments.approve(by: finance, claimID: claim.id)
        _ = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-21", paidOn: "2026-11-19", idempotencyKey: nil)
        return contract
    }

    @Test("evaluations: an independent evaluator, before, during and after at their moments; the final grade completes the record and counts later")
    func evaluations() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let contract = try await w.signedContract()
            let evaluator = try await w.actor("evaluator"), finance = try await w.actor("finance")
            let good = Self.grid(output: 28, outcome: 36, cost: 9, satisfaction: 19)
            await #expect(throws: DomainError.forbidden("only the evaluators their institution assigned to this contract sign it off and grade it")) {
                _ = try await w.contracts.evaluate(by: finance, contractID: contract.id, phase: .exAnte, indicators: good, summary: "目标设置合理")
            }
            let before = try await w.contracts.evaluate(by: evaluator, contractID: contract.id, phase: .exAnte, indicators: good, summary: "绩效目标明确、可衡量。")
            #expect(before.score == Points(92)! && before.grade == "优")
            await #expect(throws: DomainError.conflict("contract \(contract.reference) has its ex_ante evaluation already")) {
                _ = try await w.contracts.evaluate(by: evaluator, contractID: contract.id, phase: .exAnte, indicators: good, summary: "再评")
            }
            await #expect(throws: DomainError.conflict("no milestone is signed off yet: an evaluation during delivery follows a milestone")) {
                _ = try await w.contracts.evaluate(by: evaluator, contractID: contract.id, phase: .inProcess, indicators: good, summary: "中期")
            }
            await #expect(throws: DomainError.conflict("milestones 1, 2 are not signed off: the final evaluation comes after every milestone")) {
                _ = try await w.contracts.evaluate(by: evaluator, contractID: contract.id, phase: .exPost, indicators: good, summary: "期末")
            }
            // A declared tie to the supplier bars the evaluator here too.
            let evaluator2 = try await w.actor("evaluator2")
            try await w.t.world.identity.recordAffiliation(by: try await w.actor("admin"), Affiliation(userID: evaluator2.userID, organisationID: contract.supplierID, relation: "顾问"))
            await #expect(throws: DomainError.self) {
                _ = try await w.contracts.evaluate(by: evaluator2, contractID: contract.id, phase: .exAnte, indicators: good, summary: "目标合理")
            }
            #expect(try await w.contracts.grades(of: [contract.supplierID]).isEmpty)
        }
    }

    @Test("completion: after the final evaluation, with every claim settled; the rest of the commitment goes back to the line; the grade is the supplier's history")
    func completion() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let contract = try await delivered(w)
            let evaluator = try await w.actor("evaluator"), finance = try await w.actor("finance")
            await #expect(throws: DomainError.conflict("contract \(contract.reference) has no final evaluation yet: an evaluator grades it first")) {
                _ = try await w.contracts.complete(by: finance, contractID: contract.id)
            }
            _ = try await w.contracts.evaluate(by: evaluator, contractID: contract.id, phase: .inProcess, indicators: Self.grid(output: 25, outcome: 30, cost: 8, satisfaction: 16),
                                               summary: "中期服务进度正常。")
            let final = try await w.contracts.evaluate(by: evaluator, contractID: contract.id, phase: .exPost,
                                                       indicators: Self.grid(output: 27, outcome: 33, cost: 8, satisfaction: 17), summary: "全年目标达成，满意度较高。")
            #expect(final.score == Points(85)! && final.grade == "良")
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its contracts")) {
                _ = try await w.contracts.complete(by: try await w.actor("ngo"), contractID: contract.id)
            }
            let completed = try await w.contracts.complete(by: finance, contractID: contract.id)
            #expect(completed.status == .completed)
            // The ¥36,000 the outcomes did not earn goes back to the line.
            let balance = try await w.ledger.balance(of: contract.purchaseLineID)
            #expect(balance.committed == .yuan(344_000) && balance.paid == .yuan(344_000))
            #expect(try await w.ledger.unbalancedLines().isEmpty)
            let grades = try await w.contracts.grades(of: [contract.supplierID])
            #expect(grades[contract.supplierID]?.map(\.grade) == ["良"] && grades[contract.supplierID]?.first?.contractReference == contract.reference)
            // Tenders' evaluations show it beside the bidder (here the very tender it came from, where 阳光 bid).
            let evaluations = EvaluationService(database: database, identity: w.t.world.identity,
                                                performance: DeliveryPerformanceRecords(contracts: w.contracts))
            let evaluation = try await evaluations.evaluation(tenderID: contract.tenderID, by: finance)
            #expect(evaluation.grades[contract.supplierID]?.map(\.grade) == ["良"])
        }
    }

    @Test("completion is refused while money is open: something payable and unclaimed")
    func completionRefused() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let contract = try await w.signedContract()
            let ngo = try await w.actor("ngo"), evaluator = try await w.actor("evaluator")
            for (milestone, visits) in zip(try await w.contracts.milestones(of: [contract.id]), [2000, 3000]) {
                _ = try await w.contracts.report(by: ngo, milestoneID: milestone.id, DeliveryWorld.report(visits: visits, assessments: milestone.number == 1 ? 100 : nil, beneficiaries: 100))
                _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id, SignOffInput(decision: .met, verified: milestone.number == 1 ? ["visits": visits, "assessments": 100] : ["visits": visits],
                                                                                                         verifiedBeneficiaries: 100, reasons: "核实无误，目标达成。"))
            }
            _ = try await w.contracts.evaluate(by: evaluator, contractID: contract.id, phase: .exPost, indicators: Self.grid(output: 30, outcome: 40, cost: 10, satisfaction: 20),
                                               summary: "全部达成。")
            await #expect(throws: DomainError.conflict("¥344,000.00 is payable and not yet claimed: the supplier claims it before the contract completes")) {
                _ = try await w.contracts.complete(by: try await w.actor("finance"), contractID: contract.id)
            }
        }
    }

    @Test("the survey: a signed contract's link, 1 to 5, one answer per device, a ceiling per address; the summary names nobody")
    func survey() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let draft = try await w.draftedContract()
            let token = try #require(draft.surveyToken)
            #expect(token.count == 24)
            /// The survey form as device `n` gets it: a fresh token each time.
            func form(_ n: Int) -> String {
                let digits = String(n)
                let device = UUID(uuidString: "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits)!
                return w.contracts.surveyDeviceToken(for: draft, device: device).token
            }
            await #expect(throws: DomainError.notFound("this survey link is not valid")) {
                _ = try await w.contracts.answerSurvey(token: token, rating: 5, comment: "", deviceToken: form(1), client: "10.0.0.1")
            }
            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: draft.id)
            _ = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: draft.id)
            await #expect(throws: DomainError.notFound("this survey link is not valid")) {
                _ = try await w.contracts.answerSurvey(token: "not-the-token-0000000000", rating: 5, comment: "", deviceToken: form(1), client: "10.0.0.1")
            }
            await #expect(throws: DomainError.invalid([FieldError("rating", "choose 1 to 5")])) {
                _ = try await w.contracts.answerSurvey(token: token, rating: 6, comment: "", deviceToken: form(1), client: "10.0.0.1")
            }
            #expect(try await w.contracts.answerSurvey(token: token, rating: 5, comment: "社工很耐心", deviceToken: form(1), client: "10.0.0.1"))
            #expect(try await !w.contracts.answerSurvey(token: token, rating: 1, comment: "", deviceToken: form(1), client: "10.0.0.1"))
            for index in 1...ContractService.answersPerAddressPerHour {
                #expect(try await w.contracts.answerSurvey(token: token, rating: index % 5 == 0 ? 3 : 4, comment: "", deviceToken: form(1_000_000_000 + index), client: "10.0.0.2"))
            }
            await #expect(throws: DomainError(.rateLimited, "too many answers from this address in the last hour; try again later", retryAfter: 3600)) {
                _ = try await w.contracts.answerSurvey(token: token, rating: 5, comment: "", deviceToken: form(9999999999), client: "10.0.0.2")
            }
            w.t.clock.advance(by: 3601)
            #expect(try await w.contracts.answerSurvey(token: token, rating: 5, comment: "", deviceToken: form(9999999999), client: "10.0.0.2"))
            let summary = try await w.contracts.satisfaction(of: draft.id)
            // 1 five, 30 from the second address (6 threes, 24 fours), 1 five an hour later: 32 answers.
            #expect(summary.answers == 32 && summary.distribution == [0, 0, 6, 24, 2] && summary.comments == ["社工很耐心"])
            #expect(summary.satisfied == Points(hundredths: 26 * 10_000 / 32) && summary.average == Points(hundredths: 387))
        }
    }

    @Test("amendments: a party proposes with a reason, the other signs, the contract changes; refusals name the rule")
    func amendments() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let finance = try await w.actor("finance"), ngo = try await w.actor("ngo")
            await #expect(throws: DomainError.forbidden("only the contract's buyer and supplier change it")) {
                _ = try await w.contracts.proposeAmendment(by: try await w.actor("eldercare"), contractID: contract.id, reason: "延长服务期以覆盖春节后一月份的集中入户回访工作",
                                                           endsOn: "2028-01-31", terms: DeliveryWorld.terms, termJustification: nil)
            }
            await #expect(throws: DomainError.invalid([FieldError("termJustification", "a term of 15 months (over 1 year) needs a written justification of at least 20 characters")])) {
                _ = try await w.contracts.proposeAmendment(by: ngo, contractID: contract.id, reason: "延长服务期以覆盖春节后一月份的集中入户回访工作",
                                                           endsOn: "2028-01-31", terms: DeliveryWorld.terms, termJustification: nil)
            }
            await #expect(throws: DomainError.invalid([FieldError("endsOn", "must not fall before the last milestone, due 2027-11-18")])) {
                _ = try await w.contracts.proposeAmendment(by: ngo, contractID: contract.id, reason: "提前结束服务，因本合同的服务对象已全部迁出辖区",
                                                           endsOn: "2027-10-31", terms: DeliveryWorld.terms, termJustification: nil)
            }
            let proposal = try await w.contracts.proposeAmendment(by: ngo, contractID: contract.id, reason: "延长服务期以覆盖春节后一月份的集中入户回访工作",
                                                                  endsOn: "2028-01-31", terms: DeliveryWorld.terms,
                                                                  termJustification: "春节前后为独居老人照护高峰，需连续服务至一月底。")
            #expect(proposal.number == 1 && proposal.supplierSignedAt != nil && proposal.buyerSignedAt == nil && proposal.before.endsOn == "2027-11-18")
            await #expect(throws: DomainError.conflict("amendment 1 waits for signatures: one proposal at a time")) {
                _ = try await w.contracts.proposeAmendment(by: finance, contractID: contract.id, reason: "调整服务内容表述，明确电话回访和入户回访的比例要求",
                                                           endsOn: "2027-11-18", terms: DeliveryWorld.terms + "回访比例不低于10%。", termJustification: nil)
            }
            await #expect(throws: DomainError.conflict("your side has signed amendment 1 already; the other party signs it")) {
                _ = try await w.contracts.decideAmendment(by: ngo, contractID: contract.id, agree: true)
            }
            let agreed = try await w.contracts.decideAmendment(by: finance, contractID: contract.id, agree: true)
            #expect(agreed.status == .agreed && agreed.buyerSignedAt != nil)
            let file = try await w.contracts.file(id: contract.id, by: finance)
            #expect(file.contract.endsOn == "2028-01-31" && file.contract.termJustification == "春节前后为独居老人照护高峰，需连续服务至一月底。")
            let second = try await w.contracts.proposeAmendment(by: finance, contractID: contract.id, reason: "调整服务内容表述，明确电话回访和入户回访的比例要求",
                                                                endsOn: "2028-01-31", terms: DeliveryWorld.terms + "回访比例不低于10%。",
                                                                termJustification: "春节前后为独居老人照护高峰，需连续服务至一月底。")
            let withdrawn = try await w.contracts.decideAmendment(by: finance, contractID: contract.id, agree: false)
            #expect(second.number == 2 && withdrawn.status == .withdrawn)
            #expect(try await w.contracts.file(id: contract.id, by: finance).contract.terms == DeliveryWorld.terms)
            #expect(try await w.contracts.amendments(of: contract.id).map(\.status) == [.agreed, .withdrawn])
        }
    }
}
