import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of purchase lines, and nothing else.
struct PurchaseLineStore {
    let connection: PostgresConnection
    let logger: Logger

    private static let columns = """
        id, buyer_id, year, reference, catalogue_code, title, target_group, quantity, unit, budget_fen, funding_source, tier
        """

    /// Lines by year (newest first), buyer and reference, after the cursor's line.
    func lines(_ q: PurchaseLineQuery) async throws -> [PurchaseLine] {
        try await lines(Self.listQuery(q))
    }

    /// The list's SQL, apart so that a test can EXPLAIN exactly what runs. Newest year first, as a row
    /// comparison on -year that the index purchase_lines_page follows.
    static func listQuery(_ q: PurchaseLineQuery) -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(columns) FROM tendering.purchase_lines
            WHERE ($1::integer IS NULL OR year = $1) AND ($2::uuid IS NULL OR buyer_id = $2)
              AND ($3::integer IS NULL OR (-year, buyer_id, reference) > (-$3, $4::uuid, $5::text))
            ORDER BY -year, buyer_id, reference
            LIMIT $6
            """)
        query.binds.append(q.year)
        query.binds.append(q.buyerID)
        query.binds.append(q.after?.content.year)
        query.binds.append(q.after?.buyerID)
        query.binds.append(q.after?.content.reference)
        query.binds.append(q.limit)
        return query
    }

    /// How many lines match the list's filters and their budgets summed, over every line (not one page).
    func totals(year: Int?, buyerID: UUID?) async throws -> (count: Int, budget: Money) {
        let rows = try await connection.query("""
            SELECT count(*)::int, coalesce(sum(budget_fen), 0)::bigint FROM tendering.purchase_lines
            WHERE (\(year)::integer IS NULL OR year = \(year)) AND (\(buyerID)::uuid IS NULL OR buyer_id = \(buyerID))
            """, logger: logger).collect()
        let (count, fen) = try rows[0].decode((Int, Int64).self)
        return (count, Money(minorUnits: fen))
    }

    func lines(ids: [UUID]) async throws -> [PurchaseLine] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM tendering.purchase_lines WHERE id = ANY($1)")
        query.binds.append(ids)
        return try await lines(query)
    }

    func lines(budgetFrom floor: Money, below ceiling: Money) async throws -> [PurchaseLine] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM tendering.purchase_lines WHERE budget_fen >= $1 AND budget_fen < $2 ORDER BY year, buyer_id, reference
            """)
        query.binds.append(floor.minorUnits)
        query.binds.append(ceiling.minorUnits)
        return try await lines(query)
    }

    func line(id: UUID) async throws -> PurchaseLine? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM tendering.purchase_lines WHERE id = $1")
        query.binds.append(id)
        return try await lines(query).first
    }

    func lineForUpdate(id: UUID) async throws -> PurchaseLine? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM tendering.purchase_lines WHERE id = $1 FOR UPDATE")
        query.binds.append(id)
        return try await lines(query).first
    }

    /// These lines, locked in id order (so two transactions locking overlapping sets never deadlock): a lot
    /// taking a line's budget and an edit of that budget then happen one after the other.
    func linesForUpdate(ids: [UUID]) async throws -> [UUID: PurchaseLine] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM tendering.purchase_lines WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        query.binds.append(Array(Set(ids)))
        return Dictionary(try await lines(query).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The lots that plan to spend the line: of tenders not cancelled or unsuccessful, lots still active or awarded.
    func holdingLots(lineID: UUID) async throws -> (count: Int, budget: Money) {
        let rows = try await connection.query("""
            SELECT count(*)::int, coalesce(sum(l.budget_fen), 0)::bigint FROM tendering.lots l JOIN tendering.tenders t ON t.id = l.tender_id
            WHERE l.purchase_line_id = \(lineID) AND l.status IN ('active', 'awarded') AND t.status NOT IN ('cancelled', 'unsuccessful')
            """, logger: logger).collect()
        let (count, fen) = try rows[0].decode((Int, Int64).self)
        return (count, Money(minorUnits: fen))
    }

    /// The buyer's lines of every year, keyed by year and reference, locked for an import.
    func linesForUpdate(buyerID: UUID) async throws -> [PurchaseLine] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM tendering.purchase_lines WHERE buyer_id = $1 ORDER BY year, reference FOR UPDATE")
        query.binds.append(buyerID)
        return try await lines(query)
    }

    private func lines(_ query: PostgresQuery) async throws -> [PurchaseLine] {
        var result: [PurchaseLine] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, buyer, year, reference, code, title, target, quantity, unit, budget, funding, tier) =
                try row.decode((UUID, UUID, Int, String, String, String, String, Int, String, Int64, String, String).self)
            result.append(PurchaseLine(id: id, buyerID: buyer, content: PurchaseLineContent(
                year: year, reference: reference, catalogueCode: code, title: title, targetGroup: target, quantity: quantity, unit: unit,
                budget: Money(minorUnits: budget), fundingSource: FundingSource(rawValue: funding) ?? .other, tier: Tier(rawValue: tier) ?? .district)))
        }
        return result
    }

    func insert(_ line: PurchaseLine, at date: Date) async throws {
        let c = line.content
        try await connection.query("""
            INSERT INTO tendering.purchase_lines (id, buyer_id, year, reference, catalogue_code, title, target_group, quantity, unit,
                budget_fen, funding_source, tier, created_at, updated_at)
            VALUES (\(line.id), \(line.buyerID), \(c.year), \(c.reference), \(c.catalogueCode), \(c.title), \(c.targetGroup), \(c.quantity),
                \(c.unit), \(c.budget.minorUnits), \(c.fundingSource.rawValue), \(c.tier.rawValue), \(date), \(date))
            """, logger: logger)
    }

    func update(_ line: PurchaseLine, at date: Date) async throws {
        let c = line.content
        try await connection.query("""
            UPDATE tendering.purchase_lines SET year = \(c.year), reference = \(c.reference), catalogue_code = \(c.catalogueCode),
                title = \(c.title), target_group = \(c.targetGroup), quantity = \(c.quantity), unit = \(c.unit), budget_fen = \(c.budget.minorUnits),
                funding_source = \(c.fundingSource.rawValue), tier = \(c.tier.rawValue), updated_at = \(date)
            WHERE id = \(line.id)
            """, logger: logger)
    }

    func referenceTaken(buyerID: UUID, year: Int, reference: String, except id: UUID?) async throws -> Bool {
        try await connection.query("""
            SELECT 1 FROM tendering.purchase_lines
            WHERE buyer_id = \(buyerID) AND year = \(year) AND reference = \(reference) AND id IS DISTINCT FROM \(id)
            """, logger: logger).collect().count > 0
    }
}
