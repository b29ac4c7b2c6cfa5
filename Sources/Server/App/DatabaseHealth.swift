import Core
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Store
import Synchronization

/// Whether the database answers, as a probe sees it every second. While it does not, requests are
/// refused at once with 503 instead of queueing for a connection until the pool gives up (half a
/// minute when PostgreSQL has just gone away), and readiness reports the outage. The same server
/// process serves again as soon as a probe gets an answer.
///
/// The probe asks through a client of its own (one connection): a pool busy with requests is load,
/// not an outage, and must not make the server refuse everything.
public final class DatabaseHealth: Sendable {
    private let down = Mutex<Date?>(nil)
    /// How long a probe waits for an answer.
    static let patience: Duration = .seconds(2)

    public init() {}

    /// The configuration of the probe's own client: the application's, with one connection.
    public static func probeConfiguration(_ configuration: PostgresClient.Configuration) -> PostgresClient.Configuration {
        var probe = configuration
        probe.options.minimumConnections = 0
        probe.options.maximumConnections = 1
        return probe
    }

    /// Since when the database has not answered (nil: it answers).
    public var downSince: Date? { down.withLock { $0 } }

    /// Asks the database for `SELECT 1`, giving up after `patience`; returns whether it answered.
    @discardableResult
    public func probe(_ database: Database) async -> Bool {
        let answered = await firstOf(
            { (try? await database.read { try await $0.query("SELECT 1", logger: database.logger) }) != nil },
            { try? await Task.sleep(for: Self.patience); return false })
        down.withLock { since in since = answered ? nil : (since ?? Date()) }
        return answered
    }

    /// Returns once the probe finds the database away, or after ten seconds (a check slower than that
    /// is as good as unanswered).
    func outage() async {
        for _ in 0..<100 where downSince == nil { try? await Task.sleep(for: .milliseconds(100)) }
    }
}

extension PeriodicService {
    /// Every second, whether the database answers (see `DatabaseHealth`), asked through `database`,
    /// a client of the probe's own.
    public static func databaseProbe(_ health: DatabaseHealth, database: Database, logger: Logger) -> PeriodicService {
        PeriodicService(name: "database probe", interval: .seconds(1), logger: logger) {
            let wasDown = health.downSince != nil
            let answered = await health.probe(database)
            if wasDown == answered { logger.notice(answered ? "the database answers again" : "the database does not answer") }
            return 0
        }
    }
}

extension PeriodicService {
    /// Five times a second, whether the replica may serve the public's reads (see `Replica.check`).
    public static func replicaMonitor(_ replica: Replica, primary: Database, probe: PostgresClient, logger: Logger) -> PeriodicService {
        PeriodicService(name: "replica monitor", interval: .milliseconds(200), logger: logger) {
            await replica.check(primary: primary, probe: probe)
            return 0
        }
    }
}

/// Anonymous GETs read from the replica while it is fresh (`Database.readsMayUseReplica`); a signed-in user's reads,
/// and every write, stay on the primary, so no one reads an older version of what they wrote. A write this instance
/// took keeps the replica from serving until it has replayed that write (a visitor's form, then its page, reads it back),
/// without waiting for the notification that tells every instance.
struct ReplicaReadsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let replica: Replica

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            guard request.method != .options else { return try await next(request, context) }
            defer { replica.changeNoticed() }
            return try await next(request, context)
        }
        guard context.actor == nil else { return try await next(request, context) }
        return try await Database.$readsMayUseReplica.withValue(true) { try await next(request, context) }
    }
}

/// While the database does not answer, every request but the health checks and static files is
/// refused with 503 and Retry-After, as a problem or a page.
struct DatabaseUnavailableMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let health: DatabaseHealth

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if health.downSince != nil && !path.hasPrefix("/health/") && !path.hasPrefix("/static/") && path != "/metrics" {
            throw DomainError(.unavailable, "The database is not answering; nothing was done. Try again in a few seconds.", retryAfter: 5)
        }
        return try await next(request, context)
    }
}
