import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import NIOFoundationCompat
import Prometheus
import Server
import Store
import TestSupport

/// The whole router on a fresh demo database, driven in-process.
enum TestApp {
    /// The package's own templates and contract.
    static var configuration: AppConfiguration {
        var configuration = AppConfiguration()
        configuration.webDirectory = TestDatabase.packageRoot + "/Web"
        configuration.contractsDirectory = TestDatabase.packageRoot + "/Contracts"
        configuration.summaryLifetime = .zero
        // The suite runs hundreds of tests at once on two cores: a sign-in can queue longer than the 30 s a
        // request may take in production. The deadline itself is tested on its own (ResilienceTests.deadline).
        configuration.requestDeadline = .seconds(600)
        // Tests change records through the services, which no listener here hears: the cache is off unless a test
        // turns it on (PublicCacheTests).
        configuration.publicCacheBytes = 0
        return configuration
    }

    /// `clock`: a `ManualClock` when a test reads time-dependent answers (a lock's Retry-After), so that a loaded
    /// machine's slowness cannot change them.
    static func run(metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), clock: any SpokesClock = SystemClock(),
                    configure: @Sendable (inout AppConfiguration) -> Void = { _ in },
                    _ body: @Sendable @escaping (any TestClientProtocol, DemoWorld) async throws -> Void) async throws {
        var configuration = configuration
        configure(&configuration)
        try await TestDatabase.with { [configuration] database in
            let world = DemoWorld(database, clock: clock)
            let router = try await buildRouter(AppDependencies(
                database: database, identity: world.identity, clock: clock, sealer: .random(), configuration: configuration, metrics: metrics))
            try await Application(router: router).test(.router) { client in try await body(client, world) }
        }
    }
}

extension TestApp {
    /// The router on a fresh demo database with the clock, bid secret and worker of a `TenderWorld`,
    /// so a test can move time past a deadline and let the worker open the bids.
    static func runTendering(_ body: @Sendable @escaping (any TestClientProtocol, TenderWorld) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let tendering = TenderWorld(database)
            let router = try await buildRouter(AppDependencies(
                database: database, identity: tendering.world.identity, clock: tendering.clock, sealer: tendering.sealer, configuration: configuration))
            try await Application(router: router).test(.router) { client in try await body(client, tendering) }
        }
    }
}

extension TestApp {
    /// The router on a fresh demo database with the services, clock and bid secret of a `DeliveryWorld`.
    static func runDelivery(_ body: @Sendable @escaping (any TestClientProtocol, DeliveryWorld) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let router = try await buildRouter(AppDependencies(
                database: database, identity: w.t.world.identity, clock: w.t.clock, sealer: w.t.sealer, configuration: configuration))
            try await Application(router: router).test(.router) { client in try await body(client, w) }
        }
    }
}

extension TestClientProtocol {
    /// JSON request helper; returns status, headers and the body parsed as JSON (or nil).
    @discardableResult
    func json(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil, idempotencyKey: String? = nil)
        async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: [String: Any]?, text: String) {
        var headers: HTTPFields = [.contentType: "application/json", .accept: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (response.status, response.headers, json, text)
        }
    }

    /// A JSON array response's items.
    func list(_ uri: String, token: String? = nil) async throws -> [[String: Any]] {
        let response = try await json(.get, uri, token: token)
        guard response.status == .ok, let items = try? JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [[String: Any]] else {
            throw TestFailure("GET \(uri): \(response.status) \(response.text)")
        }
        return items
    }

    func token(_ username: String, password: String = TestDatabase.demoSeed.demoPassword) async throws -> String {
        let response = try await json(.post, "/api/v1/auth/token", body: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard let token = response.json?["token"] as? String else { throw TestFailure("no token for \(username): \(response.text)") }
        return token
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A browser: keeps cookies between requests and finds the CSRF token in forms.
actor Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var language: String

    init(_ client: any TestClientProtocol, language: String = "zh-CN") {
        self.client = client
        self.language = language
    }

    struct Page: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var html: String
        var location: String? { headers[.location] }
        /// The value of the first hidden _csrf field on the page.
        var csrf: String? {
            guard let range = html.range(of: #"name="_csrf" value=""#) else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    func get(_ uri: String) async throws -> Page {
        try await send(.get, uri, body: nil)
    }

    /// Posts a form; `csrf: nil` sends the token the browser holds, as a real form would.
    func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil) async throws -> Page {
        let token = csrf ?? cookies["spokes_csrf"] ?? ""
        let body = ([("_csrf", token)] + fields).map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return try await send(.post, uri, body: Data(body.utf8), contentType: "application/x-www-form-urlencoded")
    }

    /// Uploads a file with other fields as multipart/form-data, the CSRF token included.
    func upload(_ uri: String, fields: [(String, String)], file: Data, filename: String, fileField: String = "file") async throws -> Page {
        let boundary = "----spokes\(UUID().uuidString)"
        var body = Data()
        for (name, value) in [("_csrf", cookies["spokes_csrf"] ?? "")] + fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += file + Data("\r\n--\(boundary)--\r\n".utf8)
        return try await send(.post, uri, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    func signIn(_ username: String, password: String = TestDatabase.demoSeed.demoPassword) async throws -> Page {
        _ = try await get("/login")
        return try await post("/login", [("username", username), ("password", password), ("next", "/")])
    }

    private func send(_ method: HTTPRequest.Method, _ uri: String, body: Data?, contentType: String? = nil) async throws -> Page {
        var headers: HTTPFields = [.accept: "text/html", .acceptLanguage: language]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if let contentType { headers[.contentType] = contentType }
        let page = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(data: $0) }) { response in
            Page(status: response.status, headers: response.headers, html: String(buffer: response.body))
        }
        for header in page.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return page
    }

    func cookie(_ name: String) -> String? { cookies[name] }
}
