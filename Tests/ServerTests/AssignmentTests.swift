import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import Payments
import TestSupport
import Testing

/// Issue 20's findings on evaluators, written from DOMAIN.md §7: a buyer engages an evaluation institution
/// for a contract, the institution's administrator assigns its evaluators, and only those sign off, correct,
/// countersign, grade and read the contract's evidence. An evaluator of another institution (evaluator4), or
/// of the same institution but not assigned (evaluator3 once unassigned), is refused, on the API and the page.
@Suite("Evaluation institutions and assignments")
struct AssignmentTests {
    static let notAssigned = "only the evaluators their institution assigned to this contract sign it off and grade it"

    /// A draft straight from the award, with no institution engaged, and the id of the demo's institution (山东泉城).
    static func draftWithoutInstitution(_ w: DeliveryWorld) async throws -> (Contract, String) {
        let award = try await w.completedAward()
        let contract = try await w.contracts.draft(by: try await w.actor("finance"),
                                                   ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2027-12-31", terms: DeliveryWorld.terms))
        let institution = try #require(try await w.t.world.identity.organisation(creditCode: "523701026000000123"))
        return (contract, institution.id.lowercased)
    }

    @Test("the finding: an evaluator never involved with a contract corrects a paid milestone, grades it or reads its evidence; now refused and nothing changes")
    func unassignedEvaluators() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            _ = try await w.approvedFirstClaim(contract)
            let id = contract.id.lowercased
            // 山东泉城's administrator takes evaluator3 off the contract: same institution, no longer assigned.
            let engagement = try #require(try await w.contracts.engagements(ofContract: contract.id, by: try await w.actor("finance")).last)
            let evaluator3 = try await w.actor("evaluator3").userID.lowercased
            let removed = try await client.json(.delete, "/api/v1/engagements/\(engagement.id.lowercased)/evaluators/\(evaluator3)",
                                                token: try await client.token("evalcentre"))
            #expect(removed.status == .ok && (removed.json?["evaluators"] as? [Any])?.count == 2)
            let file = try await w.contracts.file(id: contract.id, by: try await w.actor("ngo"))
            let milestone = file.milestones[0].id.lowercased
            let evidence = try #require(file.reports.first?.evidence.first).id.lowercased
            let correction = #"{"decision":"not_met","verified":{"visits":0,"assessments":0},"verifiedBeneficiaries":0,"reasons":"复核发现签到记录全部无法核实。"}"#
            let grade = #"{"phase":"in_process","indicators":[{"kind":"output","name":"产出","weight":30,"score":20},{"kind":"outcome","name":"效果","weight":40,"score":30},{"kind":"cost","name":"成本","weight":10,"score":8},{"kind":"satisfaction","name":"满意度","weight":20,"score":15}],"summary":"过程评价：进度正常。"}"#
            // Milestone 2 reported: a task for the assigned evaluators only.
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: file.milestones[1].id,
                                             DeliveryWorld.report(visits: 3000, beneficiaries: 150))
            let assignedPage = Browser(client)
            _ = try await assignedPage.signIn("evaluator")
            #expect(try await assignedPage.get("/contracts").html.contains("待验收报告"))
            for outsider in ["evaluator4", "evaluator3"] {
                let token = try await client.token(outsider)
                let signOff = try await client.json(.post, "/api/v1/milestones/\(milestone)/sign-offs", token: token, body: correction)
                #expect(signOff.status == .forbidden && signOff.text.contains(Self.notAssigned), "\(outsider): \(signOff.text)")
                let graded = try await client.json(.post, "/api/v1/contracts/\(id)/evaluations", token: token, body: grade)
                #expect(graded.status == .forbidden, "\(outsider): \(graded.text)")
                #expect(try await client.json(.get, "/api/v1/evidence/\(evidence)", token: token).status == .notFound, "\(outsider)")
                let detail = try await client.json(.get, "/api/v1/contracts/\(id)", token: token)
                #expect((detail.json?["reports"] as? [Any])?.isEmpty == true && (detail.json?["signOffs"] as? [Any])?.isEmpty == true, "\(outsider)")
                #expect((detail.json?["may"] as? [String: Bool])?["signOff"] == false)
                let awaiting = try await client.json(.get, "/api/v1/sign-offs/awaiting", token: token)
                #expect(awaiting.status == .ok && !awaiting.text.contains(contract.reference), "\(outsider): \(awaiting.text)")
                // On the page: no sheet, and the form's post is refused.
                let browser = Browser(client)
                _ = try await browser.signIn(outsider)
                #expect(!(try await browser.get("/contracts/\(id)").html.contains("签署验收意见")))
                let posted = try await browser.post("/contracts/\(id)/milestones/\(milestone)/sign-off",
                                                    [("verified_visits", "0"), ("verified_assessments", "0"), ("beneficiaries", "0"), ("decision", "not_met"),
                                                     ("reasons", "复核发现签到记录全部无法核实。")])
                #expect(posted.status == .forbidden, "\(outsider)")
                let gradedOnPage = try await browser.post("/contracts/\(id)/evaluations",
                                                          [("phase", "in_process"), ("kind_0", "output"), ("name_0", "产出"), ("weight_0", "100"), ("score_0", "80"),
                                                           ("summary", "过程评价：进度正常。")])
                #expect(gradedOnPage.status == .forbidden, "\(outsider)")
                #expect(try await browser.get("/evidence/\(evidence)").status == .notFound, "\(outsider)")
                #expect(!(try await browser.get("/contracts").html.contains("待验收报告")), "\(outsider): no task on the contracts page")
            }
            // Nothing changed: the milestone stands as signed off, no recovery, no evaluation.
            let after = try await w.contracts.file(id: contract.id, by: try await w.actor("ngo"))
            #expect(after.milestones[0].status == .partiallyMet && after.signOffs.count == file.signOffs.count)
            #expect(try await w.payments.statement(of: contract.id).recoveries.isEmpty)
            #expect(try await w.contracts.evaluations(of: contract.id).isEmpty)
            // The assigned evaluator still may, and sees the contract's records.
            let assigned = try await client.json(.get, "/api/v1/contracts/\(id)", token: try await client.token("evaluator"))
            #expect((assigned.json?["may"] as? [String: Bool])?["signOff"] == true && (assigned.json?["reports"] as? [Any])?.isEmpty == false)
            #expect(try await client.json(.post, "/api/v1/contracts/\(id)/evaluations", token: try await client.token("evaluator"), body: grade).status == .created)
        }
    }

    @Test("engaging an institution and assigning its evaluators: who may, and every refusal")
    func engagementRules() async throws {
        try await TestApp.runDelivery { client, w in
            let (contract, institution) = try await Self.draftWithoutInstitution(w)
            let id = contract.id.lowercased
            let body = #"{"institutionId":"\#(institution)","startsOn":"2027-01-01","endsOn":"2027-12-31","feeFen":800000}"#
            // Visitors are asked to sign in; anyone but the buyer's staff is refused.
            #expect(try await client.json(.post, "/api/v1/contracts/\(id)/engagements", body: body).status == .unauthorized)
            for stranger in ["fufeng", "civil", "ngo", "evalcentre", "evaluator", "overseer"] {
                let refused = try await client.json(.post, "/api/v1/contracts/\(id)/engagements", token: try await client.token(stranger), body: body)
                #expect(refused.status == .forbidden || refused.status == .notFound, "\(stranger): \(refused.status)")
            }
            let finance = try await client.token("finance")
            // Bad input: not an institution, a reversed term, a fee beyond the ceiling or negative.
            let notInstitution = try await client.json(.post, "/api/v1/contracts/\(id)/engagements", token: finance,
                                                       body: #"{"institutionId":"\#(contract.supplierID.lowercased)","startsOn":"2027-01-01","endsOn":"2027-12-31"}"#)
            #expect(notInstitution.status == .unprocessableContent && notInstitution.text.contains("institutionId"))
            let reversed = try await client.json(.post, "/api/v1/contracts/\(id)/engagements", token: finance,
                                                 body: #"{"institutionId":"\#(institution)","startsOn":"2027-12-31","endsOn":"2027-01-01"}"#)
            #expect(reversed.status == .unprocessableContent && reversed.text.contains("endsOn"))
            for fee in ["100000000001", "-1", "1e300"] {
                let bad = try await client.json(.post, "/api/v1/contracts/\(id)/engagements", token: finance,
                                                body: #"{"institutionId":"\#(institution)","startsOn":"2027-01-01","endsOn":"2027-12-31","feeFen":\#(fee)}"#)
                #expect(bad.status == .unprocessableContent || bad.status == .badRequest, "fee \(fee): \(bad.status)")
            }
            #expect(try await w.contracts.engagements(ofContract: contract.id, by: try await w.actor("finance")).isEmpty)
            let engaged = try await client.json(.post, "/api/v1/contracts/\(id)/engagements", token: finance, body: body)
            #expect(engaged.status == .created && engaged.json?["feeFen"] as? Int == 800_000)
            let engagement = try #require(engaged.json?["id"] as? String)
            // One open engagement at a time.
            #expect(try await client.json(.post, "/api/v1/contracts/\(id)/engagements", token: finance, body: body).status == .conflict)
            // Only the institution's administrators assign, and only its own, untied evaluators.
            let evaluator = try await w.actor("evaluator").userID.lowercased
            let path = "/api/v1/engagements/\(engagement)/evaluators/\(evaluator)"
            for stranger in ["finance", "evaluator", "evaluator4", "admin", "ngo"] {
                #expect(try await client.json(.put, path, token: try await client.token(stranger)).status == .forbidden, "\(stranger)")
            }
            let centre = try await client.token("evalcentre")
            let foreign = try await client.json(.put, "/api/v1/engagements/\(engagement)/evaluators/\(try await w.actor("evaluator4").userID.lowercased)", token: centre)
            #expect(foreign.status == .unprocessableContent && foreign.text.contains("is not an evaluator of this institution"))
            let notEvaluator = try await client.json(.put, "/api/v1/engagements/\(engagement)/evaluators/\(try await w.actor("evalcentre").userID.lowercased)", token: centre)
            #expect(notEvaluator.status == .unprocessableContent)
            // 黄评审 sits on 和合's board; tied to the supplier here, 黄评审 cannot be assigned.
            try await w.t.world.identity.recordAffiliation(by: .system, Affiliation(userID: try await w.actor("evaluator3").userID,
                                                                                    organisationID: contract.supplierID, relation: "理事"))
            let tied = try await client.json(.put, "/api/v1/engagements/\(engagement)/evaluators/\(try await w.actor("evaluator3").userID.lowercased)", token: centre)
            #expect(tied.status == .unprocessableContent && tied.text.contains("a party to contract"))
            let assigned = try await client.json(.put, path, token: centre)
            #expect(assigned.status == .ok && (assigned.json?["evaluators"] as? [[String: Any]])?.first?["displayName"] as? String == "刘评估")
            // The other institution's administrator does not reach this engagement.
            #expect(try await client.json(.delete, path, token: try await client.token("evaluator4")).status == .forbidden)
            // The institution's staff see it among their work; another institution does not.
            let work = try await client.json(.get, "/api/v1/engagements", token: try await client.token("evaluator"))
            #expect(work.status == .ok && work.text.contains(contract.reference))
            #expect(!(try await client.json(.get, "/api/v1/engagements", token: try await client.token("evaluator4")).text.contains(contract.reference)))
            #expect(try await client.json(.get, "/api/v1/engagements", token: finance).status == .forbidden)
            // The buyer ends it: the evaluator is no longer assigned; ending twice is a conflict.
            #expect(try await client.json(.post, "/api/v1/engagements/\(engagement)/end", token: try await client.token("fufeng")).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/engagements/\(engagement)/end", token: finance).status == .ok)
            #expect(try await client.json(.post, "/api/v1/engagements/\(engagement)/end", token: finance).status == .conflict)
            #expect(try await client.json(.put, path, token: centre).status == .conflict)
        }
    }

    @Test("on the pages: the buyer engages from the contract, the institution's administrator assigns from /engagements, refusals beside the form")
    func pages() async throws {
        try await TestApp.runDelivery { client, w in
            let (contract, institution) = try await Self.draftWithoutInstitution(w)
            let id = contract.id.lowercased
            let buyer = Browser(client), centre = Browser(client), supplier = Browser(client)
            _ = try await buyer.signIn("finance")
            _ = try await centre.signIn("evalcentre")
            _ = try await supplier.signIn("ngo")
            let page = try await buyer.get("/contracts/\(id)")
            #expect(page.html.contains("委托第三方评估机构") && page.html.contains("山东泉城社会服务评估中心"))
            #expect(!(try await supplier.get("/contracts/\(id)").html.contains("action=\"/contracts/\(id)/engagements\"")))
            #expect(page.html.contains("action=\"/contracts/\(id)/engagements\""))
            let form = [("institutionId", institution), ("startsOn", "2027-01-01"), ("endsOn", "2027-12-31")]
            #expect(try await supplier.post("/contracts/\(id)/engagements", form).status == .forbidden)
            // Refused before the form is read: a stranger's empty or malformed form is told 403, not what is wrong with it.
            #expect(try await supplier.post("/contracts/\(id)/engagements", [("fee", "1e300")]).status == .forbidden)
            let badFee = try await buyer.post("/contracts/\(id)/engagements", form + [("fee", "1e300")])
            #expect(badFee.status == .unprocessableContent && badFee.html.contains("fee"))
            #expect(try await buyer.post("/contracts/\(id)/engagements", form + [("fee", "8000")]).status == .seeOther)
            let engaged = try await buyer.get("/contracts/\(id)")
            #expect(engaged.html.contains("¥8,000.00") && engaged.html.contains("结束委托"))
            // 黄评审 declares a seat on the supplier's board: the drop-down no longer offers him for this contract.
            try await w.t.world.identity.recordAffiliation(by: .system, Affiliation(userID: try await w.actor("evaluator3").userID,
                                                                                    organisationID: contract.supplierID, relation: "理事"))
            let list = try await centre.get("/engagements")
            #expect(list.status == .ok && list.html.contains(contract.reference) && list.html.contains("刘评估"))
            #expect(!list.html.contains("黄评审"), "a tied evaluator is not offered")
            let engagement = try #require(try await w.contracts.engagements(ofContract: contract.id, by: try await w.actor("finance")).last).id.lowercased
            let evaluator = try await w.actor("evaluator").userID.lowercased
            #expect(try await buyer.post("/engagements/\(engagement)/evaluators", [("userId", evaluator)]).status == .forbidden)
            let foreign = try await centre.post("/engagements/\(engagement)/evaluators", [("userId", try await w.actor("evaluator4").userID.lowercased)])
            #expect(foreign.status == .unprocessableContent && foreign.html.contains("不是本机构的评审专家"))
            #expect(try await centre.post("/engagements/\(engagement)/evaluators", [("userId", evaluator)]).status == .seeOther)
            #expect(try await buyer.get("/contracts/\(id)").html.contains("刘评估"))
            #expect(try await centre.post("/engagements/\(engagement)/evaluators/\(evaluator)/remove", []).status == .seeOther)
            // Someone with no institution has no engagements page.
            #expect(try await buyer.get("/engagements").status == .forbidden)
        }
    }

    @Test("programme reviewers: only the evaluators the incubator's staff seat read and score its applications")
    func programmeReviewers() async throws {
        try await TestApp.run { client, _ in
            let calendar = WorkingCalendar()
            let today = calendar.dayKey(Date()), later = calendar.dayKey(Date().addingTimeInterval(30 * 86_400))
            let rubric = #"[{"name":"公益创意","weight":40},{"name":"团队","weight":30},{"name":"社区需求","weight":30}]"#
            let created = try await client.json(.post, "/api/v1/incubation/programmes", token: try await client.token("incubator"),
                                                body: #"{"name":"苗圃计划","stage":"nursery","intakeOpens":"\#(today)","intakeCloses":"\#(later)","capacity":10,"rubric":\#(rubric)}"#)
            let programme = try #require(created.json?["id"] as? String, "\(created.text)")
            let applied = try await client.json(.post, "/api/v1/incubation/programmes/\(programme)/applications", token: try await client.token("harmony"),
                                                body: #"{"idea":"楼栋志愿者每日敲门问候独居老人","teamSize":3,"needs":"项目设计辅导"}"#)
            let application = try #require(applied.json?["id"] as? String, "\(applied.text)")
            let token = try await client.token("evaluator")
            let list = "/api/v1/incubation/programmes/\(programme)/applications"
            #expect(try await client.json(.get, list, token: token).status == .forbidden)
            let review = #"{"points":{"公益创意":30,"团队":20,"社区需求":20},"comment":""}"#
            #expect(try await client.json(.post, "/api/v1/incubation/applications/\(application)/reviews", token: token, body: review).status == .forbidden)
            let evaluatorID = try #require(try await client.json(.get, "/api/v1/me", token: token).json?["id"] as? String)
            let seat = "/api/v1/incubation/programmes/\(programme)/reviewers/\(evaluatorID)"
            for stranger in ["evaluator", "finance", "ngo"] {
                #expect(try await client.json(.put, seat, token: try await client.token(stranger)).status == .forbidden, "\(stranger)")
            }
            #expect(try await client.json(.put, seat, token: try await client.token("incubator")).status == .ok)
            #expect(try await client.json(.get, "/api/v1/incubation/programmes/\(programme)/reviewers").text.contains("刘评估"))
            #expect(try await client.json(.get, list, token: token).status == .ok)
            #expect(try await client.json(.post, "/api/v1/incubation/applications/\(application)/reviews", token: token, body: review).status == .created)
            // Another evaluator, not seated, still is refused.
            #expect(try await client.json(.get, list, token: try await client.token("evaluator2")).status == .forbidden)
            #expect(try await client.json(.delete, seat, token: try await client.token("incubator")).status == .ok)
            #expect(try await client.json(.get, list, token: token).status == .forbidden)
        }
    }
}
