import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A streaming replica that takes the public's reads off the primary (issue 25, `DATABASE_REPLICA_URL`).
///
/// A read goes to it only where the request allows it (`Database.$readsMayUseReplica`: anonymous GETs) and while it is
/// fresh: the monitor (`check`, a few times a second) reached it lately, and it has replayed the primary's log up to where
/// the primary was `maximumLag` ago, and up to the last change the public cache was told of (`changeNoticed`), so a kept
/// answer is never older than the change that emptied the cache. Otherwise the primary answers, and so it does whenever
/// the replica gives no connection within `leasePatience` or fails a read.
public final class Replica: Sendable {
    public let client: PostgresClient
    public let maximumLag: Duration
    let logger: Logger
    /// How long a read waits for one of the replica's connections before the primary answers it (a replica that has just
    /// gone away leaves the pool retrying for a minute).
    static let leasePatience: Duration = .milliseconds(250)
    /// How recent the monitor's last answer from the replica must be for reads to go there.
    static let recentEnough: Duration = .seconds(1)

    struct State {
        /// When the monitor last had an answer, and how far the replica had replayed then (log position in bytes).
        var answeredAt: ContinuousClock.Instant?
        var replayed: Int64 = -1
        /// The primary's log positions of the last moments, newest last.
        var primary: [(at: ContinuousClock.Instant, position: Int64)] = []
        /// A position the replica must reach before it serves again (the primary's when a change was noticed).
        var required: Int64 = 0
        /// Changes noticed since the monitor last read the primary's position.
        var noticed = 0
        var fresh = false
    }
    private let state = Mutex(State())

    public init(client: PostgresClient, maximumLag: Duration, logger: Logger) {
        self.client = client
        self.maximumLag = maximumLag
        self.logger = logger
    }

    /// Whether reads may go to the replica now.
    public var isFresh: Bool { state.withLock { $0.fresh } }

    /// Whether the monitor reached the replica lately.
    var isReachable: Bool { state.withLock { s in s.answeredAt.map { $0.duration(to: .now) < Self.recentEnough } == true } }

    /// A change was committed on the primary (a `spokes_change` notification): the replica serves again once it has
    /// replayed as far as the primary is at the monitor's next look.
    public func changeNoticed() {
        state.withLock {
            $0.noticed += 1
            $0.fresh = false
        }
    }

    /// The replica failed a read: reads go to the primary until the monitor reaches it again.
    func failed() {
        state.withLock {
            $0.answeredAt = nil
            $0.fresh = false
        }
    }

    /// One look of the monitor: the primary's log position through `primary`, the replica's replayed position through
    /// `probe` (a client of one connection). Returns whether the replica is fresh.
    @discardableResult
    public func check(primary: Database, probe: PostgresClient) async -> Bool {
        let noticed = state.withLock { $0.noticed }
        let now = ContinuousClock.now
        let primaryPosition: Int64?
        do {
            primaryPosition = try await primary.read { [logger] connection in
                try await connection.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint", logger: logger)
                    .decode(Int64.self).first { _ in true }
            }
        } catch {
            primaryPosition = nil
        }
        // A server that is not in recovery (a URL naming the primary itself) has replayed all it has.
        let replayed: Int64? = await firstOf(
            { [logger] in
                try? await probe.withConnection { connection in
                    try await connection.query("""
                        SELECT pg_wal_lsn_diff(coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn()), '0/0')::bigint
                        """, logger: logger).decode(Int64.self).first { _ in true }
                } ?? nil
            },
            { try? await Task.sleep(for: .seconds(2)); return nil })
        return state.withLock { s in
            if let primaryPosition {
                s.primary.append((now, primaryPosition))
                if noticed > 0 {
                    s.required = max(s.required, primaryPosition)
                    s.noticed -= noticed
                }
            }
            // The newest position the primary had at least `maximumLag` ago; older ones are not needed again.
            if let index = s.primary.lastIndex(where: { $0.at.duration(to: now) >= maximumLag }) {
                s.required = max(s.required, s.primary[index].position)
                s.primary.removeFirst(index)
            }
            let wasFresh = s.fresh
            if let replayed {
                s.answeredAt = now
                s.replayed = replayed
            }
            s.fresh = s.answeredAt.map { $0.duration(to: now) < Self.recentEnough } == true && s.replayed >= s.required && s.noticed == 0
            if wasFresh != s.fresh {
                logger.notice(s.fresh ? "the replica serves the public's reads" : "the public's reads go to the primary (the replica is away or behind)")
            }
            return s.fresh
        }
    }

    /// Runs `body` on one of the replica's connections, or returns nil (and the caller asks the primary) when none is given
    /// within `leasePatience`, when the replica fails the read, or when the monitor loses the replica while it runs.
    /// `body`'s own errors, anything but PostgreSQL's, are thrown.
    ///
    /// The body runs in a task of its own, raced against a watchdog: a query sent on a connection the replica has just
    /// closed may never complete (postgres-nio 1.33 does not fail a query enqueued after its channel closed, and closing
    /// the connection again does not reach it), so the reader cannot wait for it. Such a body is abandoned: its task and
    /// its closed connection stay until the process ends (one per read caught at the instant the replica went away).
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T? {
        guard let lease = await lease(), let connection = lease.connection else {
            failed()
            return nil
        }
        let outcome: Result<T, any Error>? = await firstOf(
            {
                defer { lease.release() }
                do { return .success(try await body(connection)) } catch { return .failure(error) }
            },
            { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.leasePatience)
                    if !isReachable { break }
                }
                // Closed before it goes back, so the pool never gives the abandoned body's connection to another read; the
                // primary answers meanwhile (a close can wait on a busy server as long as the hanging read itself).
                if Task.isCancelled {
                    lease.release()
                } else {
                    Task { try? await connection.close(); lease.release() }
                }
                return nil
            },
            cancellingSecond: true)
        switch outcome {
        case .success(let value)?:
            return value
        case .failure(let error as PSQLError)?:
            // Whatever PostgreSQL said here (a closed connection, a shutdown, a conflict with recovery), the primary is
            // asked the same: a read that fails there too fails as it would have without a replica.
            logger.debug("a read on the replica failed; the primary answers it", metadata: ["error": "\(String(reflecting: error))"])
            failed()
            return nil
        case .failure(let error)?:
            throw error
        case nil:
            logger.notice("a read on the replica was abandoned (the replica went away while it ran); the primary answers it")
            failed()
            return nil
        }
    }

    /// A connection of the replica, held until `release`; nil when none came in time.
    private func lease() async -> Lease? {
        let lease = Lease()
        let delivered = await withCheckedContinuation { (continuation: CheckedContinuation<PostgresConnection?, Never>) in
            let pending = Mutex<CheckedContinuation<PostgresConnection?, Never>?>(continuation)
            let answer: @Sendable (PostgresConnection?) -> Bool = { connection in
                guard let waiting = pending.withLock({ $0.take() }) else { return false }
                waiting.resume(returning: connection)
                return true
            }
            Task { [client] in
                _ = try? await client.withConnection { connection in
                    // Held until the reader releases it; given back at once when the reader went to the primary.
                    if answer(connection) { await lease.released() }
                }
                _ = answer(nil)
            }
            Task {
                try? await Task.sleep(for: Self.leasePatience)
                _ = answer(nil)
            }
        }
        guard let delivered else { return nil }
        lease.connection = delivered
        return lease
    }

    /// A leased connection and the gate its holder waits at.
    private final class Lease: @unchecked Sendable {
        // Set once before the reader uses it, read only by the reader.
        var connection: PostgresConnection?
        private let gate = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

        func release() {
            gate.withLock { $0.open = true; return $0.waiter.take() }?.resume()
        }

        func released() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let open = gate.withLock { g in
                    if !g.open { g.waiter = continuation }
                    return g.open
                }
                if open { continuation.resume() }
            }
        }
    }
}

/// The answer of whichever of `a` and `b` answers first. The other is not waited for: it ends on its own, in the
/// background (a task group would wait for it, and a lease the pool cannot serve does not end when cancelled).
/// With `cancellingSecond`, `b` (a watchdog) is cancelled once `a` has answered.
public func firstOf<T: Sendable>(
    _ a: @escaping @Sendable () async -> T, _ b: @escaping @Sendable () async -> T, cancellingSecond: Bool = false
) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        let pending = Mutex<CheckedContinuation<T, Never>?>(continuation)
        let answer: @Sendable (T) -> Void = { value in pending.withLock { $0.take() }?.resume(returning: value) }
        let second = Task { answer(await b()) }
        Task {
            answer(await a())
            if cancellingSecond { second.cancel() }
        }
    }
}
