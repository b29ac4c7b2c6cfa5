import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import Payments
import TestSupport
import Testing
import Tendering

/// Issue 21, finding 7: a child named in a path must belong to the parent named before it. Another parent's child
/// is not found there (404), and nothing is done to it.
@Suite("Nested paths")
struct NestedPathTests {
    @Test("a question is answered only on its own tender's path, on the API and the page")
    func questions() async throws {
        try await TestApp.runTendering { client, t in
            let tender = try await t.publishedTender(["LX2026-01"])
            let other = try await t.publishedTender(["LX2026-03"])
            let question = try await t.tenders.ask(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: nil, text: "服务人数是否包含已享受补贴的老人？")
            let finance = try await client.token("finance")
            let wrong = try await client.json(.post, "/api/v1/tenders/\(other.id.lowercased)/questions/\(question.id.lowercased)/answer", token: finance,
                                              body: #"{"answer": "答非所问"}"#)
            #expect(wrong.status == .notFound, "\(wrong.text)")
            let browser = Browser(client)
            _ = try await browser.signIn("finance")
            #expect(try await browser.post("/tenders/\(other.id.lowercased)/questions/\(question.id.lowercased)/answer", [("answer", "答非所问")]).status == .notFound)
            #expect(try await t.tenders.questions(tenderID: tender.id, by: nil).first?.answer == nil, "nothing was answered")
            let right = try await client.json(.post, "/api/v1/tenders/\(tender.id.lowercased)/questions/\(question.id.lowercased)/answer", token: finance,
                                              body: #"{"answer": "包含，按实际服务人数计。"}"#)
            #expect(right.status == .ok)
        }
    }

    @Test("a claim, sign-off or milestone is acted on only under its own contract's path")
    func contractChildren() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let claim = try await w.approvedFirstClaim(contract)
            let file = try await w.contracts.file(id: contract.id, by: try await w.actor("finance"))
            let elsewhere = UUID.v7().lowercased
            let buyer = Browser(client), evaluator = Browser(client), supplier = Browser(client)
            _ = try await buyer.signIn("finance")
            _ = try await evaluator.signIn("evaluator")
            _ = try await supplier.signIn("ngo")
            let payment = [("reference", "GK-2026-1120-99"), ("paidOn", "2026-11-19"), ("key", "nested-1")]
            #expect(try await buyer.post("/contracts/\(elsewhere)/claims/\(claim.id.lowercased)/pay", payment).status == .notFound)
            #expect(try await buyer.post("/contracts/\(elsewhere)/claims/\(claim.id.lowercased)/reject", [("reason", "路径不符的驳回")]).status == .notFound)
            let signOff = try #require(file.signOffs.first).id.lowercased
            #expect(try await evaluator.post("/contracts/\(elsewhere)/sign-offs/\(signOff)/countersign", []).status == .notFound)
            let milestone = file.milestones[1].id.lowercased
            #expect(try await supplier.upload("/contracts/\(elsewhere)/milestones/\(milestone)/report", fields: [("beneficiaries", "1")],
                                              file: DeliveryWorld.pdf, filename: "a.pdf", fileField: "file0").status == .notFound)
            // Nothing happened: the claim is still approved and unpaid, the milestone unreported.
            #expect(try await w.payments.statement(of: contract.id).claims.first?.status == .approved)
            #expect(try await w.contracts.milestones(of: [contract.id])[1].status == .pending)
            // Under its own contract the same payment goes through.
            #expect(try await buyer.post("/contracts/\(contract.id.lowercased)/claims/\(claim.id.lowercased)/pay", payment).status == .seeOther)
        }
    }
}
