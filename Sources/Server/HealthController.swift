import Foundation
import Hummingbird
import Prometheus
import Store

/// Liveness, readiness (database reachable, migrations current) and Prometheus metrics.
struct HealthController {
    let database: Database
    let health: DatabaseHealth
    let metrics: PrometheusCollectorRegistry

    func register(on router: Router<AppRequestContext>) {
        router.get("/health/live") { _, _ in Self.json(.ok, ["status": "live"]) }
        router.get("/health/ready", use: ready)
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
    }

    func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Asked now, with the probe's patience: readiness answers within seconds even while the pool would wait.
        guard await health.probe(database) else {
            return Self.json(.serviceUnavailable, ["status": "database unreachable",
                                                   "since": health.downSince.map { ISO8601DateFormatter().string(from: $0) } ?? ""])
        }
        do {
            let status = try await Migrator(database: database).status()
            guard status.isCurrent else {
                return Self.json(.serviceUnavailable, [
                    "status": "migrations not current",
                    "pending": status.pending.map(String.init).joined(separator: ","),
                    "unknown": status.unknown.map(String.init).joined(separator: ","),
                    "altered": status.altered.map(String.init).joined(separator: ","),
                ])
            }
            return Self.json(.ok, ["status": "ready", "migrations": String(status.applied.last ?? 0)])
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            return Self.json(.serviceUnavailable, ["status": "database unreachable"])
        }
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(fields)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
