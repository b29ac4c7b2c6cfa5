import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Every endpoint that takes a body, fed bodies that are broken in different ways: the answer is
/// always a 4xx problem, never a 500.
@Suite("Malformed input")
struct MalformedInputTests {
    static let endpoints: [(HTTPRequest.Method, String)] = [
        (.post, "/api/v1/auth/token"),
        (.post, "/api/v1/jurisdictions"),
        (.post, "/api/v1/organisations"),
        (.patch, "/api/v1/organisations/{organisation}"),
        (.post, "/api/v1/organisations/{organisation}/users"),
        (.patch, "/api/v1/users/{user}"),
        (.post, "/api/v1/catalogue/materials/M0001/retire"),
    ]

    static let bodies: [(String, HTTPResponse.Status)] = [
        ("{", .badRequest),                       // not JSON
        ("", .badRequest),                        // nothing
        ("[1,2,3]", .unprocessableContent),       // JSON, wrong shape
        // a known field of every endpoint's body with the wrong type
        (#"{"username":42,"nameZh":42,"kind":42,"tier":42,"disabled":"yes","roles":"x","password":1,"code":1,"reason":1,"note":1}"#, .unprocessableContent),
        ("null", .unprocessableContent),
        (String(repeating: "x", count: 10_000), .badRequest),
    ]

    @Test("broken bodies get 400 or 422 problems on every endpoint, signed in as an administrator")
    func brokenBodies() async throws {
        try await TestApp.run { client, world in
            let token = try await client.token("admin")
            let organisation = try await world.organisation(ofUser: "ngo").id.uuidString
            let user = try await world.actor("civil").userID.uuidString
            for (method, template) in Self.endpoints {
                let uri = template.replacingOccurrences(of: "{organisation}", with: organisation).replacingOccurrences(of: "{user}", with: user)
                for (body, _) in Self.bodies {
                    let response = try await client.json(method, uri, token: token, body: body)
                    #expect((400..<500).contains(response.status.code), "\(method) \(uri) with \(body.prefix(20)) gave \(response.status)")
                    #expect(response.headers[.contentType] == "application/problem+json", "\(method) \(uri)")
                }
            }
        }
    }

    @Test("numbers out of range are 422 naming the field, never a crash (found by the contract fuzzer)")
    func outOfRange() async throws {
        try await TestApp.run { client, _ in
            let token = try await client.token("ngo")
            let negative = try await client.json(.put, "/api/v1/my-supplier-profile", token: token, body: #"{"staffCount": -1, "socialWorkers": 0}"#)
            #expect(negative.status == .unprocessableContent && negative.text.contains("staffCount"), "\(negative.text)")
            let long = String(repeating: "养", count: 101)
            #expect(try await client.json(.get, "/api/v1/tenders?q=\(long.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").status == .unprocessableContent)
            #expect(try await client.json(.get, "/api/v1/catalogue/items?q=\(long.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").status == .unprocessableContent)
        }
    }

    @Test("a NUL character is a 400, a null field a 422 naming it, and neither changes anything (found by the contract fuzzer)")
    func nulAndNull() async throws {
        try await TestApp.run { client, _ in
            // The materials registry is kept by administrators: one of them reaches the database with the NUL.
            let token = try await client.token("admin")
            let nul = try await client.json(.post, "/api/v1/catalogue/materials/M0021/retire", token: token,
                                            body: #"{"reason": "commitment", "note": "a\u0000b"}"#)
            #expect(nul.status == .badRequest && nul.text.contains("NUL"), "\(nul.text)")
            let null = try await client.json(.post, "/api/v1/catalogue/materials/M0021/retire", token: token,
                                             body: #"{"reason": "commitment", "note": null}"#)
            #expect(null.status == .unprocessableContent, "\(null.text)")
            #expect((null.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "note")
            let material = try await client.list("/api/v1/catalogue/materials").first { $0["code"] as? String == "M0021" }
            #expect(material?["retired"] as? Bool == false, "M0021 is still in use")
        }
    }

    @Test("unparseable JSON is 400 and a missing field is 422 naming it")
    func statusCodes() async throws {
        try await TestApp.run { client, _ in
            #expect(try await client.json(.post, "/api/v1/auth/token", body: "{").status == HTTPResponse.Status.badRequest)
            let missing = try await client.json(.post, "/api/v1/auth/token", body: #"{"username":"finance"}"#)
            #expect(missing.status == .unprocessableContent)
            let fields = (missing.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(fields == ["password"])
            let mistyped = try await client.json(.post, "/api/v1/auth/token", body: #"{"username":1,"password":"x"}"#)
            #expect(mistyped.status == .unprocessableContent)
        }
    }

    @Test("a catalogue file that is not UTF-8 or not CSV is a 4xx, never a 500")
    func brokenFiles() async throws {
        try await TestApp.run { client, _ in
            let token = try await client.token("finance")
            for body in [ByteBuffer(bytes: [0xB1, 0xE0, 0xC2, 0xEB]), ByteBuffer(string: ""), ByteBuffer(string: "\"unclosed,quote\n"),
                         ByteBuffer(string: "编码\n" + String(repeating: "A,", count: 5000))] {
                let status = try await client.execute(uri: "/api/v1/catalogue/purchase-categories/import", method: .post,
                                                      headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: body) { $0.status }
                #expect((400..<500).contains(status.code), "\(status)")
            }
        }
    }

    @Test("a body that is not JSON at all, sent as a form, is refused with a 4xx")
    func wrongContentType() async throws {
        try await TestApp.run { client, _ in
            let status = try await client.execute(uri: "/api/v1/auth/token", method: .post,
                                                  headers: [.contentType: "text/plain"], body: .init(string: "hello")) { $0.status }
            #expect((400..<500).contains(status.code))
        }
    }
}
