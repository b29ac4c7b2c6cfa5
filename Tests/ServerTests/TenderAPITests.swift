import Foundation
import HummingbirdTesting
import Tendering
import TestSupport
import Testing

@Suite("Tender API")
struct TenderAPITests {
    @Test("a finance office publishes a tender and answers a question; three organisations bid, one refused for its rating; the buyer sees no price until the worker opens the bids")
    func journey() async throws {
        try await TestApp.runTendering { client, t in
            let finance = try await client.token("finance")
            let line = try await t.lines(["LX2026-01"])[0]
            let created = try await client.json(.post, "/api/v1/tenders", token: finance, body: """
                {"title": "居家养老上门服务（解放路、千佛山街道）", "description": "为失能半失能及高龄独居老人提供上门服务。",
                 "eligibility": {"minimumRating": 3}, "lots": [{"purchaseLineId": "\(line.id.lowercased)"}]}
                """)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json?["id"] as? String)
            let lots = try #require(created.json?["lots"] as? [[String: Any]])
            #expect(lots.first?["budgetFen"] as? Int == 40_000_000, "the lot's budget defaults to the line's")
            #expect(created.json?["status"] as? String == "draft")
            #expect(try await client.json(.get, "/api/v1/tenders/\(id)").status == .notFound, "a draft is not public")
            let published = try await client.json(.post, "/api/v1/tenders/\(id)/publish", token: finance)
            #expect(published.status == .ok && published.json?["status"] as? String == "enquiries", "\(published.text)")
            let lotID = try #require(lots.first?["id"] as? String)

            // What each reader may do, as the policy decides: the buyer manages, a supplier bids, the public neither.
            let ngo = try await client.token("ngo")
            let asBuyer = try await client.json(.get, "/api/v1/tenders/\(id)", token: finance).json?["may"] as? [String: Bool]
            let asSupplier = try await client.json(.get, "/api/v1/tenders/\(id)", token: ngo).json?["may"] as? [String: Bool]
            let asOtherBuyer = try await client.json(.get, "/api/v1/tenders/\(id)", token: try await client.token("fufeng")).json?["may"] as? [String: Bool]
            #expect(asBuyer == ["manage": true, "bid": false, "decideComplaints": false])
            #expect(asSupplier == ["manage": false, "bid": true, "decideComplaints": false])
            #expect(asOtherBuyer == ["manage": false, "bid": false, "decideComplaints": false])
            #expect(try await client.json(.get, "/api/v1/tenders/\(id)").json?["may"] as? [String: Bool] == asOtherBuyer, "a visitor may do none of it")

            // A question, published without the asker; answered by the buyer.
            let asked = try await client.json(.post, "/api/v1/tenders/\(id)/questions", token: ngo, body: #"{"text": "是否接受联合体投标？"}"#)
            #expect(asked.status == .created)
            let questionID = try #require(asked.json?["id"] as? String)
            let answered = try await client.json(.post, "/api/v1/tenders/\(id)/questions/\(questionID)/answer", token: finance,
                                                 body: #"{"answer": "不接受联合体投标。"}"#)
            #expect(answered.json?["answer"] as? String == "不接受联合体投标。")
            let questions = try await client.list("/api/v1/tenders/\(id)/questions")
            #expect(questions.count == 1 && Set(questions[0].keys) == ["id", "tenderId", "text", "askedAt", "answer", "answeredAt"])
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/questions", body: #"{"text": "匿名？"}"#).status == .unauthorized)

            // Bids are not taken during enquiries.
            let early = try await client.json(.put, "/api/v1/tenders/\(id)/lots/\(lotID)/bid", token: ngo, body: #"{"priceFen": 38000000, "proposal": "方案"}"#)
            #expect(early.status == .conflict)

            let tender = try await t.tenders.tender(id: UUID(uuidString: id)!, by: nil)
            try await t.move(to: tender.periods!.enquiryEnd)
            let bid = #"{"priceFen": 38000000, "proposal": "阳光社工：每周两次上门服务。"}"#
            let receipt = try await client.json(.put, "/api/v1/tenders/\(id)/lots/\(lotID)/bid", token: ngo, body: bid, idempotencyKey: "ngo-1")
            #expect(receipt.status == .ok, "\(receipt.text)")
            let commitment = try #require(receipt.json?["commitment"] as? String)
            let retry = try await client.json(.put, "/api/v1/tenders/\(id)/lots/\(lotID)/bid", token: ngo, body: bid, idempotencyKey: "ngo-1")
            #expect(retry.json?["commitment"] as? String == commitment && retry.json?["version"] as? Int == 1)
            let eldercare = try await client.token("eldercare")
            #expect(try await client.json(.put, "/api/v1/tenders/\(id)/lots/\(lotID)/bid", token: eldercare,
                                          body: #"{"priceFen": 39000000, "proposal": "情系桑榆方案"}"#).status == .ok)
            let refused = try await client.json(.put, "/api/v1/tenders/\(id)/lots/\(lotID)/bid", token: try await client.token("youth"),
                                                body: #"{"priceFen": 30000000, "proposal": "快乐同行方案"}"#)
            #expect(refused.status == .forbidden)
            let errors = try #require(refused.json?["errors"] as? [[String: Any]])
            #expect(errors.first?["field"] as? String == "eligibility.minimumRating")

            // Before the deadline: the buyer, an administrator and the public learn nothing of the bids.
            for token in [finance, try await client.token("admin"), nil] {
                let sealed = try await client.json(.get, "/api/v1/tenders/\(id)/bids", token: token)
                #expect(sealed.status == .forbidden)
                #expect(!sealed.text.contains("38000000") && !sealed.text.contains("阳光社工"))
            }
            #expect(try await client.list("/api/v1/tenders/\(id)/my-bids", token: finance).isEmpty)
            #expect(try await client.list("/api/v1/tenders/\(id)/my-bids", token: try await client.token("admin")).isEmpty)
            let mine = try await client.list("/api/v1/tenders/\(id)/my-bids", token: ngo)
            #expect(mine.first?["priceFen"] as? Int == 38_000_000)

            // At the deadline the worker opens them.
            try await t.move(to: tender.periods!.tenderEnd)
            let publicBids = try await client.list("/api/v1/tenders/\(id)/bids")
            #expect(publicBids.map { $0["priceFen"] as? Int } == [38_000_000, 39_000_000])
            #expect(publicBids.allSatisfy { $0["proposal"] == nil })
            #expect(publicBids.first?["bidderName"] as? String == "济南市历下区阳光社会工作服务中心")
            let buyerBids = try await client.list("/api/v1/tenders/\(id)/bids", token: finance)
            #expect(buyerBids.first?["proposal"] as? String == "阳光社工：每周两次上门服务。")
            let check = try await client.json(.get, "/api/v1/bid-receipts/\(commitment)")
            #expect(check.json?["matchesOpenedBid"] as? Bool == true)
            let timeline = try await client.list("/api/v1/tenders/\(id)/timeline").compactMap { $0["action"] as? String }
            #expect(timeline == ["tender.drafted", "tender.published", "tender.tendering_started", "tender.bids_opened"])
            let evaluating = try await client.list("/api/v1/tenders?status=evaluation")
            #expect(evaluating.contains { $0["id"] as? String == id })
        }
    }

    @Test("refusals: wrong role, wrong organisation, bad input, wrong state")
    func refusals() async throws {
        try await TestApp.runTendering { client, t in
            let finance = try await client.token("finance")
            let line = try await t.lines(["LX2026-02"])[0]
            let body = #"{"title": "t", "description": "d", "lots": [{"purchaseLineId": "\#(line.id.lowercased)"}]}"#
            #expect(try await client.json(.post, "/api/v1/tenders", token: try await client.token("ngo"), body: body).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/tenders", body: body).status == .unauthorized)
            let short = try await client.json(.post, "/api/v1/tenders", token: finance, body: #"{"title": "t", "description": "d", "tenderingDays": 2, "lots": [{"purchaseLineId": "\#(line.id.lowercased)"}]}"#)
            #expect(short.status == .unprocessableContent)
            #expect((short.json?["errors"] as? [[String: Any]])?.first?["message"] as? String == "must be at least 5 working days for open tenders")
            #expect(try await client.json(.post, "/api/v1/tenders", token: finance, body: #"{"title": "t"}"#).status == .unprocessableContent)
            let created = try await client.json(.post, "/api/v1/tenders", token: finance, body: body)
            let id = try #require(created.json?["id"] as? String)
            let civil = try await client.token("civil")
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/publish", token: civil).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/cancel", token: finance, body: #"{"reason": "whim", "note": "x"}"#).status == .unprocessableContent)
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/publish", token: finance).status == .ok)
            #expect(try await client.json(.post, "/api/v1/tenders/\(id)/publish", token: finance).status == .conflict)
            #expect(try await client.json(.get, "/api/v1/bid-receipts/\(String(repeating: "a", count: 64))").status == .notFound)
            #expect(try await client.json(.get, "/api/v1/tenders/not-a-uuid").status == .unprocessableContent)
        }
    }
}
