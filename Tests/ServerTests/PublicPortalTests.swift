import Core
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HTTPTypes
import HummingbirdTesting
import Identity
import Tendering
import TestSupport
import Testing

@Suite("Public portal")
struct PublicPortalTests {
    @Test("tenders are searched by reference, title or description, words taken literally; drafts never show")
    func search() async throws {
        try await TestApp.runTendering { client, t in
            let finance = try await t.world.actor("finance")
            let published = try await t.publishedTender(["LX2026-01"])
            var terms = t.terms(try await t.lines(["LX2026-22"]))
            terms.title = "社区议事协商草案"
            _ = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, terms)
            let byReference = try await client.list("/api/v1/tenders?q=\(published.reference)")
            #expect(byReference.map { $0["reference"] as? String } == [published.reference])
            let byTitle = try await client.list("/api/v1/tenders?q=%E5%B1%85%E5%AE%B6%E5%85%BB%E8%80%81")  // 居家养老
            #expect(byTitle.count == 1)
            #expect(try await client.list("/api/v1/tenders?q=%E8%8D%89%E6%A1%88").isEmpty, "a draft is not found by the public")  // 草案
            #expect(try await client.list("/api/v1/tenders?q=%25").isEmpty, "% is a character, not a wildcard")
            let page = try await Browser(client).get("/tenders?q=\(published.reference)")
            #expect(page.html.contains(published.reference) && page.html.contains("value=\"\(published.reference)\""))
        }
    }

    @Test("the Atom feed lists published tenders, newest first, as well-formed XML")
    func feed() async throws {
        try await TestApp.runTendering { client, t in
            let first = try await t.publishedTender(["LX2026-01"])
            t.clock.advance(by: 3600)
            let second = try await t.publishedTender(["LX2026-02"])
            let feed = try await Browser(client).get("/tenders.atom")
            #expect(feed.status == .ok)
            final class Collector: NSObject, XMLParserDelegate {
                var ids: [String] = []
                var inID = false, depth = 0
                func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                    if name == "entry" { depth += 1 }
                    inID = name == "id" && depth > 0
                }
                func parser(_ parser: XMLParser, foundCharacters string: String) { if inID { ids.append(string) } }
                func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { inID = false }
            }
            let collector = Collector()
            let parser = XMLParser(data: Data(feed.html.utf8))
            parser.delegate = collector
            #expect(parser.parse(), "the feed is well-formed XML")
            #expect(collector.ids == ["urn:uuid:\(second.id.lowercased)", "urn:uuid:\(first.id.lowercased)"])
            #expect(feed.html.contains("<link href=\"http://") && feed.html.contains("/tenders/\(first.id.lowercased)\"/>"))
        }
    }
}
