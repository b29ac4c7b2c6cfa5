import Catalogue
import Core
import Foundation
import Identity
@testable import Server
import TestSupport
import Testing

/// The catalogue's typed page models, built from what the services give. Expectations follow the catalogue's rules
/// (DOMAIN.md §1, issue 20): a jurisdiction's list holds its own items and inherits those of the jurisdictions above
/// it; a material is retired by data sharing or a signed commitment and stays in the registry, marked.
/// Demo: Yanshan street (370102010) lists YS-001…004 and sits under Lixia (370102), whose items are MZ-….
@Suite("Catalogue page models")
struct CataloguePageModelTests {
    @Test("a street's list: its own items and, marked inherited, its district's; the counts are over the whole list")
    func list() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let items = ServiceItemService(database: database, identity: world.identity)
            let search = ItemSearch(jurisdiction: "370102010", limit: 500)
            let listing = try await items.listing(search)
            let page = CatalogueListPage.model(listing: listing, entries: listing.entries, search: search, departments: [],
                                               jurisdictions: try await world.identity.jurisdictions(), pager: Pager.none, language: .zh, say: { $0 })
            let own = page.items.filter { !$0.inherited }.map(\.code)
            #expect(own.sorted() == ["YS-001", "YS-002", "YS-003", "YS-004"])
            #expect(page.items.filter(\.inherited).contains { $0.code.hasPrefix("MZ-") } && !page.items.filter(\.inherited).contains { $0.code.hasPrefix("YS-") })
            let chosen = try #require(page.chosen)
            #expect(chosen.code == "370102010" && chosen.own == 4 && chosen.own + chosen.inherited == page.total)
            #expect(page.jurisdictions.filter(\.selected).map(\.code) == ["370102010"])
            let all = CatalogueListPage.model(listing: try await items.listing(ItemSearch(limit: 500)), entries: [], search: ItemSearch(limit: 500),
                                              departments: [], jurisdictions: [], pager: Pager.none, language: .zh, say: { $0 })
            #expect(all.chosen == nil, "every list at once chooses none")
        }
    }

    @Test("the materials registry: a retired material stays, marked with why; only its keepers are offered the form")
    func materials() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let items = ServiceItemService(database: database, identity: world.identity)
            let before = try await items.materials()
            let material = try #require(before.first { !$0.isRetired })
            let admin = try await world.actor("admin")
            _ = try await items.retireMaterial(by: admin, code: material.code, reason: .commitment, note: "以告知承诺替代")
            let page = MaterialsPage.model(materials: try await items.materials(), report: try await items.materialsReport(),
                                           canRetire: items.mayKeepMaterials(admin), language: .zh, say: { $0 })
            let row = try #require(page.materials.first { $0.code == material.code })
            #expect(row.retired && row.reason == "retired_commitment" && row.note == "以告知承诺替代")
            #expect(page.total == before.count && page.retiredCount == before.filter(\.isRetired).count + 1)
            #expect(page.report.reduce(0) { $0 + $1.retired } == page.retiredCount && page.canRetire)
            #expect(!items.mayKeepMaterials(try await world.actor("ngo")) && !items.mayKeepMaterials(nil))
        }
    }

    @Test("a street's purchase catalogue: its district's entry inherited and not its to remove, its own removable by its keeper; listed categories are not purchasable")
    func purchaseCatalogue() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let service = NegativeListService(database: database, identity: world.identity)
            let yanshan = try await world.actor("yanshan")
            func page(_ reader: Actor?) async throws -> PurchaseCataloguePage {
                PurchaseCataloguePage.model(listing: try await service.listing(jurisdictionCode: "370102010", for: reader),
                                            jurisdictions: try await world.identity.jurisdictions(),
                                            kept: try await reader == nil ? [] : service.jurisdictionsKept(by: reader), canImport: false, form: [:], errors: [],
                                            language: .zh, say: { $0 }, message: { $0.english })
            }
            let keeper = try await page(yanshan)
            let local = keeper.entries.filter { !$0.id.isEmpty }
            #expect(local.map { "\($0.code) \($0.inherited) \($0.mayRemove)" } == ["A0602 true false", "A0801 false true"])
            #expect(keeper.categories.filter { ["A0602", "A0801"].contains($0.code) }.allSatisfy { !$0.purchasable && $0.negative != nil })
            #expect(keeper.chosen?.code == "370102010" && keeper.keptJurisdictions.map(\.code).contains("370102010"))
            #expect(!keeper.keptJurisdictions.map(\.code).contains("370102"), "a street does not keep its district's list")
            let visitor = try await page(nil)
            #expect(visitor.keptJurisdictions.isEmpty && visitor.entries.allSatisfy { !$0.mayRemove })
        }
    }

    @Test("a refused import names each problem by row and column")
    func refusedImport() {
        let error = DomainError.invalid([FieldError("rows[7].nameZh", "is required"), FieldError("file", "is empty")])
        let page = ImportPage.refused(error, mayImportShared: false, filename: "items.csv", kind: "import_kind_items", message: { $0.english })
        #expect(page.errors.map(\.row) == ["7", ""] && page.errors.map(\.column) == ["nameZh", "file"] && page.report == nil && !page.refusedLists)
        #expect(ImportPage.form(mayImportShared: true).errors.isEmpty)
    }

    @Test("the item editor: a refused item comes back as typed, each problem beside its input and linked from the summary; a refusal of the whole draft unlinked")
    func refusedEditor() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let items = ServiceItemService(database: database, identity: world.identity)
            var typed = EditorForm.blank.fields
            typed["nameZh"] = ""
            typed["fees"] = "免费"
            typed["timeLimitDays"] = "十"
            let materials = try await items.materials()
            let chosen = try #require(materials.first { !$0.isRetired })
            let errors = [FieldError("timeLimitDays", "must be a whole number of days from 0 to 365"), FieldError("nameZh", "is required"),
                          FieldError("draft", "a newer version was published")]
            let page = CatalogueEditorPage.model(draft: nil, changes: [], form: EditorForm(typed: typed, materials: [chosen.code]), errors: errors,
                                                 materials: materials, departments: [], lists: [], notice: nil, language: .zh, say: { $0 },
                                                 message: { $0.english })
            #expect(page.isNew && page.draft == nil && page.action == "/catalogue/new")
            #expect(page.f["timeLimitDays"]?.value == "十" && page.f["timeLimitDays"]?.error != nil && page.f["fees"]?.value == "免费")
            #expect(page.f["nameZh"]?.error != nil && page.f["fees"]?.error == nil)
            let problem = try #require(page.problem)
            #expect(problem.detail == "editor_errors" && problem.fields.map(\.href) == ["#item-timeLimitDays", "#item-nameZh", nil])
            #expect(problem.fields.map(\.field) == ["itemField_timeLimitDays", "itemField_nameZh", "itemField_draft"])
            #expect(page.materials.filter(\.checked).map(\.code) == [chosen.code], "the materials ticked stay ticked")
            #expect(page.tierFields.map { $0.tiers.filter(\.selected).map(\.value) } == [["street"], ["street"], ["street"]])
            #expect(!page.materials.contains { $0.retired }, "a retired material is offered only where it was chosen")
        }
    }
}
