import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Payments
import TestSupport
import Testing
import Tabular
import Tendering

/// Issue 21, finding 1, on the API: a purchase line edited below what depends on it is a 409 naming the figure;
/// a commitment beyond what the line has left is a 409 too, to the fen.
@Suite("One budget on the API")
struct OneBudgetAPITests {
    @Test("on the API: 409 naming the field, and the purchase line still agrees with its ledger line")
    func api() async throws {
        try await TestApp.runDelivery { client, w in
            _ = try await w.signedContract()  // ¥380,000 committed on LX2026-01 (budget ¥400,000)
            let line = try await w.t.lines(["LX2026-01"])[0]
            let body = try String(decoding: JSONSerialization.data(withJSONObject: [
                "year": 2026, "reference": line.content.reference, "catalogueCode": line.content.catalogueCode, "title": line.content.title,
                "targetGroup": line.content.targetGroup, "quantity": line.content.quantity, "unit": line.content.unit, "budgetFen": 30_000_000,
                "fundingSource": line.content.fundingSource.rawValue, "tier": line.content.tier.rawValue]), as: UTF8.self)
            let refused = try await client.json(.put, "/api/v1/purchase-lines/\(line.id.lowercased)", token: try await client.token("finance"), body: body)
            #expect(refused.status == .conflict, "\(refused.text)")
            #expect(refused.text.contains("¥400,000.00"), "names what the lots plan: \(refused.text)")
            #expect(try await w.t.lists.line(id: line.id).content.budget == .yuan(400_000))
            #expect(try await w.ledger.balance(of: line.id).budget == .yuan(400_000))

            // The same change in the buyer's spreadsheet: the whole file is refused beside the upload form, nothing changes.
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("finance")
            var table = try SpreadsheetFile.read(try TestDatabase.seedFile("purchase-lines.csv"))
            let row = try #require(table.rows.firstIndex { $0.count > 7 && $0[1] == "LX2026-01" })
            table.rows[row][7] = "300000"
            let upload = try await browser.upload("/purchase-lists/import", fields: [], file: SpreadsheetFile.write(table, as: .xlsx), filename: "list.xlsx")
            #expect(upload.status == .conflict && upload.html.contains("LX2026-01") && upload.html.contains("¥400,000.00"), "\(upload.status)")
            #expect(try await w.t.lists.line(id: line.id).content.budget == .yuan(400_000))
        }
    }

    @Test("on the API: a seed grant of exactly what its line has left is made; one fen more is a 409 (never a 500), and nothing is committed")
    func commitmentToTheFen() async throws {
        try await TestApp.runTendering { client, t in
            let token = try await client.token("incubator")
            let youth = try await t.world.actor("youth").organisationID.uuidString.lowercased()
            let moved = try await client.json(.post, "/api/v1/incubation/organisations/\(youth)/moves", token: token,
                                              body: #"{"stage": "incubator", "reason": "外引：已登记的青少年服务机构直接入孵，免苗圃阶段", "override": true}"#)
            #expect(moved.status == .created, "\(moved.text)")
            let civil = try await t.world.actor("civil").organisationID.uuidString.lowercased()
            // MZ2026-01: ¥300,000 for incubation; grants of at most ¥100,000 each take it down to one fen.
            let line = try #require(try await client.list("/api/v1/purchase-lines?year=2026&buyer=\(civil)").first { $0["reference"] as? String == "MZ2026-01" }?["id"] as? String)
            func grant(fen: Int) async throws -> (status: HTTPResponse.Status, text: String) {
                let response = try await client.json(.post, "/api/v1/incubation/organisations/\(youth)/grants", token: token,
                                                     body: #"{"purchaseLineId": "\#(line)", "amountFen": \#(fen), "purpose": "启动资金"}"#)
                return (response.status, response.text)
            }
            for fen in [10_000_000, 10_000_000, 9_999_999] { #expect(try await grant(fen: fen).status == .created) }
            let over = try await grant(fen: 2)
            #expect(over.status == .conflict && over.text.contains("¥0.01 uncommitted"), "\(over.status) \(over.text)")
            #expect(try await client.json(.get, "/api/v1/ledger/budget-lines/\(line)").json?["uncommittedFen"] as? Int == 1)
            #expect(try await grant(fen: 1).status == .created)
            #expect(try await client.json(.get, "/api/v1/ledger/budget-lines/\(line)").json?["uncommittedFen"] as? Int == 0)
        }
    }
}
