import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
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
}
