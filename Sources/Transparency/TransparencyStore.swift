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

    /// The latest release of each tender process of a buyer published in a Beijing year, by ocid.
    func latestReleases(buyerID: UUID, year: Int, prefix: String) async throws -> [String] {
        var result: [String] = []
        for try await release in try await connection.query("""
            SELECT DISTINCT ON (r.ocid) r.release::text FROM transparency.releases r
            WHERE r.ocid IN (SELECT 'ocds-' || \(prefix) || '-' || t.reference FROM tendering.tenders t
                             WHERE t.buyer_id = \(buyerID) AND t.published_at IS NOT NULL
                               AND extract(year FROM t.published_at AT TIME ZONE 'Asia/Shanghai') = \(year))
            ORDER BY r.ocid, r.seq DESC
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

// MARK: Insights

/// The dashboards' sums as PostgreSQL computes them (issue 25): awarded value by category, buyer's jurisdiction, budget
/// year and supplier; paid by budget year; verified outcomes and satisfaction per published contract. The money counts
/// awards of tenders awarded or complete, and the published contracts made from them, as the public sees them.
struct InsightSums {
    var byCategory: [String: Int64] = [:]
    var byJurisdiction: [UUID: Int64] = [:]
    var awardedByYear: [Int: Int64] = [:]
    var paidByYear: [Int: Int64] = [:]
    var bySupplier: [UUID: Int64] = [:]
    var outcomes: [(reference: String, title: String, verified: Int64, target: Int64)] = []
    var satisfaction: [(reference: String, title: String, answers: Int, satisfied: Int)] = []
}

extension TransparencyStore {
    /// The awarded money summed four ways. The four readings of the insights run at once on their own connections.
    func awardedSums() async throws -> InsightSums {
        var sums = InsightSums()
        // One pass over the decided awards, summed four ways. GROUPING names the set a row belongs to (a bit per
        // argument not grouped by, the first argument the highest). An award's lot is joined by its id alone: adding
        // the tender's id (always the same; migration 0051 holds it) made the planner expect one row and loop through
        // indexes, 200 ms on the province instead of 100.
        for try await (set, category, jurisdiction, year, supplier, value) in try await connection.query("""
            SELECT GROUPING(left(pl.catalogue_code, 1), o.jurisdiction_id, pl.year, a.supplier_id)::int,
                   left(pl.catalogue_code, 1), o.jurisdiction_id, pl.year, a.supplier_id, sum(a.value_fen)::bigint
            FROM tendering.awards a
            JOIN tendering.tenders t ON t.id = a.tender_id AND t.status IN ('awarded', 'complete')
            JOIN tendering.lots l ON l.id = a.lot_id
            JOIN tendering.purchase_lines pl ON pl.id = l.purchase_line_id
            LEFT JOIN identity.organisations o ON o.id = t.buyer_id
            WHERE a.value_fen IS NOT NULL AND a.supplier_id IS NOT NULL
            GROUP BY GROUPING SETS ((left(pl.catalogue_code, 1)), (o.jurisdiction_id), (pl.year), (a.supplier_id))
            """, logger: logger).decode((Int, String?, UUID?, Int?, UUID?, Int64).self) {
            switch set {
            case 0b0111: if let category { sums.byCategory[category] = value }
            case 0b1011: if let jurisdiction { sums.byJurisdiction[jurisdiction] = value }
            case 0b1101: if let year { sums.awardedByYear[year] = value }
            case 0b1110: if let supplier { sums.bySupplier[supplier] = value }
            default: break
            }
        }
        return sums
    }

    /// Paid by budget year: what the published contracts' paid claims paid, less what was repaid of them.
    func paidSums() async throws -> InsightSums {
        var sums = InsightSums()
        for try await (year, paid) in try await connection.query("""
            \(unescaped: Self.publishedContracts)
            SELECT p.year, sum(coalesce(c.paid, 0) - coalesce(r.repaid, 0))::bigint FROM published p
            LEFT JOIN (SELECT contract_id, sum(amount_fen) AS paid FROM payments.claims WHERE status = 'paid' GROUP BY 1) c ON c.contract_id = p.id
            LEFT JOIN (SELECT contract_id, sum(amount_fen) AS repaid FROM payments.recoveries WHERE status = 'repaid' GROUP BY 1) r ON r.contract_id = p.id
            GROUP BY p.year
            """, logger: logger).decode((Int, Int64).self) {
            sums.paidByYear[year] = paid
        }
        return sums
    }

    func outcomeSums() async throws -> InsightSums {
        var sums = InsightSums()
        // Outcomes: per published contract with a final sign-off on a milestone, what those sign-offs verified against
        // what their milestones targeted, kept per contract by the sign-offs' trigger (migration 0049): summed from every
        // sign-off on each reading, it took 1.5 s on the province.
        for try await (reference, title, verified, target) in try await connection.query("""
            \(unescaped: Self.publishedContracts)
            SELECT p.reference, p.title, o.verified::bigint, o.target::bigint
            FROM published p JOIN delivery.contract_outcomes o ON o.contract_id = p.id
            """, logger: logger).decode((String, String, Int64, Int64).self) {
            sums.outcomes.append((reference, title, verified, target))
        }
        return sums
    }

    func satisfactionSums() async throws -> InsightSums {
        var sums = InsightSums()
        for try await (reference, title, answers, satisfied) in try await connection.query("""
            \(unescaped: Self.publishedContracts)
            SELECT p.reference, p.title, count(*)::int, (count(*) FILTER (WHERE s.rating >= 4))::int
            FROM published p JOIN delivery.survey_answers s ON s.contract_id = p.id
            GROUP BY p.id, p.reference, p.title
            """, logger: logger).decode((String, String, Int, Int).self) {
            sums.satisfaction.append((reference, title, answers, satisfied))
        }
        return sums
    }

    /// The published contracts made from awards of tenders awarded or complete, with their budget year.
    private static let publishedContracts = """
        WITH published AS (
            SELECT c.id, c.reference, c.title, pl.year FROM delivery.contracts c
            JOIN tendering.awards a ON a.id = c.award_id
            JOIN tendering.tenders t ON t.id = a.tender_id AND t.status IN ('awarded', 'complete')
            JOIN tendering.purchase_lines pl ON pl.id = c.purchase_line_id
            WHERE c.published_at IS NOT NULL)
        """
}
