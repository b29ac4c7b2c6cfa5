import Catalogue
import Core
import Foundation
import Identity
import Store
import Tabular
import TestSupport
import Testing

/// Catalogues by jurisdiction (issue 20). The rule, from DOMAIN.md §1 and the issue: every item is on one
/// jurisdiction's list; a finance office keeps the lists of its own jurisdiction and of those below it,
/// never those above it or of another county; a jurisdiction's list shows what it inherits from above.
/// The demo: Lixia district (370102) keeps the 62 items of seed/service-items.csv, its Yanshan street
/// (370102010) 4 items YS-001…004 (kept by `yanshan`), Fufeng county (610324) 5 items FM-001…005.
@Suite("Catalogues by jurisdiction")
struct CatalogueJurisdictionTests {
    struct World {
        let database: Database
        let world: DemoWorld
        let items: ServiceItemService
        init(_ database: Database) {
            self.database = database
            world = DemoWorld(database)
            items = ServiceItemService(database: database, identity: world.identity)
        }

        func item(_ code: String) async throws -> ServiceItem {
            try #require(try await items.search(ItemSearch(limit: 200)).first { $0.code == code })
        }

        func department(_ name: String) async throws -> Organisation {
            try #require(try await world.identity.organisations(kind: .department, limit: 200).first { $0.nameZh == name })
        }

        func jurisdiction(_ code: String) async throws -> Jurisdiction {
            try #require(try await world.identity.jurisdiction(code: code))
        }

        /// The item's content with a fee text of its own, to see whether a change went through.
        func changed(_ item: ServiceItem, _ fees: String) -> ItemContent {
            var content = item.content
            content.fees = fees
            return content
        }
    }

    func expectForbidden(_ what: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("\(what) must be refused")
        } catch let error as DomainError {
            #expect(error.kind == .forbidden, "\(what): \(error)")
        } catch {
            Issue.record("\(what): \(error)")
        }
    }

    @Test("another county's finance office can neither draft, publish, discard nor see a draft of a Lixia item; nothing changes")
    func otherCounty() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let fufeng = try await w.world.actor("fufeng")
            let finance = try await w.world.actor("finance")
            let item = try await w.item("MZ-001")
            await expectForbidden("fufeng opening the edit form") { _ = try await w.items.draftForEditing(by: fufeng, itemID: item.id) }
            await expectForbidden("fufeng saving a draft") { _ = try await w.items.saveDraft(by: fufeng, itemID: item.id, content: w.changed(item, "扶风改的")) }
            // A draft Lixia saved stays Lixia's: fufeng may not read, publish nor throw it away.
            _ = try await w.items.saveDraft(by: finance, itemID: item.id, content: w.changed(item, "历下改的"))
            await expectForbidden("fufeng reading the draft") { _ = try await w.items.draft(by: fufeng, itemID: item.id) }
            await expectForbidden("fufeng publishing") { _ = try await w.items.publishDraft(by: fufeng, itemID: item.id) }
            await expectForbidden("fufeng discarding") { try await w.items.discardDraft(by: fufeng, itemID: item.id) }
            #expect(try await w.items.drafts(by: fufeng).isEmpty)
            #expect(try await w.items.item(id: item.id) == item)
            #expect(try await w.items.draft(by: finance, itemID: item.id)?.content.fees == "历下改的")
            await expectForbidden("fufeng starting an item of a Lixia department") {
                _ = try await w.items.createItem(by: fufeng, code: "MZ-097", departmentID: try await w.department("济南市历下区民政局").id,
                                                 content: item.content)
            }
            #expect(try await w.items.search(ItemSearch(limit: 200)).contains { $0.code == "MZ-097" } == false)
        }
    }

    @Test("a district's finance office keeps the lists of the streets below it")
    func districtKeepsStreet() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            let street = try await w.item("YS-003")
            #expect(street.jurisdictionID == (try await w.jurisdiction("370102010")).id)
            #expect(try await w.items.mayManage(finance, item: street))
            _ = try await w.items.saveDraft(by: finance, itemID: street.id, content: w.changed(street, "区财政局统一：不收费"))
            let published = try await w.items.publishDraft(by: finance, itemID: street.id)
            #expect(published.version == street.version + 1 && published.content.fees == "区财政局统一：不收费")
            #expect(published.jurisdictionID == street.jurisdictionID)
        }
    }

    @Test("a street's finance office keeps its own list and not the district's above it")
    func streetKeepsOwnOnly() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let yanshan = try await w.world.actor("yanshan")
            let district = try await w.item("MZ-001")
            #expect(try await w.items.mayManage(yanshan, item: district) == false)
            await expectForbidden("yanshan opening a district item") { _ = try await w.items.draftForEditing(by: yanshan, itemID: district.id) }
            await expectForbidden("yanshan saving a district item") {
                _ = try await w.items.saveDraft(by: yanshan, itemID: district.id, content: w.changed(district, "街道改的"))
            }
            await expectForbidden("yanshan publishing a district item") { _ = try await w.items.publishDraft(by: yanshan, itemID: district.id) }
            #expect(try await w.items.item(id: district.id) == district)

            let own = try await w.item("YS-001")
            _ = try await w.items.saveDraft(by: yanshan, itemID: own.id, content: w.changed(own, "免费"))
            #expect(try await w.items.drafts(by: yanshan).map(\.itemID) == [own.id])
            #expect(try await w.items.publishDraft(by: yanshan, itemID: own.id).content.fees == "免费")
            // Another street's office has no say over Yanshan's list, and Fufeng none over either.
            #expect(try await w.items.mayManage(try await w.world.actor("fufeng"), item: own) == false)
        }
    }

    @Test("a new item goes on its department's list or a stated one below it, and only a keeper of that list may start it")
    func newItemLists() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let yanshan = try await w.world.actor("yanshan")
            let content = try await w.item("YS-002").content
            let streetOffice = try await w.department("燕山街道办事处")
            let civil = try await w.department("济南市历下区民政局")
            let yanshanStreet = try await w.jurisdiction("370102010")

            let own = try await w.items.createItem(by: yanshan, code: "YS-010", departmentID: streetOffice.id, content: content)
            #expect(own.jurisdictionID == yanshanStreet.id)
            // A district department's item on the street's list, stated: the street keeps it.
            let stated = try await w.items.createItem(by: yanshan, code: "YS-011", departmentID: civil.id, jurisdictionCode: "370102010", content: content)
            #expect(stated.jurisdictionID == yanshanStreet.id)
            // Without the statement it would be the district's list: not the street's to start.
            await expectForbidden("yanshan starting a district item") {
                _ = try await w.items.createItem(by: yanshan, code: "YS-012", departmentID: civil.id, content: content)
            }
            // A list above the department's own is no list for its item.
            do {
                _ = try await w.items.createItem(by: try await w.world.actor("finance"), code: "YS-013", departmentID: streetOffice.id,
                                                 jurisdictionCode: "370102", content: content)
                Issue.record("a street office's item on the district's list was accepted")
            } catch let error as DomainError {
                #expect(error.kind == .invalid && error.fields.map(\.field) == ["jurisdictionCode"])
            }
            await #expect(throws: DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code 999")])) {
                _ = try await w.items.createItem(by: yanshan, code: "YS-014", departmentID: streetOffice.id, jurisdictionCode: "999", content: content)
            }
            // Fufeng starts items of its own county.
            let fufengCivil = try await w.department("扶风县民政局")
            let county = try await w.items.createItem(by: try await w.world.actor("fufeng"), code: "FM-010", departmentID: fufengCivil.id, content: content)
            #expect(county.jurisdictionID == (try await w.jurisdiction("610324")).id)
        }
    }

    @Test("drafts are listed to the keepers of their lists: the district sees its streets', a street not the district's, another county none")
    func draftLists() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            let yanshan = try await w.world.actor("yanshan")
            let district = try await w.item("MZ-002")
            let street = try await w.item("YS-002")
            _ = try await w.items.saveDraft(by: finance, itemID: district.id, content: w.changed(district, "a"))
            _ = try await w.items.saveDraft(by: yanshan, itemID: street.id, content: w.changed(street, "b"))
            #expect(Set(try await w.items.drafts(by: finance).map(\.itemID)) == [district.id, street.id])
            #expect(try await w.items.drafts(by: yanshan).map(\.itemID) == [street.id])
            #expect(try await w.items.drafts(by: try await w.world.actor("fufeng")).isEmpty)
            #expect(Set(try await w.items.drafts(by: try await w.world.actor("admin")).map(\.itemID)) == [district.id, street.id])
        }
    }

    @Test("a jurisdiction's list holds its own items and those it inherits from above, never those below it or of another county")
    func inheritedList() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let street = try await w.items.listing(ItemSearch(jurisdiction: "370102010", limit: 200))
            #expect(street.jurisdiction?.code == "370102010")
            let own = street.entries.filter { !$0.inherited }.map(\.item.code)
            let inherited = street.entries.filter(\.inherited).map(\.item.code)
            #expect(Set(own) == ["YS-001", "YS-002", "YS-003", "YS-004"])
            #expect(inherited.count == 62 && inherited.allSatisfy { !$0.hasPrefix("YS-") && !$0.hasPrefix("FM-") })
            #expect(street.entries.filter(\.inherited).allSatisfy { $0.list?.code == "370102" })

            let district = try await w.items.listing(ItemSearch(jurisdiction: "370102", limit: 200))
            #expect(district.entries.count == 62 && district.entries.allSatisfy { !$0.inherited })
            // A community below Yanshan inherits both the street's list and the district's.
            let community = try await w.items.listing(ItemSearch(jurisdiction: "370102010001", limit: 200))
            #expect(community.entries.count == 66 && community.entries.allSatisfy(\.inherited))
            // Another street of Lixia inherits the district's list but not Yanshan's.
            let otherStreet = try await w.items.listing(ItemSearch(jurisdiction: "370102001", limit: 200))
            #expect(otherStreet.entries.count == 62)
            let county = try await w.items.listing(ItemSearch(jurisdiction: "610324", limit: 200))
            #expect(Set(county.entries.map(\.item.code)) == ["FM-001", "FM-002", "FM-003", "FM-004", "FM-005"])
            // The filters combine with the list: a text search inside Yanshan's list.
            #expect(try await w.items.listing(ItemSearch(text: "微项目", jurisdiction: "370102010")).entries.map(\.item.code) == ["YS-003"])
            #expect(try await w.items.listing(ItemSearch(text: "微项目", jurisdiction: "370102")).entries.isEmpty)
            // Without a jurisdiction every list, nothing marked inherited.
            let all = try await w.items.listing(ItemSearch(limit: 200))
            #expect(all.jurisdiction == nil && all.entries.count == 71 && all.entries.allSatisfy { !$0.inherited })
            await #expect(throws: DomainError.invalid([FieldError("jurisdiction", "no jurisdiction has code 123456")])) {
                _ = try await w.items.listing(ItemSearch(jurisdiction: "123456"))
            }
        }
    }

    @Test("an import touching a list the importer does not keep is refused whole (403, rows named); its own rows are not written either")
    func importRefused() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            // Yanshan's own list, exported, with a changed street item and a changed district item added.
            var table = try SpreadsheetFile.read(try await w.items.exportItems(as: .csv, jurisdiction: "370102010"))
            #expect(table.rows.count == 4)
            table.rows[0][12] = "街道改的"
            var district = try SpreadsheetFile.read(try await w.items.exportItems(as: .csv, jurisdiction: "370102")).rows[0]
            district[12] = "街道改的"
            table.rows.append(district)
            let file = SpreadsheetFile.write(table, as: .csv)
            let before = try await w.items.search(ItemSearch(limit: 200))
            for username in ["yanshan", "fufeng"] {
                do {
                    _ = try await w.items.importItems(by: try await w.world.actor(username), file)
                    Issue.record("\(username)'s import must be refused")
                } catch let error as DomainError {
                    #expect(error.kind == .forbidden, "\(username)")
                    // yanshan keeps its four rows and not the district's; fufeng none of them.
                    #expect(error.fields.map(\.field) == (username == "yanshan" ? ["rows[6].code"] : (2...6).map { "rows[\($0)].code" }), "\(username)")
                }
            }
            #expect(try await w.items.search(ItemSearch(limit: 200)) == before)
            // The district's office keeps both lists: the same file goes through.
            #expect(try await w.items.importItems(by: try await w.world.actor("finance"), file) == ImportReport(updated: 2, unchanged: 3))
            // A new row is on its department's list: Fufeng may not put an item on a Lixia department's.
            var fufengFile = try SpreadsheetFile.read(try await w.items.exportItems(as: .csv, jurisdiction: "610324"))
            var row = fufengFile.rows[0]
            row[0] = "FM-020"
            row[1] = "济南市历下区民政局"
            row[18] = ""
            fufengFile.rows.append(row)
            await expectForbidden("fufeng adding an item to a Lixia department's list") {
                _ = try await w.items.importItems(by: try await w.world.actor("fufeng"), SpreadsheetFile.write(fufengFile, as: .csv))
            }
            fufengFile.rows.removeLast()
            #expect(try await w.items.importItems(by: try await w.world.actor("fufeng"), SpreadsheetFile.write(fufengFile, as: .csv))
                == ImportReport(unchanged: 5))
        }
    }

    @Test("an import states a list below the department's; a list above it, or a different one for an existing item, is refused by row")
    func importStatedList() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            var table = try SpreadsheetFile.read(try await w.items.exportItems(as: .csv, jurisdiction: "370102"))
            table.rows = [table.rows[0], table.rows[1], table.rows[2]]
            table.rows[0][0] = "MZ-120"
            table.rows[0][18] = "370102010"   // a district department's new item on Yanshan street's list: fine
            table.rows[1][18] = "370102010"   // an existing district item moved to a street's list: refused
            table.rows[2][0] = "YS-120"
            table.rows[2][1] = "燕山街道办事处"
            table.rows[2][18] = "370102"      // a street office's item on the district's list: refused
            do {
                _ = try await w.items.importItems(by: finance, SpreadsheetFile.write(table, as: .csv))
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .invalid && error.fields.map(\.field) == ["rows[3].jurisdiction", "rows[4].jurisdiction"])
            }
            table.rows.removeLast(2)
            #expect(try await w.items.importItems(by: finance, SpreadsheetFile.write(table, as: .csv)).created == 1)
            let listing = try await w.items.listing(ItemSearch(jurisdiction: "370102010", limit: 200))
            #expect(listing.entries.contains { $0.item.code == "MZ-120" && !$0.inherited })
        }
    }
}

/// Negative-list entries of jurisdictions: national entries bind everyone; a jurisdiction's own bind it
/// and every jurisdiction below it. The demo: Lixia (370102) lists A0602, Yanshan street (370102010) A0801.
@Suite("Negative lists by jurisdiction")
struct NegativeListTests {
    @Test("a street inherits its district's entries and the national ones; the district not the street's; another county neither")
    func inheritance() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let service = NegativeListService(database: database, identity: world.identity)
            let street = try await service.listing(jurisdictionCode: "370102010", for: nil)
            let local = street.entries.filter { $0.entry != nil }
            #expect(local.map { "\($0.category.code) \($0.listedBy?.code ?? "") \($0.inherited)" } == ["A0602 370102 true", "A0801 370102010 false"])
            #expect(street.entries.filter { $0.entry == nil }.allSatisfy { $0.inherited && $0.listedBy == nil && $0.category.code.hasPrefix("N") })
            #expect(!street.categories.purchasableCodes.contains("A0602") && !street.categories.purchasableCodes.contains("A0801"))

            let district = try await service.listing(jurisdictionCode: "370102", for: nil)
            #expect(district.entries.compactMap { $0.entry?.code } == ["A0602"])
            #expect(!district.categories.purchasableCodes.contains("A0602") && district.categories.purchasableCodes.contains("A0801"))

            let county = try await service.listing(jurisdictionCode: "610324", for: nil)
            #expect(county.entries.allSatisfy { $0.entry == nil })
            #expect(county.categories.purchasableCodes.isSuperset(of: ["A0602", "A0801"]))
            // The purchase catalogue gives buyers the same answer from a path.
            let catalogue = PurchaseCatalogueService(database: database)
            let yanshan = try #require(try await world.identity.jurisdiction(code: "370102010"))
            #expect(try await catalogue.categories(in: yanshan.path).purchaseProblem("A0602")?.english.contains("negative list") == true)
            #expect(try await catalogue.categories().purchaseProblem("A0602") == nil)
        }
    }

    @Test("a finance office keeps the entries of its jurisdiction and those below it; refusals change nothing")
    func keepers() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let service = NegativeListService(database: database, identity: world.identity)
            func addEntry(_ user: String, _ jurisdiction: String, _ code: String) async throws -> NegativeEntry {
                try await service.add(by: try await world.actor(user), jurisdictionCode: jurisdiction, code: code, reason: .governmentDuty, note: "测试")
            }
            func refused(_ user: String, _ jurisdiction: String, _ code: String) async {
                let error = await #expect(throws: DomainError.self) { _ = try await addEntry(user, jurisdiction, code) }
                #expect(error?.kind == .forbidden, "\(user) adding \(code) for \(jurisdiction): \(String(describing: error))")
            }
            await refused("fufeng", "370102", "A0502")
            await refused("yanshan", "370102", "A0502")        // the district above it
            await refused("yanshan", "370102001", "A0502")     // a sibling street
            await refused("civil", "370102", "A0502")          // a department, not a finance office
            await refused("ngo", "370102", "A0502")
            let before = try await service.listing(jurisdictionCode: nil, for: nil).entries.count

            let own = try await addEntry("yanshan", "370102010", "A0502")
            let below = try await addEntry("finance", "370102010", "A0501")   // the district's office, for the street below it
            #expect(try await service.listing(jurisdictionCode: nil, for: nil).entries.count == before + 2)
            // Listed already, there or above: 409.
            await #expect(throws: DomainError.self) { _ = try await addEntry("yanshan", "370102010", "A0602") }
            await #expect(throws: DomainError.self) { _ = try await addEntry("finance", "370102", "N0101") }
            do {
                _ = try await addEntry("finance", "370102", "Z9999")
                Issue.record("an unknown code was listed")
            } catch let error as DomainError { #expect(error.kind == .invalid && error.fields.map(\.field) == ["code"]) }

            // Removing: the district's entry is not the street's to lift; the district lifts the street's.
            let lixiaEntry = try #require(try await service.listing(jurisdictionCode: "370102", for: nil).entries.first { $0.entry?.code == "A0602" }?.entry)
            let yanshan = try await world.actor("yanshan")
            do {
                try await service.remove(by: yanshan, id: lixiaEntry.id)
                Issue.record("yanshan removed Lixia's entry")
            } catch let error as DomainError { #expect(error.kind == .forbidden) }
            do {
                try await service.remove(by: try await world.actor("fufeng"), id: own.id)
                Issue.record("fufeng removed Yanshan's entry")
            } catch let error as DomainError { #expect(error.kind == .forbidden) }
            let forYanshan = try await service.listing(jurisdictionCode: "370102010", for: yanshan).entries.filter { $0.entry != nil }
            #expect(forYanshan.map { "\($0.category.code) \($0.mayRemove)" } == ["A0501 true", "A0502 true", "A0602 false", "A0801 true"])
            try await service.remove(by: try await world.actor("finance"), id: below.id)
            try await service.remove(by: yanshan, id: own.id)
            #expect(try await service.listing(jurisdictionCode: nil, for: nil).entries.count == before)
            #expect(try await AuditVerifier(database: database).verify().isIntact)
        }
    }
}
