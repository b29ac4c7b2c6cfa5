import Foundation
import PostgresNIO
import Server
import Store
import Testing
import TestSupport
import Transparency

@Suite("Release publisher")
struct ReleasePublisherTests {
    /// How many releases a process has, waiting up to `seconds` for it to reach `count`.
    func releases(of ocid: String, reach count: Int, within seconds: Double, _ database: Database) async throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let found = try await database.read {
                try await $0.query("SELECT count(*) FROM transparency.releases WHERE ocid = \(ocid)", logger: database.logger).collect()[0].decode(Int.self)
            }
            if found >= count || Date() > deadline { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("each change committed one after another gets its own release, published when PostgreSQL notifies")
    func notified() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let transparency = TransparencyService(database: database, identity: w.t.world.identity, tenders: w.t.tenders, bids: w.t.bids,
                                                   awards: w.t.awards, lists: w.t.lists, contracts: w.contracts, payments: w.payments,
                                                   prefix: "test01", clock: w.t.clock)
            let finance = try await w.actor("finance")
            let line = try await w.t.lines(["LX2026-01"])[0]
            let ocid = ReleaseBuilder.planningOCID(prefix: "test01", lineID: line.id)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The catch-up sync runs at start and then not again within the test: only notifications wake it.
                group.addTask {
                    try await ReleasePublisher(transparency: transparency, database: database, logger: database.logger, catchUp: .seconds(3600)).run()
                }
                #expect(try await releases(of: ocid, reach: 1, within: 60, database) == 1, "the first sync publishes what was queued")
                var content = line.content
                for expected in 2...4 {
                    content.quantity += 1
                    _ = try await w.t.lists.updateLine(by: finance, id: line.id, content)
                    #expect(try await releases(of: ocid, reach: expected, within: 30, database) == expected)
                }
                group.cancelAll()
            }
        }
    }
}
