import Foundation
import PostgresNIO
@testable import Store
import TestSupport
import Testing

struct Thing: Codable, Sendable {
    var name: String
    var amount: Int
}

@Suite("Audit trail")
struct AuditTests {
    let actor = UUID.v7()

    /// Writes three events for one entity and one for another.
    func record(_ database: Database) async throws -> (AuditEntity, AuditEntity) {
        let tender = AuditEntity("tender", UUID.v7())
        let contract = AuditEntity("contract", UUID.v7())
        var state = Thing(name: "居家养老服务", amount: 100)
        try await database.transaction { connection in
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor, action: "tender.created",
                                      entity: tender, before: nil as Thing?, after: state, at: Date())
        }
        for amount in [200, 300] {
            let before = state
            state.amount = amount
            let after = state
            try await database.transaction { connection in
                try await AuditLog.record(on: connection, logger: database.logger, actor: actor, action: "tender.changed",
                                          entity: tender, before: before, after: after, at: Date())
            }
        }
        try await database.transaction { connection in
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor, action: "contract.signed",
                                      entity: contract, before: nil as Thing?, after: state, at: Date())
        }
        return (tender, contract)
    }

    /// What an attacker with superuser rights would do: switch off the append-only trigger.
    func tamper(_ database: Database, _ sql: String) async throws {
        try await database.transaction { connection in
            try await connection.query("ALTER TABLE audit.events DISABLE TRIGGER events_append_only", logger: database.logger)
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: database.logger)
            try await connection.query("ALTER TABLE audit.events ENABLE TRIGGER events_append_only", logger: database.logger)
        }
    }

    @Test("an untouched trail verifies, counting every chain and event")
    func intact() async throws {
        try await TestDatabase.with(.empty) { database in
            _ = try await record(database)
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.isIntact)
            #expect(report.chains == 2)
            #expect(report.events == 4)
        }
    }

    @Test("the application cannot update or delete an event")
    func appendOnly() async throws {
        try await TestDatabase.with(.empty) { database in
            _ = try await record(database)
            await #expect(throws: (any Error).self) {
                try await database.client.query("UPDATE audit.events SET action = 'x'", logger: database.logger)
            }
            await #expect(throws: (any Error).self) {
                try await database.client.query("DELETE FROM audit.events", logger: database.logger)
            }
        }
    }

    @Test("an altered event is found and named by entity and sequence number")
    func alteredEvent() async throws {
        try await TestDatabase.with(.empty) { database in
            let (tender, _) = try await record(database)
            try await tamper(database, "UPDATE audit.events SET action = 'tender.cancelled' WHERE entity_id = '\(tender.id)' AND seq = 2")
            let report = try await AuditVerifier(database: database).verify()
            #expect(!report.isIntact)
            #expect(report.failures.contains { $0.entity == tender && $0.seq == 2 && $0.reason.contains("altered") })
        }
    }

    @Test("an altered kept state is found even when the hash columns are left alone")
    func alteredState() async throws {
        try await TestDatabase.with(.empty) { database in
            let (tender, _) = try await record(database)
            try await tamper(database, """
                UPDATE audit.events SET after_state = '{"amount":1,"name":"x"}' WHERE entity_id = '\(tender.id)' AND seq = 3
                """)
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.failures.contains { $0.entity == tender && $0.seq == 3 && $0.reason.contains("state") })
        }
    }

    @Test("an event's hash covers the hash of the event before it: the same event after another history hashes differently")
    func hashCoversPrevious() {
        let entity = AuditEntity("tender", UUID.v7())
        let at = Date(timeIntervalSince1970: 1_793_581_200)
        let afterGenesis = AuditLog.hash(after: AuditLog.genesisHash, entity: entity, seq: 2, at: at, actor: actor, action: "tender.changed")
        let afterOther = AuditLog.hash(after: String(repeating: "f", count: 64), entity: entity, seq: 2, at: at, actor: actor, action: "tender.changed")
        #expect(afterGenesis != afterOther)
    }

    @Test("an event rewritten with a correct hash and relinked to its successor is found: the successor's hash no longer matches")
    func rewrittenAndRelinked() async throws {
        try await TestDatabase.with(.empty) { database in
            let (tender, contract) = try await record(database)
            // What an attacker who knows the algorithm writes: event 2 with another action and its hash recomputed...
            let rows = try await database.read { connection in
                try await connection.query("""
                    SELECT seq, occurred_at, actor_id, before_digest, after_digest, prev_hash FROM audit.events
                    WHERE entity_type = \(tender.type) AND entity_id = \(tender.id) AND seq = 2
                    """, logger: database.logger).collect()
            }
            let (seq, occurredAt, actorID, before, after, prevHash) = try #require(rows.first).decode((Int, Date, UUID, String?, String?, String).self)
            let forged = ChainLink(entityType: tender.type, entityID: tender.id, seq: seq, occurredAt: occurredAt, actorID: actorID,
                                   action: "tender.cancelled", beforeDigest: before, afterDigest: after, prevHash: prevHash).hash
            // ...and event 3 pointed at the new hash, so every link and every hash but the successor's own agrees.
            try await tamper(database, "UPDATE audit.events SET action = 'tender.cancelled', hash = '\(forged)' WHERE entity_id = '\(tender.id)' AND seq = 2")
            try await tamper(database, "UPDATE audit.events SET prev_hash = '\(forged)' WHERE entity_id = '\(tender.id)' AND seq = 3")
            let report = try await AuditVerifier(database: database).verify()
            #expect(!report.isIntact)
            #expect(!report.failures.contains { $0.seq == 2 }, "the forged event is consistent in itself: only the chain can give it away")
            #expect(report.failures.contains { $0.entity == tender && $0.seq == 3 && $0.reason.contains("altered") }, "\(report.failures)")
            #expect(!report.failures.contains { $0.entity == contract })
        }
    }

    @Test("a removed event in the middle of a chain is found")
    func removedMiddle() async throws {
        try await TestDatabase.with(.empty) { database in
            let (tender, contract) = try await record(database)
            try await tamper(database, "DELETE FROM audit.events WHERE entity_id = '\(tender.id)' AND seq = 2")
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.failures.contains { $0.entity == tender && $0.seq == 3 })
            #expect(!report.failures.contains { $0.entity == contract })
        }
    }

    @Test("a removed last event is found through the chain's recorded head")
    func removedLast() async throws {
        try await TestDatabase.with(.empty) { database in
            let (tender, _) = try await record(database)
            try await tamper(database, "DELETE FROM audit.events WHERE entity_id = '\(tender.id)' AND seq = 3")
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.failures.contains { $0.entity == tender && $0.reason.contains("head") })
        }
    }

    @Test("concurrent writers of one entity each get their own place in the chain")
    func concurrentAppends() async throws {
        try await TestDatabase.with(.empty) { database in
            let entity = AuditEntity("tender", UUID.v7())
            let actor = self.actor
            try await withThrowingTaskGroup(of: Void.self) { group in
                for amount in 0..<8 {
                    group.addTask {
                        try await database.transaction { connection in
                            try await AuditLog.record(on: connection, logger: database.logger, actor: actor, action: "tender.changed",
                                                      entity: entity, before: nil as Thing?, after: Thing(name: "t", amount: amount), at: Date())
                        }
                    }
                }
                try await group.waitForAll()
            }
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.isIntact)
            #expect(report.events == 8)
        }
    }
}
