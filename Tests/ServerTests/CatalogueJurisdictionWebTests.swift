import Catalogue
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Tabular
import TestSupport
import Testing

/// Catalogues by jurisdiction through the API and the pages (issue 20). Expectations come from the rule:
/// a finance office keeps the lists (items and negative-list entries) of its own jurisdiction and of those
/// below it. Demo: `finance` keeps Lixia (370102), `yanshan` its Yanshan street (370102010), `fufeng`
/// Fufeng county (610324). Lixia's items are MZ-…, Yanshan's YS-001…004, Fufeng's FM-001…005.
@Suite("Catalogues by jurisdiction: API")
struct CatalogueJurisdictionAPITests {
    static func itemID(_ world: DemoWorld, _ code: String) async throws -> String {
        let items = ServiceItemService(database: world.database, identity: world.identity)
        return try #require(try await items.search(ItemSearch(limit: 200)).first { $0.code == code }).id.uuidString.lowercased()
    }

    /// The item's editable content as the API returns it, with other fees.
    static func content(_ client: any TestClientProtocol, _ id: String, fees: String) async throws -> String {
        let item = try #require(try await client.json(.get, "/api/v1/catalogue/items/\(id)").json)
        var content = item.filter { ["nameZh", "nameEn", "legalBasis", "conditions", "procedure", "result", "timeLimitDays", "onTheSpot",
                                     "channel", "fees", "authority", "materials"].contains($0.key) }
        content["fees"] = fees
        return String(decoding: try JSONSerialization.data(withJSONObject: content), as: UTF8.self)
    }

    func importCSV(_ client: any TestClientProtocol, token: String, _ csv: String) async throws -> (status: HTTPResponse.Status, json: [String: Any]?) {
        try await client.execute(uri: "/api/v1/catalogue/items/import", method: .post,
                                 headers: [.authorization: "Bearer \(token)", .contentType: "text/csv", .accept: "application/json"],
                                 body: ByteBuffer(string: csv)) { response in
            (response.status, try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
        }
    }

    @Test("fufeng is refused (403 problem) on a Lixia item: draft, read, publish, discard, start and import; nothing changes")
    func otherCountyRefused() async throws {
        try await TestApp.run { client, world in
            let id = try await Self.itemID(world, "MZ-001")
            let before = try #require(try await client.json(.get, "/api/v1/catalogue/items/\(id)").json)
            let fufeng = try await client.token("fufeng")
            let finance = try await client.token("finance")

            let saved = try await client.json(.put, "/api/v1/catalogue/items/\(id)/draft", token: fufeng, body: try await Self.content(client, id, fees: "扶风改的"))
            #expect(saved.status == .forbidden && saved.headers[.contentType] == "application/problem+json")
            #expect(saved.json?["type"] as? String == "urn:spokes:problem:forbidden")
            #expect(try await client.json(.get, "/api/v1/catalogue/items/\(id)/draft", token: finance).status == .notFound)

            // Lixia's own draft is Lixia's: fufeng may not read, publish nor discard it.
            #expect(try await client.json(.put, "/api/v1/catalogue/items/\(id)/draft", token: finance,
                                          body: try await Self.content(client, id, fees: "历下改的")).status == .ok)
            #expect(try await client.json(.get, "/api/v1/catalogue/items/\(id)/draft", token: fufeng).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/catalogue/items/\(id)/draft/publish", token: fufeng).status == .forbidden)
            #expect(try await client.json(.delete, "/api/v1/catalogue/items/\(id)/draft", token: fufeng).status == .forbidden)
            #expect(try await client.list("/api/v1/catalogue/items/drafts", token: fufeng).isEmpty)
            #expect(try await client.json(.get, "/api/v1/catalogue/items/\(id)/draft", token: finance).json?["content"]
                .flatMap { ($0 as? [String: Any])?["fees"] as? String } == "历下改的")

            let civil = try #require(try await world.identity.organisation(creditCode: "11370102200000021T")).id.uuidString.lowercased()
            let body = #"{"code":"MZ-097","departmentId":"\#(civil)","content":\#(try await Self.content(client, id, fees: "x"))}"#
            #expect(try await client.json(.post, "/api/v1/catalogue/items", token: fufeng, body: body).status == .forbidden)

            var table = try SpreadsheetFile.read(Data(try await client.execute(uri: "/api/v1/catalogue/items/export?jurisdiction=370102", method: .get,
                                                                              headers: [:]) { String(buffer: $0.body) }.utf8))
            table.rows = [table.rows[0]]
            table.rows[0][12] = "扶风改的"
            let csv = String(decoding: SpreadsheetFile.write(table, as: .csv), as: UTF8.self)
            let imported = try await importCSV(client, token: fufeng, csv)
            #expect(imported.status == .forbidden)
            #expect((imported.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["rows[2].code"])

            let after = try #require(try await client.json(.get, "/api/v1/catalogue/items/\(id)").json)
            #expect(after["version"] as? Int == before["version"] as? Int && after["fees"] as? String == before["fees"] as? String)
            #expect(try await client.list("/api/v1/catalogue/items?q=%E6%89%B6%E9%A3%8E%E6%94%B9").isEmpty)
        }
    }

    @Test("Lixia's finance office keeps Yanshan street's list below it; yanshan keeps its own and is refused on Lixia's above it")
    func districtAndStreet() async throws {
        try await TestApp.run { client, world in
            let finance = try await client.token("finance")
            let yanshan = try await client.token("yanshan")
            let street = try await Self.itemID(world, "YS-001")
            let district = try await Self.itemID(world, "MZ-002")

            #expect(try await client.json(.put, "/api/v1/catalogue/items/\(street)/draft", token: finance,
                                          body: try await Self.content(client, street, fees: "区里统一免费")).status == .ok)
            let published = try await client.json(.post, "/api/v1/catalogue/items/\(street)/draft/publish", token: finance)
            #expect(published.status == .ok && published.json?["version"] as? Int == 2 && published.json?["fees"] as? String == "区里统一免费")

            let refused = try await client.json(.put, "/api/v1/catalogue/items/\(district)/draft", token: yanshan,
                                                body: try await Self.content(client, district, fees: "街道改的"))
            #expect(refused.status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/catalogue/items/\(district)/draft/publish", token: yanshan).status == .forbidden)
            #expect(try await client.json(.get, "/api/v1/catalogue/items/\(district)").json?["version"] as? Int == 1)

            let own = try await Self.itemID(world, "YS-002")
            #expect(try await client.json(.put, "/api/v1/catalogue/items/\(own)/draft", token: yanshan,
                                          body: try await Self.content(client, own, fees: "免费")).status == .ok)
            #expect(try await client.json(.post, "/api/v1/catalogue/items/\(own)/draft/publish", token: yanshan).json?["version"] as? Int == 2)

            let yanshanStreet = try #require(try await world.identity.jurisdiction(code: "370102010")).id.uuidString.lowercased()
            let office = try #require(try await world.identity.organisations(kind: .department, limit: 200).first { $0.nameZh == "燕山街道办事处" })
            let civil = try #require(try await world.identity.organisation(creditCode: "11370102200000021T"))
            func new(_ code: String, _ department: UUID, list: String? = nil) async throws -> String {
                let listField = list.map { #","jurisdictionCode":"\#($0)""# } ?? ""
                return #"{"code":"\#(code)","departmentId":"\#(department.uuidString.lowercased())"\#(listField),"content":\#(try await Self.content(client, own, fees: "免费"))}"#
            }
            let created = try await client.json(.post, "/api/v1/catalogue/items", token: yanshan, body: try await new("YS-020", office.id))
            #expect(created.status == .created && created.json?["jurisdictionId"] as? String == yanshanStreet)
            // A district department's item goes on the district's list unless the street's is stated.
            #expect(try await client.json(.post, "/api/v1/catalogue/items", token: yanshan, body: try await new("YS-021", civil.id)).status == .forbidden)
            let stated = try await client.json(.post, "/api/v1/catalogue/items", token: yanshan, body: try await new("YS-021", civil.id, list: "370102010"))
            #expect(stated.status == .created && stated.json?["jurisdictionId"] as? String == yanshanStreet)
        }
    }

    @Test("a jurisdiction's list shows its own items and those it inherits, marked; a county's not another's")
    func inheritedList() async throws {
        try await TestApp.run { client, world in
            let yanshanStreet = try #require(try await world.identity.jurisdiction(code: "370102010")).id.uuidString.lowercased()
            let lixia = try #require(try await world.identity.jurisdiction(code: "370102")).id.uuidString.lowercased()
            let street = try await client.list("/api/v1/catalogue/items?jurisdiction=370102010&limit=200")
            #expect(street.count == 66)
            for item in street {
                let code = item["code"] as? String ?? ""
                #expect(!code.hasPrefix("FM-"))
                #expect(item["inherited"] as? Bool == !code.hasPrefix("YS-"), "\(code)")
                #expect(item["jurisdictionId"] as? String == (code.hasPrefix("YS-") ? yanshanStreet : lixia), "\(code)")
            }
            let district = try await client.list("/api/v1/catalogue/items?jurisdiction=370102&limit=200")
            #expect(district.count == 62 && district.allSatisfy { $0["inherited"] as? Bool == false && $0["jurisdictionId"] as? String == lixia })
            #expect(!district.contains { ($0["code"] as? String)?.hasPrefix("YS-") == true })
            let county = try await client.list("/api/v1/catalogue/items?jurisdiction=610324&limit=200")
            #expect(Set(county.compactMap { $0["code"] as? String }) == ["FM-001", "FM-002", "FM-003", "FM-004", "FM-005"])
            #expect(try await client.list("/api/v1/catalogue/items?limit=200").allSatisfy { $0["inherited"] == nil })
            let unknown = try await client.json(.get, "/api/v1/catalogue/items?jurisdiction=999999")
            #expect(unknown.status == .unprocessableContent)
            #expect((unknown.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "jurisdiction")
            // An empty code names no jurisdiction either (the contract's pattern refuses it; found by the fuzzer).
            for path in ["items", "items/export", "negative-entries", "purchase-categories"] {
                #expect(try await client.json(.get, "/api/v1/catalogue/\(path)?jurisdiction=").status == .unprocessableContent, "\(path)")
            }
            let own = try await client.execute(uri: "/api/v1/catalogue/items/export?jurisdiction=370102010", method: .get, headers: [:]) { String(buffer: $0.body) }
            #expect(own.contains("YS-001") && !own.contains("MZ-001"))
        }
    }

    @Test("negative lists: national, inherited and own entries marked; what may be bought follows; only keepers add or remove")
    func negativeList() async throws {
        try await TestApp.run { client, _ in
            let entries = try await client.list("/api/v1/catalogue/negative-entries?jurisdiction=370102010")
            let byCode = Dictionary(entries.map { ($0["code"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byCode["A0602"]?["jurisdictionCode"] as? String == "370102" && byCode["A0602"]?["inherited"] as? Bool == true)
            #expect(byCode["A0801"]?["jurisdictionCode"] as? String == "370102010" && byCode["A0801"]?["inherited"] as? Bool == false)
            #expect(byCode["N01"]?["jurisdictionCode"] == nil && byCode["N01"]?["inherited"] as? Bool == true && byCode["N01"]?["id"] == nil)
            let lixiaEntries = try await client.list("/api/v1/catalogue/negative-entries?jurisdiction=370102")
            #expect(lixiaEntries.contains { $0["code"] as? String == "A0602" } && !lixiaEntries.contains { $0["code"] as? String == "A0801" })

            func purchasable(_ query: String) async throws -> [String: Bool] {
                let list = try await client.list("/api/v1/catalogue/purchase-categories\(query)")
                return Dictionary(list.map { ($0["code"] as? String ?? "", $0["purchasable"] as? Bool ?? true) }, uniquingKeysWith: { a, _ in a })
            }
            let street = try await purchasable("?jurisdiction=370102010")
            #expect(street["A0602"] == false && street["A0801"] == false && street["A0101"] == true)
            let district = try await purchasable("?jurisdiction=370102")
            #expect(district["A0602"] == false && district["A0801"] == true)
            let county = try await purchasable("?jurisdiction=610324")
            #expect(county["A0602"] == true && county["A0801"] == true)
            #expect(try await purchasable("")["A0602"] == true)

            func add(_ token: String?, _ jurisdiction: String, _ code: String) async throws -> (status: HTTPResponse.Status, json: [String: Any]?) {
                let response = try await client.json(.post, "/api/v1/catalogue/negative-entries", token: token,
                                                     body: #"{"jurisdictionCode":"\#(jurisdiction)","code":"\#(code)","reason":"government_duty","note":"测试"}"#)
                return (response.status, response.json)
            }
            let yanshan = try await client.token("yanshan")
            let finance = try await client.token("finance")
            #expect(try await add(nil, "370102", "A0502").status == .unauthorized)
            #expect(try await add(try await client.token("fufeng"), "370102", "A0502").status == .forbidden)
            #expect(try await add(yanshan, "370102", "A0502").status == .forbidden)
            #expect(try await add(try await client.token("civil"), "370102", "A0502").status == .forbidden)
            #expect(try await purchasable("?jurisdiction=370102")["A0502"] == true)
            let added = try await add(finance, "370102010", "A0502")
            #expect(added.status == .created && added.json?["jurisdictionCode"] as? String == "370102010" && added.json?["inherited"] as? Bool == false)
            #expect(try await add(yanshan, "370102010", "A0602").status == .conflict)

            let lixiaEntry = try #require(lixiaEntries.first { $0["code"] as? String == "A0602" }?["id"] as? String)
            #expect(try await client.json(.delete, "/api/v1/catalogue/negative-entries/\(lixiaEntry)", token: yanshan).status == .forbidden)
            #expect(try await purchasable("?jurisdiction=370102")["A0602"] == false)
            let entry = try #require(added.json?["id"] as? String)
            #expect(try await client.json(.delete, "/api/v1/catalogue/negative-entries/\(entry)", token: try await client.token("fufeng")).status == .forbidden)
            #expect(try await client.json(.delete, "/api/v1/catalogue/negative-entries/\(entry)", token: yanshan).status == .noContent)
            #expect(try await client.json(.delete, "/api/v1/catalogue/negative-entries/\(entry)", token: finance).status == .notFound)
        }
    }

    @Test("a buyer's purchase lines follow the negative list of its jurisdiction and of those above it, not those below it or elsewhere")
    func purchaseLines() async throws {
        try await TestApp.run { client, _ in
            func line(_ token: String, _ reference: String, _ code: String) async throws -> HTTPResponse.Status {
                try await client.json(.post, "/api/v1/purchase-lines", token: token, body:
                    #"{"year":2026,"reference":"\#(reference)","catalogueCode":"\#(code)","title":"试点","targetGroup":"居民","quantity":1,"unit":"项","budgetFen":1000000,"fundingSource":"general_budget","tier":"street"}"#).status
            }
            let finance = try await client.token("finance")
            let yanshan = try await client.token("yanshan")
            let fufeng = try await client.token("fufeng")
            #expect(try await line(finance, "JT-01", "A0602") == .unprocessableContent)    // Lixia's own entry
            #expect(try await line(yanshan, "JT-02", "A0602") == .unprocessableContent)    // inherited from Lixia
            #expect(try await line(yanshan, "JT-03", "A0801") == .unprocessableContent)    // Yanshan's own
            #expect(try await line(finance, "JT-04", "A0801") == .created)                 // the street's entry does not bind the district
            #expect(try await line(fufeng, "JT-05", "A0602") == .created)                  // nor Lixia's another county
        }
    }
}

@Suite("Catalogues by jurisdiction: pages")
struct CatalogueJurisdictionPageTests {
    @Test("fufeng posting a Lixia item's edit form gets it back with the refusal (403); publishing likewise; nothing changes")
    func otherCountyPage() async throws {
        try await TestApp.run { client, world in
            let id = try await CatalogueJurisdictionAPITests.itemID(world, "MZ-001")
            let finance = Browser(client, language: "en")
            _ = try await finance.signIn("finance")
            var fields = EditFields(html: try await finance.get("/catalogue/items/\(id)/edit").html)
            fields.set("fees", "扶风改的收费")

            let fufeng = Browser(client, language: "en")
            _ = try await fufeng.signIn("fufeng")
            #expect(try await fufeng.get("/catalogue/items/\(id)/edit").status == .forbidden)
            #expect(try await fufeng.get("/catalogue/items/\(id)").html.contains("/catalogue/items/\(id)/edit") == false)
            let refused = try await fufeng.post("/catalogue/items/\(id)/edit", fields.pairs)
            #expect(refused.status == .forbidden)
            #expect(refused.html.contains(#"role="alert""#) && refused.html.contains("only the finance offices of its jurisdiction"))
            #expect(refused.html.contains(#"name="fees" value="扶风改的收费""#), "the form comes back as typed")
            let publish = try await fufeng.post("/catalogue/items/\(id)/publish", [])
            #expect(publish.status == .forbidden && publish.html.contains(#"role="alert""#))

            #expect(try await Browser(client).get("/catalogue/items/\(id)").html.contains("扶风改的收费") == false)
            #expect(try await finance.get("/catalogue/drafts").html.contains("MZ-001") == false)
            #expect(try await finance.get("/catalogue/items/\(id)").html.contains("/catalogue/items/\(id)/edit"))
        }
    }

    @Test("yanshan edits and publishes its own street item on the page; the district's form is refused (403); finance may edit the street's")
    func streetPage() async throws {
        try await TestApp.run { client, world in
            let own = try await CatalogueJurisdictionAPITests.itemID(world, "YS-001")
            let district = try await CatalogueJurisdictionAPITests.itemID(world, "MZ-002")
            let yanshan = Browser(client)
            _ = try await yanshan.signIn("yanshan")
            let home = try await yanshan.get("/catalogue")
            #expect(home.html.contains(#"href="/catalogue/drafts""#) && home.html.contains(#"href="/catalogue/import""#))

            var fields = EditFields(html: try await yanshan.get("/catalogue/items/\(own)/edit").html)
            fields.set("fees", "燕山街道免费")
            #expect(try await yanshan.post("/catalogue/items/\(own)/edit", fields.pairs).status == .seeOther)
            #expect(try await yanshan.post("/catalogue/items/\(own)/publish", []).status == .seeOther)
            #expect(try await Browser(client).get("/catalogue/items/\(own)").html.contains("燕山街道免费"))

            #expect(try await yanshan.get("/catalogue/items/\(district)").html.contains("/catalogue/items/\(district)/edit") == false)
            var districtFields = fields
            districtFields.set("nameZh", "街道改的名字")
            let refused = try await yanshan.post("/catalogue/items/\(district)/edit", districtFields.pairs)
            #expect(refused.status == .forbidden && refused.html.contains(#"role="alert""#) && refused.html.contains("只有该辖区及其上级辖区的财政部门"))
            #expect(try await Browser(client).get("/catalogue/items/\(district)").html.contains("街道改的名字") == false)

            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            #expect(try await finance.get("/catalogue/items/\(own)").html.contains("/catalogue/items/\(own)/edit"))
        }
    }

    @Test("the public list of a street shows its own items and the district's, marked inherited; the district's list not the street's")
    func listPage() async throws {
        try await TestApp.run { client, _ in
            let street = try await Browser(client).get("/catalogue?jurisdiction=370102010")
            #expect(street.status == .ok && street.html.contains(#"data-list="370102010""#))
            /// The table row that shows `name`.
            func row(_ html: String, _ name: String) throws -> Substring {
                let at = try #require(html.range(of: name))
                let start = try #require(html[..<at.lowerBound].range(of: "<tr", options: .backwards)).lowerBound
                let end = try #require(html[at.upperBound...].range(of: "</tr>")).upperBound
                return html[start..<end]
            }
            #expect(!(try row(street.html, "高龄津贴申请受理")).contains("data-inherited"))
            #expect(try row(street.html, "最低生活保障审核确认").contains("data-inherited"))
            #expect(!street.html.contains("农村特困人员供养审核"))
            let district = try await Browser(client, language: "en").get("/catalogue?jurisdiction=370102")
            #expect(!district.html.contains("Allowance for residents aged 80") && district.html.contains("Minimum living allowance"))
            #expect(!district.html.contains("data-inherited"))
        }
    }

    @Test("the purchase catalogue page shows a street's negative list with the district's entries inherited; a street may not add to the district's")
    func negativeListPage() async throws {
        try await TestApp.run { client, _ in
            let page = try await Browser(client).get("/catalogue/purchase?jurisdiction=370102010")
            #expect(page.html.contains(#"data-entry="A0602">"#) && page.html.contains(#"data-entry="A0801">"#))
            func entry(_ code: String) throws -> Substring {
                let start = try #require(page.html.range(of: #"data-entry="\#(code)">"#)).lowerBound
                return page.html[start..<(try #require(page.html[start...].range(of: "</tr>"))).upperBound]
            }
            let a0602 = try entry("A0602")
            let a0801 = try entry("A0801")
            #expect(a0602.contains("data-inherited") && a0602.contains("济南市历下区"))
            #expect(!a0801.contains("data-inherited") && a0801.contains("燕山街道"))

            let yanshan = Browser(client, language: "en")
            _ = try await yanshan.signIn("yanshan")
            let own = try await yanshan.get("/catalogue/purchase?jurisdiction=370102010")
            // Its own entry has a remove button, the district's has none; the form offers only its own street.
            #expect(own.html.components(separatedBy: "/remove").count == 2)
            #expect(own.html.contains(#"<select name="jurisdictionCode"><option value="370102010""#))
            let refused = try await yanshan.post("/catalogue/negative-entries", [("jurisdictionCode", "370102"), ("code", "A0502"),
                                                                                 ("reason", "government_duty"), ("note", "街道想替区里加")])
            #expect(refused.status == .forbidden && refused.html.contains(#"role="alert""#) && refused.html.contains("Only the finance offices"))
            #expect(try await Browser(client).get("/catalogue/purchase?jurisdiction=370102").html.contains(#"data-entry="A0502""#) == false)
            let added = try await yanshan.post("/catalogue/negative-entries", [("jurisdictionCode", "370102010"), ("code", "A0502"),
                                                                               ("reason", "government_duty"), ("note", "街道自办")])
            #expect(added.status == .seeOther && added.location == "/catalogue/purchase?jurisdiction=370102010")
            #expect(try await Browser(client).get("/catalogue/purchase?jurisdiction=370102010").html.contains(#"data-entry="A0502""#))
        }
    }

    @Test("an import page upload touching another county's list is refused whole (403) with its rows; a street office imports only items")
    func importPage() async throws {
        try await TestApp.run { client, world in
            let fufeng = Browser(client, language: "en")
            _ = try await fufeng.signIn("fufeng")
            var table = try SpreadsheetFile.read(try TestDatabase.seedFile("service-items.csv"))
            table.rows = [table.rows[0]]
            table.rows[0][12] = "扶风改的"
            let refused = try await fufeng.upload("/catalogue/import", fields: [("kind", "items")], file: SpreadsheetFile.write(table, as: .csv), filename: "lixia.csv")
            #expect(refused.status == .forbidden && refused.html.contains("<td>2</td><td>code</td>") && refused.html.contains("lists you do not keep"))
            let items = ServiceItemService(database: world.database, identity: world.identity)
            #expect(try await items.search(ItemSearch(limit: 200)).first { $0.code == "MZ-001" }?.content.fees != "扶风改的")

            let form = try await fufeng.get("/catalogue/import")
            #expect(form.html.contains(#"value="items""#) && !form.html.contains(#"value="purchase""#) && !form.html.contains(#"value="materials""#))
            let purchase = try await fufeng.upload("/catalogue/import", fields: [("kind", "purchase")],
                                                   file: Data("编码,中文名称,英文名称\nA0901,x,y\n".utf8), filename: "p.csv")
            #expect(purchase.status == .forbidden)
        }
    }
}
