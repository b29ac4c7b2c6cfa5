import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of seed grants and spaces, and nothing else.
struct SupportStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Seed grants

    private static let grantColumns = """
        id, organisation_id, purchase_line_id, commitment_id, amount_fen, purpose, status, awarded_by, awarded_at, treasury_reference,
        paid_on::text, closed_reason
        """

    func grants(of organisationID: UUID) async throws -> [SeedGrant] {
        try await grants("SELECT \(unescaped: Self.grantColumns) FROM incubation.seed_grants WHERE organisation_id = \(organisationID) ORDER BY awarded_at")
    }

    func grants(status: SeedGrant.Status) async throws -> [SeedGrant] {
        try await grants("SELECT \(unescaped: Self.grantColumns) FROM incubation.seed_grants WHERE status = \(status.rawValue) ORDER BY awarded_at")
    }

    func grant(id: UUID) async throws -> SeedGrant? {
        try await grants("SELECT \(unescaped: Self.grantColumns) FROM incubation.seed_grants WHERE id = \(id) FOR UPDATE").first
    }

    private func grants(_ query: PostgresQuery) async throws -> [SeedGrant] {
        var result: [SeedGrant] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, organisation, line, commitment, amount, purpose, status, by, at, reference, paidOn, reason) =
                try row.decode((UUID, UUID, UUID, UUID, Int64, String, String, UUID, Date, String?, String?, String?).self)
            result.append(SeedGrant(id: id, organisationID: organisation, purchaseLineID: line, commitmentID: commitment, amount: Money(minorUnits: amount),
                                    purpose: purpose, status: SeedGrant.Status(rawValue: status) ?? .awarded, awardedBy: by, awardedAt: at,
                                    treasuryReference: reference, paidOn: paidOn, closedReason: reason))
        }
        return result
    }

    func insert(_ g: SeedGrant) async throws {
        try await connection.query("""
            INSERT INTO incubation.seed_grants (id, organisation_id, purchase_line_id, commitment_id, amount_fen, purpose, status, awarded_by, awarded_at)
            VALUES (\(g.id), \(g.organisationID), \(g.purchaseLineID), \(g.commitmentID), \(g.amount.minorUnits), \(g.purpose), \(g.status.rawValue),
                    \(g.awardedBy), \(g.awardedAt))
            """, logger: logger)
    }

    func update(_ g: SeedGrant) async throws {
        try await connection.query("""
            UPDATE incubation.seed_grants SET status = \(g.status.rawValue), treasury_reference = \(g.treasuryReference), paid_on = \(g.paidOn)::date,
                closed_reason = \(g.closedReason)
            WHERE id = \(g.id)
            """, logger: logger)
    }

    /// Minutes of support and seed money paid, per organisation, in one read each.
    func totals(of organisationIDs: [UUID]) async throws -> (minutes: [UUID: Int], paid: [UUID: Int64]) {
        var minutes: [UUID: Int] = [:], paid: [UUID: Int64] = [:]
        for try await (id, sum) in try await connection.query("""
            SELECT organisation_id, sum(minutes)::integer FROM incubation.sessions WHERE organisation_id = ANY(\(organisationIDs)) GROUP BY organisation_id
            """, logger: logger).decode((UUID, Int).self) { minutes[id] = sum }
        for try await (id, sum) in try await connection.query("""
            SELECT organisation_id, sum(amount_fen)::bigint FROM incubation.seed_grants
            WHERE organisation_id = ANY(\(organisationIDs)) AND status = 'paid' GROUP BY organisation_id
            """, logger: logger).decode((UUID, Int64).self) { paid[id] = sum }
        return (minutes, paid)
    }

    // MARK: Spaces

    func spaces() async throws -> [Space] {
        var result: [Space] = []
        for try await (id, name, kind) in try await connection.query("SELECT id, name, kind FROM incubation.spaces ORDER BY kind, name",
                                                                    logger: logger).decode((UUID, String, String).self) {
            result.append(Space(id: id, name: name, kind: Space.Kind(rawValue: kind) ?? .desk))
        }
        return result
    }

    /// The space, locked: two allocations of one space are checked one after the other.
    func spaceForUpdate(id: UUID) async throws -> Space? {
        for try await (id, name, kind) in try await connection.query("SELECT id, name, kind FROM incubation.spaces WHERE id = \(id) FOR UPDATE",
                                                                    logger: logger).decode((UUID, String, String).self) {
            return Space(id: id, name: name, kind: Space.Kind(rawValue: kind) ?? .desk)
        }
        return nil
    }

    func insert(_ s: Space, at date: Date) async throws {
        try await connection.query("INSERT INTO incubation.spaces (id, name, kind, created_at) VALUES (\(s.id), \(s.name), \(s.kind.rawValue), \(date))",
                                   logger: logger)
    }

    private static let allocationColumns = "id, space_id, organisation_id, from_day::text, to_day::text, handed_back_on::text"

    func allocations(spaceID: UUID) async throws -> [SpaceAllocation] {
        try await allocations("SELECT \(unescaped: Self.allocationColumns) FROM incubation.space_allocations WHERE space_id = \(spaceID) ORDER BY from_day")
    }

    func allocations(of organisationID: UUID) async throws -> [SpaceAllocation] {
        try await allocations("""
            SELECT \(unescaped: Self.allocationColumns) FROM incubation.space_allocations WHERE organisation_id = \(organisationID) ORDER BY from_day
            """)
    }

    /// Allocations that hold a space on or after a day (the spaces page's current and coming ones).
    func allocations(holdingOnOrAfter day: String) async throws -> [SpaceAllocation] {
        try await allocations("""
            SELECT \(unescaped: Self.allocationColumns) FROM incubation.space_allocations
            WHERE coalesce(least(handed_back_on, to_day), to_day) >= \(day)::date ORDER BY from_day
            """)
    }

    /// Allocations past their last day and not handed back.
    func overdueAllocations(today: String) async throws -> [SpaceAllocation] {
        try await allocations("""
            SELECT \(unescaped: Self.allocationColumns) FROM incubation.space_allocations WHERE handed_back_on IS NULL AND to_day < \(today)::date
            ORDER BY to_day
            """)
    }

    func allocation(id: UUID) async throws -> SpaceAllocation? {
        try await allocations("SELECT \(unescaped: Self.allocationColumns) FROM incubation.space_allocations WHERE id = \(id) FOR UPDATE").first
    }

    private func allocations(_ query: PostgresQuery) async throws -> [SpaceAllocation] {
        var result: [SpaceAllocation] = []
        for try await (id, space, organisation, from, to, back) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID, String, String, String?).self) {
            result.append(SpaceAllocation(id: id, spaceID: space, organisationID: organisation, from: from, to: to, handedBackOn: back))
        }
        return result
    }

    func insert(_ a: SpaceAllocation, by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO incubation.space_allocations (id, space_id, organisation_id, from_day, to_day, allocated_by, allocated_at)
            VALUES (\(a.id), \(a.spaceID), \(a.organisationID), \(a.from)::date, \(a.to)::date, \(userID), \(date))
            """, logger: logger)
    }

    func handBack(_ id: UUID, on day: String) async throws {
        try await connection.query("UPDATE incubation.space_allocations SET handed_back_on = \(day)::date WHERE id = \(id)", logger: logger)
    }
}
