import Core
import Delivery
import Demo
import Foundation
import Identity
import Payments
import PostgresNIO
import Store
import Tendering
import TestSupport
import Testing

@Suite("Province scale data")
struct ProvinceScaleTests {
    @Test("the generated town loads beside the demo with tenders in every state, consistent money and intact audit chains, and the services read it")
    func town() async throws {
        try await TestDatabase.with { database in
            _ = try await DemoData.load(into: database, from: TestDatabase.packageRoot + "/seed", policy: TestDatabase.signInPolicy, tenders: .random())
            try await ProvinceScale.load(into: database, size: .town) { _ in }
            await #expect(throws: DomainError.conflict("the generated province is loaded already")) {
                try await ProvinceScale.load(into: database, size: .town) { _ in }
            }
            let count = { (sql: String) in
                try await database.read { try await $0.query(PostgresQuery(unsafeSQL: sql), logger: database.logger).collect()[0].decode(Int.self) }
            }
            #expect(try await count("SELECT count(DISTINCT status) FROM tendering.tenders WHERE reference LIKE 'ZB-%-S%'") == 8)
            #expect(try await count("SELECT count(*) FROM tendering.tenders WHERE reference LIKE 'ZB-%-S%'") == 500)
            // Every completed tender has its award and contract; every paid claim has its disbursement of the same amount.
            #expect(try await count("""
                SELECT count(*) FROM tendering.tenders t LEFT JOIN delivery.contracts c ON c.tender_id = t.id
                WHERE t.reference LIKE 'ZB-%-S%' AND t.status = 'complete' AND c.id IS NULL
                """) == 0)
            #expect(try await count("""
                SELECT count(*) FROM payments.claims c LEFT JOIN payments.disbursements d ON d.id = c.disbursement_id
                WHERE c.status = 'paid' AND (d.id IS NULL OR d.amount_fen <> c.amount_fen)
                """) == 0)
            #expect(try await count("""
                SELECT count(*) FROM payments.budget_lines b
                WHERE b.paid_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM payments.disbursements d WHERE d.line_id = b.line_id)
                """) == 0)
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.isIntact && report.events > 10_000, "\(report.failures.prefix(3))")
            // The services read the generated rows as they read their own.
            let world = DemoWorld(database)
            let tenders = TenderService(database: database, identity: world.identity)
            let page = try await tenders.tenders(TenderQuery(status: .complete, limit: 50), by: nil)
            let generated = try #require(page.first { $0.reference.contains("-S") })
            #expect(generated.lots.count == 1 && generated.isOpened)
            let bids = try await BidService(database: database, identity: world.identity, sealer: .random()).openedBids(tenderID: generated.id, by: nil)
            #expect((5...14).contains(bids.count))
        }
    }
}
