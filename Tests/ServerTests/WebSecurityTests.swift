import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Server
import Core
import TestSupport
import Testing

@Suite("Web security")
struct WebSecurityTests {
    /// Every `<form method="post">…</form>` in the templates.
    static func postForms() throws -> [(template: String, form: String)] {
        let folder = TestDatabase.packageRoot + "/Web/templates"
        var forms: [(String, String)] = []
        // Templates live in a folder per feature (Web/templates/<feature>/<page>.mustache).
        let names = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).sorted()
        for name in names where name.hasSuffix(".mustache") {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            for match in text.matches(of: /(?s)<form\b[^>]*>.*?<\/form>/) {
                let form = String(match.output)
                if form.prefix(while: { $0 != ">" }).lowercased().contains(#"method="post""#) { forms.append((name, form)) }
            }
        }
        return forms
    }

    @Test("every form that posts carries the CSRF token")
    func everyFormHasTheToken() throws {
        let forms = try Self.postForms()
        #expect(forms.count > 60, "the scan finds the forms (\(forms.count))")
        // Forms carry the field through the shared partial, which holds it.
        let partial = try String(contentsOfFile: TestDatabase.packageRoot + "/Web/templates/shared/csrf.mustache", encoding: .utf8)
        #expect(partial.contains(#"<input type="hidden" name="_csrf" value="{{csrf}}">"#))
        for (template, form) in forms {
            #expect(form.contains("{{> shared/csrf}}"), "\(template): \(form.prefix(120))")
        }
    }

    @Test("HSTS is sent only behind TLS (secure cookies), with the other headers")
    func strictTransportSecurity() async throws {
        try await TestApp.run { client, _ in
            let plain = try await client.json(.get, "/").headers
            #expect(plain[HTTPField.Name("Strict-Transport-Security")!] == nil)
        }
        let configuration = { var c = TestApp.configuration; c.secureCookies = true; return c }()
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let router = try await buildRouter(AppDependencies(database: database, identity: world.identity, sealer: .random(),
                                                               configuration: configuration))
            try await Application(router: router).test(.router) { client in
                for uri in ["/", "/api/v1/tenders", "/nowhere"] {
                    let headers = try await client.json(.get, uri).headers
                    #expect(headers[HTTPField.Name("Strict-Transport-Security")!]?.hasPrefix("max-age=31536000") == true, "\(uri)")
                    #expect(headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(uri)")
                    #expect(headers[.setCookie]?.contains("Secure") != false, "\(uri)")
                }
            }
        }
    }

    @Test("an upload over the limit, or JSON over 1 MB, is refused with 413, on the page and on the API, and nothing is stored")
    func uploadLimit() async throws {
        try await TestApp.run { client, _ in
            let tooBig = Data(repeating: 0x25, count: 12 * 1024 * 1024)
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            let page = try await ngo.upload("/supplier/documents", fields: [("title", "过大"), ("category", "proposal")],
                                            file: tooBig, filename: "big.pdf")
            #expect(page.status == .contentTooLarge)
            #expect(page.html.contains("<html"), "a readable page, not a bare status")

            let token = try await client.token("ngo")
            let before = try await client.list("/api/v1/my-documents", token: token).count
            let api = try await client.execute(uri: "/api/v1/my-documents?title=big&category=registration&filename=a.pdf", method: .post,
                                               headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"],
                                               body: ByteBuffer(data: tooBig)) { ($0.status, $0.headers, String(buffer: $0.body)) }
            #expect(api.0 == .contentTooLarge)
            #expect(api.1[.contentType]?.hasPrefix("application/problem+json") == true, "\(api.2.prefix(200))")
            #expect(try await client.list("/api/v1/my-documents", token: token).count == before)

            // JSON is limited to 1 MB before the generated layer (which sets no limit) reads it.
            let finance = try await client.token("finance")
            let tenders = try await client.list("/api/v1/tenders?status=draft", token: finance).count
            let padding = String(repeating: "x", count: 2 * 1024 * 1024)
            let json = try await client.json(.post, "/api/v1/tenders", token: finance, body: #"{"title": "\#(padding)"}"#)
            #expect(json.status == .contentTooLarge && json.json?["type"] as? String == "urn:spokes:problem:too-large")
            #expect(try await client.list("/api/v1/tenders?status=draft", token: finance).count == tenders)

            // JSON carrying a file in base64 takes what the page takes: a 3 MB photo of an inspection reaches the service
            // (which answers on its content, not its size); 12 MB (over the 11 MB upload, in base64) is refused with 413.
            let sites = try await client.json(.get, "/api/v1/service-sites?jurisdiction=370102&limit=200", token: finance).json?["items"] as? [[String: Any]]
            let site = try #require(sites?.first { $0["code"] as? String == "370102010-T" }?["id"] as? String)
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 0, count: 3 * 1024 * 1024)
            func inspection(_ photo: Data) -> String {
                #"{"inspectedOn": "\#(WorkingCalendar().dayKey(Date()))", "confirmations": [], "evidence": [{"requirementCode": "R1", "filename": "a.png", "content": "\#(photo.base64EncodedString())"}]}"#
            }
            let large = try await client.json(.post, "/api/v1/service-sites/\(site)/inspections", token: finance, body: inspection(png))
            #expect(large.status != .contentTooLarge, "\(large.status) \(large.text.prefix(300))")
            let huge = try await client.json(.post, "/api/v1/service-sites/\(site)/inspections", token: finance,
                                             body: inspection(Data(repeating: 0, count: 12 * 1024 * 1024)))
            #expect(huge.status == .contentTooLarge)
            #expect(BodyLimitMiddleware.carriesFiles("/api/v1/milestones/1/reports") && !BodyLimitMiddleware.carriesFiles("/api/v1/milestones/1/reports/x")
                    && !BodyLimitMiddleware.carriesFiles("/api/v1/tenders") && !BodyLimitMiddleware.carriesFiles("/api/v1/service-sites//inspections"))
        }
    }
}
