import Foundation
import HTTPTypes
import HummingbirdTesting
import Tendering
import TestSupport
import Testing

@Suite("Evaluation pages")
struct EvaluationPageTests {
    @Test("the buyer seats the panel, evaluators declare and fill in the scoring sheet, the buyer awards, a bidder complains and is answered")
    func journey() async throws {
        try await TestApp.runTendering { client, t in
            let tender = try await t.publishedTender(["LX2026-01"])
            let id = tender.id.lowercased, lot = tender.lots[0].id.lowercased
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            let empty = try await finance.get("/tenders/\(id)/evaluation")
            #expect(empty.status == .ok && empty.html.contains("尚未指派评审专家") && empty.html.contains("马评审"))
            for username in ["evaluator", "evaluator2", "evaluator3"] {
                let page = try await finance.get("/tenders/\(id)/evaluation")
                let user = try await t.world.actor(username).userID.lowercased
                #expect(try await finance.post("/tenders/\(id)/evaluation/panel", [("user", user)], csrf: page.csrf).status == .seeOther)
            }
            #expect(try await Browser(client).get("/tenders/\(id)/evaluation").location?.hasPrefix("/login") == true,
                    "the panel is not public before the award: a visitor is asked to sign in")

            try await t.move(to: tender.periods!.enquiryEnd)
            for (username, yuan) in [("ngo", 380_000), ("eldercare", 390_000), ("harmony", 200_000)] as [(String, Int64)] {
                _ = try await t.bids.submit(by: try await t.world.actor(username), tenderID: tender.id, lotID: tender.lots[0].id,
                                            BidContent(price: .yuan(yuan), proposal: "上门服务方案"))
            }
            try await t.move(to: tender.periods!.tenderEnd)
            let opened = try await t.bids.openedBids(tenderID: tender.id, by: nil)

            // Each evaluator: the worklist, the declaration, then the sheet (a draft first for one of them).
            for username in ["evaluator", "evaluator2"] {
                let evaluator = Browser(client)
                _ = try await evaluator.signIn(username)
                #expect(try await evaluator.get("/panels").html.contains(tender.reference))
                let seat = try await evaluator.get("/tenders/\(id)/evaluation")
                #expect(seat.html.contains("提交声明") && seat.html.contains("济南市历下区和合社区发展服务中心"))
                #expect(try await evaluator.post("/tenders/\(id)/evaluation/declaration", [("statement", "")], csrf: seat.csrf).status == .seeOther)
                let sheet = try await evaluator.get("/tenders/\(id)/evaluation")
                #expect(sheet.html.contains("提交评分表") && sheet.html.contains("上门服务方案") && sheet.html.contains("异常低价"))
                var fields: [(String, String)] = opened.flatMap { bid in
                    [("score-\(bid.id.lowercased)-0", "40"), ("score-\(bid.id.lowercased)-1", "15")]
                }
                if username == "evaluator" {
                    let tooHigh = try await evaluator.post("/tenders/\(id)/evaluation/scores",
                                                           [("score-\(opened[0].id.lowercased)-0", "60"), ("action", "save")], csrf: sheet.csrf)
                    #expect(tooHigh.status == .unprocessableContent && tooHigh.html.contains("“服务方案”的得分应为0至50分"))
                    #expect(try await evaluator.post("/tenders/\(id)/evaluation/scores", Array(fields.prefix(2)) + [("action", "save")],
                                                     csrf: sheet.csrf).status == .seeOther)
                    #expect(try await evaluator.get("/tenders/\(id)/evaluation").html.contains(#"value="40""#), "the draft comes back")
                }
                fields.append(("action", "submit"))
                #expect(try await evaluator.post("/tenders/\(id)/evaluation/scores", fields, csrf: sheet.csrf).status == .seeOther)
            }
            // 黄评审 was refused at opening: the page says so and offers no sheet.
            let refused = Browser(client)
            _ = try await refused.signIn("evaluator3")
            let refusedPage = try await refused.get("/tenders/\(id)/evaluation")
            #expect(refusedPage.html.contains("已回避") && !refusedPage.html.contains("提交评分表"))
            // Both sheets are in, yet the tie (黄评审 sits on 和合's board) carries neither the ranking nor the others' scores.
            #expect(!refusedPage.html.contains("推荐") && !refusedPage.html.contains("异常低价：低于其他均价"))
            let refusedAPI = try await client.json(.get, "/api/v1/tenders/\(id)/evaluation", token: try await client.token("evaluator3"))
            #expect(refusedAPI.status == .ok && refusedAPI.json?["rankings"] == nil && (refusedAPI.json?["sheets"] as? [Any])?.isEmpty != false)

            // The ranking; the recommended bid is flagged, so the buyer awards the second with a reason.
            _ = try await finance.signIn("finance")
            let ranking = try await finance.get("/tenders/\(id)/evaluation")
            #expect(ranking.html.contains("异常低价：低于其他均价 48%，低于次低价 47%") && ranking.html.contains("推荐"))
            let second = try #require(opened.first { $0.price == .yuan(380_000) }).id.lowercased
            let noReason = try await finance.post("/tenders/\(id)/evaluation/lots/\(lot)/award", [("bid", second), ("reason", "")], csrf: ranking.csrf)
            #expect(noReason.status == .unprocessableContent && noReason.html.contains("不选择推荐投标的理由"))
            #expect(try await finance.post("/tenders/\(id)/evaluation/lots/\(lot)/award",
                                           [("bid", second), ("reason", "第一名报价异常低且未作书面说明，授予第二名。")], csrf: ranking.csrf).status == .seeOther)
            let publicPage = try await Browser(client).get("/tenders/\(id)/evaluation")
            #expect(publicPage.status == .ok && publicPage.html.contains("质疑期至") && publicPage.html.contains("刘评估"))

            // A losing bidder complains; the buyer answers; the complainant accepts.
            let harmony = Browser(client)
            _ = try await harmony.signIn("harmony")
            let complainPage = try await harmony.get("/tenders/\(id)/evaluation")
            #expect(try await harmony.post("/tenders/\(id)/evaluation/complaints", [("text", "我方愿补充书面说明，请重新考虑。"), ("lot", "")],
                                           csrf: complainPage.csrf).status == .seeOther)
            let complaint = try #require(try await t.awards.complaints(tenderID: tender.id, by: nil).first).id.lowercased
            let toAnswer = try await finance.get("/tenders/\(id)/evaluation")
            #expect(toAnswer.html.contains("待采购人答复"))
            #expect(try await finance.post("/tenders/\(id)/evaluation/complaints/\(complaint)/answer", [("text", "评审期间未收到说明，授予结果维持。")],
                                           csrf: toAnswer.csrf).status == .seeOther)
            let answered = try await harmony.get("/tenders/\(id)/evaluation")
            #expect(answered.html.contains("评审期间未收到说明") && answered.html.contains("接受答复"))
            #expect(try await harmony.post("/tenders/\(id)/evaluation/complaints/\(complaint)/accept", [], csrf: answered.csrf).status == .seeOther)
            // Someone else cannot accept it; the refusal is a readable page.
            let other = try await finance.post("/tenders/\(id)/evaluation/complaints/\(complaint)/accept", [], csrf: toAnswer.csrf)
            #expect(other.status == .forbidden || other.status == .conflict)
        }
    }
}
