import Foundation
import Logging
import PostgresNIO
import Store
import TestSupport
import Testing

/// Where a read goes when a replica is configured (issue 25): the replica only for a task that allows it and while the
/// monitor finds it fresh; the primary otherwise, and whenever the replica fails or hangs. The "replica" here is a second
/// client of the same test database, told apart by its `application_name`.
@Suite("A replica for the public's reads")
struct ReplicaTests {
    static func name(_ connection: PostgresConnection, _ logger: Logger) async throws -> String {
        try await connection.query("SELECT current_setting('application_name')", logger: logger).decode(String.self).first { _ in true } ?? ""
    }

    /// The monitor's looks until one finds the replica fresh, for up to thirty seconds: a look gives up on a replica that
    /// takes two seconds to answer, which a loaded machine's fresh connection can (the whole suite at once, where the
    /// cluster opens hundreds of connections). So the probe's connection is opened first, with no limit: what is tested
    /// is where reads go, not how fast a connection opens.
    static func fresh(_ replica: Replica, _ database: Database, _ probe: PostgresClient) async -> Bool {
        _ = try? await probe.withConnection { connection in try await connection.query("SELECT 1", logger: database.logger) }
        let until = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < until {
            if await replica.check(primary: database, probe: probe) { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Runs `body` with a database whose replica is another client of the same database, named "replica".
    static func withReplica(_ body: @Sendable (Database, Replica, PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.with(.empty) { _, shared in
            var configuration = shared
            configuration.options.additionalStartupParameters.append(("application_name", "replica"))
            let logger = Logger(label: "replica-test")
            let replicaClient = PostgresClient(configuration: configuration, backgroundLogger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await replicaClient.run() }
                defer { group.cancelAll() }
                try await Database.with(shared, logger: logger) { primary in
                    let replica = Replica(client: replicaClient, maximumLag: .milliseconds(500), logger: logger)
                    let database = Database(client: primary.client, logger: logger, replica: replica)
                    try await body(database, replica, replicaClient)
                }
            }
        }
    }

    @Test("reads go to the replica only where the task allows it, while it is fresh, and never inside a transaction")
    func routing() async throws {
        try await Self.withReplica { database, replica, probe in
            let logger = database.logger
            // Not yet checked by the monitor: not fresh, so the primary answers even where the replica is allowed.
            #expect(try await Database.$readsMayUseReplica.withValue(true) { try await database.read { try await Self.name($0, logger) } } != "replica")
            #expect(await Self.fresh(replica, database, probe))
            #expect(try await database.read { try await Self.name($0, logger) } != "replica")
            // Fresh for a second after each look: on a machine running the whole suite that second can pass before the read
            // leases a connection, so the read is tried after a few looks; one reaching the replica shows the routing.
            var reached = false
            for _ in 0..<5 where !reached {
                _ = await Self.fresh(replica, database, probe)
                reached = try await Database.$readsMayUseReplica.withValue(true) { try await database.read { try await Self.name($0, logger) } } == "replica"
            }
            #expect(reached)
            // A transaction (and a read inside it) stays on the primary: a signed-in write reads its own rows.
            let inTransaction = try await Database.$readsMayUseReplica.withValue(true) {
                try await database.transaction { _ in try await database.read { try await Self.name($0, logger) } }
            }
            #expect(inTransaction != "replica")
            // A change noticed: not fresh until the monitor has seen the replica replay as far as the primary is.
            replica.changeNoticed()
            #expect(!replica.isFresh)
            #expect(try await Database.$readsMayUseReplica.withValue(true) { try await database.read { try await Self.name($0, logger) } } != "replica")
            #expect(await Self.fresh(replica, database, probe))
            #expect(replica.isFresh)
        }
    }

    @Test("a read the replica fails is asked of the primary; the body's own errors reach the caller; the replica is not used again until the monitor reaches it")
    func failures() async throws {
        try await Self.withReplica { database, replica, probe in
            let logger = database.logger
            #expect(await Self.fresh(replica, database, probe))
            let answer = try await Database.$readsMayUseReplica.withValue(true) {
                try await database.read { connection in
                    let name = try await Self.name(connection, logger)
                    // A PostgreSQL error on the replica only: the same read on the primary succeeds.
                    if name == "replica" { try await connection.query("SELECT 1/0", logger: logger) }
                    return name
                }
            }
            #expect(answer != "replica")
            #expect(!replica.isFresh)
            #expect(await Self.fresh(replica, database, probe))
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await Database.$readsMayUseReplica.withValue(true) { try await database.read { _ in throw Refused() } }
            }
        }
    }

    @Test("a read that hangs on the replica once the monitor has lost it is abandoned, and the primary answers within seconds")
    func hangingRead() async throws {
        try await Self.withReplica { database, replica, probe in
            let logger = database.logger
            #expect(await Self.fresh(replica, database, probe))
            let started = ContinuousClock.now
            // The monitor does not look again, so the replica is "unreachable" a second after its one look; the body hangs
            // on the replica for 20 s, ignoring cancellation (as a query on a connection closed under it can).
            let answer = try await Database.$readsMayUseReplica.withValue(true) {
                try await database.read { connection in
                    let name = try await Self.name(connection, logger)
                    if name == "replica" {
                        let until = ContinuousClock.now + .seconds(20)
                        while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(100)) }
                    }
                    return name
                }
            }
            #expect(answer != "replica")
            #expect(started.duration(to: .now) < .seconds(10))
            #expect(!replica.isFresh)
        }
    }
}
