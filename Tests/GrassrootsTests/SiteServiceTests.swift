import Catalogue
import Core
import Foundation
import Grassroots
import Identity
import PostgresNIO
import Store
import Tabular
import TestSupport
import Testing

/// The service sites' rules, from DOMAIN §6 and issue 23: the offices of a jurisdiction register and edit the sites
/// of that jurisdiction and below it; another county is refused; everyone reads; staff names are personal data,
/// named only to the offices and overseers of the jurisdiction or above it. Every field is checked.
/// The demo: Fufeng (610324) with its towns 610324001…008, Lixia (370102) with Yanshan street (370102010).
@Suite("Service sites")
struct SiteServiceTests {
    struct World {
        let database: Database
        let world: DemoWorld
        let items: ServiceItemService
        let sites: SiteService

        init(_ database: Database) {
            self.database = database
            world = DemoWorld(database)
            items = ServiceItemService(database: database, identity: world.identity)
            sites = SiteService(database: database, identity: world.identity, catalogue: items)
        }

        func item(_ code: String) async throws -> ServiceItem {
            try #require(try await items.items(codes: [code]).first)
        }

        func site(_ code: String) async throws -> ServiceSite {
            var after: String?
            repeat {
                let page = try await sites.sites(SiteQuery(after: after, limit: 200))
                if let site = page.sites.first(where: { $0.content.code == code }) { return site }
                after = page.next
            } while after != nil
            throw DomainError.notFound("no site \(code)")
        }

        /// A valid village station of Fufeng's Tiandu town, serving FM-001.
        func station(_ code: String = "610324002-V900") async throws -> SiteContent {
            SiteContent(code: code, nameZh: "测试村公共服务站", tier: .villageStation, jurisdictionCode: "610324002", operatorKind: .villageCommittee,
                        operatorName: "测试村村民委员会", address: "扶风县天度镇测试村", floorAreaTenths: 156, hallAreaTenths: 142,
                        equipment: ["计算机", "电话"], windows: 1,
                        staff: [SiteStaff(name: "王测试", post: .publicWelfare, payBand: "500元/月")],
                        openingHours: "周一至周五 9:00–12:00", itemIDs: [try await item("FM-001").id])
        }

        func auditCount(_ id: UUID) async throws -> Int {
            try await database.read { connection in
                var count = 0
                for try await n in try await connection.query("SELECT count(*)::integer FROM audit.events WHERE entity_type = 'site' AND entity_id = \(id)",
                                                              logger: database.logger).decode(Int.self) { count = n }
                return count
            }
        }
    }

    func fields(of error: DomainError) -> Set<String> { Set(error.fields.map(\.field)) }


    @Test("Fufeng's finance office registers a village station of its town; the change is audited on the site's chain")
    func register() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let fufeng = try await w.world.actor("fufeng")
            let site = try await w.sites.register(by: fufeng, try await w.station())
            #expect(site.content.nameZh == "测试村公共服务站")
            #expect(try await w.sites.site(id: site.id).content == site.content)
            #expect(try await w.auditCount(site.id) == 1)
            var changed = site.content
            changed.windows = 2
            let after = try await w.sites.update(by: fufeng, id: site.id, changed)
            #expect(after.content.windows == 2)
            #expect(try await w.auditCount(site.id) == 2)
            // Saving the same content again changes nothing and audits nothing.
            _ = try await w.sites.update(by: fufeng, id: site.id, changed)
            #expect(try await w.auditCount(site.id) == 2)
        }
    }

    @Test("another county's office is refused (403) on registering and editing; a visitor is asked to sign in (401); nothing changes")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            let ngo = try await w.world.actor("ngo")
            let overseer = try await w.world.actor("overseer")
            let yanshan = try await w.world.actor("yanshan")
            #expect(await failure { _ = try await w.sites.register(by: finance, try await w.station()) }?.kind == .forbidden)
            let tiandu = try await w.site("610324002-T")
            var changed = tiandu.content
            changed.windows = 9
            for actor in [finance, ngo, overseer, yanshan] {
                #expect(await failure { _ = try await w.sites.update(by: actor, id: tiandu.id, changed) }?.kind == .forbidden, "\(actor.username) may not edit Fufeng's site")
            }
            // A street office keeps its own street, not the district above it.
            var district = try await w.station("370102-C")
            district.tier = .countyCentre
            district.jurisdictionCode = "370102"
            district.itemIDs = []
            #expect(await failure { _ = try await w.sites.register(by: yanshan, district) }?.kind == .forbidden)
            // A visitor: the pages and the API ask them to sign in before anything else.
            #expect(throws: DomainError.self) { try w.sites.authorizeRegistrar(nil) }
            do { try w.sites.authorizeRegistrar(nil) } catch let error as DomainError { #expect(error.kind == .unauthenticated) }
            #expect(try await w.site("610324002-T").content == tiandu.content)
            // Grassroots: standards. The demo also inspects every Fufeng site, on the same chain.
            #expect(try await w.auditCount(tiandu.id) == 2, "only the seed's registration and the demo's inspection")
        }
    }

    @Test("Lixia's civil-affairs bureau and its street's finance office keep Yanshan's street centre; the county centre is kept from above")
    func jurisdictionTree() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let centre = try await w.site("370102010-T")
            for name in ["civil", "finance", "yanshan", "admin"] {
                var changed = centre.content
                changed.openingHours = "周一至周六 9:00–17:00 (\(name))"
                let after = try await w.sites.update(by: try await w.world.actor(name), id: centre.id, changed)
                #expect(after.content.openingHours == changed.openingHours)
            }
        }
    }

    @Test("every field is checked and every problem reported at once: empty names, negative and huge areas, windows, staff, equipment, codes")
    func validation() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let fufeng = try await w.world.actor("fufeng")
            var bad = try await w.station("bad code!")
            bad.nameZh = "  "
            bad.operatorName = ""
            bad.address = ""
            bad.openingHours = ""
            bad.floorAreaTenths = -5
            bad.hallAreaTenths = 1_000_001
            bad.windows = 101
            bad.staff = [SiteStaff(name: "", post: .establishment, payBand: ""), SiteStaff(name: String(repeating: "名", count: 51), post: .labourAssistant, payBand: "x")]
            bad.equipment = [String(repeating: "机", count: 51), ""]
            bad.nameEn = String(repeating: "a", count: 201)
            do {
                _ = try await w.sites.register(by: fufeng, bad)
                Issue.record("a site with every field wrong was registered")
            } catch let error as DomainError {
                #expect(error.kind == .invalid)
                #expect(fields(of: error).isSuperset(of: ["code", "nameZh", "nameEn", "operatorName", "address", "openingHours", "floorArea", "hallArea",
                                                          "windows", "staff[0].name", "staff[0].payBand", "staff[1].name", "equipment[0]", "equipment[1]"]),
                        "\(fields(of: error).sorted())")
            }
            // The edges: 0.1 m² and 10,000 m² of floor, 0 m² of hall, 0 and 100 windows are taken; 0 m² of floor is not.
            var edge = try await w.station("610324002-V901")
            edge.floorAreaTenths = 1
            edge.hallAreaTenths = 0
            edge.windows = 0
            _ = try await w.sites.register(by: fufeng, edge)
            edge = try await w.station("610324002-V902")
            edge.floorAreaTenths = 100_000
            edge.windows = 100
            _ = try await w.sites.register(by: fufeng, edge)
            edge = try await w.station("610324002-V903")
            edge.floorAreaTenths = 0
            #expect(await failure { _ = try await w.sites.register(by: fufeng, edge) }.map(fields(of:)) == ["floorArea"])
            // Integer extremes are refused as numbers out of range, never a trap.
            edge.floorAreaTenths = Int.max
            edge.hallAreaTenths = Int.min
            edge.windows = Int.max
            #expect(await failure { _ = try await w.sites.register(by: fufeng, edge) }.map(fields(of:)) == ["floorArea", "hallArea", "windows"])
        }
    }

    @Test("items must be published catalogue items on the site's list; a tier must fit its jurisdiction; a contract only for a social organisation; codes are unique")
    func databaseRules() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let fufeng = try await w.world.actor("fufeng")
            var site = try await w.station()
            site.itemIDs = [UUID.v7()]
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["items"])
            // CL-001 is on Lixia's list, not Fufeng's.
            site.itemIDs = [try await w.item("CL-001").id]
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["items"])
            site.itemIDs = [try await w.item("FM-001").id, try await w.item("FM-001").id]
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["items"])
            site = try await w.station()
            site.tier = .countyCentre
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["tier"])
            site = try await w.station()
            site.contractID = UUID.v7()
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["contractId"])
            site.operatorKind = .socialOrganisation
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["contractId"], "no contract directory holds it")
            site = try await w.station("610324002-T")
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["code"])
            site = try await w.station()
            site.jurisdictionCode = "999999"
            #expect(await failure { _ = try await w.sites.register(by: fufeng, site) }.map(fields(of:)) == ["jurisdictionCode"])
        }
    }

    @Test("staff names are shown to the offices and overseers of the jurisdiction or above it; everyone else sees the counts only")
    func staffPrivacy() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let centre = try await w.site("370102010-T")
            #expect(!centre.content.staff.isEmpty)
            for name in ["admin", "finance", "civil", "yanshan", "overseer"] {
                #expect(w.sites.view(centre, for: try await w.world.actor(name)).staff == centre.content.staff, "\(name) reads the names")
            }
            for name in ["fufeng", "ngo", "evaluator", "incubator"] {
                #expect(w.sites.view(centre, for: try await w.world.actor(name)).staff == nil, "\(name) must not read the names")
            }
            #expect(w.sites.view(centre, for: nil).staff == nil, "a visitor must not read the names")
            #expect(centre.staffCounts.reduce(0) { $0 + $1.count } == centre.content.staff.count)
        }
    }

    @Test("the list pages by code with filters by tier and jurisdiction (its subtree), and counts every site the jurisdiction holds")
    func listing() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            var seen: [String] = []
            var after: String?
            repeat {
                let page = try await w.sites.sites(SiteQuery(jurisdictionCode: "610324", after: after, limit: 50))
                #expect(page.sites.count <= 50)
                seen += page.sites.map(\.content.code)
                after = page.next
            } while after != nil
            #expect(seen.count == 183)
            #expect(seen == seen.sorted() && Set(seen).count == seen.count, "every site once, in code order")
            let towns = try await w.sites.sites(SiteQuery(tier: .townCentre, jurisdictionCode: "610324", limit: 200))
            #expect(towns.sites.count == 8 && towns.next == nil)
            let famen = try await w.sites.sites(SiteQuery(jurisdictionCode: "610324008", limit: 200))
            #expect(famen.sites.allSatisfy { $0.content.code.hasPrefix("610324008") })
            #expect(famen.sites.contains { $0.content.jurisdictionCode == "610324008001" }, "法门村's station sits in its village, below the town")
            #expect(await failure { _ = try await w.sites.sites(SiteQuery(limit: 0)) }.map(fields(of:)) == ["limit"])
            #expect(await failure { _ = try await w.sites.sites(SiteQuery(limit: 201)) }.map(fields(of:)) == ["limit"])
            #expect(await failure { _ = try await w.sites.sites(SiteQuery(jurisdictionCode: "999999")) }.map(fields(of:)) == ["jurisdiction"])
        }
    }

    @Test("the demo holds Fufeng's sites as seed 004 counts them: 1 county centre, 8 town centres, 174 stations, 498 staff split 98/240/68 and 92 part-time")
    func demoCounts() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let counts = try await w.sites.counts(jurisdictionCode: "610324")
            #expect(counts.map(\.sites) == [1, 8, 174])
            #expect(counts.reduce(0) { $0 + $1.staff } == 498)
            var sites: [ServiceSite] = []
            var after: String?
            repeat {
                let page = try await w.sites.sites(SiteQuery(jurisdictionCode: "610324", after: after, limit: 200))
                sites += page.sites
                after = page.next
            } while after != nil
            let staff = sites.flatMap(\.content.staff)
            #expect(staff.filter { $0.post == .establishment }.count == 98)
            #expect(staff.filter { $0.post == .publicWelfare }.count == 240)
            #expect(staff.filter { $0.post == .labourAssistant }.count == 68)
            #expect(staff.filter { $0.post == .committeeMember }.count == 92)
            // Seed 004's average areas: towns 42.6 m², communities 37.5 m², villages 15.6 m².
            func average(_ list: [ServiceSite]) -> Double { Double(list.reduce(0) { $0 + $1.content.floorAreaTenths }) / Double(list.count) / 10 }
            #expect(abs(average(sites.filter { $0.content.tier == .townCentre }) - 42.6) < 0.05)
            let stations = sites.filter { $0.content.tier == .villageStation }
            #expect(abs(average(stations.filter { $0.content.nameZh.contains("社区") }) - 37.5) < 0.05)
            #expect(abs(average(stations.filter { !$0.content.nameZh.contains("社区") }) - 15.6) < 0.05)
            #expect(stations.filter { $0.content.nameZh.contains("社区") }.count == 5)
            #expect(stations.contains { $0.content.operatorKind == .socialOrganisation })
            #expect(try await w.sites.counts(jurisdictionCode: "370102").map(\.sites) == [0, 14, 0], "Lixia's 14 street centres")
        }
    }

    @Test("seeding again adds nothing")
    func seedTwice() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            for name in ["service-sites-fufeng.csv", "service-sites-lixia.csv"] {
                let report = try await w.sites.importFile(by: .system, try TestDatabase.seedFile(name))
                #expect(report.created == 0 && report.updated == 0 && report.unchanged > 0, "\(name): \(report)")
            }
        }
    }
}
