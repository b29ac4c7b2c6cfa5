import Foundation
import HummingbirdTesting
import Tendering
import TestSupport
import Testing

@Suite("Evaluation and award API")
struct EvaluationAPITests {
    @Test("two evaluators score and one is refused for a conflict; the award is made, a complaint answered, the standstill passes")
    func journey() async throws {
        try await TestApp.runTendering { client, t in
            let finance = try await client.token("finance")
            let tender = try await t.publishedTender(["LX2026-01"])
            let id = tender.id.lowercased, lot = tender.lots[0].id.lowercased
            // The buyer lists the evaluators and seats three.
            let evaluators = try await client.list("/api/v1/evaluators", token: finance)
            #expect(Set(evaluators.compactMap { $0["displayName"] as? String }).isSuperset(of: ["刘评估", "马评审", "黄评审"]))
            #expect(try await client.json(.get, "/api/v1/evaluators", token: try await client.token("ngo")).status == .forbidden)
            for username in ["evaluator", "evaluator2", "evaluator3"] {
                let userID = try await t.world.actor(username).userID.lowercased
                let seated = try await client.json(.post, "/api/v1/tenders/\(id)/panel", token: finance, body: #"{"userId": "\#(userID)"}"#)
                #expect(seated.status == .created && seated.json?["status"] as? String == "assigned", "\(seated.text)")
            }
            let notEvaluator = try await client.json(.post, "/api/v1/tenders/\(id)/panel", token: finance,
                                                     body: #"{"userId": "\#(try await t.world.actor("ngo").userID.lowercased)"}"#)
            #expect(notEvaluator.status == .unprocessableContent && notEvaluator.headers[.contentType] == "application/problem+json")
            // The panel is not public before the award.
            #expect(try await client.json(.get, "/api/v1/tenders/\(id)/evaluation").status == .unauthorized)
            #expect(try await client.json(.get, "/api/v1/tenders/\(id)/evaluation", token: try await client.token("ngo")).status == .forbidden)

            try await t.move(to: tender.periods!.enquiryEnd)
            for (username, fen) in [("ngo", 38_000_000), ("eldercare", 39_000_000), ("harmony", 37_000_000)] {
                let bid = try await client.json(.put, "/api/v1/tenders/\(id)/lots/\(lot)/bid", token: try await client.token(username),
                                                body: #"{"priceFen": \#(fen), "proposal": "服务方案"}"#)
                #expect(bid.status == .ok)
            }
            let evaluator = try await client.token("evaluator"), evaluator2 = try await client.token("evaluator2")
            let early = try await client.json(.post, "/api/v1/tenders/\(id)/declaration", token: evaluator, body: #"{"conflicts": []}"#)
            #expect(early.status == .conflict)
            try await t.move(to: tender.periods!.tenderEnd)

            // 黄评审 sits on 和合's board: refused at opening, and told why.
            let panel = try #require(try await client.json(.get, "/api/v1/tenders/\(id)/evaluation", token: finance).json?["panel"] as? [[String: Any]])
            let refused = try #require(panel.first { $0["displayName"] as? String == "黄评审" })
            #expect(refused["status"] as? String == "refused" && (refused["refusal"] as? String)?.contains("和合") == true)
            let blocked = try await client.json(.put, "/api/v1/tenders/\(id)/my-scores", token: try await client.token("evaluator3"), body: #"{"entries": []}"#)
            #expect(blocked.status == .forbidden)

            // Two evaluators declare and score; each sees only their own sheet until both have submitted.
            #expect(try await client.list("/api/v1/tenders/\(id)/bids", token: evaluator).allSatisfy { $0["proposal"] == nil },
                    "no proposals before the declaration")
            for token in [evaluator, evaluator2] {
                let declared = try await client.json(.post, "/api/v1/tenders/\(id)/declaration", token: token, body: #"{"conflicts": []}"#)
                #expect(declared.json?["status"] as? String == "independent")
            }
            let bids = try await client.list("/api/v1/tenders/\(id)/bids", token: evaluator)
            #expect(bids.allSatisfy { $0["proposal"] as? String == "服务方案" }, "an independent evaluator reads the proposals")
            func sheet(_ plan: Double, submit: Bool) -> String {
                let entries = bids.map { bid in
                    #"{"bidId": "\#(bid["id"]!)", "criterion": "服务方案", "points": \#(plan)}, {"bidId": "\#(bid["id"]!)", "criterion": "团队与经验", "points": 15}"#
                }
                return #"{"entries": [\#(entries.joined(separator: ", "))], "submit": \#(submit)}"#
            }
            let tooMany = try await client.json(.put, "/api/v1/tenders/\(id)/my-scores", token: evaluator, body: sheet(50.125, submit: false))
            #expect(tooMany.status == .unprocessableContent)
            #expect(try await client.json(.put, "/api/v1/tenders/\(id)/my-scores", token: evaluator, body: sheet(40, submit: true)).status == .ok)
            #expect(try await client.json(.put, "/api/v1/tenders/\(id)/my-scores", token: evaluator2, body: sheet(45.5, submit: false)).status == .ok)
            let halfway = try await client.json(.get, "/api/v1/tenders/\(id)/evaluation", token: evaluator)
            #expect((halfway.json?["sheets"] as? [Any])?.count == 1 && halfway.json?["rankings"] == nil && !halfway.text.contains("45.5"))
            let award = #"{"bidId": "\#(bids[0]["id"]!)"}"#
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/lots/\(lot)/award", token: finance, body: award).status == .conflict)
            #expect(try await client.json(.put, "/api/v1/tenders/\(id)/my-scores", token: evaluator2, body: sheet(45.5, submit: true)).status == .ok)
            let complete = try await client.json(.get, "/api/v1/tenders/\(id)/evaluation", token: finance)
            #expect(complete.json?["isComplete"] as? Bool == true && (complete.json?["sheets"] as? [Any])?.count == 2)
            let ranking = try #require((complete.json?["rankings"] as? [[String: Any]])?.first?["bids"] as? [[String: Any]])
            // 和合 ¥370,000 is cheapest: price score 30; quality (40 + 45.5) ÷ 2 + 15 = 57.75.
            #expect(ranking[0]["bidderName"] as? String == "济南市历下区和合社区发展服务中心")
            #expect(ranking[0]["total"] as? Double == 87.75 && ranking[0]["awardable"] as? Bool == true)

            // The award: a supplier cannot make it; the buyer makes it to the recommended bid.
            let recommended = try #require(ranking[0]["bidId"] as? String)
            let body = #"{"bidId": "\#(recommended)"}"#
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/lots/\(lot)/award", token: try await client.token("ngo"), body: body).status == .forbidden)
            let made = try await client.json(.post, "/api/v1/tenders/\(id)/lots/\(lot)/award", token: finance, body: body)
            #expect(made.status == .created && made.json?["valueFen"] as? Int == 37_000_000, "\(made.text)")
            let awarded = try await client.json(.get, "/api/v1/tenders/\(id)")
            #expect(awarded.json?["status"] as? String == "awarded")
            #expect(try await client.list("/api/v1/tenders/\(id)/awards").count == 1, "awards are public once made")
            #expect(try await client.json(.get, "/api/v1/tenders/\(id)/evaluation").status == .ok, "so is the evaluation")

            // A complaint by 阳光, answered by the buyer and accepted; then the standstill passes.
            let ngo = try await client.token("ngo")
            let filed = try await client.json(.post, "/api/v1/tenders/\(id)/complaints", token: ngo, body: #"{"text": "请说明和合报价的合理性。"}"#)
            #expect(filed.status == .created && filed.json?["complainantName"] as? String == "济南市历下区阳光社会工作服务中心")
            let complaintID = try #require(filed.json?["id"] as? String)
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/complaints", token: try await client.token("warmsun"),
                                          body: #"{"text": "评审不公"}"#).status == .forbidden, "only bidders complain")
            let answered = try await client.json(.post, "/api/v1/complaints/\(complaintID)/answer", token: finance, body: #"{"text": "和合报价低于均值不足40%，未触发异常低价规则。"}"#)
            #expect(answered.json?["status"] as? String == "answered")
            let accepted = try await client.json(.post, "/api/v1/complaints/\(complaintID)/accept", token: ngo)
            #expect(accepted.json?["outcome"] as? String == "accepted")
            #expect(try await client.list("/api/v1/contract-drafts").isEmpty)
            try await t.move(to: try #require(try await t.tenders.tender(id: tender.id, by: nil).periods?.standstillEnd))
            #expect(try await client.json(.get, "/api/v1/tenders/\(id)").json?["status"] as? String == "complete")
            let drafts = try await client.list("/api/v1/contract-drafts")
            #expect(drafts.count == 1 && drafts[0]["valueFen"] as? Int == 37_000_000 && drafts[0]["tenderReference"] as? String == tender.reference)
            let late = try await client.json(.post, "/api/v1/tenders/\(id)/complaints", token: ngo, body: #"{"text": "补充质疑"}"#)
            #expect(late.status == .conflict && late.headers[.contentType] == "application/problem+json")
        }
    }
}
