import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import Server
import TestSupport
import Testing

/// Issue 19 through HTTP: parallel wrong passwords on the sign-in page and the token API are counted
/// before they are checked, and a stranger's failures from one address do not lock the user out at another.
@Suite("Sign-in limits over HTTP", .timeLimit(.minutes(10)))
struct SignInLimitTests {
    /// Fifteen minutes to the second: the tests' clock stands still, so a loaded machine cannot shorten the wait it reports.
    static func fifteenMinutes(_ header: String?) -> Bool { header == "900" }

    @Test("25 parallel wrong passwords on POST /api/v1/auth/token: exactly 5 are checked (401), 20 refused as problem+json 429 with Retry-After")
    func apiParallel() async throws {
        try await TestApp.run(clock: ManualClock(TenderWorld.monday)) { client, world in
            let body = #"{"username":"finance","password":"a wrong guess"}"#
            let responses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, HTTPFields, String).self) { group in
                for _ in 0..<25 {
                    group.addTask {
                        let response = try await client.json(.post, "/api/v1/auth/token", body: body)
                        return (response.status, response.headers, response.text)
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, HTTPFields, String)]()) { $0.append($1) }
            }
            #expect(responses.filter { $0.0 == .unauthorized }.count == 5)
            let locked = responses.filter { $0.0 == .tooManyRequests }
            #expect(locked.count == 20)
            #expect(locked.allSatisfy {
                Self.fifteenMinutes($0.1[.retryAfter]) && $0.1[.contentType]?.hasPrefix("application/problem+json") == true
                    && $0.2.contains("urn:spokes:problem:locked") && $0.2.contains("Too many failed sign-ins")
            })
            let right = try await client.json(.post, "/api/v1/auth/token", body: #"{"username":"finance","password":"\#(world.password)"}"#)
            #expect(right.status == .tooManyRequests, "locked even with the right password")
        }
    }

    @Test("25 parallel wrong passwords on the sign-in page: exactly 5 are checked (401), 20 get the locked message (429 with Retry-After)")
    func pageParallel() async throws {
        try await TestApp.run(clock: ManualClock(TenderWorld.monday)) { client, _ in
            let browser = Browser(client, language: "en")
            _ = try await browser.get("/login")
            let pages = try await withThrowingTaskGroup(of: Browser.Page.self) { group in
                for _ in 0..<25 {
                    group.addTask { try await browser.post("/login", [("username", "civil"), ("password", "a wrong guess"), ("next", "/")]) }
                }
                return try await group.reduce(into: [Browser.Page]()) { $0.append($1) }
            }
            #expect(pages.filter { $0.status == .unauthorized }.count == 5)
            let locked = pages.filter { $0.status == .tooManyRequests }
            #expect(locked.count == 20)
            #expect(locked.allSatisfy { Self.fifteenMinutes($0.headers[.retryAfter]) && $0.html.contains("Too many failed sign-ins") })
            #expect(try await browser.signIn("civil").status == .tooManyRequests)
        }
    }

    /// The real server on a port, behind a "proxy" (the test's own loopback address is trusted), so that
    /// each request can come from the address its X-Forwarded-For names. Its client waits as long as a request
    /// may take here (TestApp's deadline): HummingbirdTesting's live client gives up after 20 s, which a sign-in
    /// queueing on a loaded machine can take (issue 29).
    static func live(_ body: @Sendable @escaping (TestClient, DemoWorld) async throws -> Void) async throws {
        var configuration = TestApp.configuration
        configuration.trustedProxies = ["127.0.0.1", "::1"]
        try await TestDatabase.with { [configuration] database in
            let world = DemoWorld(database)
            let router = try await buildRouter(AppDependencies(database: database, identity: world.identity, sealer: .random(), configuration: configuration))
            let (ports, listening) = AsyncStream.makeStream(of: Int.self)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { listening.yield($0.localAddress?.port ?? 0) })
            // A server that ends before it listens (or never starts) ends the stream, so the wait for its port
            // ends too: a whole-suite run once hung here for 25 minutes on a loaded machine (issue 29).
            let server = Task {
                defer { listening.finish() }
                try await app.run()
            }
            let port = await ports.first { _ in true }
            guard let port, port > 0 else {
                server.cancel()
                throw TestFailure("the test server did not start: \(String(describing: await server.result))")
            }
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: configuration.requestDeadline))
            client.connect()
            var failure: (any Error)?
            do { try await body(client, world) } catch { failure = error }
            try? await client.shutdown()
            server.cancel()
            _ = await server.result
            if let failure { throw failure }
        }
    }

    static func send(_ client: TestClient, _ method: HTTPRequest.Method, _ uri: String, from address: String, _ headers: HTTPFields,
                     body: String? = nil) async throws -> TestClient.Response {
        var headers = headers
        headers[HTTPField.Name("X-Forwarded-For")!] = address
        return try await client.execute(.init(uri, method: method, authority: "localhost", headers: headers, body: body.map { ByteBuffer(string: $0) }))
    }

    static func token(_ client: TestClient, from address: String, password: String) async throws -> HTTPResponse.Status {
        try await send(client, .post, "/api/v1/auth/token", from: address, [.contentType: "application/json", .accept: "application/json"],
                       body: #"{"username":"finance","password":"\#(password)"}"#).status
    }

    /// Signs in on the page from `address`: the sign-in form's CSRF cookie first, then the post.
    static func page(_ client: TestClient, from address: String, password: String) async throws -> HTTPResponse.Status {
        let csrf = try await send(client, .get, "/login", from: address, [.accept: "text/html"]).headers[values: .setCookie].compactMap { header -> String? in
            guard header.hasPrefix("spokes_csrf=") else { return nil }
            return String(header.dropFirst("spokes_csrf=".count).prefix { $0 != ";" })
        }.first
        let token = try #require(csrf)
        let form = "_csrf=\(token)&username=finance&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&next=%2F"
        return try await send(client, .post, "/login", from: address, [.accept: "text/html", .contentType: "application/x-www-form-urlencoded",
                                                                        .cookie: "spokes_csrf=\(token)"], body: form).status
    }

    @Test("a stranger failing 5 times from one address is locked there, while the user signs in from another address, on the page and the API")
    func strangerElsewhere() async throws {
        try await Self.live { client, world in
            var stranger: [HTTPResponse.Status] = []
            for _ in 0..<5 { stranger.append(try await Self.token(client, from: "198.51.100.7", password: "guess")) }
            #expect(stranger == Array(repeating: .unauthorized, count: 5))
            let lockedToken = try await Self.token(client, from: "198.51.100.7", password: world.password)
            let lockedPage = try await Self.page(client, from: "198.51.100.7", password: world.password)
            #expect(lockedToken == .tooManyRequests && lockedPage == .tooManyRequests)
            // The user, at another address: not locked out by the stranger.
            let page = try await Self.page(client, from: "203.0.113.9", password: world.password)
            let token = try await Self.token(client, from: "203.0.113.9", password: world.password)
            #expect(page == .seeOther && token == .created)
        }
    }
}
