import Core
import Delivery
import Foundation
import Payments
import Tendering
import TestSupport
import Testing
@testable import Transparency

/// Issue 21, finding 8: the dashboards count money by budget year, the year of the purchase line it is from. A
/// 2027 line tendered, awarded and paid in November 2026 (next year's services bought ahead) is 2027's money.
@Suite("Insights by budget year")
struct InsightYearTests {
    @Test("awarded and paid money of a 2027 line awarded and paid in 2026 counts under 2027")
    func budgetYear() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let finance = try await w.actor("finance")
            let line = try await w.t.lines(["LX2026-01"])[0]
            var nextYear = line.content
            nextYear.year = 2027
            _ = try await w.t.lists.updateLine(by: finance, id: line.id, nextYear)
            let service = TransparencyService(database: database, identity: w.t.world.identity, tenders: w.t.tenders, bids: w.t.bids, awards: w.t.awards,
                                              lists: w.t.lists, contracts: w.contracts, payments: w.payments, prefix: "test01", clock: w.t.clock)
            let before = try await service.computeInsights().spendByYear
            let contract = try await w.signedContract()
            _ = try await w.contracts.publish(by: finance, contractID: contract.id)
            let claim = try await w.approvedFirstClaim(contract)
            let paid = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1119-77", paidOn: "2026-11-19", idempotencyKey: nil)
            let after = try await service.computeInsights().spendByYear
            // Awarded ¥380,000 on 19 November 2026 and paid that day, all of it from the 2027 line.
            #expect(after.first { $0.key == "2027" }?.value == (before.first { $0.key == "2027" }?.value ?? 0) + 38_000_000)
            #expect(after.first { $0.key == "2027" }?.secondary == (before.first { $0.key == "2027" }?.secondary ?? 0) + paid.amount.minorUnits)
            #expect(after.first { $0.key == "2026" } == before.first { $0.key == "2026" }, "nothing of it under the year it was awarded and paid in")
        }
    }

    @Test("outcomes: a published contract counts what the final sign-off of each milestone verified against its targets; an uncountersigned sign-off waits, a countersigned correction replaces the sign-off it corrects")
    func outcomes() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let service = TransparencyService(database: database, identity: w.t.world.identity, tenders: w.t.tenders, bids: w.t.bids, awards: w.t.awards,
                                              lists: w.t.lists, contracts: w.contracts, payments: w.payments, prefix: "test01", clock: w.t.clock)
            let contract = try await w.signedContract()
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            func bar() async throws -> Insights.Bar? { try await service.computeInsights().outcomes.first { $0.key == contract.reference } }
            #expect(try await bar() == nil, "nothing signed off")
            // 1,600 visits and 90 assessments verified against 2,000 and 100: above the threshold, it waits for a second signature.
            let first = try await w.signedOffFirstMilestone(contract)
            #expect(first.countersignRequired)
            #expect(try await bar() == nil, "a sign-off waiting for its countersignature is not final")
            _ = try await w.contracts.countersign(by: try await w.actor("evaluator2"), signOffID: first.id)
            #expect(try await bar().map { [$0.value, $0.secondary] } == [1_690, 2_100])
            // A correction to 1,800 and 100 stands once countersigned; until then the sign-off it corrects does.
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            let correction = try await w.contracts.signOff(by: try await w.actor("evaluator3"), milestoneID: milestone.id,
                                                           SignOffInput(decision: .partiallyMet, verified: ["visits": 1800, "assessments": 100], verifiedBeneficiaries: 120,
                                                                        reasons: "复核签到记录后补足可核实人次，更正前次认定。"))
            if correction.countersignRequired {
                #expect(try await bar().map { [$0.value, $0.secondary] } == [1_690, 2_100])
                _ = try await w.contracts.countersign(by: try await w.actor("evaluator"), signOffID: correction.id)
            }
            #expect(try await bar().map { [$0.value, $0.secondary] } == [1_900, 2_100])
        }
    }
}
