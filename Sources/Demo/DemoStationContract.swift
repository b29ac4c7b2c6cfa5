import Catalogue
import Core
import Delivery
import Foundation
import Grassroots
import Identity
import Payments
import Store
import Tendering

/// Payment on verified records (issue 23, item 6): Fufeng's finance office buys the running of 午井镇's five village
/// stations from 扶风县邻里守望社会工作服务中心 (user fungo) for March 2026 to February 2027, paid partly on what the
/// platform itself records of those stations: cases settled within their limit, and residents' satisfaction.
///
/// Everything happens in 2026 on clocks set to its day, through the ordinary services: the tender in January and
/// February, the contract from March, the stations handed to the organisation, the first half reported in October
/// (the organisation counts more cases than the platform holds), signed off against the platform's figures, claimed
/// and paid. The stations' cases are the county's records of 2026 that `DemoRequests` loads.
enum DemoStationContract {
    static let fufengFinanceOffice = "11610324300000010K"
    static let supplier = "fungo"
    /// The town whose village stations the organisation runs (午井镇).
    static let town = "610324003"

    static let plan = DemoTenders.Plan(
        references: ["FF2026-01"], title: "午井镇村级公共服务站委托运营",
        description: "委托社会组织运营午井镇大彭村、下苏村等5个村级公共服务站：窗口受理、代办帮办、一次性告知和群众评价，按平台办件记录核实按时办结和满意率。",
        // 和合's bid keeps 黄评审 (on its board) off the panel, as in Lixia: the two who score are the whole panel.
        phase: .complete, bids: [("fungo", [168_000]), ("eldercare", [174_000]), ("harmony", [179_000])])

    static func load(database: Database, identity: IdentityService, sealer: BidSealer, password: String) async throws -> String {
        guard let buyer = try await identity.organisation(creditCode: fufengFinanceOffice) else {
            throw DomainError.notFound("the demo buyer \(fufengFinanceOffice) is missing from identity.json")
        }
        let beijing = TimeZone(identifier: "Asia/Shanghai") ?? .current
        func moment(_ month: Int, _ day: Int, _ hour: Int = 10) -> Date {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = beijing
            return calendar.date(from: DateComponents(year: 2026, month: month, day: day, hour: hour)) ?? Date(timeIntervalSince1970: 0)
        }
        // The tender of January, complete by the end of February.
        let tendered = try await DemoTenders.load(database: database, identity: identity, buyerID: buyer.id, sealer: sealer, password: password,
                                                  plans: [plan], now: moment(2, 27))
        let clock = ManualClock(moment(2, 27))
        let awards = AwardService(database: database, identity: identity, clock: clock)
        let lists = PurchaseListService(database: database, identity: identity, catalogue: .init(database: database), clock: clock)
        let payments = ContractPaymentService(database: database, ledger: LedgerService(database: database, purchaseLists: lists, clock: clock), clock: clock)
        let contracts = ContractService(database: database, identity: identity, awards: awards, funding: payments,
                                        records: ContractSiteRecords(logger: database.logger), clock: clock)
        let sites = SiteService(database: database, identity: identity, catalogue: ServiceItemService(database: database, identity: identity),
                                contracts: DeliverySiteContracts(contracts: contracts), clock: clock)
        guard let draft = try await awards.contractDrafts().first(where: { $0.buyerID == buyer.id }) else {
            // Drafted before (the contract is published), or the tender never reached its award: say which.
            if try await contracts.contracts(for: nil, limit: 200).contains(where: { $0.buyerID == buyer.id }) {
                return "Demo station contract: present already, left alone."
            }
            throw DomainError.conflict("the demo station tender was not awarded: \(tendered)")
        }
        func actor(_ username: String) async throws -> Actor { try await identity.signIn(username: username, password: password) }
        let finance = try await actor("fufeng")
        let organisation = try await actor(supplier)

        let contract = try await contracts.draft(by: finance, ContractInput(
            awardID: draft.awardID, startsOn: "2026-03-01", endsOn: "2027-02-28",
            terms: "服务内容：运营午井镇大彭村、下苏村等5个村级公共服务站，按《扶风县村级公共服务站服务规范》落实首问负责、AB岗、一次性告知；"
                + "按季度报告，按平台办件与评价记录核实按时办结件数和群众满意率，按核实成果结算；违约责任按《民法典》及本合同约定。"))
        func metrics(onTime: Int) -> [OutcomeMetric] {
            [OutcomeMetric(code: "on_time", definition: "按时办结件数", unit: "件", target: onTime, dataSource: "平台办件记录（5个站点）",
                           validationMethod: "评估机构核对平台记录并抽样回访", platformRecord: .casesOnTime),
             OutcomeMetric(code: "satisfied", definition: "群众满意率", unit: "%", target: 90, dataSource: "平台群众评价记录",
                           validationMethod: "平台记录", platformRecord: .satisfiedPercent)]
        }
        _ = try await contracts.setMilestones(by: finance, contractID: contract.id, [
            MilestoneInput(title: "3—9月站点运营", dueOn: "2026-09-30", deliverables: "站点运营台账、半年报告", shareBasisPoints: 5000, metrics: metrics(onTime: 90)),
            MilestoneInput(title: "10月至次年2月站点运营与总结", dueOn: "2027-02-28", deliverables: "站点运营台账、年度总结", shareBasisPoints: 5000,
                           metrics: metrics(onTime: 65)),
        ])
        // 40 % as a delivery fee; the rest at a price per case settled on time that pays the outcome pool when both targets are met.
        let price = Money(minorUnits: draft.value.minorUnits * 6 / 10 / 155 / 1_000 * 1_000)
        _ = try await payments.setRateCard(by: finance, contractID: contract.id, maximum: draft.value, deliveryFeeBasisPoints: 4000, capPerBeneficiary: nil,
                                           partialRule: .proportional,
                                           prices: [RateCard.Price(metric: "on_time", price: price), RateCard.Price(metric: "satisfied", price: Money(minorUnits: 0))])
        if let institution = try await identity.organisation(creditCode: DemoContracts.institutionCreditCode) {
            let engagement = try await contracts.engage(by: finance, contractID: contract.id, EngagementInput(
                institutionID: institution.id, startsOn: "2026-03-01", endsOn: "2027-02-28", fee: Money(minorUnits: draft.value.minorUnits / 50)))
            for assessor in ["evaluator", "evaluator2"] {
                _ = try await contracts.assignEvaluator(by: try await actor("evalcentre"), engagementID: engagement.id,
                                                        evaluatorID: try await actor(assessor).userID)
            }
        }
        _ = try await contracts.sign(by: finance, contractID: contract.id)
        clock.advance(by: 3_600)
        _ = try await contracts.sign(by: organisation, contractID: contract.id)
        clock.advance(by: 3_600)
        _ = try await contracts.publish(by: finance, contractID: contract.id)

        // The town's five stations pass to the organisation under the contract from March.
        let stations = try await sites.sites(SiteQuery(tier: .villageStation, jurisdictionCode: town, limit: 5)).sites
        for station in stations {
            var content = station.content
            content.operatorKind = .socialOrganisation
            content.operatorName = "扶风县邻里守望社会工作服务中心"
            content.contractID = contract.id
            _ = try await sites.update(by: finance, id: station.id, content)
        }

        // October: the organisation reports the first half by its own count; the evaluator signs off on the platform's.
        clock.advance(by: moment(10, 9).timeIntervalSince(clock.now()))
        let first = try await contracts.milestones(of: [contract.id])[0]
        let evaluator = try await actor("evaluator")
        guard let figures = try await contracts.file(id: contract.id, by: evaluator).platformFigures[first.id] else {
            throw DomainError.conflict("the demo station contract's first milestone has no platform figures")
        }
        let onTime = figures.value(of: .casesOnTime), satisfied = figures.value(of: .satisfiedPercent)
        _ = try await contracts.report(by: organisation, milestoneID: first.id, ReportInput(
            results: ["on_time": onTime + 3, "satisfied": min(satisfied + 4, 100)], beneficiaries: figures.settled + 3,
            narrative: "3—9月5个站点共受理办结\(figures.settled + 3)件（含3件线下补录），群众评价以站点回访为准。",
            evidence: [EvidenceUpload(filename: "站点运营台账.pdf", data: DemoContracts.pdf, obtainedHow: "5个站点窗口办件台账汇总", obtainedOn: "2026-10-09")]))
        clock.advance(by: moment(10, 16).timeIntervalSince(clock.now()))
        let met = onTime >= 90 && satisfied >= 90
        let signOff = try await contracts.signOff(by: evaluator, milestoneID: first.id, SignOffInput(
            decision: met ? .met : .partiallyMet, verified: ["on_time": onTime, "satisfied": satisfied], verifiedBeneficiaries: figures.settled,
            reasons: "按平台办件记录核实：\(figures.from)至\(figures.through)办结\(figures.settled)件，按时\(onTime)件，满意率\(satisfied)%；线下补录的3件平台无记录，不予认定。"))
        if signOff.countersignRequired { _ = try await contracts.countersign(by: try await actor("evaluator2"), signOffID: signOff.id) }
        clock.advance(by: moment(10, 20).timeIntervalSince(clock.now()))
        let claim = try await payments.claim(by: organisation, contractID: contract.id)
        _ = try await payments.approve(by: finance, claimID: claim.id)
        clock.advance(by: 86_400)
        let paid = try await payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-FF-20261021-1", paidOn: "2026-10-21", idempotencyKey: nil)
        return "Demo station contract: \(contract.reference) for \(stations.count) stations of 午井镇, signed off on the platform's records "
            + "(\(onTime) cases on time, \(satisfied) % satisfied) and \(paid.amount.formatted) paid."
    }
}
