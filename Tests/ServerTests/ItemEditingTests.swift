import Catalogue
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@Suite("Editing catalogue items: API and pages")
struct ItemEditingTests {
    /// The editable content of an item as the API returns it, with one change applied.
    func content(of item: [String: Any], _ change: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        var content = item.filter { ["nameZh", "nameEn", "legalBasis", "conditions", "procedure", "result", "timeLimitDays", "onTheSpot",
                                     "channel", "fees", "authority", "materials"].contains($0.key) }
        change(&content)
        return String(decoding: try JSONSerialization.data(withJSONObject: content), as: UTF8.self)
    }

    @Test("API: a draft is saved, shows its changes, stays private, and is published as the next version")
    func apiJourney() async throws {
        try await TestApp.run { client, _ in
            let finance = try await client.token("finance")
            let search = try await client.execute(uri: "/api/v1/catalogue/items?q=%E6%9C%80%E4%BD%8E%E7%94%9F%E6%B4%BB", method: .get,
                                                  headers: [.accept: "application/json"]) {
                try JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)) as? [[String: Any]] ?? []
            }
            let item = try #require(search.first)
            let id = try #require(item["id"] as? String)
            let version = try #require(item["version"] as? Int)

            let saved = try await client.json(.put, "/api/v1/catalogue/items/\(id)/draft", token: finance, body: try content(of: item) { $0["fees"] = "免费" })
            #expect(saved.status == .ok)
            let changes = saved.json?["changes"] as? [[String: Any]] ?? []
            #expect(changes.map { $0["field"] as? String } == ["fees"])
            #expect(saved.json?["stale"] as? Bool == false && saved.json?["basedOnVersion"] as? Int == version)

            let publicView = try await client.json(.get, "/api/v1/catalogue/items/\(id)")
            #expect(publicView.json?["fees"] as? String == item["fees"] as? String)
            let drafts = try await client.json(.get, "/api/v1/catalogue/items/drafts", token: finance)
            #expect(drafts.text.contains(id))

            let published = try await client.json(.post, "/api/v1/catalogue/items/\(id)/draft/publish", token: finance)
            #expect(published.status == .ok)
            #expect(published.json?["version"] as? Int == version + 1 && published.json?["fees"] as? String == "免费")
            let gone = try await client.json(.get, "/api/v1/catalogue/items/\(id)/draft", token: finance)
            #expect(gone.status == .notFound)
            let again = try await client.json(.post, "/api/v1/catalogue/items/\(id)/draft/publish", token: finance)
            #expect(again.status == .notFound)
        }
    }

    @Test("API: a new item with a bad matrix is a 422 naming the field; the same code twice is a 409; refusals by role")
    func apiRefusals() async throws {
        try await TestApp.run { client, world in
            let finance = try await client.token("finance")
            let item = try #require(try await client.execute(uri: "/api/v1/catalogue/items?q=%E5%B1%85%E5%AE%B6%E5%85%BB%E8%80%81", method: .get,
                                                             headers: [.accept: "application/json"]) {
                try JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)) as? [[String: Any]] ?? []
            }.first)
            let department = try #require(item["departmentId"] as? String)
            func newItem(_ code: String, _ change: (inout [String: Any]) -> Void = { _ in }) throws -> String {
                #"{"code":"\#(code)","departmentId":"\#(department)","content":\#(try content(of: item, change))}"#
            }
            let badMatrix = try await client.json(.post, "/api/v1/catalogue/items", token: finance, body: try newItem("MZ-095") {
                $0["authority"] = ["accept": "street", "approve": "community", "handle": "community", "acceptDays": 1, "approveDays": 1]
            })
            #expect(badMatrix.status == .unprocessableContent)
            #expect((badMatrix.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["approveTier"])

            let created = try await client.json(.post, "/api/v1/catalogue/items", token: finance, body: try newItem("MZ-095"))
            #expect(created.status == .created && created.json?["code"] as? String == "MZ-095")
            let twice = try await client.json(.post, "/api/v1/catalogue/items", token: finance, body: try newItem("MZ-095"))
            #expect(twice.status == .conflict)
            let unknownMaterial = try await client.json(.post, "/api/v1/catalogue/items", token: finance,
                                                        body: try newItem("MZ-096") { $0["materials"] = ["M9999"] })
            #expect(unknownMaterial.status == .unprocessableContent)

            let newID = try #require(created.json?["itemId"] as? String)
            for username in ["ngo", "civil"] {
                let token = try await client.token(username)
                let create = try await client.json(.post, "/api/v1/catalogue/items", token: token, body: try newItem("MZ-097"))
                #expect(create.status == .forbidden, "\(username)")
                let publish = try await client.json(.post, "/api/v1/catalogue/items/\(newID)/draft/publish", token: token)
                #expect(publish.status == .forbidden, "\(username)")
                let discard = try await client.json(.delete, "/api/v1/catalogue/items/\(newID)/draft", token: token)
                #expect(discard.status == .forbidden, "\(username)")
            }
            let anonymous = try await client.json(.get, "/api/v1/catalogue/items/drafts")
            #expect(anonymous.status == .unauthorized)
            let discarded = try await client.json(.delete, "/api/v1/catalogue/items/\(newID)/draft", token: finance)
            #expect(discarded.status == .noContent)
            let items = ServiceItemService(database: world.database, identity: world.identity)
            #expect(try await items.drafts(by: try await world.actor("finance")).isEmpty)
        }
    }

    /// The fields of the new-item form, filled in correctly.
    func newItemForm(department: String, nameZh: String = "社区老年食堂就餐补贴", accept: String = "community") -> [(String, String)] {
        [("code", "MZ-098"), ("department", department), ("nameZh", nameZh), ("nameEn", "Community canteen meal subsidy"),
         ("legalBasis", "《济南市养老服务条例》"), ("conditions", "本社区 80 周岁以上老年人"), ("procedure", "社区受理\n街道审核\n发放补贴"),
         ("result", "按月发放就餐补贴"), ("timeLimitDays", "10"), ("channel", "both"), ("fees", "不收费"),
         ("acceptTier", accept), ("approveTier", "street"), ("handleTier", "street"), ("acceptDays", "2"), ("approveDays", "5"),
         ("materials", "M0001"), ("materials", "M0002")]
    }

    @Test("pages: a refused new item comes back as typed with every error; fixed, it is drafted, then published for all to see")
    func newItemPage() async throws {
        try await TestApp.run { client, world in
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("finance")
            let form = try await browser.get("/catalogue/new")
            #expect(form.status == .ok && form.html.contains(#"name="materials" value="M0001""#))
            let civil = try #require(try await world.identity.organisations(kind: .department, limit: 200).first { $0.nameZh == "济南市历下区民政局" })

            let refused = try await browser.post("/catalogue/new", newItemForm(department: civil.id.lowercased, nameZh: "", accept: "district"))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("Name (Chinese)") || refused.html.contains("事项名称"))
            #expect(refused.html.contains("Approved at") && refused.html.contains("below the district tier"))
            #expect(refused.html.contains("《济南市养老服务条例》") && refused.html.contains(#"value="M0002" checked"#))

            let created = try await browser.post("/catalogue/new", newItemForm(department: civil.id.lowercased))
            #expect(created.status == .seeOther)
            let editURL = try #require(created.location)
            let edit = try await browser.get(editURL)
            #expect(edit.html.contains("The draft is saved") && edit.html.contains("never been published"))
            let id = String(editURL.split(separator: "/")[2])
            #expect(try await Browser(client).get("/catalogue?q=%E9%A3%9F%E5%A0%82").html.contains("社区老年食堂") == false)

            let published = try await browser.post("/catalogue/items/\(id)/publish", [])
            #expect(published.status == .seeOther && published.location == "/catalogue/items/\(id)")
            let item = try await Browser(client).get("/catalogue/items/\(id)")
            #expect(item.status == .ok && item.html.contains("社区老年食堂就餐补贴"))
        }
    }

    @Test("pages: editing shows what publishing will change; the public page changes only when published; others are refused")
    func editPage() async throws {
        try await TestApp.run { client, world in
            let items = ServiceItemService(database: world.database, identity: world.identity)
            let item = try #require(try await items.search(ItemSearch(text: "居家养老服务补贴")).first)
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("finance")
            let itemPage = try await browser.get("/catalogue/items/\(item.id.lowercased)")
            #expect(itemPage.html.contains("/catalogue/items/\(item.id.lowercased)/edit"))
            let form = try await browser.get("/catalogue/items/\(item.id.lowercased)/edit")
            #expect(form.status == .ok && !form.html.contains("Publish this version"))

            var fields = EditFields(html: form.html)
            fields.set("fees", "免收费用")
            let saved = try await browser.post("/catalogue/items/\(item.id.lowercased)/edit", fields.pairs)
            #expect(saved.status == .seeOther)
            let review = try await browser.get(saved.location ?? "")
            #expect(review.html.contains("<del>\(item.content.fees)</del>") && review.html.contains("<ins>免收费用</ins>"))
            #expect(try await Browser(client).get("/catalogue/items/\(item.id.lowercased)").html.contains("免收费用") == false)

            let outsider = Browser(client)
            _ = try await outsider.signIn("ngo")
            #expect(try await outsider.get("/catalogue/drafts").status == .forbidden)
            #expect(try await outsider.get("/catalogue/items/\(item.id.lowercased)/edit").status == .forbidden)
            #expect(try await outsider.post("/catalogue/items/\(item.id.lowercased)/publish", []).status == .forbidden)
            let anonymous = try await Browser(client).get("/catalogue/new")
            #expect(anonymous.status == .seeOther && anonymous.location?.hasPrefix("/login") == true)

            let drafts = try await browser.get("/catalogue/drafts")
            #expect(drafts.html.contains(item.code))
            #expect(try await browser.post("/catalogue/items/\(item.id.lowercased)/publish", []).status == .seeOther)
            #expect(try await Browser(client).get("/catalogue/items/\(item.id.lowercased)").html.contains("免收费用"))
            // Nothing left to publish: the page says why instead of failing.
            let nothing = try await browser.post("/catalogue/items/\(item.id.lowercased)/publish", [])
            #expect(nothing.status == .conflict || nothing.status == .notFound)
        }
    }
}

/// The fields of an edit form as the page filled them in, to change one and post them back.
struct EditFields {
    var pairs: [(String, String)] = []

    init(html: String) {
        let form = html[(html.range(of: #"class="form wide""#)?.upperBound ?? html.startIndex)...]
        for match in form.matches(of: /<input name="([a-zA-Z]+)" value="([^"]*)"/) { pairs.append((String(match.1), Self.unescape(String(match.2)))) }
        for match in form.matches(of: /<textarea name="([a-zA-Z]+)"[^>]*>([^<]*)<\/textarea>/) { pairs.append((String(match.1), Self.unescape(String(match.2)))) }
        for match in form.matches(of: /<select name="([a-zA-Z]+)">(.*?)<\/select>/.dotMatchesNewlines()) {
            if let selected = String(match.2).firstMatch(of: /<option value="([a-z]+)" selected>/) { pairs.append((String(match.1), String(selected.1))) }
        }
        for match in form.matches(of: /name="materials" value="(M[0-9]{4})" checked/) { pairs.append(("materials", String(match.1))) }
        if form.contains(#"name="onTheSpot" checked"#) { pairs.append(("onTheSpot", "on")) }
    }

    mutating func set(_ name: String, _ value: String) {
        pairs.removeAll { $0.0 == name }
        pairs.append((name, value))
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
