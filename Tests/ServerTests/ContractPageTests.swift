import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import Payments
import TestSupport
import Testing
import Transparency

@Suite("Contract pages and API")
struct ContractPageTests {
    @Test("as new users would: both sign after the standstill, the supplier reports with evidence, the evaluator signs off partially met, the payment is shown, claimed, approved and paid once")
    func journey() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.draftedContract()
            let id = contract.id.uuidString.lowercased()
            let buyer = Browser(client), supplier = Browser(client), evaluator = Browser(client), outsider = Browser(client)
            _ = try await buyer.signIn("finance")
            _ = try await supplier.signIn("ngo")
            _ = try await evaluator.signIn("evaluator")
            _ = try await outsider.signIn("eldercare")
            // The draft is its parties' only.
            #expect(try await Browser(client).get("/contracts/\(id)").status == .notFound)
            #expect(try await outsider.get("/contracts/\(id)").status == .notFound)
            let draft = try await buyer.get("/contracts/\(id)")
            #expect(draft.status == .ok && draft.html.contains("保存里程碑与定价") && draft.html.contains("代表本单位签字"))
            // Signing, both sides; the supplier's page has no editor.
            #expect(!(try await supplier.get("/contracts/\(id)").html.contains("保存里程碑与定价")))
            #expect(try await buyer.post("/contracts/\(id)/sign", []).status == .seeOther)
            let again = try await buyer.post("/contracts/\(id)/sign", [])
            #expect(again.status == .conflict && again.html.contains("采购人已签署合同\(contract.reference)"))
            #expect(try await supplier.post("/contracts/\(id)/sign", []).status == .seeOther)
            #expect(try await outsider.post("/contracts/\(id)/publish", []).status == .forbidden)
            #expect(try await buyer.post("/contracts/\(id)/publish", []).status == .seeOther)
            #expect(try await Browser(client).get("/contracts/\(id)").status == .ok)
            let milestone = try await w.contracts.milestones(of: [contract.id])[0].id.uuidString.lowercased()
            // The supplier reports through the form; a renamed file is refused by its bytes.
            let fields = [("result_visits", "1800"), ("result_assessments", "100"), ("beneficiaries", "120"), ("narrative", "本季度完成上门服务。"),
                          ("how0", "签到表扫描"), ("on0", "2026-11-19")]
            let renamed = try await supplier.upload("/contracts/\(id)/milestones/\(milestone)/report", fields: fields, file: Data("not a pdf".utf8),
                                                    filename: "签到.pdf", fileField: "file0")
            #expect(renamed.status == .unprocessableContent && renamed.html.contains("按文件内容而非文件名判断"))
            #expect(try await buyer.upload("/contracts/\(id)/milestones/\(milestone)/report", fields: fields, file: DeliveryWorld.pdf,
                                           filename: "签到.pdf", fileField: "file0").status == .forbidden)
            #expect(try await supplier.upload("/contracts/\(id)/milestones/\(milestone)/report", fields: fields, file: DeliveryWorld.pdf,
                                              filename: "签到.pdf", fileField: "file0").status == .seeOther)
            // The evaluator's sheet: the task is listed, the evidence opens, the sign-off lands (above ¥100,000: a second evaluator).
            let tasks = try await evaluator.get("/contracts")
            #expect(tasks.html.contains("待验收报告") && tasks.html.contains(contract.reference))
            let sheet = try await evaluator.get("/contracts/\(id)")
            #expect(sheet.html.contains("签署验收意见") && sheet.html.contains("签到.pdf"))
            let evidence = try #require(try await w.contracts.file(id: contract.id, by: try await w.actor("ngo")).reports.first?.evidence.first)
            #expect(try await evaluator.get("/evidence/\(evidence.id.uuidString.lowercased())").status == .ok)
            #expect(try await outsider.get("/evidence/\(evidence.id.uuidString.lowercased())").status == .notFound)
            let signOff = [("verified_visits", "1600"), ("verified_assessments", "90"), ("beneficiaries", "110"), ("decision", "partially_met"),
                           ("reasons", "抽样回访发现部分签到记录无法核实，按可核实数量认定。")]
            let tooMany = try await evaluator.post("/contracts/\(id)/milestones/\(milestone)/sign-off",
                                                   [("verified_visits", "1900")] + signOff.dropFirst())
            #expect(tooMany.status == .unprocessableContent && tooMany.html.contains("应在0至第1版报告的1800之间"))
            #expect(try await supplier.post("/contracts/\(id)/milestones/\(milestone)/sign-off", signOff).status == .forbidden)
            #expect(try await evaluator.post("/contracts/\(id)/milestones/\(milestone)/sign-off", signOff).status == .seeOther)
            let second = Browser(client)
            _ = try await second.signIn("evaluator2")
            let waiting = try await second.get("/contracts/\(id)")
            #expect(waiting.html.contains("应付金额超过限额，等待第二位评估人签字") && waiting.html.contains("加签"))
            let signOffID = try #require(try await w.contracts.file(id: contract.id, by: try await w.actor("ngo")).signOffs.first?.id.uuidString.lowercased())
            #expect(try await second.post("/contracts/\(id)/sign-offs/\(signOffID)/countersign", []).status == .seeOther)
            // Every party sees the calculation line by line; the supplier claims; the buyer approves and pays.
            let shown = try await supplier.get("/contracts/\(id)")
            #expect(shown.html.contains("里程碑1服务费（服务费总额¥114,000.00的40%）：部分达成，目标核实85%") && shown.html.contains("¥145,760.00"))
            #expect(try await supplier.post("/contracts/\(id)/claims", []).status == .seeOther)
            let claim = try #require(try await w.payments.statement(of: contract.id).claims.first?.id.uuidString.lowercased())
            #expect(try await buyer.get("/payments").html.contains(contract.reference))
            #expect(try await supplier.post("/contracts/\(id)/claims/\(claim)/approve", []).status == .forbidden)
            #expect(try await buyer.post("/contracts/\(id)/claims/\(claim)/approve", []).status == .seeOther)
            let payment = [("reference", "GK-2026-1120-11"), ("paidOn", "2026-11-19"), ("key", "page-key-1")]
            #expect(try await buyer.post("/contracts/\(id)/claims/\(claim)/pay", payment).status == .seeOther)
            #expect(try await buyer.post("/contracts/\(id)/claims/\(claim)/pay", payment).status == .seeOther)
            // The same payment through the API with the page's key: still one.
            let api = try await client.json(.post, "/api/v1/claims/\(claim)/payment", token: try await client.token("finance"),
                                            body: #"{"treasuryReference": "GK-2026-1120-11", "paidOn": "2026-11-19"}"#, idempotencyKey: "page-key-1")
            #expect(api.status == .ok && api.json?["status"] as? String == "paid")
            let detail = try await client.json(.get, "/api/v1/contracts/\(id)")
            #expect(detail.json?["paidFen"] as? Int == 14_576_000 && (detail.json?["claims"] as? [[String: Any]])?.count == 1)
            #expect((detail.json?["reports"] as? [Any])?.isEmpty == true, "the public does not read the reports")
            let commitment = try #require(try await w.payments.statement(of: contract.id).commitment)
            #expect(try await w.ledger.disbursements(of: commitment.id).count == 1)
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("the API drafts, prices, signs and reports: refusals are problems naming the field")
    func api() async throws {
        try await TestApp.runDelivery { client, w in
            let award = try await w.completedAward()
            let finance = try await client.token("finance"), ngo = try await client.token("ngo")
            let long = try await client.json(.post, "/api/v1/contracts", token: finance,
                                             body: #"{"awardId": "\#(award.awardID.uuidString.lowercased())", "startsOn": "2026-11-19", "endsOn": "2028-06-30", "terms": "服务内容见附件"}"#)
            #expect(long.status == .unprocessableContent && long.text.contains("termJustification"))
            let created = try await client.json(.post, "/api/v1/contracts", token: finance,
                                                body: #"{"awardId": "\#(award.awardID.uuidString.lowercased())", "startsOn": "2026-11-19", "endsOn": "2027-11-18", "terms": "服务内容见附件"}"#)
            #expect(created.status == .created)
            let id = try #require(created.json?["id"] as? String)
            let uneven = try await client.json(.put, "/api/v1/contracts/\(id)/milestones", token: finance, body: """
                [{"title": "全年", "dueOn": "2027-11-18", "deliverables": "总结", "sharePercent": 90, "metrics": [
                  {"code": "visits", "definition": "上门人次", "unit": "人次", "target": 100, "dataSource": "台账", "validationMethod": "回访"}]}]
                """)
            #expect(uneven.status == .unprocessableContent && uneven.text.contains("must add up to 100 %"))
            let milestones = try await client.json(.put, "/api/v1/contracts/\(id)/milestones", token: finance, body: """
                [{"title": "全年", "dueOn": "2027-11-18", "deliverables": "总结", "sharePercent": 100, "metrics": [
                  {"code": "visits", "definition": "上门人次", "unit": "人次", "target": 100, "dataSource": "台账", "validationMethod": "回访"}]}]
                """)
            #expect(milestones.status == .ok)
            let unsignable = try await client.json(.post, "/api/v1/contracts/\(id)/signatures", token: ngo)
            #expect(unsignable.status == .conflict && unsignable.text.contains("no rate card"))
            #expect(try await client.json(.put, "/api/v1/contracts/\(id)/rate-card", token: ngo, body: """
                {"maximumFen": 38000000, "deliveryFeePercent": 30, "partialRule": "proportional", "prices": [{"metric": "visits", "priceFen": 10000}]}
                """).status == .forbidden)
            #expect(try await client.json(.put, "/api/v1/contracts/\(id)/rate-card", token: finance, body: """
                {"maximumFen": 38000000, "deliveryFeePercent": 30, "partialRule": "proportional", "prices": [{"metric": "visits", "priceFen": 10000}]}
                """).status == .ok)
            #expect(try await client.json(.post, "/api/v1/contracts/\(id)/signatures", token: ngo).status == .ok)
            let signed = try await client.json(.post, "/api/v1/contracts/\(id)/signatures", token: finance)
            #expect(signed.json?["status"] as? String == "signed" && signed.json?["commitmentId"] != nil)
            let detail = try await client.json(.get, "/api/v1/contracts/\(id)", token: ngo)
            let milestone = try #require((detail.json?["milestones"] as? [[String: Any]])?.first?["id"] as? String)
            let pdf = DeliveryWorld.pdf.base64EncodedString()
            let notBase64 = try await client.json(.post, "/api/v1/milestones/\(milestone)/reports", token: ngo, body: """
                {"results": {"visits": 80}, "beneficiaries": 40, "narrative": "完成服务", "evidence": [{"filename": "a.pdf", "content": "%%%", "obtainedHow": "扫描", "obtainedOn": "2026-11-19"}]}
                """)
            #expect(notBase64.status == .unprocessableContent && notBase64.text.contains("is not base64"))
            let report = try await client.json(.post, "/api/v1/milestones/\(milestone)/reports", token: ngo, body: """
                {"results": {"visits": 80}, "beneficiaries": 40, "narrative": "完成服务", "evidence": [{"filename": "a.pdf", "content": "\(pdf)", "obtainedHow": "扫描", "obtainedOn": "2026-11-19"}]}
                """)
            #expect(report.status == .created && report.json?["version"] as? Int == 1)
            // No institution is engaged yet: no evaluator has the task. The buyer engages 山东泉城, which assigns 刘评估 only.
            #expect(try await client.list("/api/v1/sign-offs/awaiting", token: try await client.token("evaluator")).isEmpty)
            let institution = try #require(try await w.t.world.identity.organisation(creditCode: "523701026000000123")).id.lowercased
            let engaged = try await client.json(.post, "/api/v1/contracts/\(id)/engagements", token: finance,
                                                body: #"{"institutionId":"\#(institution)","startsOn":"2027-01-01","endsOn":"2027-12-31"}"#)
            let engagement = try #require(engaged.json?["id"] as? String)
            let evaluatorID = try await w.actor("evaluator").userID.lowercased
            #expect(try await client.json(.put, "/api/v1/engagements/\(engagement)/evaluators/\(evaluatorID)", token: try await client.token("evalcentre")).status == .ok)
            let tasks = try await client.list("/api/v1/sign-offs/awaiting", token: try await client.token("evaluator"))
            #expect(tasks.count == 1 && tasks.first?["milestoneId"] as? String == milestone)
            #expect(try await client.list("/api/v1/sign-offs/awaiting", token: try await client.token("evaluator2")).isEmpty)
            #expect(try await client.json(.get, "/api/v1/sign-offs/awaiting", token: ngo).status == .forbidden)
        }
    }

    @Test("the survey: a public page behind the contract's link, one answer per device cookie; its QR code for the parties; results on the contract")
    func survey() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let token = try #require(contract.surveyToken)
            let resident = Browser(client)
            let form = try await resident.get("/survey/\(token)")
            let device = await resident.cookie("spokes_device")
            #expect(form.status == .ok && form.html.contains("服务满意度调查") && form.html.contains(contract.reference) && device != nil)
            #expect(try await Browser(client).get("/survey/not-a-real-token-000000").status == .notFound)
            let bad = try await resident.post("/survey/\(token)", [("rating", "7")])
            #expect(bad.status == .unprocessableContent && bad.html.contains("请选择1至5"))
            // Each form carries its own single-use token (AnonymousTokenTests covers the refusals).
            #expect(try await resident.post("/survey/\(token)", [("rating", "5"), ("comment", "社工很耐心"), ("deviceToken", try #require(bad.deviceToken))]).html.contains("感谢您的反馈"))
            let again = try await resident.get("/survey/\(token)")
            #expect(try await resident.post("/survey/\(token)", [("rating", "1"), ("deviceToken", try #require(again.deviceToken))]).html.contains("本设备已答过"))
            let neighbour = Browser(client)
            let neighbourForm = try await neighbour.get("/survey/\(token)")
            _ = try await neighbour.post("/survey/\(token)", [("rating", "4"), ("deviceToken", try #require(neighbourForm.deviceToken))])
            // The API answers with the device token its GET gave.
            let apiForm = try await client.json(.get, "/api/v1/surveys/\(token)")
            let deviceToken = try #require(apiForm.json?["deviceToken"] as? String)
            let api = try await client.json(.post, "/api/v1/surveys/\(token)/answers", body: #"{"rating": 3, "deviceToken": "\#(deviceToken)"}"#)
            #expect(api.status == .created && api.json?["counted"] as? Bool == true)
            let detail = try await client.json(.get, "/api/v1/contracts/\(contract.id.uuidString.lowercased())", token: try await client.token("ngo"))
            let satisfaction = try #require(detail.json?["satisfaction"] as? [String: Any])
            #expect(satisfaction["answers"] as? Int == 3 && satisfaction["distribution"] as? [Int] == [0, 0, 1, 1, 1] && satisfaction["average"] as? Double == 4)
            let buyer = Browser(client)
            _ = try await buyer.signIn("finance")
            let page = try await buyer.get("/contracts/\(contract.id.uuidString.lowercased())")
            #expect(page.html.contains("/survey/\(token)") && page.html.contains("社工很耐心") && page.html.contains("满意率（4–5分）"))
            let qr = try await buyer.get("/contracts/\(contract.id.uuidString.lowercased())/survey-qr.svg")
            #expect(qr.status == .ok && qr.html.hasPrefix("<svg"))
            let outsider = Browser(client)
            _ = try await outsider.signIn("eldercare")
            #expect(try await outsider.get("/contracts/\(contract.id.uuidString.lowercased())/survey-qr.svg").status == .notFound)
        }
    }

    @Test("after delivery on the pages: the evaluator grades, the buyer completes; amendments proposed and signed; late publication shows on /contracts")
    func afterDelivery() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let id = contract.id.uuidString.lowercased()
            let buyer = Browser(client), supplier = Browser(client), evaluator = Browser(client)
            _ = try await buyer.signIn("finance")
            _ = try await supplier.signIn("ngo")
            _ = try await evaluator.signIn("evaluator")
            // Unpublished past the second working day: the buyer is told on /contracts.
            w.t.clock.advance(by: 5 * 86_400)
            _ = try await buyer.signIn("finance")  // sessions last 12 hours
            _ = try await supplier.signIn("ngo")
            _ = try await evaluator.signIn("evaluator")
            let list = try await buyer.get("/contracts")
            #expect(list.html.contains("签订后两个工作日内未公开的合同") && list.html.contains(contract.reference))
            #expect(!(try await supplier.get("/contracts").html.contains("签订后两个工作日内未公开的合同")))
            // Before delivery the evaluator grades the plan.
            let grid: [(String, String)] = [("phase", "ex_ante"),
                ("kind_0", "output"), ("name_0", "服务数量"), ("weight_0", "30"), ("score_0", "27"),
                ("kind_1", "outcome"), ("name_1", "服务效果"), ("weight_1", "40"), ("score_1", "36"),
                ("kind_2", "cost"), ("name_2", "成本"), ("weight_2", "10"), ("score_2", "9"),
                ("kind_3", "satisfaction"), ("name_3", "满意度"), ("weight_3", "20"), ("score_3", "19"), ("summary", "绩效目标明确可衡量。")]
            let over = try await evaluator.post("/contracts/\(id)/evaluations", grid.map { $0.0 == "score_2" ? ($0.0, "11") : $0 })
            #expect(over.status == .unprocessableContent && over.html.contains("应在0至其权重10之间"))
            #expect(try await supplier.post("/contracts/\(id)/evaluations", grid).status == .forbidden)
            #expect(try await evaluator.post("/contracts/\(id)/evaluations", grid).status == .seeOther)
            #expect(try await supplier.get("/contracts/\(id)").html.contains("事前评价"))
            // The supplier proposes a longer term; the buyer signs it.
            let proposal = [("endsOn", "2028-01-31"), ("terms", DeliveryWorld.terms), ("termJustification", "春节前后为独居老人照护高峰，需连续服务至一月底。"),
                            ("reason", "延长服务期以覆盖春节后一月份的集中入户回访工作")]
            #expect(try await supplier.post("/contracts/\(id)/amendments", proposal).status == .seeOther)
            let proposed = try await buyer.get("/contracts/\(id)")
            #expect(proposed.html.contains("签署变更 1"))
            // The amendment is the supplier's signature only: the buyer's is not the contract's own.
            #expect(proposed.html.contains(#"采购人签字 <span class="date"></span>— · 承接主体签字 <span class="date">"#))
            #expect(try await buyer.post("/contracts/\(id)/amendments/decide", [("agree", "yes")]).status == .seeOther)
            let amended = try await client.json(.get, "/api/v1/contracts/\(id)", token: try await client.token("finance"))
            #expect((amended.json?["contract"] as? [String: Any])?["endsOn"] as? String == "2028-01-31")
            #expect((amended.json?["amendments"] as? [[String: Any]])?.first?["status"] as? String == "agreed")
            // Completion is refused until the final evaluation.
            let early = try await buyer.post("/contracts/\(id)/complete", [])
            #expect(early.status == .conflict && early.html.contains("尚无事后评价"))
            let api = try await client.json(.post, "/api/v1/contracts/\(id)/evaluations", token: try await client.token("evaluator"), body: """
                {"phase": "ex_post", "summary": "期末", "indicators": [{"kind": "output", "name": "数量", "weight": 30, "score": 30},
                 {"kind": "outcome", "name": "效果", "weight": 40, "score": 40}, {"kind": "cost", "name": "成本", "weight": 10, "score": 10},
                 {"kind": "satisfaction", "name": "满意度", "weight": 20, "score": 20}]}
                """)
            #expect(api.status == .conflict && api.text.contains("the final evaluation comes after every milestone"))
        }
    }

    @Test("the oversight page: overseers and administrators only; each flag explained and linked to its evidence")
    func oversight() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            w.t.clock.advance(by: 6 * 86_400)
            #expect(try await Browser(client).get("/oversight").status == .seeOther, "sign in first")
            let supplier = Browser(client)
            _ = try await supplier.signIn("ngo")
            #expect(try await supplier.get("/oversight").status == .forbidden)
            let overseer = Browser(client)
            _ = try await overseer.signIn("overseer")
            let page = try await overseer.get("/oversight")
            #expect(page.status == .ok && page.html.contains("合同公开迟延 (1)") && page.html.contains("\(contract.reference)应于2026-11-23 17:00前公开，至今未公开"))
            #expect(page.html.contains("href=\"/contracts/\(contract.id.lowercased)\""))
            // The evidence opens for the overseer although the contract is not published.
            #expect(try await overseer.get("/contracts/\(contract.id.lowercased)").status == .ok)
            let admin = Browser(client)
            _ = try await admin.signIn("admin")
            #expect(try await admin.get("/oversight").html.contains("合同公开迟延 (1)"))
        }
    }

    @Test("the insights page: public, each chart drawn in SVG with its table and its CSV")
    func insights() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            let claim = try await w.approvedFirstClaim(contract)
            _ = try await w.payments.pay(by: try await w.actor("finance"), claimID: claim.id, treasuryReference: "GK-2026-1120-71", paidOn: "2026-11-19", idempotencyKey: nil)
            let page = try await Browser(client).get("/insights")
            // Six charts: five of the contracts (satisfaction has no answers yet and says so) and the sites' grades (the demo's
            // inspections); no service request was registered this year, so those three say so too.
            #expect(page.status == .ok && page.html.components(separatedBy: "<svg").count - 1 == 6 && page.html.contains("暂无数据"))
            // The award (¥380,000), what was paid (¥145,760), the outcomes against targets, and the supplier's share.
            #expect(page.html.contains("¥380,000.00") && page.html.contains("¥145,760.00 / ¥380,000.00") && page.html.contains("\(contract.reference)"))
            #expect(page.html.contains("1690 / 2100") && page.html.contains("¥380,000.00 · 100 %"))
            let csv = try await Browser(client).get("/insights/year.csv")
            #expect(csv.status == .ok && csv.html.contains("2026,14576000,\"¥145,760.00 / ¥380,000.00\",38000000"))
            #expect(try await Browser(client).get("/insights/nothing.csv").status == .notFound)
        }
    }

    @Test("residents' voice on the page: propose and support with the device cookie; a buyer of the area links a line; the public sees the tender that took it up")
    func voice() async throws {
        try await TestApp.runDelivery { client, w in
            let tender = try await w.t.publishedTender(["LX2026-05"])
            let resident = Browser(client)
            _ = try await resident.get("/voice")
            #expect(await resident.cookie("spokes_device") != nil)
            let lixia = try #require(try await w.t.world.identity.jurisdiction(code: "370102")).id.lowercased
            let empty = try await resident.post("/voice", [("area", lixia), ("title", ""), ("description", "评估太慢")])
            #expect(empty.status == .unprocessableContent && empty.html.contains("为必填项"))
            #expect(empty.html.contains(#"id="need-title-error""#) && empty.html.contains(##"href="#need-title""##) && empty.html.contains(">评估太慢</textarea>")
                && empty.html.contains(#"<option value="\#(lixia)" selected>"#), "each problem beside its input; what was typed and chosen kept")
            let proposed = try await resident.post("/voice", [("area", lixia), ("title", "老年人能力评估"), ("description", "希望评估更及时，方便申请补贴。"),
                                                               ("deviceToken", try #require(empty.deviceToken))])
            #expect(proposed.status == .ok && proposed.html.contains("感谢，您的需求已发布") && proposed.html.contains("老年人能力评估"))
            let need = try #require(try await VoiceService(database: w.t.world.database, identity: w.t.world.identity, lists: w.t.lists).needs(by: nil).first)
            let supported = try await resident.post("/voice/\(need.id.lowercased)/support", [("deviceToken", try #require(proposed.deviceToken))])
            #expect(supported.html.contains("已记录您的支持"))
            #expect(try await resident.post("/voice/\(need.id.lowercased)/support", [("deviceToken", try #require(supported.deviceToken))]).html.contains("本设备已支持过该需求"))
            let supplier = Browser(client)
            _ = try await supplier.signIn("ngo")
            let line = try await w.t.lines(["LX2026-05"])[0]
            #expect(try await supplier.post("/voice/\(need.id.lowercased)/answer", [("line", line.id.lowercased)]).status == .forbidden)
            let buyer = Browser(client)
            _ = try await buyer.signIn("finance")
            #expect(try await buyer.get("/voice").html.contains("用本单位采购需求回应"))
            #expect(try await buyer.post("/voice/\(need.id.lowercased)/answer", [("line", line.id.lowercased)]).html.contains("已将采购需求与民意关联"))
            let publicView = try await Browser(client).get("/voice")
            #expect(publicView.html.contains("已由采购需求回应： LX2026-05") && publicView.html.contains(tender.reference) && !publicView.html.contains("用本单位采购需求回应"))
        }
    }

    @Test("a red flag becomes a monitoring case: the overseer asks, the buyer answers, the overseer closes; the record's audit trail is checked on the page")
    func monitoringCase() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            w.t.clock.advance(by: 6 * 86_400)
            let overseer = Browser(client), buyer = Browser(client)
            _ = try await overseer.signIn("overseer")
            _ = try await buyer.signIn("finance")
            let opened = try await overseer.post("/oversight/cases", [("buyer", contract.buyerID.lowercased), ("subjectType", "contract"),
                                                                      ("subjectId", contract.id.lowercased), ("evidence", "/contracts/\(contract.id.lowercased)"),
                                                                      ("title", "\(contract.reference)逾期未公开"), ("question", "请说明未按期公开合同的原因。")])
            #expect(opened.status == .seeOther)
            let list = try await buyer.get("/oversight/cases")
            #expect(list.html.contains("\(contract.reference)逾期未公开") && list.html.contains("待采购人答复"))
            let caseID = try #require(list.html.range(of: "/oversight/cases/").map { String(list.html[$0.upperBound...].prefix(36)) })
            let page = try await buyer.get("/oversight/cases/\(caseID)")
            #expect(page.html.contains("审计哈希链刚刚校验，完整无误") && page.html.contains("contract.signed") && !page.html.contains(">办结<"))
            // An empty reply comes back in its form, the problem beside it and linked from the summary.
            let empty = try await buyer.post("/oversight/cases/\(caseID)/posts", [("text", "  ")])
            #expect(empty.status == .unprocessableContent && empty.html.contains(#"id="post-text-error""#) && empty.html.contains(##"href="#post-text""##))
            #expect(empty.html.contains(#"action="/oversight/cases/\#(caseID)/posts""#))
            #expect(try await buyer.post("/oversight/cases/\(caseID)/posts", [("text", "经办人员休假延误，已于今日公开。")]).status == .seeOther)
            #expect(try await buyer.post("/oversight/cases/\(caseID)/close", [("outcome", "采购人自行办结不被允许。")]).status == .forbidden)
            #expect(try await overseer.post("/oversight/cases/\(caseID)/close", [("outcome", "已督促整改，合同已公开。")]).status == .seeOther)
            #expect(try await overseer.get("/oversight/cases/\(caseID)").html.contains("已督促整改，合同已公开"))
            let outsider = Browser(client)
            _ = try await outsider.signIn("civil")
            #expect(try await outsider.get("/oversight/cases/\(caseID)").status == .forbidden)
        }
    }
}
