import Foundation
import Logging
import PostgresNIO
import Store
import TestSupport
import Testing

/// A transaction that asks for another read (a service asking another service) must not need a second connection:
/// with as many concurrent transactions as the pool holds connections, each waiting for a second one, the server
/// stopped. Here the pool holds one connection.
@Suite("Nested reads and transactions")
struct NestedConnectionTests {
    @Test("inside a transaction, a read and a nested transaction run on its connection (a pool of one does not wait for ever) and see its writes; a failed nested transaction rolls back to its savepoint only")
    func nested() async throws {
        try await TestDatabase.with(.empty) { _, shared in
            var configuration = shared
            configuration.options.maximumConnections = 1
            configuration.options.minimumConnections = 0
            try await Database.with(configuration, logger: Logger(label: "nested")) { database in
                let answer = try await withThrowingTaskGroup(of: Int?.self) { group in
                    group.addTask {
                        try await database.transaction { connection in
                            try await connection.query("CREATE TEMP TABLE nested_probe (n integer) ON COMMIT DROP", logger: database.logger)
                            try await connection.query("INSERT INTO nested_probe VALUES (1)", logger: database.logger)
                            struct Refused: Error {}
                            do {
                                try await database.transaction { inner in
                                    try await inner.query("INSERT INTO nested_probe VALUES (100)", logger: database.logger)
                                    throw Refused()
                                }
                            } catch is Refused {}
                            try await database.transaction { inner in
                                try await inner.query("INSERT INTO nested_probe VALUES (10)", logger: database.logger)
                            }
                            return try await database.read { inner in
                                var sum = 0
                                for try await n in try await inner.query("SELECT sum(n)::integer FROM nested_probe", logger: database.logger).decode(Int.self) { sum = n }
                                return sum
                            }
                        }
                    }
                    // A deadlock shows as no answer; a minute is far beyond any real wait on this machine.
                    group.addTask { try await Task.sleep(for: .seconds(60)); return nil }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return first
                }
                #expect(answer == 11, "the nested read saw the outer write and the kept nested one, not the rolled-back one")
                // A task started inside a transaction that outlives it takes its own connection.
                let late = try await database.transaction { _ in
                    Task { try await database.read { inner in
                        for try await n in try await inner.query("SELECT 7", logger: database.logger).decode(Int.self) { return n }
                        return 0
                    } }
                }
                #expect(try await late.value == 7)
            }
        }
    }
}
