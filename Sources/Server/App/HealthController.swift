import Core
import Foundation
import Hummingbird
import Logging
import Prometheus
import Store

/// Liveness, readiness (database reachable, migrations current) and Prometheus metrics.
public struct HealthController: Sendable {
    let database: Database
    let health: DatabaseHealth
    let metrics: PrometheusCollectorRegistry
    /// The bearer token `/metrics` asks for on the application's port; nil: not served there at all.
    let metricsToken: String?
    /// A stop in progress (`ShutdownDrain`): readiness answers 503 so a balancer that probes it sends no more.
    var drain: ShutdownDrain? = nil

    func register(on router: Router<AppRequestContext>) {
        router.get("/health/live") { _, _ in Self.json(.ok, ["status": "live"]) }
        router.get("/health/ready", use: ready)
        router.get("/metrics") { request, _ in
            guard let token = metricsToken else { throw DomainError.notFound("no such page") }
            guard let sent = request.headers[.authorization], CSRFCheckMiddleware.same(sent, "Bearer " + token) else {
                throw DomainError.unauthenticated("Send the metrics token as a bearer token, or read the metrics port.")
            }
            return Self.metricsResponse(metrics)
        }
    }

    static func metricsResponse(_ metrics: PrometheusCollectorRegistry) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
    }

    /// A listener of its own for Prometheus (`--metrics-port`): `/metrics` and liveness, nothing else, so that
    /// the port can stay inside the operators' network while the application's port faces the public.
    public static func metricsApplication(_ metrics: PrometheusCollectorRegistry, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in metricsResponse(metrics) }
        router.get("/health/live") { _, _ in json(.ok, ["status": "live"]) }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Spokes metrics"), logger: logger)
    }

    func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        if drain?.isDraining == true { return Self.json(.serviceUnavailable, ["status": "stopping"]) }
        // The migrations' state, unless the probe finds the database away first: a check that started
        // just before an outage would otherwise wait for the pool to give up.
        let database = database, health = health, logger = context.logger
        let verdict: Verdict = await firstOf(
            {
                do { return .status(try await Migrator(database: database).status()) } catch {
                    logger.warning("readiness check failed", metadata: ["error": "\(error)"])
                    return .unreachable
                }
            },
            { await health.outage(); return .unreachable })
        guard case .status(let status) = verdict, health.downSince == nil else {
            return Self.json(.serviceUnavailable, ["status": "database unreachable",
                                                   "since": health.downSince.map { ISO8601DateFormatter().string(from: $0) } ?? ""])
        }
        guard status.isCurrent else {
            return Self.json(.serviceUnavailable, [
                "status": "migrations not current",
                "pending": status.pending.map(String.init).joined(separator: ","),
                "unknown": status.unknown.map(String.init).joined(separator: ","),
                "altered": status.altered.map(String.init).joined(separator: ","),
            ])
        }
        return Self.json(.ok, ["status": "ready", "migrations": String(status.applied.last ?? 0)])
    }

    private enum Verdict: Sendable {
        case status(MigrationStatus)
        case unreachable
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(fields)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
