import Core
import Catalogue
import Delivery
import Demo
import Foundation
import Grassroots
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
            let world = DemoWorld(database)
            let sealer = ApplicantSealer.random()
            let hash = try await world.identity.passwordHash(world.password)
            try await ProvinceScale.load(into: database, size: .town, applicants: sealer, passwordHash: hash) { _ in }
            await #expect(throws: DomainError.conflict("the generated province is loaded already")) {
                try await ProvinceScale.load(into: database, size: .town, applicants: sealer, passwordHash: hash) { _ in }
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
            // The supply side (issue 24): 1 to 3 offers per organisation (97 for 49), two in five rated, a rating's grade
            // agreeing with its points (3A or more needs 851, DOMAIN §2), some expired, most not.
            #expect(try await count("SELECT count(*) FROM tendering.supplier_offers f JOIN identity.organisations o ON o.id = f.organisation_id WHERE o.reference LIKE 'SC-%'") == 97)
            #expect(try await count("SELECT count(*) FROM identity.ratings r JOIN identity.organisations o ON o.id = r.organisation_id WHERE o.reference LIKE 'SC-%'") == 20)
            #expect(try await count("SELECT count(*) FROM identity.ratings WHERE level >= 3 AND points < 851") == 0)
            #expect(try await count("SELECT count(*) FROM identity.ratings WHERE assessed_by = '泉城市社会组织评估中心' AND expires_on < now()") > 0)
            #expect(try await count("SELECT count(*) FROM identity.ratings WHERE assessed_by = '泉城市社会组织评估中心' AND expires_on >= now() AND level >= 3") > 0)
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.isIntact && report.events > 10_000, "\(report.failures.prefix(3))")
            // The services read the generated rows as they read their own.
            let tenders = TenderService(database: database, identity: world.identity)
            let page = try await tenders.tenders(TenderQuery(status: .complete, limit: 50), by: nil)
            let generated = try #require(page.first { $0.reference.contains("-S") })
            #expect(generated.lots.count == 1 && generated.isOpened)
            let bids = try await BidService(database: database, identity: world.identity, sealer: .random()).openedBids(tenderID: generated.id, by: nil)
            #expect((5...14).contains(bids.count))
        }
    }

    @Test("the generated town's service network: sites with staff on duty, cases over a year in every state consistent with their moments, and the services read them")
    func network() async throws {
        try await TestDatabase.with { database in
            _ = try await DemoData.load(into: database, from: TestDatabase.packageRoot + "/seed", policy: TestDatabase.signInPolicy, tenders: .random())
            let world = DemoWorld(database)
            let sealer = ApplicantSealer.random()
            let now = Date()
            try await ProvinceScale.load(into: database, size: .town, applicants: sealer, passwordHash: try await world.identity.passwordHash(world.password),
                                         now: now) { _ in }
            let count = { (sql: String) in
                try await database.read { try await $0.query(PostgresQuery(unsafeSQL: sql), logger: database.logger).collect()[0].decode(Int.self) }
            }
            let generated = "r.item_code LIKE 'Q_-%'"
            // 2 county centres, 8 town centres, 24 stations; 10 items; a member of staff on duty at each site.
            #expect(try await count("SELECT count(*) FROM grassroots.sites WHERE code LIKE '3799%'") == 34)
            #expect(try await count("SELECT count(*) FROM catalogue.items WHERE code LIKE 'Q_-%' AND published_version = 1") == 10)
            #expect(try await count("SELECT count(DISTINCT d.user_id) FROM grassroots.site_duties d JOIN grassroots.sites s ON s.id = d.site_id WHERE s.code LIKE '3799%'") == 34)
            #expect(try await count("SELECT count(*) FROM grassroots.service_requests r WHERE \(generated)") == 20_000)
            #expect(try await count("SELECT count(DISTINCT state) FROM grassroots.service_requests r WHERE \(generated)") == 7)
            #expect(try await count("SELECT count(DISTINCT outcome) FROM grassroots.service_requests r WHERE \(generated) AND state = 'closed'") == 2)
            // States agree with their moments and sites.
            for (state, rule) in [
                ("awaiting_materials", "accepted_at IS NULL AND due_at IS NULL AND cardinality(missing) > 0 AND site_id = accepting_site_id"),
                ("accepted", "due_at IS NOT NULL AND decided_at IS NULL AND site_id = accepting_site_id AND cardinality(missing) = 0"),
                ("approving", "due_at <= final_due_at AND decided_at IS NULL AND site_id = approving_site_id"),
                ("handling", "due_at = final_due_at AND decided_at IS NULL AND site_id = handling_site_id"),
                ("returned", "decided_at >= accepted_at AND closed_at IS NULL AND due_at IS NULL AND outcome IS NOT NULL AND site_id = accepting_site_id"),
                ("closed", "closed_at >= decided_at AND decided_at >= accepted_at AND accepted_at >= registered_at AND outcome IS NOT NULL AND due_at IS NULL"),
                ("withdrawn", "closed_at > registered_at AND outcome IS NULL AND accepted_at IS NULL"),
            ] {
                #expect(try await count("SELECT count(*) FROM grassroots.service_requests r WHERE \(generated) AND state = '\(state)' AND NOT (\(rule))") == 0, "\(state)")
                #expect(try await count("SELECT count(*) FROM grassroots.service_requests r WHERE \(generated) AND state = '\(state)'") > 0, "\(state)")
            }
            #expect(try await count("""
                SELECT count(*) FROM grassroots.service_requests r WHERE \(generated) AND decided_at IS NOT NULL AND on_time IS DISTINCT FROM (decided_at <= final_due_at)
                """) == 0)
            #expect(try await count("""
                SELECT count(*) FROM grassroots.service_requests r WHERE \(generated) AND (registered_at > now() OR updated_at > now() OR updated_at < registered_at
                    OR head_alert_at <= due_at OR above_alert_at <= head_alert_at)
                """) == 0)
            #expect(try await count("SELECT count(*) FROM grassroots.service_requests r WHERE \(generated) AND state IN ('accepted', 'approving', 'handling') AND above_alert_at < now()") > 0)
            #expect(try await count("""
                SELECT count(*) FROM grassroots.request_ratings g JOIN grassroots.service_requests r ON r.id = g.request_id
                WHERE \(generated) AND (r.state NOT IN ('returned', 'closed') OR g.rated_at < r.decided_at)
                """) == 0)
            #expect(try await count("SELECT count(*) FROM grassroots.request_ratings g JOIN grassroots.service_requests r ON r.id = g.request_id WHERE \(generated)") > 5_000)
            // The rating copied onto each case (what the supervision figures count) is the rating given, and only that.
            #expect(try await count("""
                SELECT count(*) FROM grassroots.service_requests r LEFT JOIN grassroots.request_ratings g ON g.request_id = r.id
                WHERE \(generated) AND r.rating IS DISTINCT FROM g.rating
                """) == 0)
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.isIntact, "\(report.failures.prefix(3))")
            #expect(try await count("""
                SELECT count(*) FROM grassroots.service_requests r LEFT JOIN audit.chain_heads h ON h.entity_type = 'request' AND h.entity_id = r.id
                WHERE \(generated) AND h.seq IS NULL
                """) == 0)

            // A generated clerk signs in with the demo password, reads the station's queue and a case with its applicant.
            let items = ServiceItemService(database: database, identity: world.identity)
            let sites = SiteService(database: database, identity: world.identity, catalogue: items)
            let requests = RequestService(database: database, identity: world.identity, catalogue: items, sites: sites, sealer: sealer,
                                          calendar: { try await CalendarService(database: database).calendar() })
            let clerk = try await world.actor("qclerk-379901001-1")
            let station = try await sites.site(code: "379901001-V001")
            let accepted = try await requests.queue(RequestQuery(siteID: station.id, scope: .accepted, limit: 50), by: clerk)
            #expect(accepted.requests.count == 50 && accepted.next != nil)
            let waiting = try await requests.queue(RequestQuery(siteID: station.id, scope: .waiting, limit: 200), by: clerk)
            #expect(waiting.requests.allSatisfy { $0.siteID == station.id && ($0.state.isOpen || [.returned, .awaitingMaterials].contains($0.state)) })
            let view = try await requests.view(id: accepted.requests[0].id, by: clerk)
            #expect(view.applicant?.maskedIDNumber == accepted.requests[0].idNumberMasked)
            #expect(!view.steps.isEmpty)
            // The town centre's overdue list holds its own late cases and those of its stations the tier above has been told of.
            let town = try await world.actor("qtown-379901001")
            let centre = try await sites.site(code: "379901001-T")
            let overdue = try await requests.queue(RequestQuery(siteID: centre.id, scope: .overdue, limit: 200), by: town)
            #expect(!overdue.requests.isEmpty)
            #expect(overdue.requests.allSatisfy { $0.dueAt! < now && ($0.siteID == centre.id || $0.aboveAlertAt! < now) })
            #expect(overdue.requests.map(\.id) == overdue.requests.map(\.id).sorted())
            // The supervision figures of the generated county, read by its centre's head, agree with the cases.
            let head = try await world.actor("qcounty-379901")
            let year = requests.currentYear()
            let supervision = try await requests.supervision(jurisdictionCode: "379901", year: year, by: head)
            let registered = try await count("""
                SELECT count(*) FROM grassroots.service_requests r JOIN grassroots.sites s ON s.id = r.accepting_site_id
                WHERE s.code LIKE '379901%' AND r.state <> 'withdrawn' AND extract(year FROM r.registered_at AT TIME ZONE 'Asia/Shanghai') = \(year)
                """)
            #expect(supervision.total.registered == registered && registered > 0)
            #expect(supervision.areas.count == 4 && supervision.items.count == 5)
            #expect(supervision.total.settled > supervision.total.refused && supervision.total.onTime < supervision.total.settled)
            // A new case registers at a generated station through the service (the items' tier matrix routes it).
            let item = try #require(try await items.items(codes: ["QA-001"]).first)
            let materials = try await items.requiredMaterials(of: item).required.map(\.code)
            let digits = "37990119800101001"
            let new = try await requests.register(by: clerk, at: station.id, NewRequest(itemCode: "QA-001", applicant: Applicant(
                name: "测试居民", idNumber: digits + String(Applicant.checkCharacter(digits)!), phone: "13900001234"), presented: materials))
            #expect(new.state == .accepted && new.approvingSiteID == centre.id)
        }
    }
}
