import Foundation
import HTTPTypes
import Catalogue
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Catalogue API and pages")
struct CatalogueAPITests {
    func importCSV(_ client: any TestClientProtocol, token: String, _ csv: String) async throws -> (HTTPResponse.Status, [String: Any]?) {
        try await client.execute(uri: "/api/v1/catalogue/purchase-categories/import", method: .post,
                                 headers: [.authorization: "Bearer \(token)", .contentType: "text/csv", .accept: "application/json"],
                                 body: ByteBuffer(string: csv)) { response in
            (response.status, try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
        }
    }

    @Test("everyone reads the catalogue; each entry says whether it may be bought")
    func read() async throws {
        try await TestApp.run { client, _ in
            let list = try await client.execute(uri: "/api/v1/catalogue/purchase-categories", method: .get, headers: [.accept: "application/json"]) {
                try JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)) as? [[String: Any]] ?? []
            }
            let byCode = Dictionary(uniqueKeysWithValues: list.map { ($0["code"] as! String, $0) })
            #expect(byCode["A0101"]?["purchasable"] as? Bool == true)
            #expect(byCode["A01"]?["purchasable"] as? Bool == false)
            #expect(byCode["N0401"]?["purchasable"] as? Bool == false)
            #expect(byCode["N04"]?["negativeReason"] as? String == "staffing")

            let one = try await client.json(.get, "/api/v1/catalogue/purchase-categories/a0101")
            #expect(one.json?["nameZh"] as? String == "居家养老上门服务")
            let missing = try await client.json(.get, "/api/v1/catalogue/purchase-categories/Z9999")
            #expect(missing.status == .notFound)
        }
    }

    @Test("a platform administrator imports; a bad file is a 422 naming rows and columns; finance offices and others are forbidden")
    func importing() async throws {
        try await TestApp.run { client, _ in
            let finance = try await client.token("admin")
            let good = "编码,中文名称,英文名称\nA0901,社区助餐服务,Community meals\n"
            let bad = "Code,Name (Chinese),Name (English)\nA0902,,Missing Chinese\nQQ,坏,Bad\n"
            // The catalogue is national: no finance office rewrites it, nor learns what is wrong with a file.
            for username in ["ngo", "finance", "fufeng", "yanshan"] {
                let (refusedStatus, body) = try await importCSV(client, token: try await client.token(username), bad)
                #expect(refusedStatus == .forbidden && body?["errors"] == nil, "\(username)")
            }
            #expect(try await client.json(.get, "/api/v1/catalogue/purchase-categories/A0902").status == .notFound)

            let (badStatus, badBody) = try await importCSV(client, token: finance, bad)
            #expect(badStatus == .unprocessableContent)
            let fields = (badBody?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(fields == ["rows[2].code", "rows[2].nameZh", "rows[3].code"])

            let (status, report) = try await importCSV(client, token: finance, good.replacingOccurrences(of: "A0901", with: "A09\nA0901")
                .replacingOccurrences(of: "A09\n", with: "A09,助餐服务,Meals\n"))
            #expect(status == .ok)
            #expect(report?["created"] as? Int == 2)
            let created = try await client.json(.get, "/api/v1/catalogue/purchase-categories/A0901")
            #expect(created.json?["purchasable"] as? Bool == true)
        }
    }

    @Test("the export imports back with nothing changed")
    func roundTrip() async throws {
        try await TestApp.run { client, _ in
            let export = try await client.execute(uri: "/api/v1/catalogue/purchase-categories/export", method: .get, headers: [:]) { response in
                (response.headers[.contentType], String(buffer: response.body))
            }
            #expect(export.0?.hasPrefix("text/csv") == true)
            #expect(export.1.contains("A0101,居家养老上门服务"))
            let (status, report) = try await importCSV(client, token: try await client.token("admin"), export.1)
            #expect(status == .ok)
            #expect(report?["created"] as? Int == 0 && report?["updated"] as? Int == 0)
            #expect((report?["unchanged"] as? Int ?? 0) > 40)
        }
    }

    @Test("the catalogue page lists the services and marks the negative list, in both languages")
    func page() async throws {
        try await TestApp.run { client, _ in
            let zh = try await Browser(client).get("/catalogue/purchase")
            #expect(zh.status == .ok)
            #expect(zh.html.contains("居家养老上门服务"))
            #expect(zh.html.contains("负面清单: 自身人员与劳务派遣"))
            let en = try await Browser(client, language: "en").get("/catalogue/purchase")
            #expect(en.html.contains("Home-based elderly care visits"))
            let csv = try await Browser(client).get("/catalogue/purchase.csv")
            #expect(csv.headers[.contentDisposition]?.contains("purchase-catalogue.csv") == true)
        }
    }
}

@Suite("Catalogue in Excel")
struct CatalogueExcelTests {
    @Test("the Excel export imports back unchanged through the API, sent as an xlsx body")
    func excelRoundTrip() async throws {
        try await TestApp.run { client, _ in
            let xlsx = try await client.execute(uri: "/api/v1/catalogue/purchase-categories/export?format=xlsx", method: .get, headers: [:]) { response in
                (response.headers[.contentType], response.body)
            }
            #expect(xlsx.0 == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            let token = try await client.token("admin")
            let report = try await client.execute(uri: "/api/v1/catalogue/purchase-categories/import", method: .post, headers: [
                .authorization: "Bearer \(token)", .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .accept: "application/json",
            ], body: xlsx.1) { response in
                (response.status, try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
            }
            #expect(report.0 == .ok)
            #expect(report.1?["created"] as? Int == 0 && report.1?["updated"] as? Int == 0)
            let page = try await Browser(client).get("/catalogue/purchase.xlsx")
            #expect(page.headers[.contentDisposition]?.contains("purchase-catalogue.xlsx") == true)
        }
    }
}

@Suite("Service items API")
struct ServiceItemsAPITests {
    func array(_ client: any TestClientProtocol, _ uri: String) async throws -> [[String: Any]] {
        try await client.execute(uri: uri, method: .get, headers: [.accept: "application/json"]) {
            try JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)) as? [[String: Any]] ?? []
        }
    }

    @Test("search, one item and its versions, filters, and bad filters as 422")
    func read() async throws {
        try await TestApp.run { client, _ in
            let found = try await array(client, "/api/v1/catalogue/items?q=%E5%85%BB%E8%80%81")
            #expect(found.contains { $0["nameZh"] as? String == "居家养老服务补贴" })
            let id = try #require(found.first?["id"] as? String)
            let item = try await client.json(.get, "/api/v1/catalogue/items/\(id)")
            #expect((item.json?["authority"] as? [String: Any])?["accept"] != nil)
            #expect(try await array(client, "/api/v1/catalogue/items/\(id)/versions").count == 1)
            let spot = try await array(client, "/api/v1/catalogue/items?onTheSpot=true&limit=200")
            #expect(!spot.isEmpty && spot.allSatisfy { $0["onTheSpot"] as? Bool == true })
            let badTier = try await client.json(.get, "/api/v1/catalogue/items?tier=planet")
            #expect((400..<500).contains(badTier.status.code))
            let badDepartment = try await client.json(.get, "/api/v1/catalogue/items?department=nope")
            #expect(badDepartment.status == .unprocessableContent)
            let missing = try await client.json(.get, "/api/v1/catalogue/items/\(UUID().uuidString)")
            #expect(missing.status == .notFound)
        }
    }

    @Test("materials: list, report, retire by an administrator (the registry is every list's), refused for finance offices and others and when retired already")
    func materials() async throws {
        try await TestApp.run { client, _ in
            #expect(try await array(client, "/api/v1/catalogue/materials").count == 33)
            #expect(!(try await array(client, "/api/v1/catalogue/materials/report")).isEmpty)
            let body = #"{"reason":"commitment","note":"以个人承诺代替"}"#
            for username in ["ngo", "finance", "fufeng", "yanshan"] {
                let refused = try await client.json(.post, "/api/v1/catalogue/materials/M0033/retire", token: try await client.token(username), body: body)
                #expect(refused.status == .forbidden, "\(username)")
                let imported = try await client.execute(uri: "/api/v1/catalogue/materials/import", method: .post,
                    headers: [.authorization: "Bearer \(try await client.token(username))", .contentType: "text/csv", .accept: "application/json"],
                    body: .init(string: "编码,中文名称,英文名称,出具单位\nM0033,改名,Renamed,申请人\n")) { $0.status }
                #expect(imported == .forbidden, "\(username)")
            }
            #expect(try await array(client, "/api/v1/catalogue/materials").allSatisfy { $0["retired"] as? Bool == false && $0["nameZh"] as? String != "改名" })
            let finance = try await client.token("admin")
            let retired = try await client.json(.post, "/api/v1/catalogue/materials/M0033/retire", token: finance, body: body)
            #expect(retired.status == .ok)
            #expect(retired.json?["retired"] as? Bool == true)
            let again = try await client.json(.post, "/api/v1/catalogue/materials/M0033/retire", token: finance, body: body)
            #expect(again.status == .conflict)
            let unknown = try await client.json(.post, "/api/v1/catalogue/materials/M9999/retire", token: finance, body: body)
            #expect(unknown.status == .notFound)
            let badReason = try await client.json(.post, "/api/v1/catalogue/materials/M0032/retire", token: finance, body: #"{"reason":"magic","note":"x"}"#)
            #expect(badReason.status == .unprocessableContent)
        }
    }

    @Test("items export and import back unchanged over the API; a department is refused")
    func roundTrip() async throws {
        try await TestApp.run { client, _ in
            // Lixia's own list: what its finance office keeps.
            let csv = try await client.execute(uri: "/api/v1/catalogue/items/export?jurisdiction=370102", method: .get, headers: [:]) { String(buffer: $0.body) }
            #expect(csv.contains("MZ-001") && !csv.contains("YS-001") && !csv.contains("FM-001"))
            for (username, expected) in [("civil", HTTPResponse.Status.forbidden), ("finance", .ok)] {
                let token = try await client.token(username)
                let response = try await client.execute(uri: "/api/v1/catalogue/items/import", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "text/csv", .accept: "application/json"],
                    body: .init(string: csv)) { ($0.status, String(buffer: $0.body)) }
                #expect(response.0 == expected, "\(username)")
                if expected == .ok { #expect(response.1.contains(#""unchanged":62"#) || response.1.contains(#""unchanged" : 62"#)) }
            }
        }
    }
}

@Suite("Local details through the API and the page")
struct LocalDetailsWebTests {
    @Test("the district finance office records a street's details by API and by the item page; others are refused")
    func localDetails() async throws {
        try await TestApp.run { client, world in
            let items = ServiceItemService(database: world.database, identity: world.identity)
            let item = try #require(try await items.search(ItemSearch(text: "婚姻登记")).first).id.uuidString.lowercased()
            let body = #"{"address":"解放路街道便民服务中心","phone":"0531-1","hours":"9:00-17:00"}"#
            let refused = try await client.json(.put, "/api/v1/catalogue/items/\(item)/local-details/370102001", token: try await client.token("ngo"), body: body)
            #expect(refused.status == .forbidden)
            let unknown = try await client.json(.put, "/api/v1/catalogue/items/\(item)/local-details/999", token: try await client.token("finance"), body: body)
            #expect(unknown.status == .unprocessableContent)
            let saved = try await client.json(.put, "/api/v1/catalogue/items/\(item)/local-details/370102001", token: try await client.token("finance"), body: body)
            #expect(saved.status == .ok)
            #expect(saved.json?["notes"] as? String == "")

            let browser = Browser(client)
            _ = try await browser.signIn("finance")
            let form = try await browser.get("/catalogue/items/\(item)")
            #expect(form.html.contains("登记本地办理信息"))
            let posted = try await browser.post("/catalogue/items/\(item)/local", [("jurisdictionCode", "370102002"), ("address", "千佛山街道"),
                                                                                  ("phone", "0531-2"), ("hours", "9-17"), ("notes", "")])
            #expect(posted.status == .seeOther)
            let page = try await Browser(client).get("/catalogue/items/\(item)")
            #expect(page.html.contains("解放路街道便民服务中心") && page.html.contains("千佛山街道"))
            #expect(!page.html.contains("登记本地办理信息"), "visitors get no form")
        }
    }
}
