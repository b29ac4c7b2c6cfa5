import Core
import Foundation
import Logging
import Metrics
import PostgresNIO
import Synchronization

/// The one PostgreSQL store of Spokes: a pooled client and the logger its queries report to.
/// Every module reaches the database through this type.
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    /// A streaming replica for the public's reads (nil: the primary answers everything).
    public let replica: Replica?

    public init(client: PostgresClient, logger: Logger, replica: Replica? = nil) {
        self.client = client
        self.logger = logger
        self.replica = replica
    }

    /// Whether the current task's reads may go to the replica: set for anonymous GETs, which read nothing of their own
    /// (a signed-in user reads their own writes from the primary). Transactions always run on the primary.
    @TaskLocal public static var readsMayUseReplica = false

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    /// The error `body` threw reaches the caller unwrapped, so domain errors keep their meaning.
    ///
    /// Inside a transaction, every `read` and `transaction` of the same task runs on the transaction's own connection
    /// (a nested transaction is a savepoint). A service's transaction often asks another service for a record; each
    /// asking the pool for a second connection, as many concurrent requests as the pool holds connections waited for
    /// one another for ever (64 registrations at a window stopped the server). On the one connection they also see
    /// what the transaction has written.
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        if let held = Self.held?.connection {
            let savepoint = "nested_\(UInt32.random(in: 0...UInt32.max))"
            try await held.query(PostgresQuery(unsafeSQL: "SAVEPOINT \(savepoint)"), logger: logger)
            let noted = Self.held?.notedCount ?? 0
            do {
                let value = try await body(held)
                try await held.query(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(savepoint)"), logger: logger)
                return value
            } catch {
                _ = try? await held.query(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(savepoint)"), logger: logger)
                Self.held?.forget(after: noted)
                throw error
            }
        }
        return try await leased { connection in
            try await connection.query("BEGIN", logger: logger)
            let binding = HeldConnection(connection)
            defer { binding.release() }
            do {
                let value = try await Self.$held.withValue(binding) { try await body(connection) }
                try await connection.query("COMMIT", logger: logger)
                // Counted once committed: a change rolled back was never made.
                for action in binding.noted { Counter(label: "spokes_changes_total", dimensions: [("action", action)]).increment() }
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// The connection of the transaction the current task runs in.
    @TaskLocal static var held: HeldConnection?

    /// A transaction's connection while it is open: a task that outlives the transaction (one started inside it and
    /// still running after the commit) finds it released and takes its own from the pool.
    final class HeldConnection: Sendable {
        private let state: Mutex<PostgresConnection?>
        /// The audited actions the transaction recorded, counted in the metrics when it commits.
        private let actions = Mutex<[String]>([])
        init(_ connection: PostgresConnection) { state = Mutex(connection) }
        var connection: PostgresConnection? { state.withLock { $0 } }
        func note(_ action: String) { actions.withLock { $0.append(action) } }
        var noted: [String] { actions.withLock { $0 } }
        var notedCount: Int { actions.withLock { $0.count } }
        /// A savepoint rolled back: what it recorded was not made.
        func forget(after count: Int) { actions.withLock { $0.removeSubrange(min(count, $0.count)...) } }
        func release() { state.withLock { $0 = nil } }
    }

    /// Opens a client on `configuration`, runs `body` with it, and shuts the client down again,
    /// whether `body` returns or throws: for one-shot commands and tests.
    public static func with<T: Sendable>(_ configuration: PostgresClient.Configuration, logger: Logger,
                                         _ body: (Database) async throws -> T) async throws -> T {
        // The body may ask for a connection a moment before the run() task has started; the client
        // waits, but warns. In a one-shot use that warning is noise, so background logs start at error.
        var backgroundLogger = logger
        backgroundLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: configuration, backgroundLogger: backgroundLogger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(Database(client: client, logger: logger))
        }
    }

    /// Runs `body` on one pooled connection outside any explicit transaction (reads).
    /// Inside a transaction, the transaction's connection (see `transaction`).
    /// Where the task allows it, on the replica while it is fresh (see `Replica`).
    public func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        if let held = Self.held?.connection { return try await body(held) }
        if Self.readsMayUseReplica, let replica, replica.isFresh, let value = try await replica.read(body) { return value }
        return try await leased { connection in try await body(connection) }
    }

    /// A connection of the pool for `body`, counted in `PoolUse` while this caller waits for it and while it holds it.
    private func leased<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let lease = PoolUse.Lease()
        defer { lease.end() }
        return try await client.withConnection { connection in
            lease.start()
            return try await body(connection)
        }
    }
}

/// How this process uses its database pool, as gauges for its saturation (issue 28): callers waiting for a connection
/// (`spokes_db_pool_waiting`) and connections held (`spokes_db_pool_in_use`), beside the pool's size
/// (`spokes_db_pool_max`, recorded by the server at start). Waiting callers while all are in use: the pool is too small.
public enum PoolUse {
    static let waiting = Atomic<Int>(0)
    static let inUse = Atomic<Int>(0)

    static func change(_ counter: borrowing Atomic<Int>, by delta: Int, label: String) {
        Gauge(label: label).record(counter.add(delta, ordering: .relaxed).newValue)
    }

    /// One caller's lease: waiting from its creation to `start`, holding from `start` to `end`.
    final class Lease: Sendable {
        private let started = Mutex(false)
        init() { PoolUse.change(PoolUse.waiting, by: 1, label: "spokes_db_pool_waiting") }
        func start() {
            started.withLock { $0 = true }
            PoolUse.change(PoolUse.waiting, by: -1, label: "spokes_db_pool_waiting")
            PoolUse.change(PoolUse.inUse, by: 1, label: "spokes_db_pool_in_use")
        }
        func end() {
            if started.withLock({ $0 }) {
                PoolUse.change(PoolUse.inUse, by: -1, label: "spokes_db_pool_in_use")
            } else {
                PoolUse.change(PoolUse.waiting, by: -1, label: "spokes_db_pool_waiting")
            }
        }
    }

    /// The pool's size, recorded once by the server.
    public static func record(maximum: Int) { Gauge(label: "spokes_db_pool_max").record(maximum) }
}

extension PSQLError {
    /// The SQLSTATE code the server sent, e.g. 23505 for a unique violation.
    public var sqlState: String? { serverInfo?[.sqlState] }
    /// The constraint a violation names, when the server said.
    public var constraintName: String? { serverInfo?[.constraintName] }
    /// The server's own sentence, and the column it names (a refusal raised by a migration's trigger says both).
    public var serverMessage: String? { serverInfo?[.message] }
    public var columnName: String? { serverInfo?[.columnName] }
    /// A rule of the data refused the change (SQLSTATE SPK01, raised by the migrations' triggers).
    public var isRuleRefusal: Bool { sqlState == "SPK01" }

    /// A trigger's refusal as a message: its words the template (the `RAISE` format with `%@` for each `%`),
    /// its figures and references (the words holding a digit) the values, so the reader's language applies.
    public var refusal: Message? {
        guard isRuleRefusal, let sentence = serverMessage else { return nil }
        var template = ""
        var values: [Message.Argument] = []
        for (index, word) in sentence.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { template += " " }
            // A figure keeps its currency sign and trailing punctuation in the template: "¥1,000.00:" is "¥%@:".
            let core = word.drop { $0 == "¥" || $0 == "(" }
            let value = core.reversed().drop { ":;,.)".contains($0) }.reversed()
            if value.contains(where: \.isNumber) {
                template += word.prefix(word.count - core.count) + "%@" + core.suffix(core.count - value.count)
                values.append(.text(String(value)))
            } else {
                template += word.replacingOccurrences(of: "%", with: "%%")
            }
        }
        return Message(template: template, arguments: values)
    }
}

extension Error {
    /// True when this is PostgreSQL refusing a duplicate key.
    public var isUniqueViolation: Bool { (self as? PSQLError)?.sqlState == "23505" }
}
