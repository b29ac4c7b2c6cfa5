import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Server
import TestSupport
import Testing

/// The service sites through the API and the pages (issue 23): status codes of every refusal, the contract's
/// ranges, staff names only for the offices and overseers of the jurisdiction, the pages in Chinese and English.
@Suite("Service sites: API and pages")
struct SiteWebTests {
    static func body(code: String = "610324002-V950", jurisdiction: String = "610324002", floor: Int = 156, hall: Int = 120, windows: Int = 1,
                     staff: String = #"[{"name":"赵测试","post":"public_welfare","payBand":"500元/月"}]"#) -> String {
        """
        {"code":"\(code)","nameZh":"测试站","tier":"village_station","jurisdictionCode":"\(jurisdiction)","operatorKind":"village_committee",
         "operatorName":"测试村村民委员会","address":"扶风县天度镇测试村","floorAreaTenths":\(floor),"hallAreaTenths":\(hall),"windows":\(windows),
         "equipment":["计算机"],"staff":\(staff),"openingHours":"周一至周五 9:00–12:00"}
        """
    }

    /// The register form of a village station of Tiandu town, as a browser posts it.
    static func form(name: String, floor: String) -> [(String, String)] {
        [("code", "610324002-V960"), ("nameZh", name), ("tier", "village_station"), ("jurisdictionCode", "610324002"),
         ("operatorKind", "village_committee"), ("operatorName", "测试村村民委员会"), ("address", "测试地址"), ("floorArea", floor),
         ("hallArea", "12"), ("windows", "1"), ("staff", "赵测试|公益岗|500元/月"), ("openingHours", "9:00–12:00"), ("items", "FM-001")]
    }

    func site(_ client: any TestClientProtocol, _ code: String, token: String? = nil) async throws -> [String: Any] {
        let jurisdiction = String(code.prefix { $0 != "-" })
        let page = try await client.json(.get, "/api/v1/service-sites?jurisdiction=\(jurisdiction)&limit=200", token: token)
        let items = page.json?["items"] as? [[String: Any]] ?? []
        return try #require(items.first { $0["code"] as? String == code })
    }

    @Test("creating: 401 for a visitor, 403 for another county and for a supplier, 422 naming the fields, 201 for the county's office")
    func create() async throws {
        try await TestApp.run { client, _ in
            #expect(try await client.json(.post, "/api/v1/service-sites", body: Self.body()).status == .unauthorized)
            for username in ["finance", "ngo", "overseer", "yanshan"] {
                let refused = try await client.json(.post, "/api/v1/service-sites", token: try await client.token(username), body: Self.body())
                #expect(refused.status == .forbidden, "\(username)")
            }
            let fufeng = try await client.token("fufeng")
            let invalid = try await client.json(.post, "/api/v1/service-sites", token: fufeng,
                                                body: Self.body(staff: #"[{"name":"","post":"establishment","payBand":""}]"#))
            #expect(invalid.status == .unprocessableContent)
            #expect(Set((invalid.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []) == ["staff[0].name", "staff[0].payBand"])
            let created = try await client.json(.post, "/api/v1/service-sites", token: fufeng, body: Self.body())
            #expect(created.status == .created)
            #expect(created.json?["staffCount"] as? Int == 1)
            #expect(created.json?["mayEdit"] as? Bool == true)
            let id = try #require(created.json?["id"] as? String)
            let read = try await client.json(.get, "/api/v1/service-sites/\(id)")
            #expect(read.status == .ok)
            #expect(read.json?["staff"] == nil, "a visitor reads the counts, not the names")
            #expect(read.json?["mayEdit"] as? Bool == false)
            #expect(try await client.json(.get, "/api/v1/service-sites/\(UUID.v7().lowercased)").status == .notFound)
            #expect(try await client.json(.get, "/api/v1/service-sites/not-a-uuid").status.code / 100 == 4)
        }
    }

    @Test("numbers outside the contract's ranges are refused with 422 before the service: negative or huge areas, windows, page sizes")
    func ranges() async throws {
        try await TestApp.run { client, _ in
            let fufeng = try await client.token("fufeng")
            for body in [Self.body(floor: 0), Self.body(floor: -1), Self.body(floor: 100_001), Self.body(hall: -1), Self.body(hall: 1_000_001),
                         Self.body(windows: -1), Self.body(windows: 101), Self.body(floor: Int.max)] {
                let refused = try await client.json(.post, "/api/v1/service-sites", token: fufeng, body: body)
                #expect(refused.status == .unprocessableContent, "\(body)")
            }
            for limit in ["0", "201", "-1", "99999999999999999999"] {
                #expect(try await client.json(.get, "/api/v1/service-sites?limit=\(limit)").status.code / 100 == 4, "limit \(limit)")
            }
            #expect(try await client.json(.get, "/api/v1/service-sites?jurisdiction=999999").status == .unprocessableContent)
            // Not a division code at all (the fuzzer found the empty one read as "no filter"): refused, naming the parameter.
            for code in ["", "61032", "6103240000000", "61032a", "６１０３２４"] {
                let encoded = code.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                for path in ["/api/v1/service-sites", "/api/v1/service-sites/export"] {
                    let refused = try await client.json(.get, "\(path)?jurisdiction=\(encoded)")
                    #expect(refused.status == .unprocessableContent && refused.text.contains("jurisdiction"), "\(path) \(code): \(refused.text)")
                }
            }
            #expect(try await client.json(.get, "/api/v1/service-sites?tier=hamlet").status.code / 100 == 4)
        }
    }

    @Test("updating: the county's office and the offices above a street; 403 for another county; the list pages with its cursor and counts per tier")
    func updateAndList() async throws {
        try await TestApp.run { client, _ in
            let centre = try await site(client, "370102010-T")
            let id = try #require(centre["id"] as? String)
            let body = Self.body(code: "370102010-T", jurisdiction: "370102010", floor: 3000, hall: 300, windows: 8)
                .replacingOccurrences(of: "village_station", with: "town_centre")
            #expect(try await client.json(.put, "/api/v1/service-sites/\(id)", body: body).status == .unauthorized)
            #expect(try await client.json(.put, "/api/v1/service-sites/\(id)", token: try await client.token("fufeng"), body: body).status == .forbidden)
            #expect(try await client.json(.put, "/api/v1/service-sites/\(id)", token: try await client.token("ngo"), body: body).status == .forbidden)
            for username in ["yanshan", "civil"] {
                let updated = try await client.json(.put, "/api/v1/service-sites/\(id)", token: try await client.token(username), body: body)
                #expect(updated.status == .ok, "\(username): \(updated.text)")
                #expect(updated.json?["windows"] as? Int == 8)
            }
            var codes: [String] = []
            var after: String?
            repeat {
                let page = try await client.json(.get, "/api/v1/service-sites?jurisdiction=610324&limit=100" + (after.map { "&after=\($0)" } ?? ""))
                #expect(page.status == .ok)
                codes += (page.json?["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                after = page.json?["next"] as? String
                let counts = (page.json?["counts"] as? [[String: Any]] ?? []).map { [$0["tier"] as? String ?? "", "\($0["sites"] as? Int ?? -1)"] }
                #expect(counts == [["county_centre", "1"], ["town_centre", "8"], ["village_station", "174"]])
            } while after != nil
            #expect(codes.count == 183 && Set(codes).count == 183)
        }
    }

    @Test("staff names reach the offices and overseers of the jurisdiction and no one else, in the API and the export")
    func staffNames() async throws {
        try await TestApp.run { client, _ in
            let visitor = try await site(client, "370102010-T")
            #expect(visitor["staff"] == nil)
            let counts = visitor["staffCounts"] as? [[String: Any]] ?? []
            #expect(counts.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == visitor["staffCount"] as? Int)
            let named = try await site(client, "370102010-T", token: try await client.token("overseer"))
            let name = try #require((named["staff"] as? [[String: Any]])?.first?["name"] as? String)
            for username in ["finance", "civil", "yanshan", "admin"] {
                #expect((try await site(client, "370102010-T", token: try await client.token(username)))["staff"] != nil, "\(username)")
            }
            for username in ["fufeng", "ngo", "evaluator", "incubator"] {
                let read = try await client.json(.get, "/api/v1/service-sites?jurisdiction=370102", token: try await client.token(username))
                #expect(!read.text.contains(name), "\(username) must not read \(name)")
            }
            let export = try await client.execute(uri: "/api/v1/service-sites/export?jurisdiction=370102", method: .get, headers: [:]) { String(buffer: $0.body) }
            #expect(export.contains("370102010-T") && !export.contains(name))
        }
    }

    @Test("the import takes a CSV: 401, 403 for a supplier, 422 listing rows, 200 with what it did")
    func importAPI() async throws {
        try await TestApp.run { client, _ in
            func send(_ token: String?, _ csv: String) async throws -> (HTTPResponse.Status, [String: Any]?) {
                var headers: HTTPFields = [.contentType: "text/csv", .accept: "application/json"]
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await client.execute(uri: "/api/v1/service-sites/import", method: .post, headers: headers, body: ByteBuffer(string: csv)) {
                    ($0.status, try? JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)) as? [String: Any])
                }
            }
            let export = try await client.execute(uri: "/api/v1/service-sites/export?jurisdiction=610324002", method: .get, headers: [:]) { String(buffer: $0.body) }
            #expect(try await send(nil, export).0 == .unauthorized)
            #expect(try await send(try await client.token("ngo"), export).0 == .forbidden)
            let fufeng = try await client.token("fufeng")
            let bad = export.replacingOccurrences(of: "镇（街道）服务中心", with: "乡镇中心")
            let (refused, problem) = try await send(fufeng, bad)
            #expect(refused == .unprocessableContent)
            #expect((problem?["errors"] as? [[String: Any]])?.first?["field"] as? String == "rows[2].tier")
            let (status, report) = try await send(fufeng, export)
            #expect(status == .ok)
            #expect(report?["created"] as? Int == 0 && report?["updated"] as? Int == 0 && (report?["unchanged"] as? Int ?? 0) > 0)
        }
    }

    @Test("the pages in Chinese and English: the list with counts per tier and paging, a site, the form keeping typed values beside their errors, the import")
    func pages() async throws {
        try await TestApp.run { client, _ in
            for (language, words) in [("zh-CN", ["基层服务站点", "县级服务中心", "174"]), ("en", ["Service sites", "county centre", "174"])] {
                let browser = Browser(client, language: language)
                let list = try await browser.get("/sites?jurisdiction=610324")
                #expect(list.status == .ok)
                for word in words { #expect(list.html.contains(word), "\(language): \(word)") }
                #expect(list.html.contains("class=\"scroll\""))
                #expect(list.html.contains("rel=\"next\""), "183 sites fill more than one page")
                #expect(!list.html.contains("/sites/new"), "a visitor registers nothing")
            }
            let visitor = Browser(client)
            let list = try await visitor.get("/sites?jurisdiction=370102")
            let id = try #require(list.html.range(of: #"href="/sites/([0-9a-f-]{36})""#, options: .regularExpression).map { String(list.html[$0].dropFirst(13).dropLast()) })
            let page = try await visitor.get("/sites/\(id)")
            #expect(page.status == .ok)
            #expect(page.html.contains("工作人员姓名属于个人信息"))
            let newForm = try await visitor.get("/sites/new")
            #expect(newForm.status == .unauthorized || newForm.location?.contains("login") == true, "\(newForm.status)")

            let fufeng = Browser(client, language: "en")
            _ = try await fufeng.signIn("fufeng")
            let form = try await fufeng.get("/sites/new")
            #expect(form.status == .ok)
            #expect(form.html.contains("name=\"_csrf\""))
            let refused = try await fufeng.post("/sites", Self.form(name: "", floor: "-4"))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("id=\"problem\""), "the errors are summarised at the top")
            #expect(refused.html.contains("href=\"#site-floorArea\""), "the summary links to the field")
            #expect(refused.html.contains("id=\"site-floorArea-error\""), "the error sits beside its field")
            #expect(refused.html.contains("id=\"site-nameZh-error\""))
            #expect(refused.html.contains("value=\"610324002-V960\""), "what was typed is kept")
            #expect(refused.html.contains("赵测试|公益岗|500元/月"))
            let created = try await fufeng.post("/sites", Self.form(name: "测试站", floor: "15.6"))
            #expect(created.status.code == 303 || created.status.code == 302, "\(created.status) \(created.html.prefix(400))")
            let location = try #require(created.location)
            let detail = try await fufeng.get(location)
            #expect(detail.html.contains("赵测试"), "the county's office reads its staff")
            #expect(detail.html.contains("FM-001"))
            let edit = try await fufeng.get(location.components(separatedBy: "?")[0] + "/edit")
            #expect(edit.status == .ok && edit.html.contains("value=\"15.6\""))
            #expect(try await fufeng.get("/sites/import").status == .ok)

            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            #expect(try await finance.get(location.components(separatedBy: "?")[0] + "/edit").status == .forbidden)
            #expect(!(try await finance.get(location.components(separatedBy: "?")[0])).html.contains("赵测试"), "another county sees no names")
        }
    }
}
