import Crypto
import Foundation
import Logging
import Metrics
import PostgresNIO

/// Something whose history the audit trail keeps: a tender, a contract, a user.
public struct AuditEntity: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var id: UUID
    public init(_ type: String, _ id: UUID) {
        self.type = type
        self.id = id
    }
    public var description: String { "\(type) \(id.uuidString.lowercased())" }
}

/// One event of an entity's audit trail.
public struct AuditTrailEntry: Sendable, Equatable {
    public var seq: Int
    public var occurredAt: Date
    public var actorID: UUID
    public var action: String
}

/// Appends audit events: one SHA-256 hash chain per entity, written in the caller's transaction so
/// the event exists exactly when the change does.
public enum AuditLog {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Records that `actor` did `action` to `entity`, which went from `before` to `after`
    /// (nil for creation or deletion). The states must carry no secrets: `after` is kept in full.
    public static func record<Before: Encodable, After: Encodable>(
        on connection: PostgresConnection, logger: Logger, actor: UUID, action: String, entity: AuditEntity,
        before: Before?, after: After?, at date: Date
    ) async throws {
        var beforeDigest: String?
        if let before { beforeDigest = digest(of: try canonicalJSON(before)) }
        var afterState: String?
        if let after { afterState = try canonicalJSON(after) }
        let afterDigest = afterState.map { digest(of: $0) }
        let occurredAt = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)

        // Create the head on first use, or lock it (the no-op update takes the row lock): writers of one entity queue here.
        // One statement where it was an insert and a `SELECT … FOR UPDATE`: an audited change pays two round trips, not four.
        var previous = (seq: 0, hash: genesisHash)
        for try await (seq, hash) in try await connection.query("""
            INSERT INTO audit.chain_heads AS h (entity_type, entity_id, seq, hash)
            VALUES (\(entity.type), \(entity.id), 0, \(genesisHash))
            ON CONFLICT (entity_type, entity_id) DO UPDATE SET seq = h.seq
            RETURNING seq, hash
            """, logger: logger).decode((Int, String).self) {
            previous = (seq, hash)
        }
        let event = ChainLink(entityType: entity.type, entityID: entity.id, seq: previous.seq + 1,
                              occurredAt: occurredAt, actorID: actor, action: action,
                              beforeDigest: beforeDigest, afterDigest: afterDigest, prevHash: previous.hash)
        let hash = event.hash
        try await connection.query("""
            WITH appended AS (
                INSERT INTO audit.events (entity_type, entity_id, seq, occurred_at, actor_id, action,
                                          before_digest, after_digest, after_state, prev_hash, hash)
                VALUES (\(entity.type), \(entity.id), \(event.seq), \(occurredAt), \(actor), \(action),
                        \(beforeDigest), \(afterDigest), \(afterState)::json, \(previous.hash), \(hash))
                RETURNING seq, hash)
            UPDATE audit.chain_heads SET seq = appended.seq, hash = appended.hash FROM appended
            WHERE entity_type = \(entity.type) AND entity_id = \(entity.id)
            """, logger: logger)
        // The metrics count it when its transaction commits (`spokes_changes_total{action}`: bids, payments, awards…).
        if let held = Database.held { held.note(action) } else { Counter(label: "spokes_changes_total", dimensions: [("action", action)]).increment() }
    }

    /// The hash of an event without before and after states that follows `previous` in its chain: for
    /// bulk loads (the scale data) that write whole chains with COPY instead of one event at a time.
    public static func hash(after previous: String, entity: AuditEntity, seq: Int, at date: Date, actor: UUID, action: String) -> String {
        ChainLink(entityType: entity.type, entityID: entity.id, seq: seq, occurredAt: date, actorID: actor, action: action,
                  beforeDigest: nil, afterDigest: nil, prevHash: previous).hash
    }

    /// One entity's trail, oldest first: who did what, when.
    public static func trail(of entity: AuditEntity, on connection: PostgresConnection, logger: Logger) async throws -> [AuditTrailEntry] {
        var entries: [AuditTrailEntry] = []
        for try await (seq, occurredAt, actor, action) in try await connection.query("""
            SELECT seq, occurred_at, actor_id, action FROM audit.events
            WHERE entity_type = \(entity.type) AND entity_id = \(entity.id) ORDER BY seq
            """, logger: logger).decode((Int, Date, UUID, String).self) {
            entries.append(AuditTrailEntry(seq: seq, occurredAt: occurredAt, actorID: actor, action: action))
        }
        return entries
    }

    /// Sorted keys, no insignificant whitespace, ISO 8601 dates: the same state always gives the same text.
    public static func canonicalJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func digest(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).hexString
    }
}

/// The fields of an event that its hash covers, and the hash itself.
struct ChainLink {
    var entityType: String
    var entityID: UUID
    var seq: Int
    var occurredAt: Date
    var actorID: UUID
    var action: String
    var beforeDigest: String?
    var afterDigest: String?
    var prevHash: String

    var hash: String {
        let millis = Int64((occurredAt.timeIntervalSince1970 * 1000).rounded())
        let fields = [prevHash, entityType, entityID.uuidString.lowercased(), String(seq), String(millis),
                      actorID.uuidString.lowercased(), action, beforeDigest ?? "-", afterDigest ?? "-"]
        return AuditLog.digest(of: fields.joined(separator: "\n"))
    }
}
