import Core
import Delivery
import Foundation
import HummingbirdTesting
import Identity
import Payments
import Tendering
import TestSupport
import Testing
import Transparency

/// Issue 20: what the oversight pages do, through the JSON API with bearer tokens, and refused to whom
/// DOMAIN.md refuses it (overseers read their jurisdiction; the buyer answers; only overseers close;
/// residents need no account; money is the parties').
@Suite("Oversight in the API")
struct OversightAPITests {
    /// A contract signed Thursday 19 November and still unpublished on Wednesday 25 (due Monday 23: late), and an
    /// overseer of another county ("fufeng-audit", Fufeng's audit bureau).
    static func lateContract(_ w: DeliveryWorld) async throws -> Contract {
        let contract = try await w.signedContract()
        w.t.clock.advance(by: 6 * 86_400)
        _ = try await w.t.world.addUser("fufeng-audit", kind: .overseer, roles: [.overseer], jurisdictionCode: "610324", nameZh: "扶风县审计局")
        return contract
    }

    @Test("red flags: a visitor is asked to sign in, buyers, suppliers and evaluators are refused; Lixia's overseer reads the late contract with its evidence in pages and in the API, another county's overseer none of Lixia's; the kind filters; the page agrees")
    func redFlags() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await Self.lateContract(w)
            #expect(try await client.json(.get, "/api/v1/red-flags").status == .unauthorized)
            for user in ["finance", "civil", "ngo", "evaluator"] {
                #expect(try await client.json(.get, "/api/v1/red-flags", token: try await client.token(user)).status == .forbidden, "\(user)")
            }
            let overseer = try await client.token("overseer")
            let flags = try await client.list("/api/v1/red-flags", token: overseer)
            let late = try #require(flags.first { $0["kind"] as? String == "late_publication" })
            #expect(late["subjectId"] as? String == contract.id.lowercased && late["buyerId"] as? String == contract.buyerID.lowercased)
            #expect(late["subjectType"] as? String == "contract" && late["mayOpenCase"] as? Bool == true)
            #expect((late["values"] as? [String])?.first == contract.reference && (late["description"] as? String)?.contains("is not published") == true)
            let evidence = try #require(late["evidence"] as? [String: Any])
            #expect(evidence["page"] as? String == "/contracts/\(contract.id.lowercased)")
            #expect(evidence["api"] as? String == "/api/v1/contracts/\(contract.id.lowercased)")
            // The evidence opens for the overseer in the API too, although the contract is not published.
            #expect(try await client.json(.get, try #require(evidence["api"] as? String), token: overseer).status == .ok)
            #expect(try await client.list("/api/v1/red-flags?kind=late_publication", token: overseer).count == 1)
            #expect(try await client.list("/api/v1/red-flags?kind=single_bidder", token: overseer).isEmpty)
            #expect(try await client.json(.get, "/api/v1/red-flags?kind=nonsense", token: overseer).status.code / 100 == 4)
            let fufeng = try await client.token("fufeng-audit")
            #expect(try await client.list("/api/v1/red-flags", token: fufeng).allSatisfy { $0["buyerId"] as? String != contract.buyerID.lowercased },
                    "another county's overseer reads none of Lixia's flags")
            #expect(try await client.list("/api/v1/red-flags", token: try await client.token("admin")).contains { $0["subjectId"] as? String == contract.id.lowercased })
            // The page asks the same service: Fufeng's overseer does not find the contract there either.
            let page = Browser(client)
            _ = try await page.signIn("fufeng-audit")
            let oversight = try await page.get("/oversight")
            #expect(oversight.status == .ok && !oversight.html.contains(contract.reference))
            let buyerPage = Browser(client)
            _ = try await buyerPage.signIn("finance")
            #expect(try await buyerPage.get("/oversight").status == .forbidden)
        }
    }

    @Test("monitoring cases: the overseer opens one from a flag, the buyer answers, the overseer closes; a buyer cannot open or close, another buyer cannot read, another county's overseer cannot open, a supplier cannot list, a visitor is asked to sign in")
    func monitoringCases() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await Self.lateContract(w)
            let overseer = try await client.token("overseer"), finance = try await client.token("finance")
            let flag = try #require(try await client.list("/api/v1/red-flags?kind=late_publication", token: overseer).first)
            let evidence = try #require((flag["evidence"] as? [String: Any])?["page"] as? String)
            let body = """
                {"buyerId": "\(flag["buyerId"] as! String)", "subjectType": "contract", "subjectId": "\(flag["subjectId"] as! String)",
                 "evidence": "\(evidence)", "title": "\(contract.reference)逾期未公开", "question": "请说明未按期公开合同的原因。"}
                """
            #expect(try await client.json(.post, "/api/v1/monitoring-cases", body: body).status == .unauthorized)
            #expect(try await client.json(.post, "/api/v1/monitoring-cases", token: finance, body: body).status == .forbidden, "a buyer does not open cases")
            #expect(try await client.json(.post, "/api/v1/monitoring-cases", token: try await client.token("fufeng-audit"), body: body).status == .forbidden,
                    "another county's overseer does not open cases on Lixia's buyers")
            let opened = try await client.json(.post, "/api/v1/monitoring-cases", token: overseer, body: body)
            #expect(opened.status == .created, "\(opened.text)")
            let id = try #require(opened.json?["id"] as? String)
            #expect(opened.json?["status"] as? String == "open" && opened.json?["may"] as? [String] == ["post"])

            #expect(try await client.json(.get, "/api/v1/monitoring-cases").status == .unauthorized)
            #expect(try await client.json(.get, "/api/v1/monitoring-cases", token: try await client.token("ngo")).status == .forbidden)
            #expect(try await client.list("/api/v1/monitoring-cases", token: try await client.token("civil")).isEmpty, "another buyer takes part in none")
            #expect(try await client.list("/api/v1/monitoring-cases", token: finance).map { $0["id"] as? String } == [id])
            #expect(try await client.json(.get, "/api/v1/monitoring-cases/\(id)", token: try await client.token("civil")).status == .forbidden)
            let detail = try await client.json(.get, "/api/v1/monitoring-cases/\(id)", token: finance)
            #expect(detail.status == .ok && detail.json?["intact"] as? Bool == true)
            #expect((detail.json?["trail"] as? [[String: Any]])?.contains { $0["action"] as? String == "contract.signed" } == true)

            let early = try await client.json(.post, "/api/v1/monitoring-cases/\(id)/closure", token: overseer, body: #"{"outcome": "已核实，公告发布范围符合规定。"}"#)
            #expect(early.status == .conflict, "a case closes after the buyer's answer")
            // Refused first, whatever the outcome says: a buyer's short outcome is not a 422 but a 403.
            #expect(try await client.json(.post, "/api/v1/monitoring-cases/\(id)/closure", token: finance, body: #"{"outcome": "好"}"#).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/monitoring-cases/\(id)/posts", token: try await client.token("civil"), body: #"{"text": ""}"#).status == .forbidden)
            w.t.clock.advance(by: 3600)
            let answered = try await client.json(.post, "/api/v1/monitoring-cases/\(id)/posts", token: finance, body: #"{"text": "经办人员休假延误，已于今日公开。"}"#)
            #expect(answered.status == .created && answered.json?["status"] as? String == "responded" && answered.json?["may"] as? [String] == ["post"])
            #expect(try await client.json(.post, "/api/v1/monitoring-cases/\(id)/closure", token: finance, body: #"{"outcome": "采购人自行办结不被允许。"}"#).status == .forbidden,
                    "a buyer cannot close a case")
            let ready = try await client.json(.get, "/api/v1/monitoring-cases/\(id)", token: overseer)
            #expect((ready.json?["monitoringCase"] as? [String: Any])?["may"] as? [String] == ["post", "close"])
            #expect(try await client.json(.post, "/api/v1/monitoring-cases/\(id)/closure", token: overseer, body: #"{"outcome": "好"}"#).status == .unprocessableContent)
            let closed = try await client.json(.post, "/api/v1/monitoring-cases/\(id)/closure", token: overseer, body: #"{"outcome": "已督促整改，合同已公开。"}"#)
            #expect(closed.status == .ok && closed.json?["status"] as? String == "closed" && closed.json?["outcome"] as? String == "已督促整改，合同已公开。")
            #expect((closed.json?["posts"] as? [[String: Any]])?.map { $0["side"] as? String } == ["overseer", "buyer"])
            #expect(try await client.json(.post, "/api/v1/monitoring-cases/\(id)/posts", token: finance, body: #"{"text": "补充说明"}"#).status == .conflict)
            #expect(try await client.json(.get, "/api/v1/monitoring-cases/\(UUID().uuidString.lowercased())", token: overseer).status == .notFound)
            // The page shows the same case to the buyer.
            let buyer = Browser(client)
            _ = try await buyer.signIn("finance")
            #expect(try await buyer.get("/oversight/cases/\(id)").html.contains("已督促整改，合同已公开"))
        }
    }

    /// The rows of a CSV file (RFC 4180 quoting), the header first.
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" { row.append(field); rows.append(row); row = []; field = ""
            } else if c != "\r" { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    @Test("the dashboards in JSON give each chart's rows with the figures of its CSV download, row for row; public")
    func insightsMatchCSV() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            let claim = try await w.approvedFirstClaim(contract)
            _ = try await w.payments.pay(by: try await w.actor("finance"), claimID: claim.id, treasuryReference: "GK-2026-1120-81", paidOn: "2026-11-19", idempotencyKey: nil)
            let all = try await client.json(.get, "/api/v1/insights")
            #expect(all.status == .ok && all.json?["awardedFen"] as? Int == 38_000_000)
            let charts = try #require(all.json?["charts"] as? [[String: Any]])
            #expect(charts.map { $0["chart"] as? String } == ["category", "jurisdiction", "year", "outcomes", "satisfaction", "suppliers", "funnel",
                                                              "requestsOnTime", "requestsSettledAt", "requestsSatisfaction", "siteGrades"])
            for chart in charts {
                let name = try #require(chart["chart"] as? String)
                let rows = try #require(chart["rows"] as? [[String: Any]])
                // In the API's language (English without Accept-Language): some labels are words (a tier, a stage).
                let csv = try await Browser(client, language: "en").get("/insights/\(name).csv")
                #expect(csv.status == .ok)
                let table = Self.csvRows(csv.html)
                #expect(table.first == ["label", "value", "figure", "second"])
                let json = rows.map { row -> [String] in
                    [row["label"] as? String ?? "?", String(row["value"] as? Int ?? -1), row["figure"] as? String ?? "?", (row["second"] as? Int).map(String.init) ?? ""]
                }
                #expect(Array(table.dropFirst()) == json, "chart \(name)")
                // One chart alone is the same chart.
                let one = try await client.json(.get, "/api/v1/insights/\(name)")
                #expect(one.status == .ok && (one.json?["rows"] as? [[String: Any]])?.count == rows.count, "chart \(name)")
            }
            // The figures themselves, from the rules: ¥380,000 awarded in 2026, ¥145,760 of it paid; 1,690 of 2,100 outcomes verified so far.
            let year = try #require((charts.first { $0["chart"] as? String == "year" }?["rows"] as? [[String: Any]])?.first)
            #expect(year["key"] as? String == "2026" && year["value"] as? Int == 14_576_000 && year["second"] as? Int == 38_000_000)
            let outcomes = try #require((charts.first { $0["chart"] as? String == "outcomes" }?["rows"] as? [[String: Any]])?.first)
            #expect(outcomes["key"] as? String == contract.reference && outcomes["figure"] as? String == "1690 / 2100")
            let suppliers = try #require((charts.first { $0["chart"] as? String == "suppliers" }?["rows"] as? [[String: Any]])?.first)
            #expect(suppliers["key"] as? String == contract.supplierID.lowercased && suppliers["figure"] as? String == "¥380,000.00 · 100 %")
            #expect(try await client.json(.get, "/api/v1/insights/nothing").status.code / 100 == 4)
        }
    }

    @Test("residents' voice: anyone lists, proposes and supports with a device token that counts once; a buyer of the area links its own line and the tender that took it up shows; a supplier, another county's buyer and a visitor cannot link")
    func voice() async throws {
        try await TestApp.runDelivery { client, w in
            let tender = try await w.t.publishedTender(["LX2026-05"])
            let lixia = try #require(try await w.t.world.identity.jurisdiction(code: "370102")).id.lowercased
            let fufengCounty = try #require(try await w.t.world.identity.jurisdiction(code: "610324")).id.lowercased
            let first = try await client.json(.get, "/api/v1/needs")
            #expect(first.status == .ok && (first.json?["items"] as? [Any])?.isEmpty == true)
            let token = try #require(first.json?["deviceToken"] as? String)
            let body = #"{"jurisdictionId": "\#(lixia)", "title": "老年人能力评估", "description": "希望评估更及时，方便申请补贴。", "deviceToken": "\#(token)"}"#
            let proposed = try await client.json(.post, "/api/v1/needs", body: body)
            #expect(proposed.status == .created && proposed.json?["supports"] as? Int == 0, "\(proposed.text)")
            let need = try #require(proposed.json?["id"] as? String)
            #expect(try await client.json(.post, "/api/v1/needs", body: body).status == .conflict, "a device token counts once")
            let again = try #require(try await client.json(.get, "/api/v1/needs").json?["deviceToken"] as? String)
            let supported = try await client.json(.post, "/api/v1/needs/\(need)/supports", body: #"{"deviceToken": "\#(again)"}"#)
            #expect(supported.status == .created && supported.json?["counted"] as? Bool == true)
            #expect(try await client.json(.post, "/api/v1/needs/\(need)/supports", body: #"{"deviceToken": "forged"}"#).status == .unprocessableContent)
            #expect(try await client.json(.get, "/api/v1/needs/\(need)").json?["supports"] as? Int == 1)

            let line = try await w.t.lines(["LX2026-05"])[0]
            let link = #"{"purchaseLineId": "\#(line.id.lowercased)"}"#
            #expect(try await client.json(.post, "/api/v1/needs/\(need)/answers", body: link).status == .unauthorized)
            #expect(try await client.json(.post, "/api/v1/needs/\(need)/answers", token: try await client.token("ngo"), body: link).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/needs/\(need)/answers", token: try await client.token("civil"), body: link).status == .forbidden,
                    "another buyer's staff do not link the finance office's line")
            let fufeng = try await w.actor("fufeng")
            let theirs = try await w.t.lists.addLine(by: fufeng, buyerID: fufeng.organisationID, PurchaseLineContent(
                year: 2026, reference: "FF2026-01", catalogueCode: line.content.catalogueCode, title: "老年助餐服务", targetGroup: "老年人", quantity: 100,
                unit: "人", budget: .yuan(100_000), fundingSource: .generalBudget, tier: .district))
            #expect(try await client.json(.post, "/api/v1/needs/\(need)/answers", token: try await client.token("fufeng"),
                                          body: #"{"purchaseLineId": "\#(theirs.id.lowercased)"}"#).status == .forbidden,
                    "another county's buyer does not answer a need of Lixia")
            let linked = try await client.json(.post, "/api/v1/needs/\(need)/answers", token: try await client.token("finance"), body: link)
            #expect(linked.status == .ok, "\(linked.text)")
            let answer = try #require((linked.json?["answers"] as? [[String: Any]])?.first)
            #expect(answer["lineReference"] as? String == "LX2026-05" && answer["tenderReference"] as? String == tender.reference
                        && answer["tenderId"] as? String == tender.id.lowercased)
            #expect((try await client.json(.get, "/api/v1/needs?jurisdictionId=\(lixia)").json?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [need])
            #expect((try await client.json(.get, "/api/v1/needs?jurisdictionId=\(fufengCounty)").json?["items"] as? [Any])?.isEmpty == true)
            #expect(try await client.json(.get, "/api/v1/needs?limit=0").status == .unprocessableContent)
            #expect(try await client.json(.get, "/api/v1/needs?limit=201").status == .unprocessableContent)
        }
    }

    @Test("an organisation's standing is public: every rating newest first, with its expiry five years on, and its violations")
    func standing() async throws {
        try await TestApp.run { client, world in
            let harbour = try #require(try await world.identity.organisations(kind: .socialOrganisation, limit: 200).first { $0.nameZh == "扶风县暖心港湾家庭服务中心" })
            let response = try await client.json(.get, "/api/v1/organisations/\(harbour.id.lowercased)/standing")
            #expect(response.status == .ok)
            let ratings = try #require(response.json?["ratings"] as? [[String: Any]])
            #expect(ratings.count == 1 && ratings[0]["level"] as? Int == 3 && ratings[0]["label"] as? String == "3A"
                        && ratings[0]["awardedOn"] as? String == "2019-11-01" && ratings[0]["expiresOn"] as? String == "2024-11-01")
            let violations = try #require(response.json?["violations"] as? [[String: Any]])
            #expect(violations.count == 1 && violations[0]["severity"] as? String == "major" && violations[0]["occurredOn"] as? String == "2025-03-12")
            #expect(try await client.json(.get, "/api/v1/organisations/\(UUID().uuidString.lowercased())/standing").status == .notFound)
        }
    }

    @Test("payment worklists: a claim waits for the buyer's approval, then its payment; a correction's recovery waits for its repayment; the buyer's staff see them, the supplier sees what it owes, another buyer nothing; suppliers, overseers and administrators are refused the buyer's lists, a visitor asked to sign in")
    func worklists() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let signOff = try await w.signedOffFirstMilestone(contract)
            if signOff.countersignRequired { _ = try await w.contracts.countersign(by: try await w.actor("evaluator2"), signOffID: signOff.id) }
            let claim = try await w.payments.claim(by: try await w.actor("ngo"), contractID: contract.id)
            let finance = try await client.token("finance"), civil = try await client.token("civil")

            for path in ["/api/v1/worklists/claims-to-approve", "/api/v1/worklists/payments-to-make", "/api/v1/worklists/recoveries-open"] {
                #expect(try await client.json(.get, path).status == .unauthorized, "\(path)")
                for user in ["overseer", "admin", "evaluator"] {
                    #expect(try await client.json(.get, path, token: try await client.token(user)).status == .forbidden, "\(user) \(path)")
                }
            }
            for path in ["/api/v1/worklists/claims-to-approve", "/api/v1/worklists/payments-to-make"] {
                #expect(try await client.json(.get, path, token: try await client.token("ngo")).status == .forbidden, "the supplier does not approve or pay: \(path)")
            }
            let toApprove = try await client.list("/api/v1/worklists/claims-to-approve", token: finance)
            #expect(toApprove.map { ($0["claim"] as? [String: Any])?["id"] as? String } == [claim.id.lowercased])
            #expect((toApprove.first?["contract"] as? [String: Any])?["reference"] as? String == contract.reference)
            #expect(try await client.list("/api/v1/worklists/claims-to-approve", token: civil).isEmpty, "another buyer has none of the finance office's claims")
            #expect((try await client.json(.get, "/api/v1/worklists/payments-to-make", token: finance).json?["claims"] as? [Any])?.isEmpty == true)

            #expect(try await client.json(.post, "/api/v1/claims/\(claim.id.lowercased)/approval", token: finance).status == .ok)
            #expect(try await client.list("/api/v1/worklists/claims-to-approve", token: finance).isEmpty)
            let toPay = try #require(try await client.json(.get, "/api/v1/worklists/payments-to-make", token: finance).json?["claims"] as? [[String: Any]])
            #expect(toPay.map { ($0["claim"] as? [String: Any])?["status"] as? String } == ["approved"])
            #expect((try await client.json(.get, "/api/v1/worklists/payments-to-make", token: civil).json?["claims"] as? [Any])?.isEmpty == true)
            let paid = try await client.json(.post, "/api/v1/claims/\(claim.id.lowercased)/payment", token: finance,
                                             body: #"{"treasuryReference": "GK-2026-1120-91", "paidOn": "2026-11-19"}"#)
            #expect(paid.status == .ok, "\(paid.text)")
            #expect((try await client.json(.get, "/api/v1/worklists/payments-to-make", token: finance).json?["claims"] as? [Any])?.isEmpty == true)
            #expect(try await client.list("/api/v1/worklists/recoveries-open", token: finance).isEmpty)

            // Later checks find 200 of the verified visits double-counted: ¥12,280 was overpaid and is to be recovered.
            let correction = try await w.contracts.signOff(by: try await w.actor("evaluator2"), milestoneID: signOff.milestoneID,
                                                           SignOffInput(decision: .partiallyMet, verified: ["visits": 1400, "assessments": 90], verifiedBeneficiaries: 110,
                                                                        reasons: "复核发现200人次重复签到，更正核定数量。"))
            if correction.countersignRequired { _ = try await w.contracts.countersign(by: try await w.actor("evaluator"), signOffID: correction.id) }
            let owed = try await client.list("/api/v1/worklists/recoveries-open", token: finance)
            #expect(owed.count == 1 && owed[0]["mayRepay"] as? Bool == true && (owed[0]["recovery"] as? [String: Any])?["amountFen"] as? Int == 1_228_000)
            let supplierView = try await client.list("/api/v1/worklists/recoveries-open", token: try await client.token("ngo"))
            #expect(supplierView.count == 1 && supplierView[0]["mayRepay"] as? Bool == false, "the supplier sees what it owes, and records nothing")
            #expect(try await client.list("/api/v1/worklists/recoveries-open", token: civil).isEmpty)
            #expect(try await client.list("/api/v1/worklists/recoveries-open", token: try await client.token("eldercare")).isEmpty)
            let recovery = try #require((owed[0]["recovery"] as? [String: Any])?["id"] as? String)
            let repaid = try await client.json(.post, "/api/v1/recoveries/\(recovery)/repayment", token: finance,
                                               body: #"{"treasuryReference": "TH-2026-0091", "paidOn": "2026-11-19"}"#)
            #expect(repaid.status == .ok, "\(repaid.text)")
            #expect(try await client.list("/api/v1/worklists/recoveries-open", token: finance).isEmpty)
            // The page reads the same lists: a supplier has no payments page.
            let supplier = Browser(client)
            _ = try await supplier.signIn("ngo")
            #expect(try await supplier.get("/payments").status == .forbidden)
        }
    }
}
