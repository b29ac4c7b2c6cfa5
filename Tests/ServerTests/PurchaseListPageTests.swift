import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Tabular
import TestSupport
import Testing

@Suite("Purchase lists: API and pages")
struct PurchaseListPageTests {
    func line(_ reference: String, code: String = "A0101") -> String {
        #"{"year":2026,"reference":"\#(reference)","catalogueCode":"\#(code)","title":"居家养老上门服务（试点）","targetGroup":"高龄老人","quantity":60,"unit":"人","budgetFen":15000000,"fundingSource":"general_budget","tier":"street"}"#
    }

    @Test("API: everyone reads the lists; the buyer adds, imports and exports; wrong codes and other organisations are refused")
    func api() async throws {
        try await TestApp.run { client, world in
            let finance = try await client.token("finance")
            let office = try await world.organisation(ofUser: "finance").id.lowercased
            let list = try await client.execute(uri: "/api/v1/purchase-lines?year=2026&buyer=\(office)", method: .get, headers: [.accept: "application/json"]) {
                try JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)) as? [[String: Any]] ?? []
            }
            #expect(list.count == 23 && list.reduce(0) { $0 + ($1["budgetFen"] as? Int ?? 0) } == 600_000_000)
            let negative = try await client.json(.post, "/api/v1/purchase-lines", token: finance, body: line("LX2026-90", code: "N0101"))
            #expect(negative.status == .unprocessableContent && negative.text.contains("negative list"))
            let added = try await client.json(.post, "/api/v1/purchase-lines", token: finance, body: line("LX2026-90"))
            #expect(added.status == .created && added.json?["buyerId"] as? String == office)
            let twice = try await client.json(.post, "/api/v1/purchase-lines", token: finance, body: line("LX2026-90"))
            #expect(twice.status == .conflict)
            let ngo = try await client.json(.post, "/api/v1/purchase-lines", token: try await client.token("ngo"), body: line("LX2026-91"))
            #expect(ngo.status == .forbidden)
            let fufeng = try await client.json(.put, "/api/v1/purchase-lines/\(added.json?["id"] as? String ?? "")", token: try await client.token("fufeng"),
                                               body: line("LX2026-90"))
            #expect(fufeng.status == .forbidden)
            let anonymous = try await client.json(.post, "/api/v1/purchase-lines", body: line("LX2026-92"))
            #expect(anonymous.status == .unauthorized)

            let exported = try await client.execute(uri: "/api/v1/purchase-lines/export?buyer=\(office)&year=2026", method: .get, headers: [:]) {
                String(buffer: $0.body)
            }
            #expect(exported.contains("LX2026-01") && exported.contains("LX2026-90"))
            let reimported = try await client.execute(uri: "/api/v1/purchase-lines/import", method: .post,
                                                      headers: [.authorization: "Bearer \(finance)", .contentType: "text/csv", .accept: "application/json"],
                                                      body: ByteBuffer(string: exported)) {
                try JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)) as? [String: Int]
            }
            #expect(reimported == ["created": 0, "updated": 0, "unchanged": 24])
        }
    }

    @Test("pages: the public list totals the budget; a refused line comes back as typed; a bad file lists its errors and changes nothing")
    func pages() async throws {
        try await TestApp.run { client, world in
            let office = try await world.organisation(ofUser: "finance").id.lowercased
            let public_ = try await Browser(client, language: "en").get("/purchase-lists?buyer=\(office)&year=2026")
            #expect(public_.status == .ok && public_.html.contains("¥6,000,000.00") && !public_.html.contains("Add the line"))

            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("finance")
            let mine = try await browser.get("/purchase-lists?buyer=\(office)")
            #expect(mine.html.contains("Add the line"))
            let fields = [("year", "2026"), ("reference", "LX2026-95"), ("catalogueCode", "N0401"), ("title", "劳务派遣"), ("targetGroup", "本单位"),
                          ("quantity", "3"), ("unit", "人"), ("budget", "90,000"), ("fundingSource", "general_budget"), ("tier", "district")]
            let refused = try await browser.post("/purchase-lists/lines", fields)
            #expect(refused.status == .unprocessableContent && refused.html.contains("negative list") && refused.html.contains(#"value="LX2026-95""#))
            var good = fields
            good[2] = ("catalogueCode", "a0802")
            let added = try await browser.post("/purchase-lists/lines", good)
            #expect(added.status == .seeOther)
            #expect(try await browser.get(added.location ?? "").html.contains("LX2026-95"))

            var table = try SpreadsheetFile.read(try TestDatabase.seedFile("purchase-lines.csv"))
            table.rows[3][7] = "lots"
            let bad = try await browser.upload("/purchase-lists/import", fields: [], file: SpreadsheetFile.write(table, as: .xlsx), filename: "list.xlsx")
            #expect(bad.status == .unprocessableContent && bad.html.contains("<td>5</td><td>budget</td>"))
            table.rows[3][7] = "260000"
            let fixed = try await browser.upload("/purchase-lists/import", fields: [], file: SpreadsheetFile.write(table, as: .xlsx), filename: "list.xlsx")
            #expect(fixed.status == .ok && fixed.html.contains("0 added, 0 updated, 23 unchanged"))
        }
    }
}
