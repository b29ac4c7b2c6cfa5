import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// A refused form says every problem at once (issue 22): the summary at the top names each field by its label on the page
/// and links to its input, each input carries its own error, and what was typed comes back.
@Suite("Refused forms name every field")
struct RefusedFormTests {
    /// The summary's entries: (link, label) in order.
    func summary(_ html: String) -> [(href: String, label: String)] {
        guard let block = html.firstMatch(of: /<div class="error" role="alert" id="problem"[\s\S]*?<\/div>/) else { return [] }
        return String(block.output).matches(of: /<li><a href="([^"]+)"><strong>([^<]+)<\/strong><\/a>/).map { (String($0.output.1), String($0.output.2)) }
    }

    /// The error shown beside the input `id`, and whether the input says it is invalid.
    func besideField(_ id: String, _ html: String) -> String? {
        guard html.contains(#"id="\#(id)""#), html.contains(#"aria-describedby="\#(id)-error""#) else { return nil }
        return html.firstMatch(of: try! Regex(#"<[a-z]+ class="field-error" id=""# + id + #"-error">([^<]*)<"#)).flatMap { $0.output[1].substring.map(String.init) }
    }

    /// A browser signed in as `username`.
    func signedIn(_ client: any TestClientProtocol, _ username: String, language: String = "en") async throws -> Browser {
        let browser = Browser(client, language: language)
        _ = try await browser.signIn(username)
        return browser
    }

    @Test("a purchase line with five problems: all five at once, by label, linked to inputs that show their own error and what was typed")
    func purchaseLine() async throws {
        try await TestApp.run { client, _ in
            let browser = try await signedIn(client, "finance")
            // A year and a quantity that are no numbers (read by the page), and a reference, a title and a budget the line's rules refuse.
            let refused = try await browser.post("/purchase-lists/lines", [
                ("year", "next year"), ("reference", "LX 2026/1"), ("catalogueCode", "A0101"), ("title", ""), ("targetGroup", "高龄老人"),
                ("quantity", "many"), ("unit", "人"), ("budget", "0"), ("fundingSource", "general_budget"), ("tier", "street")])
            #expect(refused.status == .unprocessableContent)
            let entries = summary(refused.html)
            #expect(entries.map(\.href) == ["#line-year", "#line-reference", "#line-title", "#line-quantity", "#line-budget"])
            #expect(entries.map(\.label) == ["Year", "Reference", "Title", "Quantity", "Budget (yuan)"])
            #expect(besideField("line-year", refused.html) == "is not a year")
            #expect(besideField("line-reference", refused.html)?.hasPrefix("must be 1 to 30 letters") == true)
            #expect(besideField("line-title", refused.html) == "is required")
            #expect(besideField("line-quantity", refused.html) == "must be a whole number")
            #expect(besideField("line-targetGroup", refused.html) == nil, "a field without a problem shows none")
            #expect(refused.html.contains(#"value="next year""#) && refused.html.contains(#"value="LX 2026/1""#) && refused.html.contains(#"value="many""#))
            // The summary comes first on the page, before the list it would otherwise sit below.
            let problem = try #require(refused.html.range(of: #"id="problem""#)), table = try #require(refused.html.range(of: "<table"))
            #expect(problem.lowerBound < table.lowerBound)

            // In Chinese, the same labels in Chinese.
            let chinese = try await signedIn(client, "finance", language: "zh-CN")
            let zh = try await chinese.post("/purchase-lists/lines", [
                ("year", "明年"), ("reference", "LX2026-96"), ("catalogueCode", "A0101"), ("title", "助餐"), ("targetGroup", "高龄老人"),
                ("quantity", "3"), ("unit", "人"), ("budget", "90000"), ("fundingSource", "general_budget"), ("tier", "street")])
            #expect(summary(zh.html).map(\.label) == ["年度"] && besideField("line-year", zh.html) == "不是有效年份")
        }
    }

    @Test("the tender editor: numbers that are none and the terms' own rules at once, each by its label on the page; the criterion's weight by its row")
    func tenderEditor() async throws {
        try await TestApp.runTendering { client, _ in
            let browser = try await signedIn(client, "finance")
            let refused = try await browser.post("/tenders", [
                ("title", ""), ("description", "居家养老上门服务"), ("procedure", "open"), ("justification", ""),
                ("enquiryDays", "three"), ("tenderingDays", "15"), ("evaluationDays", "5"), ("standstillDays", "5"), ("minimumBids", "2"),
                ("minimumRating", ""), ("priceWeight", "40"), ("criterion0", ""), ("weight0", ""), ("criterion1", "服务方案"), ("weight1", "lots"),
                ("criterion2", ""), ("weight2", "")])
            #expect(refused.status == .unprocessableContent)
            let entries = summary(refused.html)
            // No line chosen: the tender has no lot, told with the rest.
            #expect(entries.map(\.href) == ["#tender-title", "#tender-enquiryDays", "#tender-weight1", "#tender-lines"], "in the form's order")
            let labels = Dictionary(entries.map { ($0.href, $0.label) }, uniquingKeysWith: { a, _ in a })
            #expect(labels["#tender-title"] == "Title" && labels["#tender-enquiryDays"] == "Enquiry period")
            #expect(labels["#tender-weight1"] == "Criterion 2 · points" && labels["#tender-lines"] == "Purchase-list lines (each makes one lot)")
            #expect(besideField("tender-enquiryDays", refused.html) == "must be a whole number")
            #expect(besideField("tender-weight1", refused.html) == "must be a whole number")
            #expect(besideField("tender-title", refused.html) == "is required")
            #expect(refused.html.contains(#"id="tender-lines""#) && refused.html.contains(#"id="tender-lines-error""#))
            #expect(refused.html.contains(#"value="three""#) && refused.html.contains(#"value="lots""#) && refused.html.contains(#"value="服务方案""#))
            #expect(!refused.html.contains(#"id="tender-criteria-error""#), "the weights' sum is not told while a weight is unread")
        }
    }

    @Test("a bid with a price that is no amount and no proposal: both at once, linked to that lot's inputs, the typed price kept")
    func bid() async throws {
        try await TestApp.runTendering { client, t in
            let tender = try await t.publishedTender(["LX2026-01"])
            try await t.move(to: tender.periods!.enquiryEnd)
            let ngo = try await signedIn(client, "ngo")
            let id = tender.id.lowercased, lot = tender.lots[0].id.lowercased
            let page = try await ngo.get("/tenders/\(id)")
            #expect(page.html.contains(#"id="bid-\#(lot)-price""#), "each lot's inputs carry their own ids")
            let refused = try await ngo.post("/tenders/\(id)/lots/\(lot)/bid", [("price", "about 180k"), ("proposal", ""), ("key", "k1")], csrf: page.csrf)
            #expect(refused.status == .unprocessableContent)
            let entries = summary(refused.html)
            #expect(entries.map(\.href) == ["#bid-\(lot)-price", "#bid-\(lot)-proposal"])
            #expect(entries.map(\.label) == ["Price (yuan)", "Proposal"])
            #expect(besideField("bid-\(lot)-price", refused.html) == "is not an amount in yuan, e.g. 380000 or 380,000.00")
            #expect(besideField("bid-\(lot)-proposal", refused.html) == "is required")
            #expect(refused.html.contains(#"value="about 180k""#))
        }
    }

    @Test("a milestone report whose evidence says no date and how it was obtained: each named by the row's words, linked to that milestone's inputs, the typed words kept")
    func report() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let id = contract.id.lowercased
            let milestone = try await w.contracts.milestones(of: [contract.id])[0].id.lowercased
            let supplier = try await signedIn(client, "ngo")
            _ = try await supplier.get("/contracts/\(id)")
            // The file is in the second row: the report's first evidence is row 2 on the page.
            let refused = try await supplier.upload("/contracts/\(id)/milestones/\(milestone)/report",
                                                    fields: [("result_visits", "1800"), ("result_assessments", "100"), ("beneficiaries", "120"),
                                                             ("narrative", "本季度完成上门服务。"), ("how0", ""), ("on0", ""), ("how1", ""), ("on1", "next week")],
                                                    file: DeliveryWorld.pdf, filename: "签到.pdf", fileField: "file1")
            #expect(refused.status == .unprocessableContent)
            let entries = summary(refused.html)
            #expect(entries.map(\.href) == ["#report-\(milestone)-how1", "#report-\(milestone)-on1"])
            #expect(entries.map(\.label) == ["How it was obtained 2", "When 2"])
            #expect(besideField("report-\(milestone)-how1", refused.html) == "is required")
            #expect(besideField("report-\(milestone)-on1", refused.html) == "must be a day as yyyy-MM-dd")
            #expect(refused.html.contains(#"value="next week""#) && refused.html.contains("本季度完成上门服务。</textarea>")
                    && refused.html.contains(#"name="result_visits" value="1800""#))
        }
    }

    @Test("a sign-off sheet with a figure that is no number and reasons too short: both at once, linked to that milestone's inputs, what was typed kept")
    func signOff() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let id = contract.id.lowercased
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id,
                                             DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            let evaluator = try await signedIn(client, "evaluator")
            let page = try await evaluator.get("/contracts/\(id)")
            let prefix = "signoff-\(milestone.id.lowercased)-"
            #expect(page.html.contains(#"id="\#(prefix)verified_visits" name="verified_visits" required inputmode="numeric" value="1800""#), "proposed as reported")
            let refused = try await evaluator.post("/contracts/\(id)/milestones/\(milestone.id.lowercased)/sign-off", [
                ("verified_visits", "many"), ("verified_assessments", "100"), ("beneficiaries", "110"), ("decision", "met"), ("reasons", "short")], csrf: page.csrf)
            #expect(refused.status == .unprocessableContent)
            // Met would need every target; that is not told while a figure is unread.
            #expect(summary(refused.html).map(\.href) == ["#\(prefix)verified_visits", "#\(prefix)reasons"])
            #expect(summary(refused.html).map(\.label) == ["完成的上门服务人次", "Reasons"])
            #expect(besideField(prefix + "verified_visits", refused.html) == "must be a whole number")
            #expect(besideField(prefix + "reasons", refused.html) == "must explain the decision in at least 10 characters")
            #expect(refused.html.contains(#"value="many""#) && refused.html.contains("short</textarea>") && refused.html.contains(#"<option value="met" selected>"#))
        }
    }

    @Test("a contract draft over a year with no justification and no terms: both at once, by label, the typed days kept")
    func contractDraft() async throws {
        try await TestApp.runDelivery { client, w in
            let award = try await w.completedAward()
            let buyer = try await signedIn(client, "finance")
            let page = try await buyer.get("/contracts")
            let refused = try await buyer.post("/contracts", [("awardId", award.awardID.lowercased), ("startsOn", "2026-11-19"), ("endsOn", "2028-06-30"),
                                                              ("termJustification", ""), ("terms", "")], csrf: page.csrf)
            #expect(refused.status == .unprocessableContent)
            #expect(summary(refused.html).map(\.href) == ["#draft-termJustification", "#draft-terms"])
            #expect(summary(refused.html).map(\.label) == ["Why longer than a year", "Content, quantity, quality, settlement, liability"])
            #expect(besideField("draft-terms", refused.html) == "is required")
            #expect(besideField("draft-termJustification", refused.html)?.contains("needs a written justification") == true)
            #expect(refused.html.contains(#"value="2028-06-30""#) && refused.html.contains(#"value="2026-11-19""#))
        }
    }

    @Test("an incubation application with no idea and a team size that is no number: both at once, by label, the typed needs kept")
    func application() async throws {
        try await TestApp.run { client, world in
            try await IncubatorPageTests.newTeam(world)
            let staff = try await signedIn(client, "incubator")
            let calendar = WorkingCalendar()
            let created = try await staff.post("/incubator/programmes", [
                ("name", "苗圃计划"), ("stage", "nursery"), ("opens", calendar.dayKey(Date())), ("closes", calendar.dayKey(Date().addingTimeInterval(30 * 86_400))),
                ("capacity", "10"), ("rubric0", "公益创意"), ("weight0", "40"), ("rubric1", "团队"), ("weight1", "30"), ("rubric2", "社区需求"), ("weight2", "30")])
            let path = try #require(created.location)
            let member = Browser(client, language: "en")
            _ = try await member.signIn("linli", password: IncubatorPageTests.teamPassword)
            let refused = try await member.post(path + "/apply", [("idea", ""), ("teamSize", "three"), ("needs", "项目设计辅导")])
            #expect(refused.status == .unprocessableContent)
            #expect(summary(refused.html).map(\.href) == ["#apply-idea", "#apply-teamSize"])
            #expect(summary(refused.html).map(\.label) == ["Your idea or service", "People in the team"])
            #expect(besideField("apply-idea", refused.html) == "is required" && besideField("apply-teamSize", refused.html) == "must be 1 to 500 people")
            #expect(refused.html.contains(#"value="three""#) && refused.html.contains("项目设计辅导</textarea>"))
        }
    }
}
