import Logging
import PostgresNIO
import ServiceLifecycle
import Store

extension Database {
    /// Holds one connection listening on a PostgreSQL channel and calls `wake` on every notification, and once on each
    /// (re)connection for what arrived while no one listened; reconnects a second after the connection is lost.
    /// Returns when the task is cancelled.
    func listen(on channel: String, logger: Logger, wake: @Sendable () -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        wake()
                        for try await _ in notifications { wake() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("listener on \(channel) reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// Empties this instance's `PublicCache` whenever any instance commits an audited change (`spokes_change`, migration 0046),
/// and whenever its listening connection was lost (changes may have gone unheard).
public struct PublicChangeListener: Service {
    static let channel = "spokes_change"
    let cache: PublicCache
    let database: Database
    let logger: Logger

    public init(cache: PublicCache, database: Database, logger: Logger) {
        self.cache = cache
        self.database = database
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Off, it has nothing to empty, but it lasts until the shutdown: a service group stops when one of its services ends.
            guard cache.isEnabled else {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                return
            }
            // The replica, if any, serves again once it has replayed the change (so the cache never keeps an older answer).
            await database.listen(on: Self.channel, logger: logger) { [replica = database.replica] in
                cache.invalidate()
                replica?.changeNoticed()
            }
        }
    }
}
