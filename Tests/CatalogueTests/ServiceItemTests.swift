import Catalogue
import Identity
import Core
import Foundation
import Store
import Tabular
import TestSupport
import Testing

@Suite("Service items")
struct ServiceItemTests {
    func service(_ database: Database) -> ServiceItemService {
        ServiceItemService(database: database, identity: DemoWorld(database).identity)
    }

    /// The demo items file with one row replaced (by item code) or appended.
    func itemsFile(replacing code: String? = nil, with row: [String]) throws -> Data {
        var table = try SpreadsheetFile.read(try TestDatabase.seedFile("service-items.csv"))
        if let code, let index = table.rows.firstIndex(where: { $0[0] == code }) { table.rows[index] = row } else { table.rows.append(row) }
        return SpreadsheetFile.write(Table(header: table.header, rows: table.rows), as: .csv)
    }

    func row(_ code: String, name: String = "测试事项", accept: String = "社区", approve: String = "街道", materials: String = "M0001",
             spot: String = "否", days: String = "10") -> [String] {
        [code, "济南市历下区民政局", name, "Test item", "《测试条例》", "本区居民", "受理\n审核\n办结", materials, "办结", days, spot, "均可", "不收费",
         accept, approve, "街道", "2", "5"]
    }

    @Test("searching 养老 finds the elderly-care items, substring matches first")
    func searchChinese() async throws {
        try await TestDatabase.with { database in
            let found = try await service(database).search(ItemSearch(text: "养老"))
            #expect(found.count >= 2)
            #expect(found.allSatisfy { $0.content.nameZh.contains("养老") || $0.content.nameEn.lowercased().contains("care") })
            #expect(found.contains { $0.content.nameZh == "居家养老服务补贴" })
        }
    }

    @Test("searching in English finds by substring, case-insensitively")
    func searchEnglish() async throws {
        try await TestDatabase.with { database in
            let found = try await service(database).search(ItemSearch(text: "DISAB"))
            #expect(!found.isEmpty)
            #expect(found.allSatisfy { $0.content.nameEn.lowercased().contains("disab") })
        }
    }

    @Test("when no name contains the text, names that look like it are offered (a misspelling still finds)")
    func didYouMean() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            #expect(try await items.search(ItemSearch(text: "asessment")).isEmpty == false)
            let found = try await items.search(ItemSearch(text: "legal advise"))
            #expect(found.first?.content.nameEn == "Legal advice")
            #expect(try await items.search(ItemSearch(text: "qqqqzzzz")).isEmpty)
            // The nearest names are taken among those that pass the filters.
            let atCommunity = try await items.search(ItemSearch(text: "asessment", tier: .community))
            #expect(!atCommunity.isEmpty && atCommunity.allSatisfy { $0.content.authority.accept == .community })
            #expect(try await items.search(ItemSearch(text: "asessment", tier: .street)).isEmpty)
        }
    }

    @Test("filters by department, accepting tier and on-the-spot; LIKE wildcards are taken literally")
    func filters() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let civil = try #require(try await DemoWorld(database).identity.organisations(kind: .department, limit: 200)
                .first { $0.nameZh == "济南市历下区民政局" })
            let ofCivil = try await items.search(ItemSearch(departmentID: civil.id, limit: 200))
            #expect(!ofCivil.isEmpty && ofCivil.allSatisfy { $0.departmentID == civil.id && $0.code.hasPrefix("MZ-") })
            let atCommunity = try await items.search(ItemSearch(tier: .community, limit: 200))
            #expect(!atCommunity.isEmpty && atCommunity.allSatisfy { $0.content.authority.accept == .community })
            let onTheSpot = try await items.search(ItemSearch(onTheSpot: true, limit: 200))
            #expect(!onTheSpot.isEmpty && onTheSpot.allSatisfy { $0.content.onTheSpot && $0.content.timeLimitDays == 0 })
            #expect(try await items.search(ItemSearch(text: "%")).isEmpty)
            #expect(try await items.search(ItemSearch(text: "_")).isEmpty)
        }
    }

    @Test("a matrix that approves below the tier that accepts is refused with its row and column")
    func tierRule() async throws {
        try await TestDatabase.with { database in
            let finance = try await DemoWorld(database).actor("finance")
            do {
                _ = try await service(database).importItems(by: finance, try itemsFile(with: row("MZ-900", accept: "街道", approve: "社区")))
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.fields.map(\.field) == ["rows[64].approveTier"])
                #expect(error.fields[0].message.english.contains("below"))
            }
        }
    }

    @Test("a file with bad rows reports them all and changes nothing")
    func allOrNothing() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            var table = try SpreadsheetFile.read(try TestDatabase.seedFile("service-items.csv"))
            table.rows[0][2] = "改了名字"                 // row 2: a valid change that must not be written
            table.rows[1][7] = "M0001、M9999"           // row 3: unknown material
            table.rows[2][10] = "也许"                   // row 4: on-the-spot neither yes nor no
            table.rows[3][1] = "不存在的部门"              // row 5: unknown department
            table.rows[4][9] = "-1"                      // row 6: negative time limit
            do {
                _ = try await items.importItems(by: finance, SpreadsheetFile.write(table, as: .xlsx))
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.fields.map(\.field) == ["rows[3].materials", "rows[4].onTheSpot", "rows[5].department", "rows[6].timeLimitDays"])
            }
            #expect(try await items.search(ItemSearch(text: "改了名字")).isEmpty)
        }
    }

    @Test("the export imports back unchanged, as CSV and as Excel: a jurisdiction's own list by its finance office, every list by an administrator")
    func roundTrip() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let world = DemoWorld(database)
            let finance = try await world.actor("finance")
            let admin = try await world.actor("admin")
            for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
                // Lixia's district list is seed/service-items.csv: 62 items.
                let report = try await items.importItems(by: finance, try await items.exportItems(as: kind, jurisdiction: "370102"))
                #expect(report == ImportReport(unchanged: 62), "\(kind)")
                // Every list: Lixia's 62, Yanshan street's 4 and Fufeng county's 5.
                #expect(try await items.importItems(by: admin, try await items.exportItems(as: kind)) == ImportReport(unchanged: 71), "\(kind)")
                #expect(try await items.importMaterials(by: admin, try await items.exportMaterials(as: kind)) == ImportReport(unchanged: 33))
            }
        }
    }

    @Test("a change publishes a new version; the old version stays as it was; history shows the differences")
    func versions() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            _ = try await items.importItems(by: finance, try itemsFile(with: row("MZ-900")))
            let first = try #require(try await items.search(ItemSearch(text: "测试事项")).first)
            #expect(first.version == 1)
            let report = try await items.importItems(by: finance, try itemsFile(with: row("MZ-900", materials: "M0001、M0002", days: "7")))
            #expect(report.updated == 1)
            let history = try await items.history(id: first.id)
            #expect(history.map(\.item.version) == [2, 1])
            #expect(history[0].changes.map(\.field) == ["materials", "timeLimitDays"])
            #expect(history[0].changes[1].before == "10" && history[0].changes[1].after == "7")
            #expect(history[1].item.content == first.content)
            #expect(try await AuditVerifier(database: database).verify().isIntact)
        }
    }

    @Test("a retired material leaves every item's requirements; the report counts it; it cannot be required again")
    func retire() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let admin = try await DemoWorld(database).actor("admin")
            let before = try await items.materialsReport()
            let retired = try await items.retireMaterial(by: admin, code: "M0004", reason: .dataSharing, note: "收入信息由民政部门共享核对")
            #expect(retired.isRetired)
            let allowance = try #require(try await items.search(ItemSearch(text: "最低生活保障")).first)
            let (required, gone) = try await items.requiredMaterials(of: allowance)
            #expect(!required.contains { $0.code == "M0004" } && gone.map(\.code) == ["M0004"])
            let after = try await items.materialsReport()
            let issuer = "街道办事处"
            #expect(after.first { $0.issuer == issuer }!.retired == before.first { $0.issuer == issuer }!.retired + 1)
            await #expect(throws: DomainError.conflict("M0004 was retired already")) {
                _ = try await items.retireMaterial(by: admin, code: "M0004", reason: .commitment, note: "again")
            }
            await #expect(throws: DomainError.self) {
                _ = try await items.importItems(by: finance, try itemsFile(with: row("MZ-901", materials: "M0004")))
            }
        }
    }

    @Test("only finance offices import items; the shared materials registry is the administrators' alone, finance offices are refused too")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let world = DemoWorld(database)
            for username in ["civil", "ngo", "overseer"] {
                let actor = try await world.actor(username)
                await #expect(throws: DomainError.self) { _ = try await items.importItems(by: actor, try itemsFile(with: row("MZ-902"))) }
            }
            for username in ["civil", "ngo", "overseer", "finance", "fufeng", "yanshan"] {
                let actor = try await world.actor(username)
                await #expect(throws: DomainError.forbidden("only platform administrators may do this"), "\(username)") {
                    _ = try await items.retireMaterial(by: actor, code: "M0001", reason: .commitment, note: "x")
                }
                await #expect(throws: DomainError.forbidden("only platform administrators may do this"), "\(username)") {
                    _ = try await items.importMaterials(by: actor, try TestDatabase.seedFile("materials.csv"))
                }
            }
            #expect(try await items.materials().allSatisfy { !$0.isRetired })
        }
    }
}

@Suite("Local details of service items")
struct LocalDetailsTests {
    @Test("a street office records where its street offers an item; the item keeps its name; audited")
    func streetOffice() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let items = ServiceItemService(database: database, identity: world.identity)
            let item = try #require(try await items.search(ItemSearch(text: "居家养老服务补贴")).first)
            // The Yanshan street office (a department of street 370102010) signs in through a new user.
            let office = try #require(try await world.identity.organisations(kind: .department, limit: 200).first { $0.nameZh == "燕山街道办事处" })
            let clerk = try await world.identity.createUser(by: try await world.actor("admin"), NewUser(
                username: "yanshan-window", displayName: "燕山窗口", password: "a long password", organisationID: office.id, roles: ["buyer"]))
            let actor = try await world.identity.signIn(username: clerk.username, password: "a long password")
            let details = try await items.setLocalDetails(by: actor, itemID: item.id, jurisdictionCode: "370102010", address: "燕山街道便民服务中心",
                                                          phone: "0531-00000000", hours: "周一至周五 9:00-17:00", notes: "")
            #expect(try await items.localDetails(of: item.id) == [details])
            #expect(try await items.item(id: item.id).content.nameZh == "居家养老服务补贴")
            #expect(try await AuditVerifier(database: database).verify().isIntact)

            // Not for another street, nor for the district above it.
            for code in ["370102001", "370102"] {
                await #expect(throws: DomainError.self) {
                    _ = try await items.setLocalDetails(by: actor, itemID: item.id, jurisdictionCode: code, address: "x", phone: "1", hours: "1", notes: "")
                }
            }
        }
    }

    @Test("the district finance office may describe any street below it; suppliers may not; bad input is refused")
    func districtAndRefusals() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let items = ServiceItemService(database: database, identity: world.identity)
            let item = try #require(try await items.search(ItemSearch(text: "婚姻登记")).first)
            _ = try await items.setLocalDetails(by: try await world.actor("finance"), itemID: item.id, jurisdictionCode: "370102001",
                                                address: "解放路", phone: "1", hours: "9-17", notes: "")
            await #expect(throws: DomainError.self) {
                _ = try await items.setLocalDetails(by: try await world.actor("ngo"), itemID: item.id, jurisdictionCode: "370102001",
                                                    address: "x", phone: "1", hours: "1", notes: "")
            }
            await #expect(throws: DomainError.self) {
                _ = try await items.setLocalDetails(by: try await world.actor("fufeng"), itemID: item.id, jurisdictionCode: "370102001",
                                                    address: "x", phone: "1", hours: "1", notes: "")
            }
            do {
                _ = try await items.setLocalDetails(by: try await world.actor("finance"), itemID: item.id, jurisdictionCode: "370102001",
                                                    address: " ", phone: "", hours: "9-17", notes: "")
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.fields.map(\.field) == ["address", "phone"])
            }
        }
    }
}
