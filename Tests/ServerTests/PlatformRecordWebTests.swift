import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import Server
import TestSupport
import Testing

/// Payment on verified records through the API and the contract page (issue 23, item 6): the buyer names a metric's
/// platform record in the milestones (an unknown one is refused with its field); the records' readers see the platform's
/// figures over each milestone's period, the public does not; the evaluator is refused a verified figure above them (422)
/// and the sign-off keeps the figure it was made against. No site runs under the world's contract, so the figures are 0.
@Suite("Payment on verified records: API and page")
struct PlatformRecordWebTests {
    static func milestones(record: String) -> String {
        """
        [{"title": "全年", "dueOn": "2027-11-18", "deliverables": "站点台账", "sharePercent": 100, "metrics": [
          {"code": "on_time", "definition": "按时办结件数", "unit": "件", "target": 10, "dataSource": "平台办件记录", "validationMethod": "平台记录", "platformRecord": "\(record)"}]}]
        """
    }

    @Test("the figures reach the records' readers on the API and the page; a verified figure above them is refused with its field; the sign-off keeps them")
    func throughTheAPI() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.draftedContract()
            let id = contract.id.lowercased
            let finance = try await client.token("finance"), evaluator = try await client.token("evaluator")
            let unknown = try await client.json(.put, "/api/v1/contracts/\(id)/milestones", token: finance, body: Self.milestones(record: "on_time_rate"))
            #expect(unknown.status == .unprocessableContent && unknown.text.contains("platformRecord"))
            #expect(try await client.json(.put, "/api/v1/contracts/\(id)/milestones", token: finance, body: Self.milestones(record: "cases_on_time")).status == .ok)
            #expect(try await client.json(.put, "/api/v1/contracts/\(id)/rate-card", token: finance, body: """
                {"maximumFen": 38000000, "deliveryFeePercent": 30, "partialRule": "proportional", "prices": [{"metric": "on_time", "priceFen": 10000}]}
                """).status == .ok)
            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: contract.id)
            _ = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id)
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id, ReportInput(
                results: ["on_time": 12], beneficiaries: 12, narrative: "站点按时办结12件",
                evidence: [EvidenceUpload(filename: "台账.pdf", data: DeliveryWorld.pdf, obtainedHow: "站点台账", obtainedOn: "2026-11-19")]))

            let read = try await client.json(.get, "/api/v1/contracts/\(id)", token: evaluator)
            let figures = (read.json?["milestones"] as? [[String: Any]])?.first?["platformFigures"] as? [String: Any]
            #expect(figures?["from"] as? String == "2026-11-19" && figures?["through"] as? String == "2027-11-18")
            #expect(figures?["sites"] as? Int == 0 && figures?["onTime"] as? Int == 0)
            let metric = ((read.json?["milestones"] as? [[String: Any]])?.first?["metrics"] as? [[String: Any]])?.first
            #expect(metric?["platformRecord"] as? String == "cases_on_time")
            let anonymous = try await client.json(.get, "/api/v1/contracts/\(id)")
            #expect(anonymous.status == .ok && (anonymous.json?["milestones"] as? [[String: Any]])?.first?["platformFigures"] == nil)

            let page = Browser(client)
            _ = try await page.signIn("evaluator")
            let sheet = try await page.get("/contracts/\(id)")
            #expect(sheet.html.contains("平台记录") && sheet.html.contains("0 · 按时办结件数"))
            #expect(sheet.html.contains(#"name="verified_on_time" required inputmode="numeric" value="0""#), "the form proposes the platform's figure")

            let uri = "/api/v1/milestones/\(milestone.id.lowercased)/sign-offs"
            let above = try await client.json(.post, uri, token: evaluator,
                                              body: #"{"decision": "partially_met", "verified": {"on_time": 1}, "verifiedBeneficiaries": 0, "reasons": "按平台办件记录核实，上门服务按抽样认定"}"#)
            #expect(above.status == .unprocessableContent)
            #expect((above.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["verified.on_time"])
            #expect(above.text.contains("platform's record of 0 for 2026-11-19…2027-11-18"))
            let signed = try await client.json(.post, uri, token: evaluator,
                                               body: #"{"decision": "not_met", "verified": {"on_time": 0}, "verifiedBeneficiaries": 0, "reasons": "平台无该合同站点的办件记录，不予认定"}"#)
            #expect(signed.status == .created && (signed.json?["platformFigures"] as? [String: Any])?["on_time"] as? Int == 0)
        }
    }
}
