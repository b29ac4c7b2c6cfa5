import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import Payments
import Server
import TestSupport
import Testing

/// "Waiting for you" (issue 22): each role's home page counts what waits for it, as the API's worklists do.
/// Expectations follow the delivery rules (DOMAIN.md §4–5): the buyer signs first, then the supplier; a reported
/// milestone waits for its evaluator; a claim waits for the buyer's approval, then its payment; an overpayment
/// waits for the buyer to record its repayment and is owed by the supplier. Another buyer sees none of it.
@Suite("Home page worklists")
struct HomeWorklistTests {
    /// The counts on a home page, by `data-work` key (nil: the line is not shown).
    func waiting(_ html: String) -> [String: Int] {
        let pattern = /data-work="([A-Za-z]+)" data-count="(\d+)\+?"/
        return Dictionary(html.matches(of: pattern).map { (String($0.output.1), Int($0.output.2)!) }, uniquingKeysWith: +)
    }

    func home(_ client: any TestClientProtocol, _ user: String) async throws -> String {
        let browser = Browser(client)
        _ = try await browser.signIn(user)
        let page = try await browser.get("/")
        #expect(page.status == .ok, "\(user)")
        return page.html
    }

    @Test("the buyer, the supplier and the evaluator each see what waits for them, counted as the API lists it; another buyer and the administrator see nothing of it; a visitor sees what is open")
    func worklists() async throws {
        try await TestApp.runDelivery { client, w in
            let drafted = try await w.draftedContract()
            #expect(waiting(try await home(client, "finance"))["contractsToSign"] == 1, "the buyer signs first")
            #expect(waiting(try await home(client, "ngo"))["contractsToSign"] == nil, "the supplier signs after the buyer")
            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: drafted.id)
            #expect(waiting(try await home(client, "ngo"))["contractsToSign"] == 1)
            let contract = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: drafted.id)
            let finance = waiting(try await home(client, "finance"))
            #expect(finance["contractsToSign"] == nil && finance["contractsToPublish"] == 1)
            #expect(waiting(try await home(client, "ngo"))["contractsToDeliver"] == 1)

            // Reported: the assigned evaluator has a sign-off waiting; the API's list says the same.
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id,
                                             DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            let evaluatorToken = try await client.token("evaluator")
            let awaiting = try await client.list("/api/v1/sign-offs/awaiting", token: evaluatorToken)
            let evaluatorPage = try await home(client, "evaluator")
            #expect(waiting(evaluatorPage)["signOffsAwaiting"] == awaiting.count && awaiting.count == 1)
            #expect(evaluatorPage.contains("/contracts/\(contract.id.lowercased)"), "the sign-off links to its contract")

            let signOff = try await w.contracts.signOff(by: try await w.actor("evaluator"), milestoneID: milestone.id,
                                                        SignOffInput(decision: .partiallyMet, verified: ["visits": 1600, "assessments": 90],
                                                                     verifiedBeneficiaries: 110, reasons: "抽样回访发现部分签到记录无法核实，按可核实数量认定。"))
            if signOff.countersignRequired { _ = try await w.contracts.countersign(by: try await w.actor("evaluator2"), signOffID: signOff.id) }
            let claim = try await w.payments.claim(by: try await w.actor("ngo"), contractID: contract.id)
            let financeToken = try await client.token("finance")
            let toApprove = try await client.list("/api/v1/worklists/claims-to-approve", token: financeToken)
            #expect(waiting(try await home(client, "finance"))["claimsToApprove"] == toApprove.count && toApprove.count == 1)
            _ = try await w.payments.approve(by: try await w.actor("finance"), claimID: claim.id)
            let afterApproval = waiting(try await home(client, "finance"))
            #expect(afterApproval["claimsToApprove"] == nil && afterApproval["paymentsToMake"] == 1)
            _ = try await w.payments.pay(by: try await w.actor("finance"), claimID: claim.id, treasuryReference: "GK-2026-1120-91", paidOn: "2026-11-19", idempotencyKey: nil)
            #expect(waiting(try await home(client, "finance"))["paymentsToMake"] == nil)

            // A correction after payment opens a recovery: the buyer records it, the supplier owes it.
            let correction = try await w.contracts.signOff(by: try await w.actor("evaluator2"), milestoneID: signOff.milestoneID,
                                                           SignOffInput(decision: .partiallyMet, verified: ["visits": 1400, "assessments": 90], verifiedBeneficiaries: 110,
                                                                        reasons: "复核发现200人次重复签到，更正核定数量。"))
            if correction.countersignRequired { _ = try await w.contracts.countersign(by: try await w.actor("evaluator"), signOffID: correction.id) }
            let open = try await client.list("/api/v1/worklists/recoveries-open", token: financeToken)
            #expect(waiting(try await home(client, "finance"))["recoveriesToRecord"] == open.count && open.count == 1)
            #expect(waiting(try await home(client, "ngo"))["recoveriesOwed"] == 1)
            let payments = Browser(client)
            _ = try await payments.signIn("finance")
            #expect(try await payments.get("/payments").html.contains("data-recoveries"), "the payments page lists the recovery the home page counts")

            // Another buyer, the administrator: nothing of the finance office's work.
            let civil = waiting(try await home(client, "civil"))
            #expect(civil["contractsToPublish"] == nil && civil["recoveriesToRecord"] == nil && civil["claimsToApprove"] == nil)
            let admin = try await home(client, "admin")
            #expect(waiting(admin).isEmpty && admin.contains("data-nothing-waiting"))
            // A visitor has no "waiting for you", and the page still answers.
            let visitor = try await Browser(client).get("/")
            #expect(visitor.status == .ok && !visitor.html.contains("data-work="))
        }
    }

    @Test("in English the lines are in English, with the same counts")
    func english() async throws {
        try await TestApp.runDelivery { client, w in
            _ = try await w.draftedContract()
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("finance")
            let page = try await browser.get("/")
            #expect(page.html.contains("contracts to sign") && page.html.contains("Waiting for you"))
            #expect(waiting(page.html)["contractsToSign"] == 1)
        }
    }
}
