import Foundation
import Logging
import PostgresNIO

/// What `spokes audit verify` found.
public struct AuditReport: Sendable {
    public struct Failure: Sendable, CustomStringConvertible {
        public var entity: AuditEntity
        /// The event's sequence number in its chain (0 when the fault is the chain's head).
        public var seq: Int
        public var eventID: Int64?
        public var reason: String
        public var description: String {
            "\(entity) event \(seq)\(eventID.map { " (id \($0))" } ?? ""): \(reason)"
        }
    }

    public var chains = 0
    public var events = 0
    public var failures: [Failure] = []
    public var isIntact: Bool { failures.isEmpty }
}

/// Recomputes every chain from its first event: each event's hash, its link to the one before,
/// the digest of the state it kept, no gaps in the numbering, and the recorded head at the end.
public struct AuditVerifier: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Every chain, or only `entity`'s.
    public func verify(_ entity: AuditEntity? = nil) async throws -> AuditReport {
        let logger = database.logger
        let type = entity?.type, id = entity?.id
        return try await database.read { connection in
            var report = AuditReport()
            var heads: [AuditEntity: (seq: Int, hash: String)] = [:]
            for try await (type, id, seq, hash) in try await connection.query(
                """
                SELECT entity_type, entity_id, seq, hash FROM audit.chain_heads
                WHERE (\(type)::text IS NULL OR entity_type = \(type)) AND (\(id)::uuid IS NULL OR entity_id = \(id))
                """, logger: logger
            ).decode((String, UUID, Int, String).self) {
                heads[AuditEntity(type, id)] = (seq, hash)
            }

            var current: AuditEntity?
            var expected = (seq: 0, hash: AuditLog.genesisHash)
            func closeChain() {
                guard let entity = current else { return }
                let head = heads.removeValue(forKey: entity)
                if head?.seq != expected.seq || head?.hash != expected.hash {
                    report.failures.append(.init(entity: entity, seq: 0, eventID: nil, reason:
                        "the chain ends at event \(expected.seq) but its recorded head is event \(head?.seq ?? 0): events were removed or rewritten"))
                }
            }
            // One pass in chain order; rows stream, so memory stays flat however long the trail.
            let rows = try await connection.query("""
                SELECT id, entity_type, entity_id, seq, occurred_at, actor_id, action,
                       before_digest, after_digest, after_state::text, prev_hash, hash
                FROM audit.events WHERE (\(type)::text IS NULL OR entity_type = \(type)) AND (\(id)::uuid IS NULL OR entity_id = \(id))
                ORDER BY entity_type, entity_id, seq
                """, logger: logger)
            for try await row in rows {
                let (eventID, type, entityID, seq, occurredAt, actorID, action, before, after, state, prevHash, hash) =
                    try row.decode((Int64, String, UUID, Int, Date, UUID, String, String?, String?, String?, String, String).self)
                let entity = AuditEntity(type, entityID)
                if entity != current {
                    closeChain()
                    current = entity
                    expected = (0, AuditLog.genesisHash)
                    report.chains += 1
                }
                report.events += 1
                func fail(_ reason: String) {
                    report.failures.append(.init(entity: entity, seq: seq, eventID: eventID, reason: reason))
                }
                if seq != expected.seq + 1 { fail("expected event \(expected.seq + 1) here: events are missing") }
                if prevHash != expected.hash { fail("its link to the event before does not match") }
                let link = ChainLink(entityType: type, entityID: entityID, seq: seq, occurredAt: occurredAt,
                                     actorID: actorID, action: action, beforeDigest: before, afterDigest: after,
                                     prevHash: prevHash)
                if link.hash != hash { fail("its content was altered (hash does not match)") }
                if let state, AuditLog.digest(of: state) != after { fail("the state it kept was altered") }
                expected = (seq, hash)
            }
            closeChain()
            for (entity, head) in heads where head.seq > 0 {
                report.failures.append(.init(entity: entity, seq: head.seq, eventID: nil,
                                             reason: "the chain's head exists but all its events are gone"))
            }
            return report
        }
    }
}
