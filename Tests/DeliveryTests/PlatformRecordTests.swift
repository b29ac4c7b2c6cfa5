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

/// Payment on verified records (issue 23, item 6): a metric may take its figure from the platform's own records of the
/// service sites the supplier operates under the contract. Rules: the figure is counted over the milestone's period (the
/// contract's first day, or the day after the previous milestone was due, to the milestone's due day); the sign-off
/// sheet shows it to those who read the delivery records; the evaluator verifies no more than it; the sign-off keeps
/// it as it stood; the payment calculation names it and pays no more than it.
///
/// The records here are scripted (the SQL behind them is tested in GrassrootsTests' `ContractSiteRecordsTests`).
@Suite("Payment on verified records")
struct PlatformRecordTests {
    /// Figures a test sets, and the periods Delivery asked them for.
    actor ScriptedRecords: PlatformRecords {
        var figures = PlatformFigures(from: "", through: "", sites: 1, settled: 60, onTime: 48, rated: 40, satisfied: 37)
        var asked: [String] = []

        func set(onTime: Int) { figures.onTime = onTime }

        func figures(contractID: UUID, from: String, through: String, on connection: PostgresConnection) async throws -> PlatformFigures {
            asked.append("\(from)…\(through)")
            var answer = figures
            answer.from = from
            answer.through = through
            return answer
        }
    }

    /// Two milestones paid partly on the station's records: cases settled on time (¥200 each) and residents' satisfaction
    /// (per cent, priced ¥0, counted in the fee's share of targets met), beside a reported metric (visits, ¥50).
    static let milestones = [
        MilestoneInput(title: "第一季度", dueOn: "2027-03-31", deliverables: "服务台账", shareBasisPoints: 4000, metrics: [
            OutcomeMetric(code: "visits", definition: "上门服务人次", unit: "人次", target: 2000, dataSource: "签到记录", validationMethod: "抽样回访"),
            OutcomeMetric(code: "on_time", definition: "按时办结件数", unit: "件", target: 50, dataSource: "平台办件记录", validationMethod: "平台记录",
                          platformRecord: .casesOnTime),
            OutcomeMetric(code: "satisfied", definition: "群众满意率", unit: "%", target: 90, dataSource: "平台评价记录", validationMethod: "平台记录",
                          platformRecord: .satisfiedPercent),
        ]),
        MilestoneInput(title: "全年", dueOn: "2027-11-18", deliverables: "年度总结", shareBasisPoints: 6000, metrics: [
            OutcomeMetric(code: "on_time", definition: "按时办结件数", unit: "件", target: 100, dataSource: "平台办件记录", validationMethod: "平台记录",
                          platformRecord: .casesOnTime),
        ]),
    ]

    /// The world's contract with these milestones and prices, signed by both parties; no countersignature needed.
    static func signedContract(_ w: DeliveryWorld) async throws -> Contract {
        let contract = try await w.draftedContract()
        let finance = try await w.actor("finance")
        _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, milestones)
        _ = try await w.payments.setRateCard(by: finance, contractID: contract.id, maximum: .yuan(380_000), deliveryFeeBasisPoints: 3000,
                                             capPerBeneficiary: nil, partialRule: .proportional,
                                             prices: [RateCard.Price(metric: "visits", price: .yuan(50)), RateCard.Price(metric: "on_time", price: .yuan(200)),
                                                      RateCard.Price(metric: "satisfied", price: Money(minorUnits: 0))])
        _ = try await w.contracts.sign(by: finance, contractID: contract.id)
        return try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id)
    }

    /// The supplier reports more than the records show: 60 on time and 95 % satisfied.
    static func report(_ w: DeliveryWorld, _ contract: Contract) async throws -> Milestone {
        let milestone = try await w.contracts.milestones(of: [contract.id])[0]
        _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id, ReportInput(
            results: ["visits": 1800, "on_time": 60, "satisfied": 95], beneficiaries: 120, narrative: "本季度站点按时办结60件，满意率95%。",
            evidence: [EvidenceUpload(filename: "台账.pdf", data: DeliveryWorld.pdf, obtainedHow: "站点办件台账", obtainedOn: "2026-11-19")]))
        return milestone
    }

    static func input(onTime: Int, satisfied: Int) -> SignOffInput {
        SignOffInput(decision: .partiallyMet, verified: ["visits": 1600, "on_time": onTime, "satisfied": satisfied], verifiedBeneficiaries: 110,
                     reasons: "按平台办件与评价记录核实，上门服务按抽样回访认定。")
    }

    @Test("the sheet shows the records over each milestone's period to the records' readers only; the evaluator may verify no more than they show, and nothing is written when refused")
    func verifiedAgainstTheRecords() async throws {
        try await TestDatabase.with { database in
            let records = ScriptedRecords()
            let w = DeliveryWorld(database, countersignThreshold: .yuan(10_000_000), records: records)
            let contract = try await Self.signedContract(w)
            let milestone = try await Self.report(w, contract)

            let file = try await w.contracts.file(id: contract.id, by: try await w.actor("evaluator"))
            let second = try #require(file.milestones.last)
            #expect(file.platformFigures[milestone.id]?.from == "2026-11-19" && file.platformFigures[milestone.id]?.through == "2027-03-31")
            #expect(file.platformFigures[second.id]?.from == "2027-04-01" && file.platformFigures[second.id]?.through == "2027-11-18")
            #expect(file.platformFigures[milestone.id].map { ($0.value(of: .casesOnTime), $0.value(of: .satisfiedPercent)) } ?? (0, 0) == (48, 92))
            // The public reads the published contract, not its delivery records.
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            #expect(try await w.contracts.file(id: contract.id, by: nil).platformFigures.isEmpty)

            let evaluator = try await w.actor("evaluator")
            let above = await #expect(throws: DomainError.self) {
                _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id, Self.input(onTime: 49, satisfied: 93))
            }
            #expect(above?.fields.map(\.field) == ["verified.on_time", "verified.satisfied"])
            #expect(above?.fields.first.map { "\($0.message)" }?.contains("48") == true)
            #expect(try await w.contracts.file(id: contract.id, by: evaluator).signOffs.isEmpty)
            #expect(try await w.contracts.milestones(of: [contract.id])[0].status == .reported)
            // At the records' own figures it is signed.
            let signOff = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id, Self.input(onTime: 48, satisfied: 92))
            #expect(signOff.platformFigures == ["on_time": 48, "satisfied": 92])
            #expect(await records.asked.contains("2026-11-19…2027-03-31"))
        }
    }

    @Test("the sign-off keeps the figure it was made against; the calculation names it and pays the verified cases at their price")
    func calculationNamesTheFigure() async throws {
        try await TestDatabase.with { database in
            let records = ScriptedRecords()
            let w = DeliveryWorld(database, countersignThreshold: .yuan(10_000_000), records: records)
            let contract = try await Self.signedContract(w)
            let milestone = try await Self.report(w, contract)
            _ = try await w.contracts.signOff(by: try await w.actor("evaluator"), milestoneID: milestone.id, Self.input(onTime: 45, satisfied: 92))
            // Cases settled later change the records, not what was signed off.
            await records.set(onTime: 20)
            let stored = try await w.contracts.file(id: contract.id, by: try await w.actor("finance")).signOffs
            #expect(stored.map(\.platformFigures) == [["on_time": 48, "satisfied": 92]])

            let calculation = try #require(try await w.payments.statement(of: contract.id).calculation)
            let onTime = try #require(calculation.lines.first { $0.key == "outcome" && $0.values.first == "on_time" })
            #expect(onTime.values == ["on_time", "45", "¥200.00", "", "48"] && onTime.amount == .yuan(9_000))
            #expect(onTime.english.contains("platform's records (48)"))
            let visits = try #require(calculation.lines.first { $0.key == "outcome" && $0.values.first == "visits" })
            #expect(visits.values.count == 5 && visits.values[4].isEmpty && visits.amount == .yuan(80_000))
        }
    }

    @Test("a share in per cent is at most 100 as a target")
    func percentTarget() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, records: ScriptedRecords())
            let contract = try await w.draftedContract()
            var milestones = Self.milestones
            milestones[0].metrics[2].target = 101
            let refused = await #expect(throws: DomainError.self) {
                _ = try await w.contracts.setMilestones(by: try await w.actor("finance"), contractID: contract.id, milestones)
            }
            #expect(refused?.fields.map(\.field) == ["milestones[0].metrics[2].target"])
        }
    }

    @Test("without the platform's records a milestone that takes its figure from them is not signed off (409), and nothing is written")
    func noRecords() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(10_000_000))
            let contract = try await Self.signedContract(w)
            let milestone = try await Self.report(w, contract)
            let evaluator = try await w.actor("evaluator")
            let refused = await #expect(throws: DomainError.self) {
                _ = try await w.contracts.signOff(by: evaluator, milestoneID: milestone.id, Self.input(onTime: 1, satisfied: 1))
            }
            #expect(refused?.kind == .conflict)
            #expect(try await w.contracts.file(id: contract.id, by: evaluator).signOffs.isEmpty)
        }
    }
}
