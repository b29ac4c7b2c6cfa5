import Core
import Delivery
import Foundation
import Identity
import Payments
import Store
import Tendering
import TestSupport
import Testing
import Transparency

/// Who reads which red flags, decided by the service (DOMAIN.md §5 and "Who uses it": overseers read
/// everything of their jurisdiction; administrators everything).
@Suite("Oversight: the service decides who reads what")
struct OversightAccessTests {
    func service(_ w: DeliveryWorld) -> TransparencyService {
        TransparencyService(database: w.t.world.database, identity: w.t.world.identity, tenders: w.t.tenders, bids: w.t.bids, awards: w.t.awards,
                            lists: w.t.lists, contracts: w.contracts, payments: w.payments, prefix: "test01", clock: w.t.clock)
    }

    /// Two lines of the Yanshan street office (a buyer one tier below the district), each just under ¥200,000 and
    /// together above it: a split purchase of a street-level buyer.
    func splitPurchase(_ w: DeliveryWorld) async throws -> Actor {
        let yanshan = try #require(try await w.t.world.identity.organisations(kind: .department, limit: 200).first { $0.nameZh == "燕山街道办事处" })
        let buyer = try await w.t.world.addMember("yanshan-office", of: yanshan.id, roles: [.buyer])
        let code = try await w.t.lines(["LX2026-01"])[0].content.catalogueCode
        for (reference, yuan) in [("YS2026-01", 190_000), ("YS2026-02", 185_000)] {
            _ = try await w.t.lists.addLine(by: buyer, buyerID: yanshan.id, PurchaseLineContent(
                year: 2026, reference: reference, catalogueCode: code, title: "社区老年助餐服务", targetGroup: "老年人", quantity: 100, unit: "人",
                budget: .yuan(Int64(yuan)), fundingSource: .generalBudget, tier: .street))
        }
        return buyer
    }

    @Test("red flags: an overseer reads its jurisdiction and those below it, a street's overseer only its street's, another county's overseer none of Lixia's, administrators all; buyers and suppliers are refused, visitors asked to sign in")
    func redFlagsByJurisdiction() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            // Signed Thursday 19 November, due for publication Monday 23 November: now Wednesday 25, late.
            w.t.clock.advance(by: 6 * 86_400)
            let yanshanBuyer = try await splitPurchase(w)
            let s = service(w)
            let finance = try await w.actor("finance")
            let lixiaOverseer = try await w.actor("overseer")
            let streetOverseer = try await w.t.world.addUser("yanshan-audit", kind: .overseer, roles: [.overseer], jurisdictionCode: "370102010",
                                                             nameZh: "燕山街道纪工委")
            let fufengOverseer = try await w.t.world.addUser("fufeng-audit", kind: .overseer, roles: [.overseer], jurisdictionCode: "610324",
                                                             nameZh: "扶风县审计局")

            let district = try await s.redFlags(for: lixiaOverseer)
            // The district's own buyer (the finance office) and the street office below it.
            #expect(district.contains { $0.kind == .latePublication && $0.subjectID == contract.id && $0.buyerID == finance.organisationID })
            #expect(district.contains { $0.kind == .splitPurchase && $0.buyerID == yanshanBuyer.organisationID })
            #expect(district.allSatisfy { $0.mayOpenCase }, "an overseer of the buyer's jurisdiction may open a case on each")
            let late = try #require(district.first { $0.kind == .latePublication })
            #expect(late.evidence == "/contracts/\(contract.id.lowercased)" && late.evidenceAPI == "/api/v1/contracts/\(contract.id.lowercased)")

            let street = try await s.redFlags(for: streetOverseer)
            #expect(street.map(\.kind) == [.splitPurchase] && street.allSatisfy { $0.buyerID == yanshanBuyer.organisationID },
                    "a street's overseer reads its street's buyer, not the district's above it")
            #expect(try await s.redFlags(for: fufengOverseer).isEmpty, "another county's overseer reads none of Lixia's flags")

            let all = try await s.redFlags(for: try await w.actor("admin"))
            #expect(Set(district.map(\.subjectID)).isSubset(of: Set(all.map(\.subjectID))) && Set(all.map(\.buyerID)).isSuperset(of: [finance.organisationID, yanshanBuyer.organisationID]))

            for refused in ["finance", "civil", "ngo", "evaluator", "incubator"] {
                await #expect(throws: DomainError.forbidden("only overseers of the buyer's jurisdiction and administrators read its red flags"), "\(refused)") {
                    _ = try await s.redFlags(for: try await w.actor(refused))
                }
            }
            await #expect(throws: DomainError.unauthenticated("sign in first")) {
                _ = try await s.redFlags(for: nil)
            }
        }
    }

    @Test("monitoring: another county's overseer cannot open a case on a Lixia buyer; a buyer's staff answer but never close; who takes part sees what they may do next")
    func monitoringSides() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let monitoring = MonitoringService(database: database, identity: w.t.world.identity, clock: w.t.clock)
            let finance = try await w.actor("finance"), overseer = try await w.actor("overseer")
            let fufengOverseer = try await w.t.world.addUser("fufeng-audit", kind: .overseer, roles: [.overseer], jurisdictionCode: "610324",
                                                             nameZh: "扶风县审计局")
            await #expect(throws: DomainError.forbidden("only overseers of the buyer's jurisdiction open and close monitoring cases")) {
                _ = try await monitoring.open(by: fufengOverseer, buyerID: finance.organisationID, subjectType: "contract", subjectID: contract.id,
                                              evidence: "/contracts/\(contract.id.lowercased)", title: "逾期未公开", question: "请说明原因。")
            }
            let opened = try await monitoring.open(by: overseer, buyerID: finance.organisationID, subjectType: "contract", subjectID: contract.id,
                                                   evidence: "/contracts/\(contract.id.lowercased)", title: "逾期未公开", question: "请说明原因。")
            #expect(opened.may == [.post], "nothing to close before the buyer answers")
            #expect(try await monitoring.monitoringCase(id: opened.id, by: finance).may == [.post])
            let answered = try await monitoring.post(by: finance, caseID: opened.id, text: "经办人员休假，已补公开。")
            #expect(answered.status == .responded && answered.may == [.post], "the buyer writes, never closes")
            #expect(try await monitoring.monitoringCase(id: opened.id, by: overseer).may == [.post, .close])
            await #expect(throws: DomainError.forbidden("only the buyer's staff and its overseers take part in a monitoring case")) {
                _ = try await monitoring.monitoringCase(id: opened.id, by: fufengOverseer)
            }
            #expect(try await monitoring.cases(for: fufengOverseer).isEmpty)
            for refused in ["ngo", "evaluator"] {
                await #expect(throws: DomainError.forbidden("only buyers' staff and overseers take part in monitoring cases"), "\(refused)") {
                    _ = try await monitoring.cases(for: try await w.actor(refused))
                }
            }
            await #expect(throws: DomainError.unauthenticated("sign in first")) { _ = try await monitoring.cases(for: nil) }
            // The trail both sides read: the contract's own events, its chain intact.
            let trail = try await monitoring.trail(ofCase: opened.id, by: finance)
            #expect(trail.entries.map(\.action).contains("contract.signed") && trail.report.isIntact)
            let closed = try await monitoring.close(by: overseer, caseID: opened.id, outcome: "已督促整改，合同已公开。")
            #expect(closed.status == .closed && closed.may.isEmpty)
        }
    }

    @Test("the OCDS releases, the dashboards and residents' needs are public: a visitor reads them")
    func publicReads() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let s = service(w)
            let insights = try await s.insights(for: nil)
            #expect(insights.awarded == 0)
            #expect(try await s.releasePackage(from: nil, to: nil, after: 0, limit: 10, uri: "test", by: nil).json.contains("\"releases\":["))
            let voice = VoiceService(database: database, identity: w.t.world.identity, lists: w.t.lists, clock: w.t.clock)
            #expect(try await voice.needs(by: nil).isEmpty)
            #expect(try await voice.linkableLines(for: nil).isEmpty)
            #expect(try await voice.linkableLines(for: try await w.actor("ngo")).isEmpty)
            #expect(try await voice.linkableLines(for: try await w.actor("finance")).contains { $0.content.reference == "LX2026-01" })
        }
    }
}
