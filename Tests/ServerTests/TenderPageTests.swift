import Foundation
import HTTPTypes
import HummingbirdTesting
import Tendering
import TestSupport
import Testing

@Suite("Tender pages")
struct TenderPageTests {
    /// The id in a redirect to /tenders/{id}.
    func tenderID(_ page: Browser.Page) throws -> UUID {
        try #require(page.location.flatMap { UUID(uuidString: String($0.dropFirst("/tenders/".count))) }, "redirected to \(page.location ?? "nowhere")")
    }

    @Test("a finance office drafts from its lines, publishes and answers; a bidder bids with a receipt; the public sees prices only after opening")
    func journey() async throws {
        try await TestApp.runTendering { client, t in
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            let editor = try await finance.get("/tenders/new")
            #expect(editor.status == .ok && editor.html.contains("LX2026-01"))
            let lines = try await t.lines(["LX2026-06"])
            var fields: [(String, String)] = [("title", "老年社会工作（龙洞、智远街道）"), ("description", "为空巢及困难老年人提供社会工作服务。"),
                                              ("procedure", "open"), ("justification", ""), ("enquiryDays", "2"), ("tenderingDays", "5"),
                                              ("evaluationDays", "5"), ("standstillDays", "5"), ("minimumBids", "1"), ("minimumRating", "3"),
                                              ("priceWeight", "30"), ("criterion0", "服务方案"), ("weight0", "50"), ("criterion1", "团队与经验"),
                                              ("weight1", "20"), ("lines", lines[0].id.uuidString.lowercased())]
            // Too short an enquiry period: the form comes back, filled in, saying why.
            let refused = try await finance.post("/tenders", fields, csrf: editor.csrf)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("公开招标项目应不少于3个工作日") && refused.html.contains("老年社会工作（龙洞、智远街道）"))
            fields[4] = ("enquiryDays", "3")
            let created = try await finance.post("/tenders", fields, csrf: editor.csrf)
            #expect(created.status == .seeOther)
            let id = try tenderID(created).uuidString.lowercased()
            let draft = try await finance.get("/tenders/\(id)")
            #expect(draft.html.contains("草稿") && draft.html.contains("发布"))
            #expect(!draft.html.contains(#"class="error" role="alert""#) && !draft.html.contains("单一来源理由"), "no empty alert or justification")
            #expect(try await Browser(client).get("/tenders/\(id)").status == .notFound, "a draft is the buyer's alone")
            #expect(try await finance.post("/tenders/\(id)/publish", [], csrf: draft.csrf).status == .seeOther)

            // An organisation asks; the question shows without its name; the buyer answers.
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            let page = try await ngo.get("/tenders/\(id)")
            #expect(try await ngo.post("/tenders/\(id)/questions", [("text", "是否需要提供场地？"), ("lot", "")], csrf: page.csrf).status == .seeOther)
            let question = try #require(try await t.tenders.questions(tenderID: UUID(uuidString: id)!, by: nil).first)
            let buyerView = try await finance.get("/tenders/\(id)")
            #expect(buyerView.html.contains("是否需要提供场地？") && !buyerView.html.contains("阳光"))
            #expect(try await finance.post("/tenders/\(id)/questions/\(question.id.uuidString.lowercased())/answer", [("answer", "不需要，服务在老人家中开展。")],
                                           csrf: buyerView.csrf).status == .seeOther)
            #expect(try await Browser(client).get("/tenders/\(id)").html.contains("不需要，服务在老人家中开展。"))

            // In the tendering period the bidder bids and sees its receipt; the buyer sees nothing of it.
            let tender = try await t.tenders.tender(id: UUID(uuidString: id)!, by: nil)
            try await t.move(to: tender.periods!.enquiryEnd)
            // Days have passed: sessions last 12 hours, so both sign in again.
            _ = try await ngo.signIn("ngo")
            _ = try await finance.signIn("finance")
            let bidPage = try await ngo.get("/tenders/\(id)")
            #expect(bidPage.html.contains("提交投标"))
            let lot = tender.lots[0].id.uuidString.lowercased()
            let overBudget = try await ngo.post("/tenders/\(id)/lots/\(lot)/bid", [("price", "250000"), ("proposal", "方案"), ("key", "k1")], csrf: bidPage.csrf)
            #expect(overBudget.status == .unprocessableContent && overBudget.html.contains("超过该标段预算¥200,000.00"))
            let bid = try await ngo.post("/tenders/\(id)/lots/\(lot)/bid", [("price", "186,500.00"), ("proposal", "阳光方案：个案与小组结合"), ("key", "k2")], csrf: bidPage.csrf)
            #expect(bid.status == .seeOther)
            let withReceipt = try await ngo.get("/tenders/\(id)")
            let receipt = try #require(try await t.bids.ownBids(by: try await t.world.actor("ngo"), tenderID: tender.id).first?.receipt)
            #expect(withReceipt.html.contains(receipt.commitment) && withReceipt.html.contains("¥186,500.00"))
            for viewer in [finance, Browser(client)] {
                let html = try await viewer.get("/tenders/\(id)").html
                #expect(!html.contains("186,500") && !html.contains("阳光方案"))
            }
            // A bid after the deadline is refused on the page too.
            try await t.move(to: tender.periods!.tenderEnd)
            _ = try await ngo.signIn("ngo")
            _ = try await finance.signIn("finance")
            let late = try await ngo.post("/tenders/\(id)/lots/\(lot)/bid", [("price", "180000"), ("proposal", "迟到"), ("key", "k3")],
                                          csrf: try await ngo.get("/tenders/\(id)").csrf)
            #expect(late.status == .conflict && late.html.contains("投标已于"))
            let opened = try await Browser(client).get("/tenders/\(id)")
            #expect(opened.html.contains("¥186,500.00") && !opened.html.contains("阳光方案"), "the public sees the price, not the proposal")
            #expect(try await finance.get("/tenders/\(id)").html.contains("阳光方案"))
            #expect(opened.html.contains("投标截止，开标"))
        }
    }

    @Test("the editor offers a line only while budget is left of it, and says how much")
    func editorOffersLinesWithBudgetLeft() async throws {
        try await TestApp.runTendering { client, t in
            let line = try #require(try await t.lines(["LX2026-07"]).first)
            _ = try await t.publishedTender(["LX2026-07"], minimumBids: 1)
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            let editor = try await finance.get("/tenders/new")
            let id = line.id.lowercased
            #expect(editor.html.contains(#"value="\#(id)" disabled>"#), "the tender holds all of LX2026-07")
            let other = try #require(try await t.lines(["LX2026-08"]).first)
            #expect(editor.html.contains(#"value="\#(other.id.lowercased)">"#), "a line no tender holds is offered")
        }
    }

    @Test("the list filters by status; the editor is for buyers' staff; cancelling needs a reason from the list")
    func listAndRefusals() async throws {
        try await TestApp.runTendering { client, t in
            let tender = try await t.publishedTender(["LX2026-07"], minimumBids: 1)
            let list = try await Browser(client).get("/tenders?status=enquiries")
            #expect(list.status == .ok && list.html.contains(tender.reference))
            #expect(!(try await Browser(client).get("/tenders?status=complete")).html.contains(tender.reference))
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            #expect(try await ngo.get("/tenders/new").status == .forbidden)
            #expect(try await Browser(client).get("/tenders/new").status == .seeOther, "anonymous visitors are sent to sign in")
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            let page = try await finance.get("/tenders/\(tender.id.uuidString.lowercased())")
            let noReason = try await finance.post("/tenders/\(tender.id.uuidString.lowercased())/cancel", [("reason", "whim"), ("note", "x")], csrf: page.csrf)
            #expect(noReason.status == .unprocessableContent && noReason.html.contains("请从列表中选择理由"))
            #expect(noReason.html.contains(#"id="cancel-reason-error""#) && noReason.html.contains(##"href="#cancel-reason""##)
                && noReason.html.contains(#"id="cancel-note" name="note" required maxlength="2000" value="x""#), "beside the list, the note kept")
            let asker = try await ngo.get("/tenders/\(tender.id.uuidString.lowercased())")
            let long = String(repeating: "问", count: 5001)
            let unasked = try await ngo.post("/tenders/\(tender.id.uuidString.lowercased())/questions", [("text", long), ("lot", "")], csrf: asker.csrf)
            #expect(unasked.status == .unprocessableContent && unasked.html.contains(#"id="ask-text-error""#) && unasked.html.contains(##"href="#ask-text""##))
            #expect(unasked.html.contains(long), "the question typed is kept")
            let cancelled = try await finance.post("/tenders/\(tender.id.uuidString.lowercased())/cancel", [("reason", "budget_withdrawn"), ("note", "预算调减")], csrf: page.csrf)
            #expect(cancelled.status == .seeOther)
            #expect(try await Browser(client, language: "en").get("/tenders/\(tender.id.uuidString.lowercased())").html.contains("Budget withdrawn"))
        }
    }
}
