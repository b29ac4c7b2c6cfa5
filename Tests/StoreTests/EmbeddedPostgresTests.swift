import Foundation
import Logging
import PostgresNIO
import Store
import Testing

@Suite("Embedded PostgreSQL")
struct EmbeddedPostgresTests {
    @Test("initialises, starts, answers a query, and stops; a second start finds it running")
    func lifecycle() async throws {
        let folder = NSTemporaryDirectory() + "spokes-embedded-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cluster = EmbeddedPostgres(dataDirectory: folder, durable: false)
        #expect(!cluster.isInitialised)
        #expect(try cluster.start() == true)
        #expect(cluster.isInitialised)
        #expect(cluster.isRunning)
        #expect(try cluster.start() == false, "starting a running cluster must say it did not start it")

        try await cluster.createDatabaseIfMissing("spokes", logger: Logger(label: "test"))
        try await cluster.createDatabaseIfMissing("spokes", logger: Logger(label: "test"))  // idempotent
        let client = PostgresClient(configuration: cluster.clientConfiguration(database: "spokes"), backgroundLogger: Logger(label: "test"))
        let answer = try await withThrowingTaskGroup(of: Void.self, returning: Int.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            for try await value in try await client.query("SELECT 41 + 1").decode(Int.self) { return value }
            return 0
        }
        #expect(answer == 42)

        try cluster.stop()
        #expect(!cluster.isRunning)
    }

    @Test("a socket folder too long for a Unix socket moves to a short one")
    func longPath() {
        let cluster = EmbeddedPostgres(dataDirectory: "/tmp/" + String(repeating: "x", count: 120))
        #expect(cluster.socketDirectory.hasPrefix("/tmp/spokes-"))
        #expect(cluster.socketDirectory.count < 40)
    }
}
