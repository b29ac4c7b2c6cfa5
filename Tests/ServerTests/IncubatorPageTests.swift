import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import Incubation
import TestSupport
import Testing

@Suite("Incubator pages and API")
struct IncubatorPageTests {
    @Test("staff move a team into the nursery; a move that fails a rule is refused naming it; an override needs its reason")
    func journey() async throws {
        try await TestApp.run { client, world in
            let team = try await world.identity.createOrganisation(by: .system, NewOrganisation(
                kind: "social_organisation", nameZh: "“邻里守望”公益团队", nameEn: "Neighbourhood Watch team", creditCode: nil, jurisdictionCode: "370102"))
            let id = team.id.uuidString.lowercased()
            let staff = Browser(client)
            _ = try await staff.signIn("incubator")
            let page = try await staff.get("/incubator/organisations/\(id)")
            #expect(page.status == .ok && page.html.contains("尚未进入孵化") && page.html.contains("调整阶段"))
            #expect(try await staff.post("/incubator/organisations/\(id)/move", [("stage", "nursery"), ("reason", "苗圃计划入选")]).status == .seeOther)
            let refused = try await staff.post("/incubator/organisations/\(id)/move", [("stage", "incubator"), ("reason", "申请入孵")])
            #expect(refused.status == .conflict && refused.html.contains("rules.entry.registered") && refused.html.contains("申请入孵"))
            let shortReason = try await staff.post("/incubator/organisations/\(id)/move", [("stage", "incubator"), ("reason", "急需"), ("override", "on")])
            #expect(shortReason.status == .unprocessableContent)
            #expect(try await staff.post("/incubator/organisations/\(id)/move",
                                         [("stage", "incubator"), ("reason", "街道推荐的重点项目，登记手续正在办理，先行入孵。"), ("override", "on")]).status == .seeOther)
            let moved = try await staff.get("/incubator/organisations/\(id)")
            #expect(moved.html.contains("破例进入") && moved.html.contains("not registered"))
            // A training session, recorded on the page; a session without a topic is refused.
            #expect(try await staff.post("/incubator/organisations/\(id)/sessions", [("heldOn", "2026-01-10"), ("kind", "training"), ("hours", "2"),
                                                                                       ("topic", ""), ("mentor", "")]).status == .unprocessableContent)
            #expect(try await staff.post("/incubator/organisations/\(id)/sessions", [("heldOn", "2026-01-10"), ("kind", "training"), ("hours", "2.5"),
                                                                                       ("topic", "社会组织登记与章程"), ("mentor", "")]).status == .seeOther)
            let withSession = try await Browser(client).get("/incubator/organisations/\(id)")
            #expect(withSession.html.contains("社会组织登记与章程") && withSession.html.contains("2.5"))
            // The board shows it; others see the page but not the move form, and the API refuses their moves.
            #expect(try await Browser(client).get("/incubator").html.contains("“邻里守望”公益团队"))
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            #expect(!(try await ngo.get("/incubator/organisations/\(id)").html.contains("调整阶段")))
            let api = try await client.json(.post, "/api/v1/incubation/organisations/\(id)/moves", token: try await client.token("ngo"),
                                            body: #"{"stage": "nursery", "reason": "x"}"#)
            #expect(api.status == .forbidden)
            let journey = try await client.json(.get, "/api/v1/incubation/organisations/\(id)")
            #expect(journey.json?["nextStage"] as? String == "accelerator")
            let checklist = try #require(journey.json?["checklist"] as? [[String: Any]])
            #expect(checklist.map { $0["met"] as? Bool } == [false, true, false], "registered: no; no major violation: yes; 6 months incubated: no")
            // Staff edit a stage's rules through the API; a rule missing its number is refused by field.
            let token = try await client.token("incubator")
            let missing = try await client.json(.put, "/api/v1/incubation/stages/accelerator", token: token,
                                                body: #"{"entryRules": [{"kind": "minimum_rating"}], "graduationRules": [], "maximumStayMonths": 24}"#)
            #expect(missing.status == .unprocessableContent && missing.text.contains("entryRules[0].level"))
            let updated = try await client.json(.put, "/api/v1/incubation/stages/accelerator", token: token,
                                                body: #"{"entryRules": [{"kind": "registered"}], "graduationRules": [], "maximumStayMonths": 24}"#)
            #expect(updated.status == .ok)
            #expect(try await client.json(.get, "/api/v1/incubation/alerts", token: try await client.token("ngo")).status == .forbidden)
            #expect(try await client.json(.get, "/api/v1/incubation/alerts", token: token).status == .ok)
        }
    }

    /// A new team, “邻里守望”, whose member `linli` (password `teamPassword`) may apply to programmes.
    static let teamPassword = "a long team password"
    static func newTeam(_ world: DemoWorld) async throws {
        let team = try await world.identity.createOrganisation(by: .system, NewOrganisation(
            kind: "social_organisation", nameZh: "“邻里守望”公益团队", nameEn: "Neighbourhood Watch team", creditCode: nil, jurisdictionCode: "370102"))
        _ = try await world.identity.createUser(by: .system, NewUser(username: "linli", displayName: "林丽", password: teamPassword,
                                                                      organisationID: team.id, roles: ["supplier", "org_admin"]))
    }

    @Test("staff open an intake; a team applies through the page; two reviewers score it; staff admit it into the nursery")
    func programme() async throws {
        try await TestApp.run { client, world in
            try await Self.newTeam(world)
            let staff = Browser(client)
            _ = try await staff.signIn("incubator")
            let calendar = WorkingCalendar()
            let today = calendar.dayKey(Date()), later = calendar.dayKey(Date().addingTimeInterval(30 * 86_400))
            var fields: [(String, String)] = [("name", "苗圃计划"), ("stage", "nursery"), ("opens", today), ("closes", later), ("capacity", "10"),
                                              ("rubric0", "公益创意"), ("weight0", "40"), ("rubric1", "团队"), ("weight1", "30"), ("rubric2", "社区需求"), ("weight2", "20")]
            let wrong = try await staff.post("/incubator/programmes", fields)
            #expect(wrong.status == .unprocessableContent && wrong.html.contains("评分标准的权重之和应为100"))
            fields[10] = ("weight2", "30")
            let created = try await staff.post("/incubator/programmes", fields)
            #expect(created.status == .seeOther)
            let path = try #require(created.location)
            let member = Browser(client)
            _ = try await member.signIn("linli", password: Self.teamPassword)
            #expect(try await member.get(path).html.contains("提交申请"))
            #expect(try await member.post(path + "/apply", [("idea", "楼栋志愿者每日敲门问候独居老人"), ("teamSize", "3"), ("needs", "项目设计辅导")]).status == .seeOther)
            let twice = try await member.post(path + "/apply", [("idea", "再次申请"), ("teamSize", "3"), ("needs", "x")])
            #expect(twice.status == .conflict && twice.html.contains("本单位已申请苗圃计划"))
            let page = try await staff.get(path)
            let applicationID = try #require(page.html.range(of: "/incubator/applications/").map { String(page.html[$0.upperBound...].prefix(36)) })
            // The staff seat 刘评估 as a reviewer (an evaluator who is not seated reads no application).
            let evaluator = try await world.actor("evaluator").userID.uuidString.lowercased()
            #expect(try await member.post(path + "/reviewers", [("userId", evaluator)]).status == .forbidden)
            #expect(try await staff.post(path + "/reviewers", [("userId", evaluator)]).status == .seeOther)
            #expect(try await staff.get(path).html.contains("刘评估"))
            for (browser, username) in [(staff, "incubator"), (Browser(client), "evaluator")] {
                if username == "evaluator" { _ = try await browser.signIn("evaluator") }
                #expect(try await browser.post("/incubator/applications/\(applicationID)/review",
                                               [("points-公益创意", "34"), ("points-团队", "25"), ("points-社区需求", "26"), ("comment", "")]).status == .seeOther)
            }
            #expect(try await staff.post("/incubator/applications/\(applicationID)/decision", [("reason", "评审通过"), ("decision", "admit")]).status == .seeOther)
            let decided = try await staff.get(path)
            #expect(decided.html.contains("已录取") && decided.html.contains("85"))
            #expect(try await staff.get("/incubator").html.contains("“邻里守望”公益团队"))
        }
    }

    @Test("staff record a capacity assessment on the organisation's page; a missing element is refused; the trend is drawn")
    func assessment() async throws {
        try await TestApp.run { client, world in
            let ngo = try await world.actor("ngo").organisationID.uuidString.lowercased()
            let staff = Browser(client)
            _ = try await staff.signIn("incubator")
            let elements = ["aspirations", "strategy", "organisational_skills", "human_resources", "systems_and_infrastructure", "structure", "culture"]
            let missing = try await staff.post("/incubator/organisations/\(ngo)/assessments", [("assessedOn", "2026-01-15")] + elements.dropLast().map { ($0, "3") })
            #expect(missing.status == .unprocessableContent && missing.html.contains("scores.culture"))
            #expect(try await staff.post("/incubator/organisations/\(ngo)/assessments",
                                         [("assessedOn", "2026-01-15"), ("note", "首轮")] + elements.map { ($0, "3") }).status == .seeOther)
            let page = try await Browser(client).get("/incubator/organisations/\(ngo)")
            #expect(page.html.contains("<polyline") && page.html.contains("2026-01-15") && !page.html.contains("记录评估"))
            let api = try await client.list("/api/v1/incubation/organisations/\(ngo)/assessments")
            #expect(api.first?["average"] as? Double == 3)
        }
    }

    @Test("a social organisation's public page tells its journey: joining, stages, assessments, awards won; a department's page has none")
    func organisationJourney() async throws {
        try await TestApp.runTendering { client, t in
            let staff = try await t.world.actor("incubator"), finance = try await t.world.actor("finance")
            let incubation = IncubationService(database: t.world.database, identity: t.world.identity, clock: t.clock)
            let eldercare = try await t.world.actor("eldercare").organisationID
            _ = try await incubation.move(by: staff, organisationID: eldercare, to: .accelerator, reason: "外引成长型机构")
            let tender = try await t.tenderInEvaluation()
            try await t.scoreAll(tender, points: { bidder, criterion in bidder == "eldercare" ? (criterion == "服务方案" ? 50 : 20) : 10 })
            let ranking = try #require(try await t.evaluations.evaluation(tenderID: tender.id, by: finance).rankings?.first)
            _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: ranking.recommendedBidID, reason: "")
            let page = try await Browser(client).get("/organisations/\(eldercare.uuidString.lowercased())")
            #expect(page.html.contains("成长历程") && page.html.contains("进入 加速器") && page.html.contains("中标 \(tender.reference)"))
            #expect(page.html.contains("¥390,000.00"))
            let department = try await Browser(client).get("/organisations/\(finance.organisationID.uuidString.lowercased())")
            #expect(department.status == .ok && !department.html.contains("成长历程"))
            // A buyer's page offers its open contracting data, a workbook a year; an NGO's does not (it buys nothing).
            let year = Int(t.world.identity.today().prefix(4))!
            #expect(department.html.contains("开放合同数据") && department.html.contains(
                "/api/v1/ocds/workbook.xlsx?buyer=\(finance.organisationID.uuidString.lowercased())&amp;year=\(year)"))
            #expect(!page.html.contains("开放合同数据"))
        }
    }
}
