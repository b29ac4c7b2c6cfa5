import Foundation
import Logging
import PostgresNIO

/// The SQL of published releases: append, read the latest per ocid, page by date or sequence.
struct TransparencyStore {
    let connection: PostgresConnection
    let logger: Logger

    func latest(ocid: String) async throws -> (digest: String, release: String)? {
        for try await (digest, release) in try await connection.query("""
            SELECT digest, release::text FROM transparency.releases WHERE ocid = \(ocid) ORDER BY seq DESC LIMIT 1
            """, logger: logger).decode((String, String).self) {
            return (digest, release)
        }
        return nil
    }

    func count(ocid: String) async throws -> Int {
        try await connection.query("SELECT count(*) FROM transparency.releases WHERE ocid = \(ocid)", logger: logger).collect()[0].decode(Int.self)
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
        for try await row in try await connection.query("""
            SELECT seq, release::text FROM transparency.releases
            WHERE seq > \(after) AND (\(from)::timestamptz IS NULL OR date >= \(from)) AND (\(to)::timestamptz IS NULL OR date < \(to))
            ORDER BY seq LIMIT \(limit)
            """, logger: logger).decode((Int64, String).self) {
            result.append(row)
        }
        return result.map { (seq: $0.0, release: $0.1) }
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
}
