import Catalogue
import Core
import Foundation
import Grassroots
import Identity
import Store
import Tabular
import TestSupport
import Testing

/// Sites files (Contracts/imports/service-sites.md): a good file registers and updates by code; every bad row is
/// listed and nothing is written; a row outside the importer's jurisdiction refuses the whole file; an export
/// imports back unchanged; staff names leave only with those who may read them.
@Suite("Service sites: import and export")
struct SiteImportTests {
    static let header = "站点编码,名称,英文名称,层级,行政区划代码,运营方类型,运营方,合同编号,地址,建筑面积（平方米）,服务场所面积（平方米）,设备,窗口数,工作人员,开放时间,服务事项"

    static func row(_ code: String, name: String = "新村公共服务站", tier: String = "村（社区）服务站", jurisdiction: String = "610324003",
                    operatorKind: String = "村（居）委会", floor: String = "15.6", hall: String = "12", windows: String = "1",
                    staff: String = "张新|公益岗|500元/月；李新|兼职|村（居）委会兼职", items: String = "FM-001；FM-002") -> String {
        [code, name, "", tier, jurisdiction, operatorKind, "新村村民委员会", "", "扶风县午井镇新村", floor, hall, "计算机、电话", windows, staff,
         "周一至周五 9:00–12:00", items].joined(separator: ",")
    }

    static func file(_ rows: [String]) -> Data { Data(([header] + rows).joined(separator: "\n").utf8) }

    struct World {
        let world: DemoWorld
        let sites: SiteService
        init(_ database: Database) {
            world = DemoWorld(database)
            sites = SiteService(database: database, identity: world.identity, catalogue: ServiceItemService(database: database, identity: world.identity))
        }

        func count(_ code: String = "610324") async throws -> Int {
            try await sites.counts(jurisdictionCode: code).reduce(0) { $0 + $1.sites }
        }
    }

    @Test("a good file registers new codes and updates known ones; importing it again changes nothing")
    func goodFile() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let fufeng = try await w.world.actor("fufeng")
            let data = Self.file([Self.row("610324003-V901"), Self.row("610324003-V902", floor: "20.5", staff: "")])
            #expect(try await w.sites.importFile(by: fufeng, data) == SiteImportReport(created: 2, updated: 0, unchanged: 0))
            #expect(try await w.count() == 185)
            #expect(try await w.sites.importFile(by: fufeng, data) == SiteImportReport(created: 0, updated: 0, unchanged: 2))
            let changed = Self.file([Self.row("610324003-V901", windows: "2"), Self.row("610324003-V902", floor: "20.5", staff: "")])
            #expect(try await w.sites.importFile(by: fufeng, changed) == SiteImportReport(created: 0, updated: 1, unchanged: 1))
            let page = try await w.sites.sites(SiteQuery(jurisdictionCode: "610324003", limit: 200))
            let site = try #require(page.sites.first { $0.content.code == "610324003-V901" })
            #expect(site.content.windows == 2)
            #expect(site.content.floorAreaTenths == 156)
            #expect(site.content.staff == [SiteStaff(name: "张新", post: .publicWelfare, payBand: "500元/月"),
                                           SiteStaff(name: "李新", post: .committeeMember, payBand: "村（居）委会兼职")])
            #expect(site.content.itemIDs.count == 2)
        }
    }

    @Test("every bad row is reported by row and column, and nothing is written")
    func badRows() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let fufeng = try await w.world.actor("fufeng")
            let data = Self.file([
                Self.row("610324003-V901"),                                   // row 2: good
                Self.row("610324003-V902", tier: "乡镇"),                      // row 3: unknown tier
                Self.row("610324003-V903", floor: "-3"),                      // row 4: negative area
                Self.row("610324003-V904", floor: "100000.1"),                // row 5: huge area
                Self.row("610324003-V905", name: ""),                         // row 6: empty name
                Self.row("610324003-V906", items: "FM-999"),                  // row 7: unknown item
                Self.row("610324003-V907", staff: "王五|科长|2000元"),          // row 8: unknown post
                Self.row("610324003-V901"),                                   // row 9: code twice
                Self.row("610324003-V908", jurisdiction: "610324999"),        // row 10: unknown jurisdiction
                Self.row("610324003-V909", windows: "1.5"),                   // row 11: windows not whole
                Self.row("610324003-V910", items: "CL-001"),                  // row 12: Lixia's item
                Self.row("610324003-V911", tier: "县级服务中心"),                 // row 13: a county centre in a town
                Self.row("610324003-V912", operatorKind: "企业"),                // row 14: unknown operator
            ])
            do {
                _ = try await w.sites.importFile(by: fufeng, data)
                Issue.record("a file with bad rows was imported")
            } catch let error as DomainError {
                #expect(error.kind == .invalid)
                let fields = Set(error.fields.map(\.field))
                #expect(fields == ["rows[3].tier", "rows[4].floorArea", "rows[5].floorArea", "rows[6].nameZh", "rows[7].items", "rows[8].staff",
                                   "rows[9].code", "rows[10].jurisdiction", "rows[11].windows", "rows[12].items", "rows[13].tier",
                                   "rows[14].operatorKind"], "\(fields.sorted())")
            }
            #expect(try await w.count() == 183, "nothing was written, not even the good row")
        }
    }

    @Test("a row in another county's jurisdiction refuses the whole file (403, the row named); a visitor's and a supplier's file are refused")
    func foreignRows() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            let data = Self.file([Self.row("370102010-V901", jurisdiction: "370102010", items: ""), Self.row("610324003-V901")])
            do {
                _ = try await w.sites.importFile(by: finance, data)
                Issue.record("Lixia imported a Fufeng site")
            } catch let error as DomainError {
                #expect(error.kind == .forbidden)
                #expect(error.fields.map(\.field) == ["rows[3].jurisdiction"])
            }
            #expect(try await w.count("370102") == 14)
            let ngo = try await w.world.actor("ngo")
            #expect(await failure { _ = try await w.sites.importFile(by: ngo, data) }?.kind == .forbidden)
            // A row changing a Fufeng site's code into Lixia is refused as well (the code is the key).
            let move = Self.file([Self.row("610324002-T", tier: "镇（街道）服务中心", jurisdiction: "370102010", items: "")])
            #expect(await failure { _ = try await w.sites.importFile(by: finance, move) }?.kind == .forbidden)
        }
    }

    @Test("export then import changes nothing, in CSV and in XLSX; the staff column leaves only with those who may read every site's staff")
    func roundTrip() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let admin = try await w.world.actor("admin")
            for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
                let exported = try await w.sites.export(for: admin, as: kind)
                #expect(try await w.sites.importFile(by: admin, exported) == SiteImportReport(created: 0, updated: 0, unchanged: 197), "\(kind)")
            }
            let fufeng = try await w.world.actor("fufeng")
            let own = try await w.sites.export(for: fufeng, jurisdictionCode: "610324", as: .csv)
            #expect(String(decoding: own, as: UTF8.self).contains("工作人员"))
            #expect(try await w.sites.importFile(by: fufeng, own) == SiteImportReport(created: 0, updated: 0, unchanged: 183))
            // A visitor's export: no staff column, no name of anyone; importing it back leaves the staff as they are.
            let anonymous = String(decoding: try await w.sites.export(for: nil, jurisdictionCode: "610324", as: .csv), as: UTF8.self)
            #expect(!anonymous.contains("工作人员"))
            #expect(!anonymous.contains("财政全额拨款"))
            #expect(try await w.sites.importFile(by: fufeng, Data(anonymous.utf8)) == SiteImportReport(created: 0, updated: 0, unchanged: 183))
            #expect(try await w.sites.counts(jurisdictionCode: "610324").reduce(0) { $0 + $1.staff } == 498)
            // Lixia's office exporting everything may not read Fufeng's staff: no staff column.
            let finance = try await w.world.actor("finance")
            #expect(!String(decoding: try await w.sites.export(for: finance, as: .csv), as: UTF8.self).contains("工作人员"))
        }
    }
}
