import Catalogue
import Core
import Foundation
import Identity
@testable import Server
import Tendering
import TestSupport
import Testing

/// The purchase lists' typed page model. Expectations follow the purchase-list rules (DOMAIN.md §2, ARCHITECTURE
/// "Purchase lists are budget lines owned by one buyer"): lines are public to read, only the buyer's own staff add or
/// import them; totals are over every matching line; a refused line comes back as typed with every problem at once.
@Suite("Purchase list page models")
struct PurchaseListPageModelTests {
    static func page(_ t: TenderWorld, as actor: Actor?, buyerID: UUID?, year: Int? = nil, pageSize: Int = 500, form: [String: String] = [:],
                     refusal: DomainError? = nil, imported: PurchaseListPage.Imported? = nil) async throws -> PurchaseListPage {
        let lines = try await t.lists.lines(PurchaseLineQuery(year: year, buyerID: buyerID, limit: pageSize))
        return PurchaseListPage.model(lines: lines, totals: try await t.lists.totals(year: year, buyerID: buyerID),
                                      buyers: try await t.world.identity.organisations(kind: .financeOffice, limit: 200), year: year, buyerID: buyerID,
                                      own: t.lists.ownList(of: actor), pager: Pager.none, form: form, refusal: refusal, imported: imported,
                                      language: .zh, say: { $0 }, message: { $0.english })
    }

    @Test("everyone reads a buyer's lines with totals over all of them; only its own staff are offered the forms")
    func readers() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let all = try await t.lists.lines(PurchaseLineQuery(buyerID: finance.organisationID, limit: 500))
            let visitor = try await Self.page(t, as: nil, buyerID: finance.organisationID, pageSize: 2)
            #expect(visitor.lines.count == 2 && visitor.count == all.count, "the count is over every line, not the page")
            #expect(visitor.total == Money(minorUnits: all.reduce(0) { $0 + $1.content.budget.minorUnits }).formatted)
            #expect(visitor.own == nil && visitor.download == "buyer=\(finance.organisationID.lowercased)")
            #expect(visitor.buyers.filter(\.selected).map(\.value) == [finance.organisationID.lowercased])
            let own = try #require(try await Self.page(t, as: finance, buyerID: nil).own)
            #expect(own.id == finance.organisationID.lowercased && !own.name.isEmpty)
            #expect(try await Self.page(t, as: try await t.world.actor("ngo"), buyerID: nil).own == nil, "a social organisation keeps no purchase list")
        }
    }

    @Test("a refused line keeps what was typed, tells every problem at once beside its input, and summarises them in the form's order")
    func refusedLine() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let typed = ["year": "2026", "reference": "LX2026-90", "catalogueCode": "a0101", "title": "", "targetGroup": "困境儿童", "quantity": "十",
                         "unit": "人", "budget": "约26万", "fundingSource": "general_budget", "tier": "nowhere"]
            let form = PurchaseLineForm(values: typed)
            var refusal: DomainError?
            do { _ = try form.content() } catch let error as DomainError { refusal = error }
            let problem = try #require(refusal)
            let named = Set(problem.fields.map(\.field))
            #expect(named.isSuperset(of: ["title", "quantity", "budget", "tier"]), "unreadable numbers and the line's own rules, together")
            let page = try await Self.page(t, as: finance, buyerID: nil, form: typed, refusal: problem)
            #expect(page.line["budget"]?.value == "约26万" && page.line["budget"]?.error != nil && page.line["title"]?.error != nil)
            #expect(page.line["reference"]?.value == "LX2026-90" && page.line["reference"]?.error == nil)
            #expect(page.fundingSources.filter(\.selected).map(\.value) == ["general_budget"] && !page.tiers.contains(where: \.selected))
            let order = try #require(page.problem).fields.compactMap(\.href)
            #expect(order == order.sorted { PurchaseLineForm.fields.firstIndex(of: String($0.dropFirst(6)))! < PurchaseLineForm.fields.firstIndex(of: String($1.dropFirst(6)))! })
            #expect(order.contains("#line-budget"))
            // Typed well, the form gives the line (its code as the catalogue writes it).
            var good = typed
            good["title"] = "困境儿童关爱服务"
            good["quantity"] = "10"
            good["budget"] = "260,000.00"
            good["tier"] = "street"
            let content = try PurchaseLineForm(values: good).content()
            #expect(content.catalogueCode == "A0101" && content.budget == .yuan(260_000) && content.quantity == 10)
        }
    }

    @Test("an import: what it did, or each problem of the refused file by row and column")
    func imports() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let refused = PurchaseListPage.Imported.refused(DomainError.invalid([FieldError("rows[3].budget", "is not an amount in yuan")]),
                                                            filename: "lines.csv", message: { $0.english })
            let page = try await Self.page(t, as: finance, buyerID: nil, imported: refused)
            let imported = try #require(page.imported)
            #expect(imported.isRefused && imported.report == nil && imported.refused.map(\.row) == ["3"] && imported.refused.map(\.column) == ["budget"])
            let done = PurchaseListPage.Imported.done(ImportReport(created: 2, updated: 1, unchanged: 5), filename: "lines.xlsx")
            #expect(!done.isRefused && done.report?.created == 2 && done.report?.unchanged == 5)
        }
    }
}
