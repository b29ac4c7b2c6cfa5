import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Server
import TestSupport
import Testing

/// Service requests through the API and the pages (issue 23), from DOMAIN §6: the window registers (every problem at
/// once, 422), only the staff on duty act (403; a visitor 401), the applicant in full only on the case's chain, the
/// resident follows and rates with the code and four digits (404 for either wrong), the pages in Chinese and English.
/// Demo users: `fuclerk` and `futown` (caseworkers of Tiandu town), `fufeng` (the county's finance office).
@Suite("Service requests: API and pages")
struct RequestWebTests {
    static let station = "610324002-V001"
    static let town = "610324002-T"
    static let idNumber = "610324195001010029"

    static func application(idNumber: String = idNumber, phone: String = "13900001234", presented: [String] = ["M0001"]) -> String {
        let materials = presented.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"itemCode":"FM-001","applicant":{"name":"郑大爷","idNumber":"\#(idNumber)","phone":"\#(phone)"},"presented":[\#(materials)]}"#
    }

    func siteID(_ client: any TestClientProtocol, _ code: String) async throws -> String {
        let page = try await client.json(.get, "/api/v1/service-sites?jurisdiction=610324002&limit=200")
        let items = page.json?["items"] as? [[String: Any]] ?? []
        return try #require(items.first { $0["code"] as? String == code }?["id"] as? String)
    }

    /// Fufeng's finance office names the demo's caseworkers on duty, through the API.
    func duties(_ client: any TestClientProtocol) async throws -> (station: String, town: String) {
        let fufeng = try await client.token("fufeng")
        let station = try await siteID(client, Self.station), town = try await siteID(client, Self.town)
        let named = try await client.json(.put, "/api/v1/service-sites/\(station)/duties", token: fufeng,
                                          body: #"{"duties":[{"username":"fuclerk","duty":"clerk"}]}"#)
        #expect(named.status == .ok)
        #expect(try await client.json(.put, "/api/v1/service-sites/\(town)/duties", token: fufeng,
                                       body: #"{"duties":[{"username":"futown","duty":"approver"},{"username":"futown","duty":"handler"}]}"#).status == .ok)
        return (station, town)
    }

    @Test("the API: 401, 403 and 422 with every field; the chain's staff see the applicant, the county's office masked; each step by whoever is on duty")
    func api() async throws {
        try await TestApp.run { client, _ in
            let sites = try await duties(client)
            let uri = "/api/v1/service-sites/\(sites.station)/requests"
            #expect(try await client.json(.post, uri, body: Self.application()).status == .unauthorized)
            let clerk = try await client.token("fuclerk"), town = try await client.token("futown"), fufeng = try await client.token("fufeng")
            for other in [town, fufeng, try await client.token("admin")] {
                #expect(try await client.json(.post, uri, token: other, body: Self.application()).status == .forbidden)
            }
            let bad = try await client.json(.post, uri, token: clerk, body: Self.application(idNumber: "610324195001010021", phone: "123", presented: ["M9"]))
            #expect(bad.status == .unprocessableContent)
            #expect(Set((bad.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? [])
                    == ["applicant.idNumber", "applicant.phone", "presented"])

            let created = try await client.json(.post, uri, token: clerk, body: Self.application())
            #expect(created.status == .created)
            #expect(created.json?["state"] as? String == "awaiting_materials" && created.json?["missing"] as? [String] == ["M0002"])
            #expect(created.json?["idNumberMasked"] as? String == "6103**********0029")
            #expect(!created.text.contains(Self.idNumber) && !created.text.contains("13900001234"))
            let id = try #require(created.json?["id"] as? String)
            let code = try #require(created.json?["trackingCode"] as? String)

            let mine = try await client.json(.get, "/api/v1/service-requests/\(id)", token: clerk)
            #expect((mine.json?["applicant"] as? [String: Any])?["idNumber"] as? String == Self.idNumber)
            let county = try await client.json(.get, "/api/v1/service-requests/\(id)", token: fufeng)
            #expect(county.status == .ok && county.json?["applicant"] == nil && !county.text.contains(Self.idNumber))
            #expect(try await client.json(.get, "/api/v1/service-requests/\(id)", token: try await client.token("overseer")).status == .forbidden)
            #expect(try await client.json(.get, "/api/v1/service-requests/\(id)").status == .unauthorized)

            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/forward", token: clerk).status == .conflict, "materials missing")
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/materials", token: clerk, body: #"{"presented":["M0002"]}"#).status == .ok)
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/approve", token: town).status == .conflict, "still at the window")
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/forward", token: clerk).status == .ok)
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/approve", token: clerk).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/approve", token: town).status == .ok)
            let empty = try await client.json(.post, "/api/v1/service-requests/\(id)/complete", token: town, body: #"{"result":" "}"#)
            #expect(empty.status == .unprocessableContent)
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/complete", token: town, body: #"{"result":"已登记"}"#).status == .ok)
            let back = try await client.json(.post, "/api/v1/service-requests/\(id)/hand-over", token: clerk)
            #expect(back.status == .ok && back.json?["state"] as? String == "closed" && back.json?["onTime"] as? Bool == true)

            // The resident: no account, the code and four digits.
            let wrong = try await client.json(.post, "/api/v1/service-requests/track", body: #"{"trackingCode":"\#(code)","phoneTail":"9999"}"#)
            #expect(wrong.status == .notFound)
            let tracked = try await client.json(.post, "/api/v1/service-requests/track", body: #"{"trackingCode":"\#(code)","phoneTail":"1234"}"#)
            #expect(tracked.status == .ok && tracked.json?["mayRate"] as? Bool == true && !tracked.text.contains("郑大爷"))
            let rate = #"{"trackingCode":"\#(code)","phoneTail":"1234","rating":"basically_satisfied","comment":"还行"}"#
            #expect(try await client.json(.post, "/api/v1/service-requests/rate", body: rate).status == .noContent)
            #expect(try await client.json(.post, "/api/v1/service-requests/rate", body: rate).status == .conflict)

            // The public sees aggregates only: this year's share settled within the limit per town, where cases were settled.
            let onTime = try await client.json(.get, "/api/v1/insights/requestsOnTime")
            #expect(onTime.status == .ok && !onTime.text.contains(Self.idNumber) && !onTime.text.contains("郑"))
            let rows = onTime.json?["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == 1 && rows.first?["value"] as? Int == 100 && (rows.first?["label"] as? String)?.contains("Tiandu") == true)
            let settledAt = try await client.json(.get, "/api/v1/insights/requestsSettledAt")
            #expect((settledAt.json?["rows"] as? [[String: Any]])?.map { $0["value"] as? Int } == [0, 100, 0], "FM-001 is handled at the town")

            let queue = try await client.json(.get, "\(uri)?scope=accepted", token: clerk)
            #expect((queue.json?["items"] as? [[String: Any]])?.count == 1)
            #expect(try await client.json(.get, "\(uri)?limit=0", token: clerk).status.code / 100 == 4)
            #expect(try await client.json(.get, uri, token: town).status == .ok, "the tier above watches the queues below it")
            #expect(try await client.json(.get, uri, token: try await client.token("ngo")).status == .forbidden)
        }
    }

    @Test("the pages: a refused registration keeps what was typed and names every problem; the case, its notice and the resident's tracking in Chinese and English; the clerk's home counts its cases")
    func pages() async throws {
        try await TestApp.run { client, _ in
            let sites = try await duties(client)
            let clerk = Browser(client)
            _ = try await clerk.signIn("fuclerk")
            let form = try await clerk.get("/sites/\(sites.station)/requests/new")
            #expect(form.status == .ok && form.html.contains("FM-001") && form.html.contains("居民户口簿"))
            #expect(form.html.contains(#"name="presented-FM-001" value="M0002""#), "each item's materials are posted under its own name")
            let refused = try await clerk.post("/sites/\(sites.station)/requests",
                                               [("itemCode", "FM-001"), ("name", "郑大爷"), ("idNumber", "12345"), ("phone", ""), ("presented-FM-001", "M0001")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("value=\"郑大爷\"") && refused.html.contains("不是有效的居民身份证号") && refused.html.contains("href=\"#f-phone\""))
            let made = try await clerk.post("/sites/\(sites.station)/requests",
                                            [("itemCode", "FM-001"), ("name", "郑大爷"), ("idNumber", Self.idNumber), ("phone", "13900001234"),
                                             ("presented-FM-001", "M0001")])
            #expect(made.status == .seeOther || made.status == .found)
            let location = try #require(made.location)
            let page = try await clerk.get(location)
            #expect(page.status == .ok && page.html.contains("待补材料") && page.html.contains(Self.idNumber))
            let path = String(location.prefix { $0 != "?" })
            let notice = try await clerk.get(path + "/notice")
            #expect(notice.html.contains("一次性告知") && notice.html.contains("居民户口簿") && !notice.html.contains(Self.idNumber))
            let home = try await clerk.get("/")
            #expect(home.html.contains(#"data-work="requestsAwaitingMaterials" data-count="1""#))

            // The county's finance office sees the case masked; a supplier is refused.
            let county = Browser(client)
            _ = try await county.signIn("fufeng")
            let masked = try await county.get(path)
            #expect(masked.status == .ok && !masked.html.contains(Self.idNumber) && masked.html.contains("6103**********0029"))
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            #expect(try await ngo.get(path).status == .forbidden)

            // A resident follows it in English, with a wrong digit first.
            let resident = Browser(client, language: "en")
            let track = try await resident.get("/track")
            #expect(track.status == .ok && track.html.contains("Tracking code"))
            let code = try #require(page.html.firstMatch(of: /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/).map { String($0.output) })
            let miss = try await resident.post("/track", [("code", code), ("tail", "0000")])
            #expect(miss.status == .notFound && miss.html.contains("no case matches"))
            let found = try await resident.post("/track", [("code", code.lowercased()), ("tail", "1234")])
            #expect(found.status == .ok && found.html.contains("Waiting for materials") && found.html.contains("Household register"))
            #expect(!found.html.contains("郑大爷") && !found.html.contains(Self.idNumber))
            let early = try await resident.post("/track/rate", [("code", code), ("tail", "1234"), ("rating", "satisfied")])
            #expect(early.status == .conflict && early.html.contains("rated once it has a result"))
        }
    }

    @Test("the site page: its offices name who is on duty (a bad line refused with the text kept); the staff and offices see them and the queue link, a supplier neither")
    func dutiesOnTheSitePage() async throws {
        try await TestApp.run { client, _ in
            let station = try await siteID(client, Self.station)
            let county = Browser(client)
            _ = try await county.signIn("fufeng")
            let refused = try await county.post("/sites/\(station)/duties", [("duties", "fuclerk|clerk\nfutown 审批")])
            #expect(refused.status == .unprocessableContent && refused.html.contains("futown 审批") && refused.html.contains("格式不对"))
            let foreign = try await county.post("/sites/\(station)/duties", [("duties", "ngo|clerk")])
            #expect(foreign.status == .unprocessableContent && foreign.html.contains("不在"))
            let saved = try await county.post("/sites/\(station)/duties", [("duties", "fuclerk|窗口受理员\nfutown|head")])
            #expect(saved.status == .seeOther || saved.status == .found)
            let page = try await county.get("/sites/\(station)")
            #expect(page.html.contains("<code>fuclerk</code>") && page.html.contains("站点负责人") && page.html.contains("/sites/\(station)/requests"))
            let clerk = Browser(client)
            _ = try await clerk.signIn("fuclerk")
            let own = try await clerk.get("/sites/\(station)")
            #expect(own.html.contains("/sites/\(station)/requests") && !own.html.contains("action=\"/sites/\(station)/duties\""))
            #expect(try await clerk.post("/sites/\(station)/duties", [("duties", "fuclerk|clerk")]).status == .forbidden)
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            let outside = try await ngo.get("/sites/\(station)")
            #expect(outside.status == .ok && !outside.html.contains("<code>fuclerk</code>") && !outside.html.contains("/sites/\(station)/requests"))
        }
    }

    @Test("supervision: the county's office reads the API, the page and its CSV; the town's staff their town; a clerk and another county are refused")
    func supervision() async throws {
        try await TestApp.run { client, _ in
            let sites = try await duties(client)
            let clerk = try await client.token("fuclerk")
            #expect(try await client.json(.post, "/api/v1/service-sites/\(sites.station)/requests", token: clerk, body: Self.application()).status == .created)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date().addingTimeInterval(8 * 3_600))
            let uri = "/api/v1/service-requests/supervision?jurisdiction=610324&year=\(year)"
            let county = try await client.json(.get, uri, token: try await client.token("fufeng"))
            #expect(county.status == .ok)
            #expect((county.json?["total"] as? [String: Any])?["registered"] as? Int == 1)
            #expect((county.json?["areas"] as? [[String: Any]])?.first?["code"] as? String == "610324002")
            #expect(try await client.json(.get, uri, token: clerk).status == .forbidden)
            #expect(try await client.json(.get, uri, token: try await client.token("finance")).status == .forbidden)
            #expect(try await client.json(.get, uri).status == .unauthorized)
            let town = "/api/v1/service-requests/supervision?jurisdiction=610324002&year=\(year)"
            #expect(try await client.json(.get, town, token: try await client.token("futown")).status == .ok)
            #expect(try await client.json(.get, "/api/v1/service-requests/supervision?jurisdiction=x&year=\(year)", token: clerk).status == .unprocessableContent)

            let office = Browser(client)
            _ = try await office.signIn("fufeng")
            let page = try await office.get("/requests/supervision")
            #expect(page.status == .ok && page.html.contains("办件督查") && page.html.contains("<svg") && page.html.contains("天度镇"))
            let csv = try await office.get("/requests/supervision.csv?jurisdiction=610324&year=\(year)")
            #expect(csv.status == .ok && csv.html.contains("FM-001") && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let english = Browser(client, language: "en")
            _ = try await english.signIn("futown")
            let own = try await english.get("/requests/supervision")
            #expect(own.status == .ok && own.html.contains("Supervision of service requests") && own.html.contains("Tiandu"))
        }
    }

    @Test("re-checks on the pages: the county's office grades FM-001 high at 100 % on the supervision page; the town's approval is drawn; the county centre records its finding on the case page")
    func recheckPages() async throws {
        try await TestApp.run { client, _ in
            let sites = try await duties(client)
            let countyCentre = try await client.json(.get, "/api/v1/service-sites?jurisdiction=610324&tier=county_centre").json?["items"] as? [[String: Any]]
            let county = try #require(countyCentre?.first?["id"] as? String)
            #expect(try await client.json(.put, "/api/v1/service-sites/\(county)/duties", token: try await client.token("fufeng"),
                                          body: #"{"duties":[{"username":"fucounty","duty":"approver"}]}"#).status == .ok)
            let office = Browser(client)
            _ = try await office.signIn("fufeng")
            let year = Calendar(identifier: .gregorian).component(.year, from: Date().addingTimeInterval(8 * 3_600))
            let clerk = try await client.token("fuclerk"), town = try await client.token("futown")
            let made = try await client.json(.post, "/api/v1/service-sites/\(sites.station)/requests", token: clerk,
                                             body: Self.application(presented: ["M0001", "M0002"]))
            let id = try #require(made.json?["id"] as? String)
            let page = try await office.get("/requests/supervision?jurisdiction=610324&year=\(year)")
            #expect(page.html.contains(#"action="/requests/risks""#))
            let graded = try await office.post("/requests/risks", [("itemCode", "FM-001"), ("jurisdiction", "610324"), ("grade", "high"), ("samplePercent", "100")])
            #expect(graded.status == .seeOther || graded.status == .found)
            #expect(try await client.json(.get, "/api/v1/service-request-risks?jurisdiction=610324").text.contains(#""samplePercent":100"#))
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/forward", token: clerk).status == .ok)
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/approve", token: town).status == .ok)

            let checker = Browser(client)
            _ = try await checker.signIn("fucounty")
            let queue = try await checker.get("/sites/\(county)/requests")
            #expect(queue.html.contains("/requests/\(id)"), "the drawn approval is listed for the county centre")
            let caseURI = "/requests/\(id)"
            #expect(try await checker.get(caseURI).html.contains(#"action="/requests/\#(id)/recheck""#))
            let missing = try await checker.post(caseURI + "/recheck", [("outcome", "error_found"), ("text", "")])
            #expect(missing.status == .unprocessableContent && missing.html.contains("请说明发现的问题"))
            let done = try await checker.post(caseURI + "/recheck", [("outcome", "error_found"), ("text", "家庭财产申报与不动产登记不符")])
            #expect(done.status == .seeOther || done.status == .found)
            #expect(try await checker.get(caseURI).html.contains("家庭财产申报与不动产登记不符"))
            #expect(try await client.json(.post, "/api/v1/service-requests/\(id)/recheck", token: town, body: #"{"outcome":"confirmed"}"#).status == .forbidden)
        }
    }
}
