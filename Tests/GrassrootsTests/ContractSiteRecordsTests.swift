import Core
import Delivery
import Foundation
import Grassroots
import Identity
import Store
import TestSupport
import Testing

/// What the platform's records say about the sites a social organisation operates under a contract (issue 23, item 6),
/// as Delivery verifies and pays on them. Rules: only cases accepted at sites run under that contract; counted on the
/// Beijing day their result came back to the window, first and last day included; settled means a result came back
/// (granted or refused), so a withdrawn case never counts; on time against the case's promised limit; satisfied
/// counts 满意 and 基本满意 among the cases rated.
@Suite("Contract site records")
struct ContractSiteRecordsTests {
    @Test("cases of the station run under the contract, by the day their result came back: on time, late, rated; another station's and a withdrawn case never count")
    func figures() async throws {
        try await TestDatabase.with { database in
            let contractID = UUID()
            let w = RequestServiceTests.World(database, contracts: OneContract(id: contractID))
            let s = try await w.staff()
            // 永平村's station is run by a social organisation under the contract; 南张村's is not.
            let station = try await w.site("610324002-V001")
            var content = station.content
            content.operatorKind = .socialOrganisation
            content.operatorName = "扶风县助老服务中心"
            content.contractID = contractID
            _ = try await w.sites.update(by: try await w.world.actor("fufeng"), id: station.id, content)

            // Monday 7 September: two cards issued on the spot at 永平村 (rated satisfied and dissatisfied), one at 南张村.
            let first = try await w.register(s.clerk, item: "FM-004", presented: ["M0001", "M0008"])
            let second = try await w.register(s.clerk, item: "FM-004", presented: ["M0001", "M0008"])
            _ = try await w.register(s.otherClerk, item: "FM-004", presented: ["M0001", "M0008"], at: "610324002-V002")
            #expect(first.state == .closed && first.onTime == true)
            try await w.requests.rate(code: first.trackingCode, phoneTail: "5678", .satisfied, comment: "")
            try await w.requests.rate(code: second.trackingCode, phoneTail: "5678", .dissatisfied, comment: "等得久")
            // A case withdrawn, and one approved on time whose result comes back late, on Tuesday 22 September.
            _ = try await w.requests.withdraw(by: s.clerk, id: try await w.register(s.clerk).id, reason: "申请人暂不申请")
            let late = try await w.requests.approve(by: s.townApprover, id: try await w.requests.forward(by: s.clerk, id: try await w.register(s.clerk).id).id)
            w.clock.advance(by: ISO8601DateFormatter().date(from: "2026-09-22T02:00:00Z")!.timeIntervalSince(w.clock.now()))
            #expect(try await w.requests.complete(by: s.townHandler, id: late.id, result: "已登记").onTime == false)

            func figures(_ from: String, _ through: String, contract: UUID = contractID) async throws -> PlatformFigures {
                try await database.read { try await ContractSiteRecords(logger: database.logger).figures(contractID: contract, from: from, through: through, on: $0) }
            }
            let month = try await figures("2026-09-01", "2026-09-30")
            #expect((month.sites, month.settled, month.onTime, month.rated, month.satisfied) == (1, 3, 2, 2, 1))
            #expect(month.value(of: .casesOnTime) == 2 && month.value(of: .onTimePercent) == 66 && month.value(of: .satisfiedPercent) == 50)
            let monday = try await figures("2026-09-07", "2026-09-07")
            #expect((monday.settled, monday.onTime) == (2, 2))
            let between = try await figures("2026-09-08", "2026-09-21")
            #expect((between.settled, between.value(of: .onTimePercent), between.value(of: .satisfiedPercent)) == (0, 0, 0))
            let tuesday = try await figures("2026-09-22", "2026-09-22")
            #expect((tuesday.settled, tuesday.onTime) == (1, 0))
            let other = try await figures("2026-09-01", "2026-09-30", contract: UUID())
            #expect((other.sites, other.settled) == (0, 0))
        }
    }
}

/// A platform holding one contract, HT-2026-0099, which the station is run under.
struct OneContract: SiteContracts {
    let id: UUID
    func reference(of contractID: UUID) async throws -> String? { contractID == id ? "HT-2026-0099" : nil }
    func contractID(reference: String) async throws -> UUID? { reference == "HT-2026-0099" ? id : nil }
}
