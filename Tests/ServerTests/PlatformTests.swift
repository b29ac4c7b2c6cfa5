import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metrics
import PostgresNIO
import Prometheus
import Server
import Store
import TestSupport
import Testing

@Suite("Health, metrics, headers, contract")
struct PlatformTests {
    @Test("live and ready answer; ready reports a pending migration as 503")
    func health() async throws {
        try await TestApp.run { client, world in
            #expect(try await client.json(.get, "/health/live").status == HTTPResponse.Status.ok)
            let ready = try await client.json(.get, "/health/ready")
            #expect(ready.status == .ok)
            #expect(ready.json?["status"] as? String == "ready")

            try await world.database.client.query("DELETE FROM public.schema_migrations WHERE version = 2", logger: world.database.logger)
            let pending = try await client.json(.get, "/health/ready")
            #expect(pending.status == .serviceUnavailable)
            #expect(pending.json?["pending"] as? String == "2")
        }
    }

    @Test("once a stop begins, readiness answers 503 while pages are still served (SPOKES_SHUTDOWN_DRAIN_SECONDS)")
    func draining() async throws {
        try await TestDatabase.with { database in
            var dependencies = AppDependencies(database: database, identity: DemoWorld(database).identity, sealer: .random(), configuration: TestApp.configuration)
            let drain = ShutdownDrain(delay: .seconds(1), logger: TestDatabase.logger)
            dependencies.drain = drain
            try await Application(router: try await buildRouter(dependencies)).test(.router) { client in
                #expect(try await client.json(.get, "/health/ready").status == .ok)
                drain.begin()
                let ready = try await client.json(.get, "/health/ready")
                #expect(ready.status == .serviceUnavailable && ready.json?["status"] as? String == "stopping")
                #expect(try await client.json(.get, "/api/v1/tenders").status == .ok)
            }
        }
    }

    @Test("while the database does not answer, requests are refused at once with 503 and readiness says so")
    func databaseDown() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let dependencies = AppDependencies(database: database, identity: world.identity, sealer: .random(), configuration: TestApp.configuration)
            // A probe of a database that is not there marks it down, as the probe every second would.
            let nowhere = PostgresClient.Configuration(unixSocketPath: "/nonexistent/.s.PGSQL.5432", username: "x", password: nil, database: "x")
            let answered = try await Database.with(nowhere, logger: database.logger) { await dependencies.health.probe($0) }
            #expect(!answered && dependencies.health.downSince != nil)
            let router = try await buildRouter(dependencies)
            try await Application(router: router).test(.router) { client in
                let api = try await client.json(.get, "/api/v1/tenders")
                #expect(api.status == .serviceUnavailable && api.headers[.retryAfter] == "5")
                #expect(api.json?["type"] as? String == "urn:spokes:problem:unavailable")
                let page = try await Browser(client).get("/tenders")
                #expect(page.status == .serviceUnavailable && page.html.contains("<html"))
                #expect(try await client.json(.get, "/health/live").status == .ok)
                let ready = try await client.json(.get, "/health/ready")
                #expect(ready.status == .serviceUnavailable && ready.json?["status"] as? String == "database unreachable")
                // A later probe finds the database answering: readiness and every request are served again. The server
                // probes every second; the test probes until one answers, for up to ten seconds, because on a loaded
                // machine a single probe may outwait its own 2 s patience (issue 29). The database is first asked
                // without a limit, so the probes wait on the condition, not on a connection being made.
                _ = try await database.read { try await $0.query("SELECT 1", logger: database.logger) }
                let deadline = ContinuousClock.now + .seconds(10)
                var answeredAgain = await dependencies.health.probe(database)
                while !answeredAgain && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    answeredAgain = await dependencies.health.probe(database)
                }
                #expect(answeredAgain && dependencies.health.downSince == nil)
                #expect(try await client.json(.get, "/health/ready").status == .ok)
                #expect(try await client.json(.get, "/api/v1/tenders").status == .ok)
            }
        }
    }

    @Test("security headers are on every response, pages, API and errors alike")
    func headers() async throws {
        try await TestApp.run { client, _ in
            for uri in ["/", "/api/v1/me", "/nowhere", "/static/spokes.css"] {
                let response = try await client.json(.get, uri)
                let policy = response.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
                #expect(policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"), "\(uri)")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(uri)")
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] != nil, "\(uri)")
            }
        }
    }

    @Test("the contract and static files are served")
    func served() async throws {
        try await TestApp.run { client, _ in
            let contract = try await client.json(.get, "/api/v1/openapi.yaml")
            #expect(contract.text.hasPrefix("openapi: 3.1"))
            let css = try await client.json(.get, "/static/spokes.css")
            #expect(css.status == .ok)
            #expect(css.text.contains("--accent"))
        }
    }

    @Test("metrics count requests per route in Prometheus format, for the holder of the metrics token only")
    func metrics() async throws {
        let registry = MetricsBootstrap.registry
        try await TestApp.run(metrics: registry, configure: { $0.metricsToken = "metrics-secret-0123" }) { client, _ in
            _ = try await client.json(.get, "/jurisdictions")
            #expect(try await client.json(.get, "/metrics").status == .unauthorized, "no token, no metrics")
            #expect(try await client.json(.get, "/metrics", token: "metrics-secret-0124").status == .unauthorized, "a wrong token neither")
            let text = try await client.json(.get, "/metrics", token: "metrics-secret-0123").text
            #expect(text.contains("hb_requests"))
            #expect(text.contains(#"http_route="/jurisdictions""#))
            #expect(text.contains("http_server_request_duration"))
            #expect(text.split(separator: "\n").contains { $0.hasPrefix("spokes_http_requests_total{") && $0.contains(#"route="/jurisdictions""#)
                && $0.contains(#"status="200""#) && $0.contains(#"method="GET""#) })
            #expect(text.contains("spokes_http_request_duration_seconds"))
        }
    }

    @Test("after a bid, a wrong password and a refusal, the domain series move: changes by action, sign-in failures, refusals by type; the sampled gauges are there")
    func domainMetrics() async throws {
        let registry = MetricsBootstrap.registry
        /// The sum of the series whose line starts with `prefix` (a name and, optionally, the start of its labels).
        @Sendable func total(_ text: String, _ prefix: String) -> Double {
            text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        @Sendable func metrics() -> String { String(decoding: registry.emitToBuffer(), as: UTF8.self) }
        try await TestApp.runTendering { client, t in
            let before = metrics()
            let tender = try await t.publishedTender()
            try await t.move(to: tender.periods!.enquiryEnd)
            let ngo = try await client.token("ngo")
            let bid = try await client.json(.put, "/api/v1/tenders/\(tender.id.lowercased)/lots/\(tender.lots[0].id.lowercased)/bid", token: ngo,
                                            body: #"{"priceFen": 30000000, "proposal": "每周上门两次。"}"#)
            #expect(bid.status == .ok, "\(bid.text)")
            _ = try await client.json(.post, "/api/v1/auth/token", body: #"{"username":"ngo","password":"not the password"}"#)
            _ = try await client.json(.get, "/api/v1/tenders/\(UUID().uuidString.lowercased())")
            try await OperationsMetrics.sample(t.world.database)
            // While a connection is held, the pool's gauge counts it.
            let holding = try await t.world.database.read { _ in metrics() }
            #expect(total(holding, "spokes_db_pool_in_use") >= 1)
            let after = metrics()
            #expect(total(after, #"spokes_changes_total{action="bid."#) > total(before, #"spokes_changes_total{action="bid."#))
            #expect(total(after, #"spokes_changes_total{action="tender.published""#) > total(before, #"spokes_changes_total{action="tender.published""#))
            #expect(total(after, #"spokes_sign_in_failures_total{reason="wrong_credentials""#)
                    > total(before, #"spokes_sign_in_failures_total{reason="wrong_credentials""#))
            #expect(total(after, #"spokes_refusals_total{type="not-found""#) > total(before, #"spokes_refusals_total{type="not-found""#))
            for gauge in ["spokes_outbox_pending", "spokes_outbox_oldest_age_seconds", "spokes_tender_worker_lag_seconds",
                          "spokes_database_connections{state=\"active\"}", "spokes_db_pool_waiting", "spokes_db_pool_in_use", "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"] {
                #expect(after.contains("\n" + gauge + " ") || after.hasPrefix(gauge + " "), "\(gauge)")
            }
            #expect(total(after, "process_resident_memory_bytes") > 1_000_000)
        }
    }

    @Test("without a metrics token the application's port does not serve /metrics at all (issue 19: it was public)")
    func metricsNotPublic() async throws {
        try await TestApp.run { client, _ in
            let response = try await client.json(.get, "/metrics")
            #expect(response.status == .notFound)
            #expect(!response.text.contains("hb_requests"))
        }
    }
}

/// The metrics system can be bootstrapped once per process.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
