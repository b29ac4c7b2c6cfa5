import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Server
import Testing

/// The contract as a page (`/api/docs`, issue 28): every operation of Contracts/openapi.yaml is on it, with the problem
/// types; it loads nothing from elsewhere.
@Suite("API documentation page")
struct ContractDocsTests {
    @Test("every operation of the contract has its place on /api/docs, under its tag, with the problem types; no resource from another host")
    func everyOperation() async throws {
        let yaml = try String(contentsOfFile: TestApp.configuration.contractsDirectory + "/openapi.yaml", encoding: .utf8)
        let ids = yaml.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("operationId: ") ? String(trimmed.dropFirst("operationId: ".count)) : nil
        }
        #expect(ids.count > 90)
        try await TestApp.run { client, _ in
            let (status, html) = try await client.execute(uri: "/api/docs", method: .get) { ($0.status, String(buffer: $0.body)) }
            #expect(status == .ok && (html.contains("接口文档") || html.contains("API documentation")))
            let missing = ids.filter { !html.contains("id=\"\($0)\"") }
            #expect(missing.isEmpty, "operations not on the page: \(missing)")
            #expect(html.contains("<code class=\"path\">POST /api/v1/auth/token</code>") && html.contains("id=\"tag-tendering\""))
            #expect(html.contains("urn:spokes:problem:calendar-not-loaded"))
            #expect(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing fetched from another host")
            // A page, so in the reader's chosen language (the API itself answers in its Accept-Language, English by default).
            let chosen: HTTPFields = [.cookie: "spokes_lang=zh-CN", .acceptLanguage: "en"]
            let zh = try await client.execute(uri: "/api/docs", method: .get, headers: chosen) { String(buffer: $0.body) }
            #expect(zh.contains("<h1>接口文档</h1>"))
            let en = try await client.execute(uri: "/api/docs", method: .get, headers: [.cookie: "spokes_lang=en"]) { String(buffer: $0.body) }
            #expect(en.contains("<h1>API documentation</h1>"))
        }
        #expect(ContractDocsPage(yaml: "not: [an, openapi") == nil)
    }

    @Test("a shared parameter shows under each operation that refers to it, and the explicit 4xx answers with their meaning")
    func sharedParametersAndAnswers() throws {
        let yaml = try String(contentsOfFile: TestApp.configuration.contractsDirectory + "/openapi.yaml", encoding: .utf8)
        let page = try #require(ContractDocsPage(yaml: yaml))
        let operation = try #require(page.tags.flatMap(\.operations).first { $0.anchor == "getTender" })
        #expect(operation.parameters.contains { $0.name == "tenderId" && $0.location == "path" && $0.required })
        #expect(operation.responses.contains { $0.code == "404" && $0.description.contains("not-found") })
        let publish = try #require(page.tags.flatMap(\.operations).first { $0.anchor == "publishTender" })
        #expect(Set(["401", "403", "404", "409"]).isSubset(of: Set(publish.responses.map(\.code))), "\(publish.responses.map(\.code))")
    }
}
