import Demo
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing
@testable import Delivery
@testable import Grassroots
@testable import Tendering
@testable import Transparency

/// The list queries read through an index, never by scanning a large table: on the generated town,
/// each list query (its very SQL, from its store) runs under EXPLAIN ANALYZE with sequential scans
/// priced out, and the rows its scans of large tables visit (returned plus removed by a filter) may not
/// exceed twice its page and a little. A filter without an index behind it visits the whole table,
/// through a Seq Scan or through an index read end to end, and the test says which query.
@Suite("List query plans")
struct ListPlanTests {
    static let largeTables = ["tenders", "lots", "bids", "purchase_lines", "contracts", "milestones", "claims", "releases", "events", "service_requests"]

    /// Rows the query's scans of large tables visited.
    func visited(_ query: PostgresQuery, _ database: Database) async throws -> Int {
        try await database.transaction { connection in
            try await connection.query("SET LOCAL enable_seqscan = off", logger: database.logger)
            var explain = query
            explain.sql = "EXPLAIN (ANALYZE, FORMAT JSON) " + query.sql
            let plan = try await connection.query(explain, logger: database.logger).collect()[0].decode(String.self)
            var rows = 0.0
            func walk(_ node: Any) {
                if let object = node as? [String: Any] {
                    if let table = object["Relation Name"] as? String, Self.largeTables.contains(table) {
                        let seen = (object["Actual Rows"] as? Double ?? 0) + (object["Rows Removed by Filter"] as? Double ?? 0)
                            + (object["Rows Removed by Index Recheck"] as? Double ?? 0)
                        rows += seen * (object["Actual Loops"] as? Double ?? 1)
                    }
                    object.values.forEach(walk)
                } else if let array = node as? [Any] {
                    array.forEach(walk)
                }
            }
            walk(try JSONSerialization.jsonObject(with: Data(plan.utf8)))
            return Int(rows)
        }
    }

    @Test("every list filter has an index behind it")
    func plans() async throws {
        try await TestDatabase.with { database in
            _ = try await DemoData.load(into: database, from: TestDatabase.packageRoot + "/seed", policy: TestDatabase.signInPolicy, tenders: .random())
            try await ProvinceScale.load(into: database, size: .town, applicants: .random(), passwordHash: "-") { _ in }
            let some = { (sql: String) in
                try await database.read { try await $0.query(PostgresQuery(unsafeSQL: sql), logger: database.logger).collect()[0].decode(UUID.self) }
            }
            let tender = try await some("SELECT id FROM tendering.tenders ORDER BY id DESC OFFSET 300 LIMIT 1")
            let buyer = try await some("SELECT buyer_id FROM tendering.tenders ORDER BY id DESC OFFSET 100 LIMIT 1")
            let supplier = try await some("SELECT supplier_id FROM delivery.contracts LIMIT 1")
            let line = try await database.read { connection in
                try await PurchaseLineStore(connection: connection, logger: database.logger).lines(PurchaseLineQuery(limit: 300)).last
            }
            let queries: [(String, PostgresQuery)] = [
                ("public tenders", TenderStore.listQuery(TenderQuery(limit: 50), includeDrafts: false)),
                ("tenders by status, a page on", TenderStore.listQuery(TenderQuery(status: .complete, before: tender, limit: 50), includeDrafts: false)),
                ("a buyer's tenders", TenderStore.listQuery(TenderQuery(buyerID: buyer, limit: 50), includeDrafts: true)),
                ("tenders searched for words nobody used", TenderStore.listQuery(TenderQuery(limit: 50, text: "无人用过的词"), includeDrafts: false)),
                ("purchase lines, a page on", PurchaseLineStore.listQuery(PurchaseLineQuery(after: line, limit: 50))),
                ("a buyer's purchase lines of a year", PurchaseLineStore.listQuery(PurchaseLineQuery(year: 2026, buyerID: buyer, limit: 50))),
                ("published contracts, a page on", DeliveryStore.listQuery(of: nil, after: tender, limit: 50)),
                ("an organisation's contracts", DeliveryStore.listQuery(of: supplier, after: nil, limit: 50)),
                ("OCDS releases, a page on", TransparencyStore.pageQuery(from: nil, to: nil, after: 100, limit: 100)),
                ("OCDS releases from a date after the last", TransparencyStore.pageQuery(from: Date().addingTimeInterval(86_400), to: nil, after: 0, limit: 100)),
            ]
            // The service requests' queues at a generated station, town centre and county centre (issue 23): each page reads
            // its index range, never every case of the site.
            let site = { (code: String) in
                try await database.read { connection in
                    try await connection.query("SELECT id, jurisdiction_id FROM grassroots.sites WHERE code = \(code)", logger: database.logger)
                        .collect()[0].decode((UUID, UUID).self)
                }
            }
            let (station, street) = try await site("379901001-V001")
            let (centre, _) = try await site("379901001-T")
            let (county, district) = try await site("379901-C")
            let page = try await some("SELECT id FROM grassroots.service_requests WHERE accepting_site_id = '\(station.lowercased)' ORDER BY id OFFSET 200 LIMIT 1")
            let queues: [(String, UUID, UUID, SiteTier, RequestQuery.Scope, UUID?)] = [
                ("a station's waiting cases", station, street, .villageStation, .waiting, nil),
                ("a station's accepted cases, a page on", station, street, .villageStation, .accepted, page),
                ("a station's overdue cases", station, street, .villageStation, .overdue, nil),
                ("a town centre's waiting cases", centre, street, .townCentre, .waiting, nil),
                ("a town centre's overdue cases and its stations'", centre, street, .townCentre, .overdue, nil),
                ("a county centre's overdue cases and those below it", county, district, .countyCentre, .overdue, nil),
            ]
            for (name, siteID, jurisdiction, tier, scope, after) in queues {
                let query = RequestStore.queueQuery(RequestQuery(siteID: siteID, scope: scope, after: after, limit: 51), jurisdictionID: jurisdiction, tier: tier, now: Date())
                #expect(try await visited(query, database) <= 2 * 51 + 20, "\(name)")
            }
            // A site's queue counts read its open cases, never every case it ever held.
            for (name, siteID) in [("a station's counts", station), ("a town centre's counts", centre)] {
                let open = try await database.read { connection in
                    try await connection.query("""
                        SELECT count(*)::integer FROM grassroots.service_requests
                        WHERE site_id = \(siteID) AND state IN ('awaiting_materials', 'accepted', 'approving', 'handling', 'returned')
                        """, logger: database.logger).collect()[0].decode(Int.self)
                }
                #expect(try await visited(RequestStore.countsQuery(siteID: siteID, now: Date()), database) <= 2 * open + 20, "\(name)")
            }
            for (name, query) in queries {
                let limit = name.hasPrefix("OCDS") ? 100 : 50
                #expect(try await visited(query, database) <= 2 * limit + 20, "\(name)")
            }
        }
    }
}
