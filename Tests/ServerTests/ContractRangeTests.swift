import Foundation
import HummingbirdTesting
@testable import Server
import TestSupport
import Testing

/// The contract is the one place a caller's number gets its range, and the API refuses what it refuses.
@Suite("Contract ranges")
struct ContractRangeTests {
    static func contract() throws -> APIContract {
        try APIContract(yaml: String(contentsOfFile: TestDatabase.packageRoot + "/Contracts/openapi.yaml", encoding: .utf8))
    }

    @Test("every number a caller sends, in a body or a parameter, has both a minimum and a maximum in the contract")
    func everyNumberBounded() throws {
        let ranges = try Self.contract()
        #expect(ranges.operations.count > 100, "the contract was read")
        #expect(ranges.unbounded.isEmpty, "unbounded: \(ranges.unbounded.joined(separator: ", "))")
    }

    @Test("out-of-range and non-finite numbers are named, field by field; numbers within range and other fields pass")
    func problems() throws {
        let ranges = try Self.contract()
        let body = #"{"title": "t", "description": "d", "priceWeight": 101, "criteria": [{"name": "a", "weight": 9223372036854775807}], "lots": [{"purchaseLineId": "x", "budgetFen": 1e300}]}"#
        let fields = ranges.problems(operationID: "createTender", query: nil, pathParameters: [:], body: Data(body.utf8)).map(\.field)
        #expect(fields == ["criteria[0].weight", "lots[0].budgetFen", "priceWeight"], "\(fields)")
        let fine = #"{"title": "t", "description": "d", "priceWeight": 30, "criteria": [{"name": "a", "weight": 70}], "lots": []}"#
        #expect(ranges.problems(operationID: "createTender", query: nil, pathParameters: [:], body: Data(fine.utf8)).isEmpty)
        #expect(ranges.problems(operationID: "listTenders", query: "limit=1e300", pathParameters: [:], body: nil).map(\.field) == ["limit"])
        #expect(ranges.problems(operationID: "listTenders", query: "limit=nan", pathParameters: [:], body: nil).map(\.field) == ["limit"])
        #expect(ranges.problems(operationID: "listTenders", query: "limit=20", pathParameters: [:], body: nil).isEmpty)
    }

    @Test("a parameter with a pattern takes only what matches it: empty, short, long or wrong text is named; a match passes")
    func patterns() throws {
        let contract = try Self.contract()
        func fields(_ operation: String, _ query: String) -> [String] {
            contract.problems(operationID: operation, query: query, pathParameters: [:], body: nil).map(\.field)
        }
        // The fuzzer's findings: an empty cursor and an empty filter were read as none.
        #expect(fields("listServiceSites", "after=") == ["after"])
        #expect(fields("listServiceSites", "jurisdiction=") == ["jurisdiction"])
        for bad in ["61032", "6103240000000", "61032a", "%EF%BC%96%EF%BC%91%EF%BC%90%EF%BC%93%EF%BC%92%EF%BC%94", "610324%0A"] {
            #expect(fields("listServiceSites", "jurisdiction=\(bad)") == ["jurisdiction"], "\(bad)")
            #expect(fields("searchServiceItems", "jurisdiction=\(bad)") == ["jurisdiction"], "\(bad)")
        }
        #expect(fields("listServiceSites", "after=" + String(repeating: "A", count: 41)) == ["after"])
        #expect(fields("listServiceSites", "after=610324001-T&jurisdiction=610324").isEmpty)
        #expect(fields("searchServiceItems", "jurisdiction=370102010").isEmpty)
        let said = contract.problems(operationID: "listServiceSites", query: "after=%24", pathParameters: [:], body: nil)
        #expect(said.first?.message.english == "does not have the form the contract gives it: ^[A-Za-z0-9-]{1,40}$")
    }

    @Test("a stage rule: a grade outside 优/良/中/差 (or empty) is named; a rule that takes no grade needs none")
    func stageRules() throws {
        let contract = try Self.contract()
        func fields(_ body: String) -> [String] {
            contract.problems(operationID: "updateStagePolicy", query: nil, pathParameters: ["stage": "nursery"], body: Data(body.utf8)).map(\.field)
        }
        // What the fuzzer's negative mutation called schema-violating: a `registered` rule without a grade. It is not.
        #expect(fields(#"{"entryRules": [], "graduationRules": [{"kind": "registered", "level": 1}], "maximumStayMonths": 12}"#).isEmpty)
        for grade in ["", "A", "优秀"] {
            let body = #"{"entryRules": [{"kind": "contracts_delivered", "count": 1, "minimumGrade": "\#(grade)"}], "graduationRules": [], "maximumStayMonths": 12}"#
            #expect(fields(body) == ["entryRules[0].minimumGrade"], "\(grade)")
        }
    }

    @Test("over HTTP: a signed-in caller hears 422 naming the field; a visitor hears 401 first (authorisation before parsing)")
    func overHTTP() async throws {
        try await TestApp.run { client, _ in
            let body = #"{"title": "t", "description": "d", "priceWeight": 1e300, "lots": []}"#
            let refused = try await client.json(.post, "/api/v1/tenders", token: try await client.token("finance"), body: body)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect((refused.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "priceWeight")
            #expect(try await client.json(.post, "/api/v1/tenders", body: body).status == .unauthorized)
            #expect(try await client.json(.get, "/api/v1/tenders?limit=1e300").status == .unprocessableContent)
        }
    }
}
