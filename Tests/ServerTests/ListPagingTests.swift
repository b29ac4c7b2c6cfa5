import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// List pages are paged by keyset as the API is (issue 22: `/purchase-lists` had grown to 15,400 px): a full page
/// links to the next with the same filters, the pages together hold every row once, and the total counts them all.
@Suite("List pages are paged")
struct ListPagingTests {
    /// The references in the first cells of a list's rows.
    func references(_ html: String) -> [String] {
        html.matches(of: /<tr><td><code>([^<]+)<\/code>/).map { String($0.output.1) }
    }

    func next(_ html: String) -> String? {
        html.firstMatch(of: /<a rel="next" href="([^"]+)"/).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    @Test("purchase lists: 113 lines as 100 and 13, the filters kept across pages, the total over all; a cursor that names no line starts again")
    func purchaseLists() async throws {
        try await TestApp.run { client, world in
            let finance = try await client.token("finance")
            let office = try await world.organisation(ofUser: "finance").id.lowercased
            for n in 1...90 {
                let body = #"{"year":2026,"reference":"LX2026-P\#(n)","catalogueCode":"A0101","title":"居家养老上门服务（第\#(n)批）","targetGroup":"高龄老人","quantity":60,"unit":"人","budgetFen":15000000,"fundingSource":"general_budget","tier":"street"}"#
                #expect(try await client.json(.post, "/api/v1/purchase-lines", token: finance, body: body).status == .created)
            }
            let browser = Browser(client, language: "en")
            let first = try await browser.get("/purchase-lists?buyer=\(office)&year=2026")
            let firstRows = references(first.html)
            #expect(firstRows.count == 100)
            #expect(first.html.contains("¥19,500,000.00"), "the total is over all 113 lines: ¥6,000,000 + 90 × ¥150,000")
            let link = try #require(next(first.html))
            #expect(link.contains("buyer=\(office)") && link.contains("year=2026") && link.contains("after="))
            let second = try await browser.get(link)
            let secondRows = references(second.html)
            #expect(secondRows.count == 13 && next(second.html) == nil)
            #expect(second.html.contains("¥19,500,000.00") && second.html.contains("First page"))
            #expect(Set(firstRows + secondRows).count == 113, "every line once")
            let unknown = try await browser.get("/purchase-lists?buyer=\(office)&year=2026&after=\(UUID().uuidString)")
            #expect(unknown.status == .ok && references(unknown.html) == firstRows)
            let garbage = try await browser.get("/purchase-lists?buyer=\(office)&year=2026&after=%27%3B--")
            #expect(garbage.status == .ok && references(garbage.html) == firstRows)
        }
    }

    @Test("tenders: 52 drafts as 50 and 2 for their buyer, with the status filter kept")
    func tenders() async throws {
        try await TestApp.runTendering { client, w in
            let finance = try await w.world.actor("finance")
            var terms = w.terms(try await w.lines(["LX2026-01"]))
            terms.lots[0].budget = .yuan(1_000)  // drafts take up their line's budget: 52 small ones fit
            for _ in 1...52 { _ = try await w.tenders.createDraft(by: finance, buyerID: finance.organisationID, terms) }
            do {
                let browser = Browser(client, language: "en")
                _ = try await browser.signIn("finance")
                // "My drafts", as the page links them.
                let first = try await browser.get("/tenders?status=draft&buyer=\(finance.organisationID.lowercased)")
                #expect(references(first.html).count == 50)
                let link = try #require(next(first.html))
                #expect(link.contains("status=draft") && link.contains("buyer=") && link.contains("before="))
                let second = try await browser.get(link)
                #expect(references(second.html).count == 2 && next(second.html) == nil)
                #expect(Set(references(first.html) + references(second.html)).count == 52)
            }
        }
    }
}
