import Core
import Delivery
import Foundation
import Identity
import Payments
import Store
import Tendering

/// Contracts from the demo's completed awards, one at each stage of delivery: a draft with its terms;
/// signed and unpublished (graded before delivery); published with a report waiting for sign-off; delivered in
/// full, paid, graded 良 after delivery and completed; and one paid and then corrected, with a recovery
/// open. The published ones have survey answers from their service users.
/// Made through the ordinary services, acting as the demo users.
enum DemoContracts {
    /// 山东泉城社会服务评估中心, the demo's evaluation institution in Lixia (seed/identity.json).
    static let institutionCreditCode = "523701026000000123"
    static let pdf = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)

    enum Stage: CaseIterable { case draft, signed, reported, completed, recovered }

    static func load(database: Database, identity: IdentityService, buyerID: UUID, password: String, now: Date = Date()) async throws -> String {
        let awards = AwardService(database: database, identity: identity, clock: ManualClock(now))
        // In tender and lot order, so each stage lands on the same contract every time.
        let drafts = try await awards.contractDrafts().filter { $0.buyerID == buyerID }
            .sorted { ($0.tenderReference, $0.lotNumber) < ($1.tenderReference, $1.lotNumber) }
        // From just after the last standstill ended, a minute a step: every step at a moment it could have happened.
        let clock = ManualClock((drafts.map(\.standstillEnd).max() ?? now).addingTimeInterval(60))
        let lists = PurchaseListService(database: database, identity: identity, catalogue: .init(database: database), clock: clock)
        let ledger = LedgerService(database: database, purchaseLists: lists, clock: clock)
        let payments = ContractPaymentService(database: database, ledger: ledger, clock: clock)
        let contracts = ContractService(database: database, identity: identity, awards: awards, funding: payments, clock: clock)
        // Drafts are the awards without a contract: none left means the demo drafted them all before.
        guard !drafts.isEmpty else { return "Demo contracts: present already, left alone." }
        func actor(_ username: String) async throws -> Actor { try await identity.signIn(username: username, password: password) }
        let finance = try await actor("finance")
        let lines = try await lists.lines(PurchaseLineQuery(year: 2026, buyerID: buyerID, limit: 100))
        let usernames = try await supplierUsernames(identity, password)
        let today = WorkingCalendar().dayKey(clock.now())
        // The district's evaluation institution, engaged on every contract, assigns its two untied evaluators.
        let institution = try await identity.organisation(creditCode: institutionCreditCode)
        let centre = try await actor("evalcentre")
        let assessors = [try await actor("evaluator"), try await actor("evaluator2")]
        func step() { clock.advance(by: 60) }
        var made = 0
        var unsigned: Set<Int> = []
        for (draft, stage) in zip(drafts, Stage.allCases) {
            guard let line = lines.first(where: { $0.id == draft.purchaseLineID }), let supplierUser = usernames[draft.supplierID] else { continue }
            let supplier = try await actor(supplierUser)
            let contract = try await contracts.draft(by: finance, ContractInput(
                awardID: draft.awardID, startsOn: "2026-12-01", endsOn: "2027-11-30",
                terms: "服务内容：\(line.content.title)，服务对象为\(line.content.targetGroup)，全年\(line.content.quantity)\(line.content.unit)。"
                    + "质量标准按《历下区政府购买社会工作服务标准》执行；按季度报告、按核实成果结算；违约责任按《民法典》及本合同约定。"))
            let quantity = line.content.quantity
            let metric = { (target: Int) in
                OutcomeMetric(code: "served", definition: "服务\(line.content.targetGroup)", unit: line.content.unit, target: target,
                              dataSource: "服务台账与服务对象签字", validationMethod: "评估机构抽样入户回访")
            }
            _ = try await contracts.setMilestones(by: finance, contractID: contract.id, [
                MilestoneInput(title: "上半年服务", dueOn: "2027-05-31", deliverables: "服务台账、半年报告", shareBasisPoints: 4000, metrics: [metric(quantity * 4 / 10)]),
                MilestoneInput(title: "全年服务与总结", dueOn: "2027-11-30", deliverables: "服务台账、年度总结、满意度调查", shareBasisPoints: 6000,
                               metrics: [metric(quantity - quantity * 4 / 10)]),
            ])
            // 30 % paid as a delivery fee; the rest at a price per unit served that pays the whole
            // outcome pool when every target is met.
            let price = Money(minorUnits: draft.value.minorUnits * 7 / 10 / Int64(max(quantity, 1)) / 100 * 100)
            _ = try await payments.setRateCard(by: finance, contractID: contract.id, maximum: draft.value, deliveryFeeBasisPoints: 3000, capPerBeneficiary: nil,
                                               partialRule: .proportional, prices: [RateCard.Price(metric: "served", price: price)])
            if let institution {
                let engagement = try await contracts.engage(by: finance, contractID: contract.id, EngagementInput(
                    institutionID: institution.id, startsOn: "2026-12-01", endsOn: "2027-12-31", fee: Money(minorUnits: draft.value.minorUnits / 50)))
                for assessor in assessors {
                    _ = try await contracts.assignEvaluator(by: centre, engagementID: engagement.id, evaluatorID: assessor.userID)
                }
            }
            made += 1
            guard stage != .draft else { continue }
            do {
                _ = try await contracts.sign(by: finance, contractID: contract.id)
                step()
                _ = try await contracts.sign(by: supplier, contractID: contract.id)
            } catch let missing as WorkingCalendar.YearNotHeld {
                // Signing starts the days to publish in, which a year not loaded cannot count: it stays a draft.
                unsigned.insert(missing.year)
                continue
            }
            let evaluator = try await actor("evaluator")
            if stage == .signed {
                _ = try await contracts.evaluate(by: evaluator, contractID: contract.id, phase: .exAnte, indicators: grid(27, 35, 9, 18),
                                                 summary: "绩效目标明确、可衡量，与预算匹配；建议补充服务对象状况改善的基线数据。")
                continue
            }
            _ = try await contracts.publish(by: finance, contractID: contract.id)
            step()
            let first = try await contracts.milestones(of: [contract.id])[0]
            let reported = quantity * 4 / 10 - 2
            _ = try await contracts.report(by: supplier, milestoneID: first.id, ReportInput(
                results: ["served": reported], beneficiaries: reported,
                narrative: "上半年完成服务\(reported)\(line.content.unit)，个案档案与服务记录齐全；2户因搬离辖区中止服务。",
                evidence: [EvidenceUpload(filename: "服务台账.pdf", data: pdf, obtainedHow: "服务对象签字确认的服务台账扫描件", obtainedOn: today)]))
            try await answerSurvey(contract, contracts, ratings: stage == .reported ? [5, 5, 4, 5, 4, 5, 5, 3, 5, 4] : nil)
            guard stage != .reported else { continue }
            step()
            let verified = reported - 3
            let signOff = try await contracts.signOff(by: evaluator, milestoneID: first.id, SignOffInput(
                decision: .partiallyMet, verified: ["served": verified], verifiedBeneficiaries: verified,
                reasons: "抽样回访中3份签字无法核实，按可核实数量认定；服务质量符合合同约定。"))
            // A large amount waits for 马评审's signature too; then the supplier claims, the buyer approves and pays.
            func countersignClaimAndPay(_ signOff: SignOff, reference: String) async throws {
                if signOff.countersignRequired { _ = try await contracts.countersign(by: try await actor("evaluator2"), signOffID: signOff.id) }
                let claim = try await payments.claim(by: supplier, contractID: contract.id)
                _ = try await payments.approve(by: finance, claimID: claim.id)
                step()
                _ = try await payments.pay(by: finance, claimID: claim.id, treasuryReference: reference, paidOn: WorkingCalendar().dayKey(clock.now()), idempotencyKey: nil)
            }
            let reference = "GK-LX-\(today.replacingOccurrences(of: "-", with: ""))-\(made)"
            try await countersignClaimAndPay(signOff, reference: reference)
            if stage == .completed {
                // The second half delivered in full and met; the last claim paid; graded after delivery; closed.
                step()
                let second = try await contracts.milestones(of: [contract.id])[1]
                _ = try await contracts.report(by: supplier, milestoneID: second.id, ReportInput(
                    results: ["served": second.metrics[0].target], beneficiaries: second.metrics[0].target,
                    narrative: "全年服务完成，年度总结与满意度调查报告见附件。",
                    evidence: [EvidenceUpload(filename: "年度总结.pdf", data: pdf, obtainedHow: "机构年度总结及服务台账", obtainedOn: today)]))
                step()
                let met = try await contracts.signOff(by: evaluator, milestoneID: second.id, SignOffInput(
                    decision: .met, verified: ["served": second.metrics[0].target], verifiedBeneficiaries: second.metrics[0].target,
                    reasons: "入户回访全部属实，全年目标达成。"))
                try await countersignClaimAndPay(met, reference: reference + "2")
                _ = try await contracts.evaluate(by: evaluator, contractID: contract.id, phase: .exPost, indicators: grid(28, 34, 8, 19),
                                                 summary: "全年服务目标基本达成，服务对象满意率96%；上半年部分台账签字不全，已整改。")
                _ = try await contracts.complete(by: finance, contractID: contract.id)
                continue
            }
            step()
            _ = try await contracts.evaluate(by: evaluator, contractID: contract.id, phase: .inProcess, indicators: grid(24, 30, 8, 17),
                                             summary: "上半年服务进度基本正常，个别服务对象重复登记，需加强台账管理。")
            _ = try await contracts.signOff(by: try await actor("evaluator2"), milestoneID: first.id, SignOffInput(
                decision: .partiallyMet, verified: ["served": verified - 4], verifiedBeneficiaries: verified - 4,
                reasons: "复核发现4名服务对象与其他项目重复登记，更正核实数量。"))
        }
        return "Demo contracts: \(made) drafted from the completed awards, at every stage of delivery."
            + (unsigned.isEmpty ? "" : " Some stay unsigned: the working calendar for \(unsigned.sorted().map(String.init).joined(separator: ", ")) is not loaded.")
    }

    /// An evaluation grid out of 30 / 40 / 10 / 20.
    static func grid(_ output: Double, _ outcome: Double, _ cost: Double, _ satisfaction: Double) -> [Indicator] {
        [Indicator(kind: .output, name: "服务数量完成率", weight: Points(30)!, score: Points(output)!),
         Indicator(kind: .outcome, name: "服务对象状况改善", weight: Points(40)!, score: Points(outcome)!),
         Indicator(kind: .cost, name: "单位成本与预算控制", weight: Points(10)!, score: Points(cost)!),
         Indicator(kind: .satisfaction, name: "服务对象满意度", weight: Points(20)!, score: Points(satisfaction)!, note: "问卷满意率")]
    }

    /// Service users answer the survey (seed 002 reports satisfaction above 95 %): 25 answers unless given.
    static func answerSurvey(_ contract: Contract, _ contracts: ContractService, ratings: [Int]?) async throws {
        let ratings = ratings ?? (0..<25).map { $0 == 7 ? 3 : ($0 % 3 == 0 ? 4 : 5) }
        let comments = ["社工很耐心，每次都按时上门。", "希望增加周末的服务时间。", "", "孩子的变化很大，谢谢！", ""]
        guard let token = try await contracts.file(id: contract.id, by: nil).contract.surveyToken else { return }
        for (index, rating) in ratings.enumerated() {
            // Each service user's device fetches the form (and its token), then answers.
            let form = contracts.surveyDeviceToken(for: contract, device: nil)
            _ = try await contracts.answerSurvey(token: token, rating: rating, comment: index < comments.count ? comments[index] : "",
                                                 deviceToken: form.token, client: "demo-\(index % 5)")
        }
    }

    /// The demo suppliers' usernames by organisation.
    private static func supplierUsernames(_ identity: IdentityService, _ password: String) async throws -> [UUID: String] {
        var result: [UUID: String] = [:]
        for username in ["ngo", "eldercare", "harmony", "warmsun", "youth"] {
            result[try await identity.signIn(username: username, password: password).organisationID] = username
        }
        return result
    }
}
