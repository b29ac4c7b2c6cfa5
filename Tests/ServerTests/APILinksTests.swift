import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import Payments
import TestSupport
import Testing
import Tendering

/// Issue 21, findings 4 and 9: what an integrator needs to follow the record without guessing. Awards name their
/// contract, tenders their ocid, purchase lines their lots and the ledger's figures; lists filter by what a client
/// asks; downloads carry their file's name; a wrongly keyed payment day is corrected by the buyer with a reason.
@Suite("API links, filters, downloads and payment days")
struct APILinksTests {
    @Test("an award links its contract, a tender its ocid, a line its lots and ledger; drafts list only awards without a contract")
    func links() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let finance = try await client.token("finance"), ngo = try await client.token("ngo")
            let tender = contract.tenderID.lowercased
            let awards = try await client.list("/api/v1/tenders/\(tender)/awards", token: finance)
            #expect(awards.first { $0["id"] as? String == contract.awardID.lowercased }?["contractId"] as? String == contract.id.lowercased)
            // The contract is not published: a visitor reads the award but not which contract it has.
            #expect(try await client.list("/api/v1/tenders/\(tender)/awards").allSatisfy { $0["contractId"] == nil })
            let read = try await client.json(.get, "/api/v1/tenders/\(tender)")
            #expect((read.json?["ocid"] as? String)?.hasPrefix("ocds-") == true && (read.json?["ocid"] as? String)?.hasSuffix(read.json?["reference"] as? String ?? "?") == true)
            let line = try await client.json(.get, "/api/v1/purchase-lines/\(contract.purchaseLineID.lowercased)")
            let lots = try #require(line.json?["lots"] as? [[String: Any]])
            #expect(lots.map { $0["tenderId"] as? String } == [tender] && lots.first?["status"] as? String == "awarded")
            #expect(line.json?["committedFen"] as? Int == 38_000_000 && line.json?["paidFen"] as? Int == 0)
            // The award has its contract: it is no longer waiting for one.
            let drafts = try await client.list("/api/v1/contract-drafts", token: finance)
            #expect(!drafts.contains { $0["awardId"] as? String == contract.awardID.lowercased })
            _ = ngo
        }
    }

    @Test("/contracts filters by status, tender, supplier and budget year; /tenders by budget year and purchase line; bad filters are 422")
    func filters() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let finance = try await client.token("finance")
            let id = contract.id.lowercased
            func ids(_ query: String) async throws -> [String] { try await client.list("/api/v1/contracts?\(query)", token: finance).compactMap { $0["id"] as? String } }
            #expect(try await ids("status=signed").contains(id))
            #expect(try await !ids("status=draft").contains(id))
            #expect(try await ids("tender=\(contract.tenderID.lowercased)").map { $0 } == [id])
            #expect(try await ids("supplier=\(contract.supplierID.lowercased)").contains(id))
            #expect(try await !ids("supplier=\(contract.buyerID.lowercased)").contains(id))
            #expect(try await ids("year=2026").contains(id))
            #expect(try await ids("year=2027").isEmpty)
            #expect(try await client.json(.get, "/api/v1/contracts?year=1999", token: finance).status == .unprocessableContent)
            #expect(try await client.json(.get, "/api/v1/contracts?tender=nope", token: finance).status == .unprocessableContent)
            func tenders(_ query: String) async throws -> [String] { try await client.list("/api/v1/tenders?\(query)").compactMap { $0["id"] as? String } }
            let line = contract.purchaseLineID.lowercased
            #expect(try await tenders("purchaseLine=\(line)") == [contract.tenderID.lowercased])
            #expect(try await tenders("year=2026").contains(contract.tenderID.lowercased))
            #expect(try await tenders("year=2027").isEmpty)
            #expect(try await client.json(.get, "/api/v1/tenders?year=3000").status == .unprocessableContent)
        }
    }

    @Test("an evidence file and an export download with their names, on the API and the page")
    func downloads() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id, DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            let evidence = try #require(try await w.contracts.file(id: contract.id, by: try await w.actor("ngo")).reports.first?.evidence.first)
            var headers: HTTPFields = [.authorization: "Bearer \(try await client.token("ngo"))", .accept: "*/*"]
            let disposition = try await client.execute(uri: "/api/v1/evidence/\(evidence.id.lowercased)", method: .get, headers: headers, body: nil) { $0.headers[.contentDisposition] }
            // 签到记录.pdf: an ASCII stand-in for old clients and the exact name in UTF-8.
            #expect(disposition == #"attachment; filename="____.pdf"; filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%AE%B0%E5%BD%95.pdf"#)
            headers[.authorization] = "Bearer \(try await client.token("finance"))"
            let export = try await client.execute(uri: "/api/v1/purchase-lines/export?buyer=\(contract.buyerID.lowercased)&format=csv", method: .get,
                                                  headers: headers, body: nil) { ($0.status, $0.headers[.contentDisposition]) }
            #expect(export.0 == .ok && export.1 == #"attachment; filename="purchase-lines.csv"; filename*=UTF-8''purchase-lines.csv"#)
            let browser = Browser(client)
            _ = try await browser.signIn("ngo")
            let page = try await browser.get("/evidence/\(evidence.id.lowercased)")
            #expect(page.status == .ok && page.headers[.contentDisposition] == disposition)
        }
    }

    @Test("the buyer corrects a payment's day with a reason on the API and the page; others and bad days are refused")
    func paymentDay() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let claim = try await w.approvedFirstClaim(contract)  // approved on 19 November 2026
            w.t.clock.advance(by: 4 * 86_400)
            let finance = try await client.token("finance"), ngo = try await client.token("ngo")
            let early = try await client.json(.post, "/api/v1/claims/\(claim.id.lowercased)/payment", token: finance,
                                              body: #"{"treasuryReference": "GK-2026-1118-02", "paidOn": "2026-11-18"}"#)
            #expect(early.status == .unprocessableContent && early.text.contains("paidOn") && early.text.contains("2026-11-19"))
            #expect(try await client.json(.post, "/api/v1/claims/\(claim.id.lowercased)/payment", token: finance,
                                          body: #"{"treasuryReference": "GK-2026-1123-02", "paidOn": "2026-11-23"}"#).status == .ok)
            let path = "/api/v1/claims/\(claim.id.lowercased)/payment-date"
            let reason = "国库回单载明的支付日期为11月20日，按回单更正。"
            #expect(try await client.json(.post, path, token: ngo, body: #"{"paidOn": "2026-11-20", "reason": "\#(reason)"}"#).status == .forbidden)
            #expect(try await client.json(.post, path, body: #"{"paidOn": "2026-11-20", "reason": "\#(reason)"}"#).status == .unauthorized)
            let short = try await client.json(.post, path, token: finance, body: #"{"paidOn": "2026-11-20", "reason": "错了"}"#)
            #expect(short.status == .unprocessableContent && short.text.contains("reason"))
            let future = try await client.json(.post, path, token: finance, body: #"{"paidOn": "2026-11-24", "reason": "\#(reason)"}"#)
            #expect(future.status == .unprocessableContent && future.text.contains("future"))
            let corrected = try await client.json(.post, path, token: finance, body: #"{"paidOn": "2026-11-20", "reason": "\#(reason)"}"#)
            #expect(corrected.status == .ok && corrected.json?["paidOn"] as? String == "2026-11-20")
            // On the page: the buyer's form beside the paid claim, refused and accepted as on the API.
            let browser = Browser(client)
            _ = try await browser.signIn("finance")
            let page = try await browser.get("/contracts/\(contract.id.lowercased)")
            #expect(page.html.contains("/claims/\(claim.id.lowercased)/payment-date") && page.html.contains("更正支付日期"))
            let form = "/contracts/\(contract.id.lowercased)/claims/\(claim.id.lowercased)/payment-date"
            #expect(try await browser.post(form, [("paidOn", "2026-11-18"), ("reason", reason)]).status == .unprocessableContent)
            #expect(try await browser.post(form, [("paidOn", "2026-11-21"), ("reason", reason)]).status == .seeOther)
            #expect(try await w.payments.statement(of: contract.id).claims[0].paidOn == "2026-11-21")
            let supplier = Browser(client)
            _ = try await supplier.signIn("ngo")
            #expect(!(try await supplier.get("/contracts/\(contract.id.lowercased)").html.contains("/payment-date")))
        }
    }
}
