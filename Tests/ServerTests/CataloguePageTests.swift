import Catalogue
import Foundation
import HTTPTypes
import HummingbirdTesting
import Tabular
import TestSupport
import Testing

@Suite("Catalogue pages")
struct CataloguePageTests {
    @Test("searching 养老 on /catalogue finds the elderly-care items; the item page shows the five disclosures and the tier grid")
    func searchAndItem() async throws {
        try await TestApp.run { client, _ in
            let browser = Browser(client)
            let list = try await browser.get("/catalogue?q=%E5%85%BB%E8%80%81")
            #expect(list.html.contains("居家养老服务补贴"))
            #expect(!list.html.contains("婚姻登记"))
            let link = try #require(list.html.range(of: #"/catalogue/items/[0-9a-f-]{36}"#, options: .regularExpression).map { String(list.html[$0]) })
            let item = try await browser.get(link)
            #expect(item.status == .ok)
            for heading in ["办什么", "怎么办（办理程序）", "要什么材料", "多长时间", "办理结果", "层级权限"] {
                #expect(item.html.contains(heading), "\(heading)")
            }
            #expect(item.html.contains("受理") && item.html.contains("审批") && item.html.contains("经办"))
            let history = try await browser.get(link + "/history")
            #expect(history.html.contains("首次发布"))
        }
    }

    @Test("filters narrow the list; English pages show English names")
    func filters() async throws {
        try await TestApp.run { client, _ in
            let spot = try await Browser(client, language: "en").get("/catalogue?spot=yes")
            #expect(spot.html.contains("Marriage registration"))
            #expect(!spot.html.contains("Minimum living allowance"))
        }
    }

    @Test("a file with one bad row shows every error by row and column and changes nothing; fixed, it imports")
    func importJourney() async throws {
        try await TestApp.run { client, world in
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("finance")
            #expect(try await browser.get("/catalogue/import").status == .ok)

            var table = try SpreadsheetFile.read(try TestDatabase.seedFile("service-items.csv"))
            table.rows[0][2] = "最低生活保障审核确认（新）"
            table.rows[5][14] = "社区"   // row 7: approves at the community, below the district that accepts
            let bad = try await browser.upload("/catalogue/import", fields: [("kind", "items")],
                                               file: SpreadsheetFile.write(table, as: .xlsx), filename: "items.xlsx")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.html.contains("<td>7</td><td>approveTier</td>"))
            let items = ServiceItemService(database: world.database, identity: world.identity)
            #expect(try await items.search(ItemSearch(text: "（新）")).isEmpty)

            table.rows[5][14] = "区县"
            let good = try await browser.upload("/catalogue/import", fields: [("kind", "items")],
                                                file: SpreadsheetFile.write(table, as: .xlsx), filename: "items.xlsx")
            #expect(good.status == .ok)
            #expect(good.html.contains("0 added, 1 updated, 61 unchanged"))
            #expect(try await items.search(ItemSearch(text: "（新）")).count == 1)
        }
    }

    @Test("the import page is for finance offices only, and needs the CSRF token")
    func importRefusals() async throws {
        try await TestApp.run { client, _ in
            let anonymous = try await Browser(client).get("/catalogue/import")
            #expect(anonymous.status == .seeOther)
            let department = Browser(client, language: "en")
            _ = try await department.signIn("civil")
            #expect(try await department.get("/catalogue/import").status == .forbidden)
            let upload = try await department.upload("/catalogue/import", fields: [("kind", "items")], file: Data("x".utf8), filename: "a.csv")
            #expect(upload.status == .forbidden)

            // An administrator may retire a material, but not with a forged token.
            let admin = Browser(client)
            _ = try await admin.signIn("admin")
            let forged = try await admin.post("/catalogue/materials/M0001/retire", [("reason", "commitment"), ("note", "x")], csrf: "forged")
            #expect(forged.status == .forbidden)
            #expect(try await admin.get("/catalogue/materials").html.contains("<s>居民身份证</s>") == false)
        }
    }

    @Test("an administrator retires a material on the registry page; items stop requiring it; a finance office has no form and is refused")
    func retire() async throws {
        try await TestApp.run { client, world in
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            #expect(try await finance.get("/catalogue/materials").html.contains("/catalogue/materials/M0004/retire") == false)
            let refused = try await finance.post("/catalogue/materials/M0004/retire", [("reason", "data_sharing"), ("note", "民政共享收入数据")])
            #expect(refused.status == .forbidden)
            #expect(try await finance.get("/catalogue/materials").html.contains("<s>家庭收入证明</s>") == false)

            let browser = Browser(client)
            _ = try await browser.signIn("admin")
            #expect(try await browser.get("/catalogue/materials").html.contains("/catalogue/materials/M0004/retire"))
            let done = try await browser.post("/catalogue/materials/M0004/retire", [("reason", "data_sharing"), ("note", "民政共享收入数据")])
            #expect(done.status == .seeOther)
            let registry = try await browser.get("/catalogue/materials")
            #expect(registry.html.contains("<s>家庭收入证明</s>"))
            let items = ServiceItemService(database: world.database, identity: world.identity)
            let allowance = try #require(try await items.search(ItemSearch(text: "最低生活保障")).first)
            let page = try await browser.get("/catalogue/items/\(allowance.id.uuidString.lowercased())")
            #expect(page.html.contains("<s>家庭收入证明</s>"))
            #expect(page.html.contains("以下材料已取消"))
        }
    }
}
