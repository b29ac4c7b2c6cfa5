import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Server
import Tendering
import TestSupport
import Testing

/// The working calendar through the API, the pages and the command line (issue 21, finding 3).
@Suite("Working calendar: API, pages, command line")
struct CalendarWebTests {
    let beijing = TestCalendar.beijing

    func importCSV(_ client: any TestClientProtocol, token: String?, _ csv: String) async throws -> (HTTPResponse.Status, [String: Any]?) {
        var headers: HTTPFields = [.contentType: "text/csv", .accept: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/api/v1/calendar/import", method: .post, headers: headers, body: ByteBuffer(string: csv)) { response in
            (response.status, try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
        }
    }

    func years(_ client: any TestClientProtocol) async throws -> [[String: Any]] {
        try await client.list("/api/v1/calendar")
    }

    @Test("the API lists the years held to anyone and loads a file for administrators only: 401, 403, 422 naming each row, then 200")
    func api() async throws {
        try await TestApp.run { client, _ in
            let held = try await years(client)
            #expect(held.map { $0["year"] as? Int } == [2026])
            #expect((held[0]["days"] as? [[String: Any]])?.count == 25)
            #expect(try await importCSV(client, token: nil, TestCalendar.year2027).0 == .unauthorized)
            for username in ["finance", "overseer", "ngo"] {
                let (status, problem) = try await importCSV(client, token: try await client.token(username), TestCalendar.year2027)
                #expect(status == .forbidden, "\(username)")
                #expect(problem?["detail"] as? String == "only the platform's administrators load the working calendar")
            }
            let admin = try await client.token("admin")
            let (refused, problem) = try await importCSV(client, token: admin, "日期,是否上班,名称\n2027-13-01,否,元旦\n2027-01-01,maybe,元旦\n")
            #expect(refused == .unprocessableContent)
            #expect((problem?["errors"] as? [[String: String]])?.map { $0["field"] ?? "" } == ["rows[2].day", "rows[3].working"])
            #expect(try await years(client).count == 1, "nothing changed")
            let (status, report) = try await importCSV(client, token: admin, TestCalendar.year2027)
            #expect(status == .ok)
            #expect((report?["years"] as? [[String: Any]])?.first.map { [$0["year"] as? Int, $0["days"] as? Int] } == [2027, 8])
            #expect((report?["years"] as? [[String: Any]])?.first?["change"] as? String == "added")
            #expect(try await years(client).map { $0["year"] as? Int } == [2026, 2027])
            // The export is the import format: loaded again, nothing changes.
            let export = try await client.execute(uri: "/api/v1/calendar/export", method: .get, headers: [:]) { String(buffer: $0.body) }
            #expect(export.contains("2027-01-01,否,元旦（测试）"))
            let (_, again) = try await importCSV(client, token: admin, export)
            #expect((again?["years"] as? [[String: Any]])?.compactMap { $0["change"] as? String } == ["unchanged", "unchanged"])
        }
    }

    @Test("publishing a tender whose deadline needs a year not loaded: the API answers 409 and says so; the page says it in Chinese and English")
    func publishRefused() async throws {
        try await TestApp.runTendering { client, t in
            t.clock.advance(by: beijing("2026-12-05 10:00").timeIntervalSince(t.clock.now()))
            let finance = try await t.world.actor("finance")
            var terms = t.terms(try await t.lines(["LX2026-01"]))
            terms.tenderingDays = 17
            let draft = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, terms)
            let refused = try await client.json(.post, "/api/v1/tenders/\(draft.id.lowercased)/publish", token: try await client.token("finance"))
            #expect(refused.status == .conflict)
            #expect(refused.json?["type"] as? String == "urn:spokes:problem:calendar-not-loaded")
            #expect(refused.json?["detail"] as? String == "the working calendar for 2027 has not been loaded; an administrator loads it at /admin/calendar.")
            for (language, sentence) in [("zh-CN", "2027年的工作日历尚未导入；请管理员在 /admin/calendar 导入。"),
                                         ("en", "The working calendar for 2027 has not been loaded; an administrator loads it at /admin/calendar.")] {
                let browser = Browser(client, language: language)
                _ = try await browser.signIn("finance")
                let page = try await browser.post("/tenders/\(draft.id.lowercased)/publish", [])
                #expect(page.status == .conflict, "\(language)")
                #expect(page.html.contains(sentence), "\(language)")
            }
            #expect(try await t.tenders.tender(id: draft.id, by: finance).status == .draft)
            try await TestCalendar.load2027(t.world.database)
            let published = try await client.json(.post, "/api/v1/tenders/\(draft.id.lowercased)/publish", token: try await client.token("finance"))
            #expect(published.status == .ok, "\(published.text)")
        }
    }

    @Test("the calendar page is the administrators': it lists the years held, lists a bad file's problems by row and column, and loads a good one")
    func page() async throws {
        try await TestApp.run { client, _ in
            for (language, words) in [("zh-CN", ["工作日历", "国庆节调休", "调休上班", "星期六"]), ("en", ["Working calendar", "国庆节调休", "working (调休)", "Saturday"])] {
                let admin = Browser(client, language: language)
                _ = try await admin.signIn("admin")
                let page = try await admin.get("/admin/calendar")
                #expect(page.status == .ok, "\(language)")
                for word in words { #expect(page.html.contains(word), "\(language): \(word)") }
                #expect(page.html.contains(#"action="/admin/calendar""#))
            }
            let admin = Browser(client)
            _ = try await admin.signIn("admin")
            let empty = try await admin.upload("/admin/calendar", fields: [], file: Data(), filename: "")
            #expect(empty.status == .unprocessableContent && empty.html.contains("请选择要上传的CSV或Excel文件"))
            let bad = try await admin.upload("/admin/calendar", fields: [], file: Data("日期,是否上班,名称\n2027-01-04,是,元旦\n".utf8), filename: "2027.csv")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.html.contains(#"role="alert""#) && bad.html.contains("<td>2</td><td>是否上班</td>"))
            #expect(try await years(client).count == 1, "nothing changed")
            let good = try await admin.upload("/admin/calendar", fields: [], file: Data(TestCalendar.year2027.utf8), filename: "2027.csv")
            #expect(good.status == .ok)
            #expect(good.html.contains("2027: 新增 (8 个特殊日期)"))
            #expect(good.html.contains("元旦（测试）"))
            // Others are refused: a buyer is told 403 (page and form); a visitor is sent to sign in.
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            #expect(try await finance.get("/admin/calendar").status == .forbidden)
            #expect(try await finance.upload("/admin/calendar", fields: [], file: Data(TestCalendar.year2027.utf8), filename: "2027.csv").status == .forbidden)
            #expect(!(try await finance.get("/").html.contains(#"href="/admin/calendar""#)), "no menu entry either")
            let visitor = try await Browser(client).get("/admin/calendar")
            #expect(visitor.status == .found || visitor.status == .seeOther)
            #expect(visitor.location?.hasPrefix("/login") == true)
        }
    }

    @Test("from 1 October an administrator's home page warns that next year's calendar is missing; nobody else's does, and loading it ends the warning")
    func octoberWarning() async throws {
        try await TestApp.runTendering { client, t in
            t.clock.advance(by: beijing("2026-09-30 23:00").timeIntervalSince(t.clock.now()))
            let admin = Browser(client)
            _ = try await admin.signIn("admin")
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            #expect(!(try await admin.get("/").html.contains("data-calendar-warning")), "not before October")
            t.clock.advance(by: 3600)
            let warned = try await admin.get("/").html
            #expect(warned.contains("data-calendar-warning") && warned.contains("2027年的节假日安排尚未导入"))
            #expect(warned.contains(#"<a href="/admin/calendar">"#))
            #expect(!(try await finance.get("/").html.contains("data-calendar-warning")))
            #expect(try await admin.get("/admin/calendar").html.contains("data-calendar-warning"))
            try await TestCalendar.load2027(t.world.database)
            #expect(!(try await admin.get("/").html.contains("data-calendar-warning")))
        }
    }

    @Test("pages and API readers never fail on a deadline they cannot count: the contract is shown without it, red flags still answer")
    func readers() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.draftedContract()
            w.t.clock.advance(by: beijing("2026-12-31 10:00").timeIntervalSince(w.t.clock.now()))
            try await TestCalendar.load2027(w.t.world.database)
            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: contract.id)
            _ = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id)
            let finance = try await client.token("finance")
            let counted = try await client.json(.get, "/api/v1/contracts/\(contract.id.lowercased)", token: finance)
            #expect((counted.json?["contract"] as? [String: Any])?["publicationDeadline"] as? String == "2027-01-05T09:00:00Z")
            try await TestCalendar.forget(2027, w.t.world.database)
            w.t.clock.advance(by: 10 * 86_400)
            let uncounted = try await client.json(.get, "/api/v1/contracts/\(contract.id.lowercased)", token: finance)
            #expect(uncounted.status == .ok)
            #expect((uncounted.json?["contract"] as? [String: Any])?["publicationDeadline"] == nil)
            #expect(try await client.json(.get, "/api/v1/contracts", token: finance).status == .ok)
            #expect(try await client.json(.get, "/api/v1/red-flags", token: try await client.token("admin")).status == .ok)
            let browser = Browser(client)
            _ = try await browser.signIn("finance")
            #expect(try await browser.get("/contracts/\(contract.id.lowercased)").status == .ok)
            #expect(try await browser.get("/contracts").status == .ok)
        }
    }

    @Test("spokes calendar import FILE loads a year as the platform, and prints every problem of a bad file with exit 1, changing nothing")
    func commandLine() async throws {
        let binary = TestDatabase.packageRoot + "/.build/debug/spokes"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the spokes binary first (swift build)")
        try await TestDatabase.with(.empty) { database, configuration in
            let socket = try #require(configuration.unixSocketPath, "the test cluster listens on a socket")
            let folder = URL(fileURLWithPath: socket).deletingLastPathComponent().path
            let port = socket.split(separator: ".").last.map(String.init) ?? "5432"
            let url = "postgres://\(configuration.username)@localhost:\(port)/\(configuration.database ?? "")?host=\(folder)"
            func run(_ contents: String) throws -> (status: Int32, output: String) {
                let file = NSTemporaryDirectory() + "calendar-\(UUID().uuidString).csv"
                try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
                defer { try? FileManager.default.removeItem(atPath: file) }
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["calendar", "import", file]
                process.environment = ["DATABASE_URL": url, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LOG_LEVEL": "error"]
                process.currentDirectoryURL = URL(fileURLWithPath: NSTemporaryDirectory())
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                try process.run()
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (process.terminationStatus, output)
            }
            let bad = try run("日期,是否上班,名称\n2027-01-01,否,\n2027-02-30,否,春节\n")
            #expect(bad.status == 1, "\(bad.output)")
            #expect(bad.output.contains("The file has 2 error(s); nothing was changed."), "\(bad.output)")
            #expect(bad.output.contains("  rows[2].name: is required (e.g. 元旦, 春节调休)"), "\(bad.output)")
            #expect(bad.output.contains("  rows[3].day: 2027-02-30 is not a day"), "\(bad.output)")
            #expect(try await CalendarService(database: database).years().map(\.year) == [2026])
            let good = try run(TestCalendar.year2027)
            #expect(good.status == 0, "\(good.output)")
            #expect(good.output.contains("2027: added, 8 days listed."), "\(good.output)")
            let years = try await CalendarService(database: database).years()
            #expect(years.map(\.year) == [2026, 2027])
            #expect(years.last?.loadedBy == Actor.systemID, "audited as the platform")
        }
    }
}
