import Catalogue
import Core
import Delivery
import Foundation
import Identity
import Payments
import Store
import Tendering

/// Delivery and payment services over a `TenderWorld`, with a contract ready to draft: 阳光 (user
/// "ngo") awarded ¥380,000 on LX2026-01 (budget ¥400,000) of the finance office, standstill over on
/// Thursday 19 November 2026, 17:00.
public struct DeliveryWorld: Sendable {
    public let t: TenderWorld
    public let ledger: LedgerService
    public let payments: ContractPaymentService
    public let contracts: ContractService

    public init(_ database: Database, countersignThreshold: Money = .yuan(100_000), records: (any PlatformRecords)? = nil) {
        t = TenderWorld(database)
        ledger = LedgerService(database: database, purchaseLists: t.lists, clock: t.clock)
        payments = ContractPaymentService(database: database, ledger: ledger, clock: t.clock)
        contracts = ContractService(database: database, identity: t.world.identity, awards: t.awards, funding: payments, records: records, clock: t.clock,
                                    countersignThreshold: countersignThreshold)
    }

    public func actor(_ username: String) async throws -> Actor { try await t.world.actor(username) }

    /// The award of the second-ranked bid (阳光, ¥380,000), its tender completed after the standstill.
    public func completedAward() async throws -> ContractDraft {
        let tender = try await t.tenderInEvaluation()
        try await t.scoreAll(tender)
        let finance = try await actor("finance")
        let evaluation = try await t.evaluations.evaluation(tenderID: tender.id, by: finance)
        let ranking = evaluation.rankings!.first!
        _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: ranking.bids[1].bidID,
                                      reason: "第一名报价异常低且未作书面说明，授予第二名。")
        let awarded = try await t.tenders.tender(id: tender.id, by: nil)
        try await t.move(to: awarded.periods!.standstillEnd!)
        return try await t.awards.contractDrafts().first!
    }

    public static let terms = "服务内容：为辖区失能半失能老人提供居家上门服务；数量、质量标准、结算方式与违约责任见附件。"

    /// Two milestones: 40 % (visits 2000, assessments 100) by 31 March 2027 and 60 % (visits 3000) by the term's last day.
    public static let milestones: [MilestoneInput] = [
        MilestoneInput(title: "第一季度服务", dueOn: "2027-03-31", deliverables: "上门服务记录、评估报告", shareBasisPoints: 4000, metrics: [
            OutcomeMetric(code: "visits", definition: "完成的上门服务人次", unit: "人次", target: 2000, dataSource: "服务签到记录", validationMethod: "抽样电话回访"),
            OutcomeMetric(code: "assessments", definition: "完成的能力评估", unit: "份", target: 100, dataSource: "评估表", validationMethod: "逐份核对"),
        ]),
        MilestoneInput(title: "全年服务", dueOn: "2027-11-18", deliverables: "全年服务总结", shareBasisPoints: 6000, metrics: [
            OutcomeMetric(code: "visits", definition: "完成的上门服务人次", unit: "人次", target: 3000, dataSource: "服务签到记录", validationMethod: "抽样电话回访"),
        ]),
    ]

    /// Maximum ¥380,000, 30 % delivery fee, ¥50 a visit (capped at ¥200,000), ¥300 an assessment, ¥3,000 per beneficiary.
    public func priceOutcomes(_ contract: Contract) async throws -> RateCard {
        try await payments.setRateCard(by: try await actor("finance"), contractID: contract.id, maximum: .yuan(380_000), deliveryFeeBasisPoints: 3000,
                                       capPerBeneficiary: .yuan(3_000), partialRule: .proportional,
                                       prices: [RateCard.Price(metric: "visits", price: .yuan(50), cap: .yuan(200_000)),
                                                RateCard.Price(metric: "assessments", price: .yuan(300))])
    }

    /// A draft with milestones and a rate card, unsigned: a year from the day the standstill ended (so the
    /// evidence of 19 November and sign-offs from then on fall within its term).
    public func draftedContract() async throws -> Contract {
        let award = try await completedAward()
        let contract = try await contracts.draft(by: try await actor("finance"),
                                                 ContractInput(awardID: award.awardID, startsOn: "2026-11-19", endsOn: "2027-11-18", terms: Self.terms))
        _ = try await contracts.setMilestones(by: try await actor("finance"), contractID: contract.id, Self.milestones)
        _ = try await priceOutcomes(contract)
        _ = try await engageInstitution(contract, assigning: assessors)
        return contract
    }

    /// The evaluators the institution assigns to the world's contracts (all three of 山东泉城, unless a test says otherwise).
    public var assessors = ["evaluator", "evaluator2", "evaluator3"]

    /// The demo's evaluation institution (山东泉城社会服务评估中心) engaged by the buyer for the contract, with these of its
    /// evaluators assigned by its administrator `evalcentre`.
    @discardableResult
    public func engageInstitution(_ contract: Contract, assigning usernames: [String]) async throws -> Engagement {
        let institution = try await t.world.identity.organisation(creditCode: "523701026000000123")!
        var engagement = try await contracts.engage(by: try await actor("finance"), contractID: contract.id,
                                                    EngagementInput(institutionID: institution.id, startsOn: contract.startsOn, endsOn: contract.endsOn))
        for username in usernames {
            engagement = try await contracts.assignEvaluator(by: try await actor("evalcentre"), engagementID: engagement.id,
                                                             evaluatorID: try await actor(username).userID)
        }
        return engagement
    }

    /// Signed by both parties (and so committed on the line).
    public func signedContract() async throws -> Contract {
        let contract = try await draftedContract()
        _ = try await contracts.sign(by: try await actor("finance"), contractID: contract.id)
        return try await contracts.sign(by: try await actor("ngo"), contractID: contract.id)
    }

    /// Milestone 1 reported (1,800 visits, 100 assessments) and signed off partially met (1,600 and 90
    /// verified, 110 beneficiaries: ¥145,760 payable), claimed and approved; the claim, unpaid.
    public func approvedFirstClaim(_ contract: Contract) async throws -> Claim {
        let signOff = try await signedOffFirstMilestone(contract)
        // Above the countersign threshold, 马评审 signs too.
        if signOff.countersignRequired { _ = try await contracts.countersign(by: try await actor("evaluator2"), signOffID: signOff.id) }
        let claim = try await payments.claim(by: try await actor("ngo"), contractID: contract.id)
        return try await payments.approve(by: try await actor("finance"), claimID: claim.id)
    }

    /// Milestone 1 reported (1,800 visits, 100 assessments) and signed off partially met by 刘评审 (1,600 and 90 verified,
    /// 110 beneficiaries: ¥145,760 payable, so above the default threshold the sign-off waits for a countersignature).
    public func signedOffFirstMilestone(_ contract: Contract) async throws -> SignOff {
        let milestone = try await contracts.milestones(of: [contract.id])[0]
        _ = try await contracts.report(by: try await actor("ngo"), milestoneID: milestone.id, Self.report(visits: 1800, assessments: 100, beneficiaries: 120))
        return try await contracts.signOff(by: try await actor("evaluator"), milestoneID: milestone.id,
                                           SignOffInput(decision: .partiallyMet, verified: ["visits": 1600, "assessments": 90], verifiedBeneficiaries: 110,
                                                        reasons: "抽样回访发现部分签到记录无法核实，按可核实数量认定。"))
    }

    /// A minimal PDF: its first bytes are what makes it one.
    public static let pdf = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)

    public static func report(visits: Int, assessments: Int? = nil, beneficiaries: Int) -> ReportInput {
        var results = ["visits": visits]
        if let assessments { results["assessments"] = assessments }
        return ReportInput(results: results, beneficiaries: beneficiaries, narrative: "本季度完成上门服务，详见签到记录与评估表。",
                           evidence: [EvidenceUpload(filename: "签到记录.pdf", data: pdf, obtainedHow: "服务对象签字的纸质签到表扫描", obtainedOn: "2026-11-19")])
    }
}

extension DemoWorld {
    /// The delivery and payment services on the system clock, for reading what the demo made.
    public static func ledger(_ database: Database) -> LedgerService {
        let identity = DemoWorld(database).identity
        return LedgerService(database: database, purchaseLists: PurchaseListService(database: database, identity: identity,
                                                                                    catalogue: PurchaseCatalogueService(database: database)))
    }

    public static func contractPayments(_ database: Database) -> ContractPaymentService {
        ContractPaymentService(database: database, ledger: ledger(database))
    }

    public static func contracts(_ database: Database) -> ContractService {
        let identity = DemoWorld(database).identity
        return ContractService(database: database, identity: identity, awards: AwardService(database: database, identity: identity),
                               funding: contractPayments(database))
    }
}
