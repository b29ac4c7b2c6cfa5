import Core
import Foundation
import Identity
import Payments
import Store
import TestSupport
import Testing
import Tendering

/// Issue 21, finding 1: a purchase line and its ledger budget line are one fact. Written from the rule: the budget
/// may not go below what lots plan or what is committed on it, its year and catalogue code are fixed once money
/// depends on the line, and whatever is allowed changes both records at once.
@Suite("One budget: a purchase line and its ledger line")
struct OneBudgetTests {
    typealias World = LedgerTests.World

    func edit(_ w: World, _ line: PurchaseLine, _ change: (inout PurchaseLineContent) -> Void) async throws -> PurchaseLine {
        var content = line.content
        change(&content)
        return try await w.t.lists.updateLine(by: try await w.t.world.actor("finance"), id: line.id, content)
    }

    @Test("the budget follows into the ledger, never below what is committed; year and catalogue code stay once money is committed")
    func committed() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let line = try await w.line()  // LX2026-22, ¥220,000
            let commitment = try await w.commit(150_000, on: line)
            _ = try await w.pay(50_000, commitment, reference: "GK-2026-1102-01")
            // Below the ¥150,000 committed: refused with both figures; neither record changes.
            await #expect(throws: DomainError(.conflict, "line LX2026-22 cannot budget ¥100,000.00: ¥150,000.00 is committed on it (¥50,000.00 of it paid)",
                                              fields: [FieldError("budget", "is fixed by the money committed on the line")])) {
                _ = try await edit(w, line) { $0.budget = .yuan(100_000) }
            }
            #expect(try await w.t.lists.line(id: line.id).content.budget == .yuan(220_000))
            #expect(try await w.ledger.balance(of: line.id).budget == .yuan(220_000))
            // Down to exactly what is committed, and up again: both records move together.
            _ = try await edit(w, line) { $0.budget = .yuan(150_000) }
            #expect(try await w.ledger.balance(of: line.id).budget == .yuan(150_000))
            let raised = try await edit(w, try await w.t.lists.line(id: line.id)) { $0.budget = .yuan(300_000) }
            #expect(raised.content.budget == .yuan(300_000))
            #expect(try await w.ledger.balance(of: line.id).budget == .yuan(300_000))
            // The year and the catalogue code are fixed now; the title is not.
            await #expect(throws: DomainError.self) { _ = try await edit(w, raised) { $0.year = 2027 } }
            let otherCode = try #require(try await w.t.lines(["LX2026-01"]).first?.content.catalogueCode)
            if otherCode != raised.content.catalogueCode {
                await #expect(throws: DomainError.self) { _ = try await edit(w, raised) { $0.catalogueCode = otherCode } }
            }
            #expect(try await edit(w, raised) { $0.title = "社区老年助餐服务（调整）" }.content.title == "社区老年助餐服务（调整）")
            #expect(try await w.t.lists.line(id: line.id).content.year == 2026)
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("a lot plans its budget on the line: the line may not go below what its tenders' lots plan, nor change year or code")
    func lots() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let tender = try await w.t.publishedTender(["LX2026-01"])  // one lot of ¥400,000 on LX2026-01
            let line = try await w.t.lines(["LX2026-01"])[0]
            #expect(tender.lots[0].budget == .yuan(400_000))
            await #expect(throws: DomainError(.conflict, "line LX2026-01 cannot budget ¥300,000.00: its tenders' lots plan ¥400,000.00 on it",
                                              fields: [FieldError("budget", "must be at least the ¥400,000.00 its tenders' lots plan")])) {
                _ = try await edit(w, line) { $0.budget = .yuan(300_000) }
            }
            await #expect(throws: DomainError(.conflict, "line LX2026-01 keeps its year and catalogue code: 1 lot(s) of its tenders use it",
                                              fields: [FieldError("year", "is fixed once a tender uses the line")])) {
                _ = try await edit(w, line) { $0.year = 2027 }
            }
            #expect(try await edit(w, line) { $0.budget = .yuan(450_000) }.content.budget == .yuan(450_000))
            // A cancelled tender plans nothing: the line is free again.
            _ = try await w.t.tenders.cancel(by: try await w.t.world.actor("finance"), tenderID: tender.id, reason: .budgetWithdrawn, note: "预算调减，重新组织采购。")
            #expect(try await edit(w, try await w.t.lists.line(id: line.id)) { $0.budget = .yuan(300_000) }.content.budget == .yuan(300_000))
        }
    }
}
