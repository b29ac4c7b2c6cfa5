import Core
import Delivery
import Foundation
import Identity
import Payments
import Store
import Tendering

/// Contracts from the demo's completed awards, one at each stage of delivery: a draft with its terms;
/// signed and unpublished; published with a report waiting for sign-off; a milestone signed off
/// partially met (countersigned) and paid; and one paid and then corrected, with a recovery open.
/// Made through the ordinary services, acting as the demo users.
enum DemoContracts {
    static let pdf = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)

    enum Stage: CaseIterable { case draft, signed, reported, paid, recovered }

    static func load(database: Database, identity: IdentityService, buyerID: UUID, password: String, now: Date = Date()) async throws -> String {
        let awards = AwardService(database: database, identity: identity, clock: ManualClock(now))
        let drafts = try await awards.contractDrafts().filter { $0.buyerID == buyerID }
        // From just after the last standstill ended, a minute a step: every step at a moment it could have happened.
        let clock = ManualClock((drafts.map(\.standstillEnd).max() ?? now).addingTimeInterval(60))
        let lists = PurchaseListService(database: database, identity: identity, catalogue: .init(database: database), clock: clock)
        let ledger = LedgerService(database: database, purchaseLists: lists, clock: clock)
        let payments = ContractPaymentService(database: database, ledger: ledger, clock: clock)
        let contracts = ContractService(database: database, identity: identity, awards: awards, funding: payments, clock: clock)
        guard try await contracts.contract(awardID: drafts.first?.awardID ?? UUID()) == nil else { return "Demo contracts: present already, left alone." }
        func actor(_ username: String) async throws -> Actor { try await identity.signIn(username: username, password: password) }
        let finance = try await actor("finance")
        let lines = try await lists.lines(PurchaseLineQuery(year: 2026, buyerID: buyerID, limit: 100))
        let usernames = try await supplierUsernames(identity, password)
        let today = WorkingCalendar().dayKey(clock.now())
        func step() { clock.advance(by: 60) }
        var made = 0
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
            made += 1
            guard stage != .draft else { continue }
            _ = try await contracts.sign(by: finance, contractID: contract.id)
            step()
            _ = try await contracts.sign(by: supplier, contractID: contract.id)
            guard stage != .signed else { continue }
            _ = try await contracts.publish(by: finance, contractID: contract.id)
            step()
            let first = try await contracts.milestones(of: [contract.id])[0]
            let reported = quantity * 4 / 10 - 2
            _ = try await contracts.report(by: supplier, milestoneID: first.id, ReportInput(
                results: ["served": reported], beneficiaries: reported,
                narrative: "上半年完成服务\(reported)\(line.content.unit)，个案档案与服务记录齐全；2户因搬离辖区中止服务。",
                evidence: [EvidenceUpload(filename: "服务台账.pdf", data: pdf, obtainedHow: "服务对象签字确认的服务台账扫描件", obtainedOn: today)]))
            guard stage != .reported else { continue }
            step()
            let verified = reported - 3
            let signOff = try await contracts.signOff(by: try await actor("evaluator"), milestoneID: first.id, SignOffInput(
                decision: .partiallyMet, verified: ["served": verified], verifiedBeneficiaries: verified,
                reasons: "抽样回访中3份签字无法核实，按可核实数量认定；服务质量符合合同约定。"))
            if signOff.countersignRequired { _ = try await contracts.countersign(by: try await actor("evaluator2"), signOffID: signOff.id) }
            let claim = try await payments.claim(by: supplier, contractID: contract.id)
            _ = try await payments.approve(by: finance, claimID: claim.id)
            step()
            _ = try await payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-LX-\(today.replacingOccurrences(of: "-", with: ""))-\(made)",
                                       paidOn: today, idempotencyKey: nil)
            guard stage == .recovered else { continue }
            step()
            _ = try await contracts.signOff(by: try await actor("evaluator2"), milestoneID: first.id, SignOffInput(
                decision: .partiallyMet, verified: ["served": verified - 4], verifiedBeneficiaries: verified - 4,
                reasons: "复核发现4名服务对象与其他项目重复登记，更正核实数量。"))
        }
        return "Demo contracts: \(made) drafted from the completed awards, at every stage of delivery."
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
