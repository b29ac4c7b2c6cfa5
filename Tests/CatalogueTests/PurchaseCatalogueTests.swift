import Catalogue
import Core
import Foundation
import Store
import TestSupport
import Testing

@Suite("Guiding purchase catalogue")
struct PurchaseCatalogueTests {
    func csv(_ lines: String...) -> Data { Data((["编码,中文名称,英文名称,负面清单原因"] + lines).joined(separator: "\n").utf8) }

    @Test("codes have three levels by their shape")
    func levels() {
        #expect(PurchaseCategory.level(of: "A") == 1)
        #expect(PurchaseCategory.level(of: "A01") == 2)
        #expect(PurchaseCategory.level(of: "A0101") == 3)
        for bad in ["", "a01", "A1", "A010", "A010101", "AB01", "A0１"] { #expect(PurchaseCategory.level(of: bad) == nil, "\(bad)") }
        #expect(PurchaseCategory.parentCode(of: "A0101") == "A01")
        #expect(PurchaseCategory.parentCode(of: "A01") == "A")
        #expect(PurchaseCategory.parentCode(of: "A") == nil)
    }

    @Test("the demo catalogue covers the social services of the source documents")
    func demo() async throws {
        try await TestDatabase.with { database in
            let categories = try await PurchaseCatalogueService(database: database).categories()
            let secondLevel = Set(categories.filter { $0.level == 2 }.map(\.nameZh))
            for service in ["养老服务", "青少年服务", "特殊群体与家庭服务", "社区建设服务", "就业服务", "人民调解服务", "社区矫正服务", "公共文化体育服务"] {
                #expect(secondLevel.contains(service), "\(service)")
            }
            #expect(Set(categories.compactMap(\.negativeReason)) == Set(NegativeReason.allCases))
        }
    }

    @Test("a third-level service may be bought; headings, unknown codes and the negative list may not")
    func purchasable() async throws {
        try await TestDatabase.with { database in
            let service = PurchaseCatalogueService(database: database)
            #expect(try await service.checkPurchasable(code: "A0101").nameZh == "居家养老上门服务")
            for (code, words) in [("A01", "heading"), ("Z0101", "not in"), ("N0401", "negative list"), ("N0501", "negative list")] {
                do {
                    _ = try await service.checkPurchasable(code: code)
                    Issue.record("\(code) must be refused")
                } catch let error as DomainError {
                    #expect(error.fields.first?.message.english.contains(words) == true, "\(code): \(error)")
                }
            }
        }
    }

    @Test("the list's purchasable codes agree with the one-by-one check")
    func purchasableCodes() async throws {
        try await TestDatabase.with { database in
            let service = PurchaseCatalogueService(database: database)
            let categories = try await service.categories()
            let purchasable = categories.purchasableCodes
            #expect(purchasable.contains("A0101") && !purchasable.contains("A01") && !purchasable.contains("N0101"))
            for category in categories {
                let allowed = (try? await service.checkPurchasable(code: category.code)) != nil
                #expect(allowed == purchasable.contains(category.code), "\(category.code)")
            }
        }
    }

    @Test("an entry below a negative heading is excluded with it, even without its own reason")
    func inheritedNegative() async throws {
        try await TestDatabase.with { database in
            let service = PurchaseCatalogueService(database: database)
            let admin = try await DemoWorld(database).actor("admin")
            _ = try await service.importFile(by: admin, csv("N0299,某修缮工程,Some repairs,"))
            await #expect(throws: DomainError.self) { _ = try await service.checkPurchasable(code: "N0299") }
        }
    }

    @Test("a file with bad rows reports every error by row and column and changes nothing")
    func allOrNothing() async throws {
        try await TestDatabase.with { database in
            let service = PurchaseCatalogueService(database: database)
            let admin = try await DemoWorld(database).actor("admin")
            let before = try await service.categories()
            let file = csv(
                "A0901,新服务,New service,",         // row 2: parent A09 missing
                "A0103,养老机构运营服务,,",           // row 3: English name missing
                "X1,坏编码,Bad code,",               // row 4: bad code
                "A0104,老年人能力评估服务,Assessment,爱心",  // row 5: unknown reason
                "A0103,重复,Duplicate,",              // row 6: duplicate of row 3
                "A0105,好的一行,A good row,")           // row 7: fine, but must not be written
            do {
                _ = try await service.importFile(by: admin, file)
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .invalid)
                #expect(error.fields.map(\.field) == ["rows[2].code", "rows[3].nameEn", "rows[4].code", "rows[5].negativeReason", "rows[6].code"])
            }
            #expect(try await service.categories() == before)
        }
    }

    @Test("importing adds and updates, and is audited; the export imports back unchanged")
    func importAndExport() async throws {
        try await TestDatabase.with { database in
            let service = PurchaseCatalogueService(database: database)
            let admin = try await DemoWorld(database).actor("admin")
            let report = try await service.importFile(by: admin, csv(
                "A09,助残服务,Disability services,", "A0901,助残就业服务,Employment for disabled people,",
                "A0101,居家养老上门服务,Home care visits (renamed),"))
            #expect(report == ImportReport(created: 2, updated: 1, unchanged: 0))
            #expect(try await service.category(code: "A0101").nameEn == "Home care visits (renamed)")

            let export = try await service.export(as: .csv)
            let count = try await service.categories().count
            #expect(try await service.importFile(by: admin, export) == ImportReport(unchanged: count))
            #expect(try await AuditVerifier(database: database).verify().isIntact)
        }
    }

    @Test("the catalogue is national: only platform administrators import it; finance offices too are refused before the file is read")
    func refused() async throws {
        try await TestDatabase.with { database in
            let service = PurchaseCatalogueService(database: database)
            let world = DemoWorld(database)
            for username in ["finance", "fufeng", "yanshan", "civil", "ngo", "overseer", "evaluator"] {
                do {
                    _ = try await service.importFile(by: try await world.actor(username), csv("A0901,x,y,"))
                    Issue.record("\(username) must be refused")
                } catch let error as DomainError {
                    #expect(error.kind == .forbidden, "\(username)")
                }
            }
        }
    }
}
