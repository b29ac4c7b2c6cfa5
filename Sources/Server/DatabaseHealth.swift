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
public final class DatabaseHealth: Sendable {
    private let down = Mutex<Date?>(nil)
    /// How long a probe waits for an answer.
    static let patience: Duration = .seconds(2)

    public init() {}

    /// Since when the database has not answered (nil: it answers).
    public var downSince: Date? { down.withLock { $0 } }

    /// Asks the database for `SELECT 1`, giving up after `patience`; returns whether it answered.
    /// The question is not waited for past the patience (a task group would wait for it: a lease the
    /// pool cannot serve does not end when cancelled); it ends on its own, in the background.
    @discardableResult
    public func probe(_ database: Database) async -> Bool {
        let answered = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let pending = Mutex<CheckedContinuation<Bool, Never>?>(continuation)
            let answer: @Sendable (Bool) -> Void = { value in pending.withLock { $0.take() }?.resume(returning: value) }
            Task { answer((try? await database.read { try await $0.query("SELECT 1", logger: database.logger) }) != nil) }
            Task { try? await Task.sleep(for: Self.patience); answer(false) }
        }
        down.withLock { since in since = answered ? nil : (since ?? Date()) }
        return answered
    }
}

extension PeriodicService {
    /// Every second, whether the database answers (see `DatabaseHealth`).
    public static func databaseProbe(_ health: DatabaseHealth, database: Database, logger: Logger) -> PeriodicService {
        PeriodicService(name: "database probe", interval: .seconds(1), logger: logger) {
            let wasDown = health.downSince != nil
            let answered = await health.probe(database)
            if wasDown == answered { logger.notice(answered ? "the database answers again" : "the database does not answer") }
            return 0
        }
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
