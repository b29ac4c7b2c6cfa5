import Foundation
import Logging
import PostgresNIO

/// The SQL of published releases: append, read the latest per ocid, page by date or sequence; and
/// of the queue of changes still to publish.
struct TransparencyStore {
    let connection: PostgresConnection
    let logger: Logger

    /// Takes the publishing locks of these ocids for the transaction, in the order given (sorted by the
    /// caller, so that two publishers never wait on each other in a cycle).
    func lock(_ ocids: [String]) async throws {
        try await connection.query("SELECT count(pg_advisory_xact_lock(hashtext(o))) FROM unnest(\(ocids)::text[]) AS o", logger: logger)
    }

    /// The last release of each of these ocids: its number (from its id) and digest, its text left in
    /// the database (most releases compared turn out unchanged).
    func latest(ocids: [String]) async throws -> [String: (number: Int, digest: String)] {
        var result: [String: (number: Int, digest: String)] = [:]
        for try await (ocid, id, digest) in try await connection.query("""
            SELECT DISTINCT ON (ocid) ocid, release_id, digest FROM transparency.releases
            WHERE ocid = ANY(\(ocids)) ORDER BY ocid, seq DESC
            """, logger: logger).decode((String, String, String).self) {
            result[ocid] = (Int(id.split(separator: "-").last ?? "") ?? 0, digest)
        }
        return result
    }

    /// The text of these releases, by id.
    func releases(ids: [String]) async throws -> [String: String] {
        var result: [String: String] = [:]
        for try await (id, release) in try await connection.query("""
            SELECT release_id, release::text FROM transparency.releases WHERE release_id = ANY(\(ids))
            """, logger: logger).decode((String, String).self) {
            result[id] = release
        }
        return result
    }

    func insert(ocid: String, releaseID: String, date: Date, tags: [String], digest: String, release: String) async throws {
        try await connection.query("""
            INSERT INTO transparency.releases (ocid, release_id, date, tags, digest, release)
            VALUES (\(ocid), \(releaseID), \(date), \(tags), \(digest), \(release)::jsonb)
            """, logger: logger)
    }

    /// Releases in publication order after `after` (a sequence number), within the dates when given.
    func page(from: Date?, to: Date?, after: Int64, limit: Int) async throws -> [(seq: Int64, release: String)] {
        var result: [(Int64, String)] = []
        for try await row in try await connection.query(Self.pageQuery(from: from, to: to, after: after, limit: limit), logger: logger)
            .decode((Int64, String).self) {
            result.append(row)
        }
        return result.map { (seq: $0.0, release: $0.1) }
    }

    /// The page's SQL, apart so that a test can EXPLAIN exactly what runs.
    static func pageQuery(from: Date?, to: Date?, after: Int64, limit: Int) -> PostgresQuery {
        """
        SELECT seq, release::text FROM transparency.releases
        WHERE seq > \(after) AND (\(from)::timestamptz IS NULL OR date >= \(from)) AND (\(to)::timestamptz IS NULL OR date < \(to))
        ORDER BY seq LIMIT \(limit)
        """
    }

    func releases(ocid: String) async throws -> [String] {
        var result: [String] = []
        for try await release in try await connection.query("""
            SELECT release::text FROM transparency.releases WHERE ocid = \(ocid) ORDER BY seq
            """, logger: logger).decode(String.self) {
            result.append(release)
        }
        return result
    }

    // MARK: The queue of changes

    /// The oldest changes still to look at: (entity type, id, newest event id).
    func pending(limit: Int) async throws -> [PendingChange] {
        var result: [PendingChange] = []
        for try await (type, id, event) in try await connection.query("""
            SELECT entity_type, entity_id, event_id FROM transparency.pending ORDER BY event_id LIMIT \(limit)
            """, logger: logger).decode((String, UUID, Int64).self) {
            result.append(PendingChange(entityType: type, entityID: id, eventID: event))
        }
        return result
    }

    /// The tenders and purchase lines whose releases the changes may alter. The one place Transparency
    /// reads other modules' tables: to follow a contract or an organisation to its tenders.
    func affected(by changes: [PendingChange]) async throws -> (tenders: [UUID], lines: [UUID]) {
        let ids = { (type: String) in changes.filter { $0.entityType == type }.map(\.entityID) }
        let (tenders, contracts, lines, organisations) = (ids("tender"), ids("contract"), ids("purchase_line"), ids("organisation"))
        var found: [UUID] = []
        for try await id in try await connection.query("""
            SELECT id FROM tendering.tenders WHERE id = ANY(\(tenders)) AND status <> 'draft'
            UNION SELECT tender_id FROM delivery.contracts WHERE id = ANY(\(contracts))
            UNION SELECT l.tender_id FROM tendering.lots l JOIN tendering.tenders t ON t.id = l.tender_id
                  WHERE l.purchase_line_id = ANY(\(lines)) AND t.status <> 'draft'
            UNION SELECT id FROM tendering.tenders WHERE buyer_id = ANY(\(organisations)) AND status <> 'draft'
            UNION SELECT tender_id FROM tendering.awards WHERE supplier_id = ANY(\(organisations))
            UNION SELECT tender_id FROM tendering.bids WHERE bidder_id = ANY(\(organisations))
            """, logger: logger).decode(UUID.self) {
            found.append(id)
        }
        var planned = lines
        for try await id in try await connection.query("""
            SELECT id FROM tendering.purchase_lines WHERE buyer_id = ANY(\(organisations))
            """, logger: logger).decode(UUID.self) {
            planned.append(id)
        }
        return (found.sorted { $0.uuidString < $1.uuidString }, Array(Set(planned)).sorted { $0.uuidString < $1.uuidString })
    }

    /// Removes the changes looked at, unless a later change re-enqueued them meanwhile.
    func done(_ changes: [PendingChange]) async throws {
        try await connection.query("""
            DELETE FROM transparency.pending p USING unnest(\(changes.map(\.entityType)), \(changes.map(\.entityID)), \(changes.map(\.eventID)))
                AS d(entity_type, entity_id, event_id)
            WHERE p.entity_type = d.entity_type AND p.entity_id = d.entity_id AND p.event_id = d.event_id
            """, logger: logger)
    }
}

/// An audited change to something public, waiting to be published.
struct PendingChange: Sendable, Equatable {
    var entityType: String
    var entityID: UUID
    var eventID: Int64
}
