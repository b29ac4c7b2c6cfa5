import Catalogue
import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Tabular
import TestSupport
import Testing
import Transparency

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

    /// The values of an attribute on a page, in order (`data-need`, `data-flag`, `data-case`).
    func marked(_ attribute: String, _ html: String) -> [String] {
        html.matches(of: try! Regex(attribute + #"="([^"]+)""#)).map { String($0.output[1].substring ?? "") }
    }

    /// The codes in the first cells of the catalogue's rows (inherited rows carry a class).
    func codes(_ html: String) -> [String] {
        html.matches(of: /<tr[^>]*><td><code>([^<]+)<\/code>/).map { String($0.output.1) }
    }

    func total(_ html: String) -> Int? {
        html.firstMatch(of: /data-total="(\d+)"/).flatMap { Int($0.output.1) }
    }

    @Test("catalogue search: 130 items whose names contain the words as 100 and 30 in the search's order, the words and the list kept; the counts over all; a cursor naming no item starts again")
    func catalogue() async throws {
        try await TestApp.run { client, world in
            // 130 items on the district's list, named so that their lengths and codes disagree on the order.
            var table = try SpreadsheetFile.read(try TestDatabase.seedFile("service-items.csv"))
            let template = table.rows[0]
            table.rows = (1...130).map { n in
                var row = template
                row[0] = String(format: "PG-%03d", n)
                row[2] = "分页测试事项\(131 - n)"
                row[3] = "Paging test item \(n)"
                return row
            }
            let items = ServiceItemService(database: world.database, identity: world.identity)
            _ = try await items.importItems(by: try await world.actor("finance"), SpreadsheetFile.write(table, as: .csv))

            let browser = Browser(client, language: "en")
            // Yanshan street inherits the district's list: every row is inherited, none is its own.
            let first = try await browser.get("/catalogue?q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95&jurisdiction=370102010")
            #expect(first.status == .ok && codes(first.html).count == 100)
            #expect(total(first.html) == 130)
            #expect(first.html.contains(#"data-list="370102010" data-own="0" data-from-above="130""#), "no item is the street's own")
            let link = try #require(next(first.html))
            #expect(link.contains("q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95") && link.contains("jurisdiction=370102010") && link.contains("after="))
            let second = try await browser.get(link)
            #expect(codes(second.html).count == 30 && next(second.html) == nil && total(second.html) == 130)
            let all = codes(first.html) + codes(second.html)
            #expect(Set(all).count == 130, "every item once")
            // Shorter names first: 分页测试事项1…9 (codes PG-130…PG-122) lead, 分页测试事项100…130 close.
            #expect(Array(all.prefix(9)) == (122...130).map { String(format: "PG-%03d", $0) })
            #expect(Array(all.suffix(31)) == (1...31).map { String(format: "PG-%03d", $0) })

            let unknown = try await browser.get("/catalogue?q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95&jurisdiction=370102010&after=NO-SUCH")
            #expect(unknown.status == .ok && codes(unknown.html) == codes(first.html))

            // Without words, by code: the district's list (its 62 seeded items and the 130), its own count over every page.
            let district = try await browser.get("/catalogue?jurisdiction=370102")
            let rest = try await browser.get(try #require(next(district.html)))
            let listed = codes(district.html) + codes(rest.html)
            #expect(codes(district.html).count == 100 && listed.count >= 192 && next(rest.html) == nil)
            #expect(listed == listed.sorted() && Set(listed).count == listed.count && total(district.html) == listed.count)
            let own = (district.html + rest.html).matches(of: /<tr><td><code>/).count
            #expect(district.html.contains(#"data-own="\#(own)""#) && own >= 192)
        }
    }

    @Test("residents' voice: 53 needs of a district as 50 and 3, most supported first, the area kept; a need elsewhere is not counted; a bad cursor starts again")
    func voice() async throws {
        try await TestApp.runTendering { client, w in
            let voice = VoiceService(database: w.world.database, identity: w.world.identity, lists: w.lists, clock: w.clock)
            let lixia = try #require(try await w.world.identity.jurisdiction(code: "370102")).id
            let fufeng = try #require(try await w.world.identity.jurisdiction(code: "610324")).id
            var needs: [UUID] = []
            for n in 1...53 {
                // Five proposals an hour from one address: each from its own.
                needs.append(try await voice.propose(jurisdictionID: lixia, title: "需求\(n)", description: "说明", deviceToken: voice.deviceToken(device: nil).token,
                                                     client: "198.51.\(n / 200).\(n % 200)").id)
            }
            _ = try await voice.propose(jurisdictionID: fufeng, title: "扶风的需求", description: "说明", deviceToken: voice.deviceToken(device: nil).token,
                                        client: "203.0.113.9")
            // The last proposed is the most supported: it leads the first page.
            _ = try await voice.support(needID: needs[52], deviceToken: voice.deviceToken(device: nil).token, client: "203.0.113.10")

            let browser = Browser(client, language: "en")
            let first = try await browser.get("/voice?area=\(lixia.lowercased)")
            #expect(marked("data-need", first.html).count == 50 && total(first.html) == 53)
            #expect(marked("data-need", first.html).first == needs[52].lowercased)
            let link = try #require(next(first.html))
            #expect(link.hasPrefix("/voice?") && link.contains("area=\(lixia.lowercased)") && link.contains("after="))
            let second = try await browser.get(link)
            #expect(marked("data-need", second.html).count == 3 && next(second.html) == nil && total(second.html) == 53)
            #expect(Set(marked("data-need", first.html) + marked("data-need", second.html)) == Set(needs.map(\.lowercased)))
            let unknown = try await browser.get("/voice?area=\(lixia.lowercased)&after=\(UUID().uuidString)")
            #expect(unknown.status == .ok && marked("data-need", unknown.html) == marked("data-need", first.html))
        }
    }

    @Test("oversight: 52 split-purchase flags and 52 monitoring cases page by 50, every one once, the counts over all; a bad cursor starts again")
    func oversight() async throws {
        try await TestApp.run { client, world in
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("overseer")
            let before = try #require(total(try await browser.get("/oversight").html))
            // Two lines of ¥180,000 (each just under the ¥200,000 threshold) per year and code: one split purchase each.
            let finance = try await client.token("finance")
            var lines: [String] = []
            for year in 2030..<2056 {
                for code in ["A0101", "A0802"] {
                    for half in 1...2 {
                        let body = #"{"year":\#(year),"reference":"SP\#(year)-\#(code)-\#(half)","catalogueCode":"\#(code)","title":"拆分","targetGroup":"居民","quantity":1,"unit":"项","budgetFen":18000000,"fundingSource":"general_budget","tier":"street"}"#
                        let made = try await client.json(.post, "/api/v1/purchase-lines", token: finance, body: body)
                        #expect(made.status == .created)
                        lines.append(made.json?["id"] as? String ?? "")
                    }
                }
            }
            let flags = try await browser.get("/oversight")
            #expect(total(flags.html) == before + 52)
            #expect(marked("data-flag", flags.html).count == 50)
            let link = try #require(next(flags.html))
            #expect(link.contains("after="))
            let rest = try await browser.get(link)
            let keys = marked("data-flag", flags.html) + marked("data-flag", rest.html)
            #expect(keys.count == before + 52 && Set(keys).count == keys.count && total(rest.html) == before + 52)
            #expect(marked("data-flag", try await browser.get("/oversight?after=nonsense").html) == marked("data-flag", flags.html))

            let monitoring = MonitoringService(database: world.database, identity: world.identity)
            let overseer = try await world.actor("overseer"), office = try await world.organisation(ofUser: "finance").id
            for line in lines.prefix(52) {
                _ = try await monitoring.open(by: overseer, buyerID: office, subjectType: "purchase_line", subjectID: try #require(UUID(uuidString: line)),
                                              evidence: "/purchase-lists", title: "拆分采购", question: "请说明。")
            }
            let cases = try await browser.get("/oversight/cases")
            #expect(marked("data-case", cases.html).count == 50 && total(cases.html) == 52)
            let more = try #require(next(cases.html))
            #expect(more.contains("before="))
            let older = try await browser.get(more)
            #expect(marked("data-case", older.html).count == 2 && next(older.html) == nil && total(older.html) == 52)
            #expect(Set(marked("data-case", cases.html) + marked("data-case", older.html)).count == 52)
            #expect(marked("data-case", try await browser.get("/oversight/cases?before=\(UUID().uuidString)").html) == marked("data-case", cases.html))
            // The overview shows the newest and leads to the rest.
            #expect(try await browser.get("/oversight").html.contains(#"href="/oversight/cases">"#))
        }
    }
}
