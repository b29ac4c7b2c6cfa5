import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import TestSupport
import Testing

@Suite("Seed grants, payments and space pages")
struct SupportPageTests {
    @Test("staff award a seed grant on the organisation's page; the bureau pays it on /payments once; refusals read as messages")
    func grants() async throws {
        try await TestApp.runTendering { client, t in
            let youth = try await t.world.actor("youth").organisationID.uuidString.lowercased()
            let staff = Browser(client)
            _ = try await staff.signIn("incubator")
            _ = try await staff.post("/incubator/organisations/\(youth)/move", [("stage", "incubator"), ("reason", "外引：已登记的青少年服务机构直接入孵，免苗圃阶段"), ("override", "on")])
            let civilOffice = try await t.world.actor("civil").organisationID.uuidString.lowercased()
            let line = try #require(try await client.list("/api/v1/purchase-lines?year=2026&buyer=\(civilOffice)").first?["id"] as? String)
            let page = try await staff.get("/incubator/organisations/\(youth)")
            #expect(page.html.contains("批准种子资金") && page.html.contains("MZ2026-01") && page.html.contains("¥300,000.00"))
            let tooMuch = try await staff.post("/incubator/organisations/\(youth)/grants", [("line", line), ("amount", "150000"), ("purpose", "启动")])
            #expect(tooMuch.status == .unprocessableContent && tooMuch.html.contains("不超过¥100,000.00"))
            #expect(try await staff.post("/incubator/organisations/\(youth)/grants", [("line", line), ("amount", "50,000"), ("purpose", "办公设备与首期活动")]).status == .seeOther)
            #expect(try await staff.get("/incubator/organisations/\(youth)").html.contains("已批准，待支付"))
            // The bureau sees it among its payments to make; the finance office and a supplier do not.
            let civil = Browser(client)
            _ = try await civil.signIn("civil")
            let payments = try await civil.get("/payments")
            #expect(payments.status == .ok && payments.html.contains("办公设备与首期活动") && payments.html.contains("¥50,000.00"))
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            #expect(!(try await finance.get("/payments").html.contains("办公设备与首期活动")))
            let grants = try await client.list("/api/v1/incubation/organisations/\(youth)/grants")
            let grant = try #require(grants.first?["id"] as? String)
            let badReference = try await civil.post("/payments/grants/\(grant)/pay", [("reference", "GK 1"), ("paidOn", "2026-11-02")])
            #expect(badReference.status == .unprocessableContent && badReference.html.contains("treasuryReference"))
            let supplier = Browser(client)
            _ = try await supplier.signIn("ngo")
            #expect(!(try await supplier.get("/").html.contains("href=\"/payments\"")))
            #expect(try await supplier.post("/payments/grants/\(grant)/pay", [("reference", "GK-2026-5001"), ("paidOn", "2026-11-02")]).status == .forbidden)
            #expect(try await civil.post("/payments/grants/\(grant)/pay", [("reference", "GK-2026-5001"), ("paidOn", "2026-11-02")]).status == .seeOther)
            // Recorded again through the API with the same reference: still one payment.
            let again = try await client.json(.post, "/api/v1/incubation/grants/\(grant)/payment", token: try await client.token("civil"),
                                              body: #"{"treasuryReference": "GK-2026-5001", "paidOn": "2026-11-02"}"#)
            #expect(again.status == .ok && again.json?["status"] as? String == "paid")
            let balance = try await client.json(.get, "/api/v1/ledger/budget-lines/\(line)")
            #expect(balance.json?["paidFen"] as? Int == 5_000_000 && balance.json?["committedFen"] as? Int == 5_000_000
                    && balance.json?["uncommittedFen"] as? Int == 25_000_000)
            #expect(!(try await civil.get("/payments").html.contains("办公设备与首期活动")))
            #expect(try await Browser(client).get("/incubator/organisations/\(youth)").html.contains("GK-2026-5001"))
        }
    }

    @Test("a seed grant from a line budgeted for something else is refused on the page and the API, whatever the form offered (issue 20)")
    func grantsOnlyFromIncubationLines() async throws {
        try await TestApp.runTendering { client, t in
            let youth = try await t.world.actor("youth").organisationID.uuidString.lowercased()
            let staff = Browser(client)
            _ = try await staff.signIn("incubator")
            _ = try await staff.post("/incubator/organisations/\(youth)/move", [("stage", "incubator"), ("reason", "外引：已登记的青少年服务机构直接入孵，免苗圃阶段"), ("override", "on")])
            let elderCare = try await t.lines(["LX2026-01"])[0].id.lowercased
            let page = try await staff.post("/incubator/organisations/\(youth)/grants", [("line", elderCare), ("amount", "1000"), ("purpose", "启动")])
            #expect(page.status == .unprocessableContent && page.html.contains("B02"), "\(page.status)")
            let api = try await client.json(.post, "/api/v1/incubation/organisations/\(youth)/grants", token: try await client.token("incubator"),
                                            body: #"{"purchaseLineId": "\#(elderCare)", "amountFen": 100000, "purpose": "启动"}"#)
            #expect(api.status == .unprocessableContent && (api.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "purchaseLineId", "\(api.text)")
            #expect(try await client.json(.get, "/api/v1/ledger/budget-lines/\(elderCare)").json?["committedFen"] as? Int == 0)
        }
    }

    @Test("staff add spaces and lend them on the spaces page; a clash is refused with a message; hand-back frees the space; others may not")
    func spaces() async throws {
        try await TestApp.runTendering { client, t in
            let youth = try await t.world.actor("youth").organisationID.uuidString.lowercased()
            let harmony = try await t.world.actor("harmony").organisationID.uuidString.lowercased()
            let staff = Browser(client)
            _ = try await staff.signIn("incubator")
            for id in [youth, harmony] {
                _ = try await staff.post("/incubator/organisations/\(id)/move", [("stage", "accelerator"), ("reason", "外引：历下区品牌社工机构入驻加速器，按规定免除前置阶段"), ("override", "on")])
            }
            #expect(try await staff.post("/incubator/spaces", [("name", "孵化室A-201"), ("kind", "room")]).status == .seeOther)
            let duplicate = try await staff.post("/incubator/spaces", [("name", "孵化室A-201"), ("kind", "desk")])
            #expect(duplicate.status == .conflict && duplicate.html.contains("已有名为孵化室A-201的场地"))
            let space = try #require(try await client.list("/api/v1/incubation/spaces").first.flatMap { ($0["space"] as? [String: Any])?["id"] as? String })
            #expect(try await staff.post("/incubator/spaces/\(space)/allocate", [("organisation", youth), ("from", "2026-11-02"), ("to", "2026-12-31")]).status == .seeOther)
            let clash = try await staff.post("/incubator/spaces/\(space)/allocate", [("organisation", harmony), ("from", "2026-12-01"), ("to", "2027-01-31")])
            #expect(clash.status == .conflict && clash.html.contains("孵化室A-201在2026-11-02至2026-12-31期间已被借用"))
            let listed = try await Browser(client).get("/incubator/spaces")
            #expect(listed.html.contains("孵化室A-201") && listed.html.contains("2026-12-31") && !listed.html.contains("登记归还"))
            let allocation = try #require(try await client.list("/api/v1/incubation/spaces").first.flatMap { ($0["allocations"] as? [[String: Any]])?.first?["id"] as? String })
            let outsider = try await client.json(.post, "/api/v1/incubation/allocations/\(allocation)/hand-back", token: try await client.token("youth"), body: "{}")
            #expect(outsider.status == .forbidden)
            #expect(try await staff.post("/incubator/allocations/\(allocation)/hand-back", []).status == .seeOther)
            t.clock.advance(by: 86_400)
            _ = try await staff.signIn("incubator")  // sessions last 12 hours
            #expect(try await staff.post("/incubator/spaces/\(space)/allocate", [("organisation", harmony), ("from", "2026-11-03"), ("to", "2027-01-31")]).status == .seeOther)
            #expect(try await staff.get("/incubator/organisations/\(youth)").html.contains("2026-11-02</td><td>2026-12-31</td><td>2026-11-02"))
        }
    }

    @Test("the checklist speaks the page's language: Chinese by default, English when asked")
    func findings() async throws {
        try await TestApp.runTendering { client, t in
            let team = try await t.world.identity.createOrganisation(by: .system, NewOrganisation(
                kind: "social_organisation", nameZh: "“邻里守望”公益团队", nameEn: "Neighbourhood Watch team", creditCode: nil, jurisdictionCode: "370102"))
            let staff = Browser(client)
            _ = try await staff.signIn("incubator")
            _ = try await staff.post("/incubator/organisations/\(team.id.uuidString.lowercased())/move", [("stage", "nursery"), ("reason", "苗圃计划入选")])
            let zh = try await Browser(client).get("/incubator/organisations/\(team.id.uuidString.lowercased())")
            #expect(zh.html.contains("未登记：没有统一社会信用代码") && zh.html.contains("自 2026-11-02 起在苗圃阶段 0 个月；需 3 个月"))
            let en = try await Browser(client, language: "en").get("/incubator/organisations/\(team.id.uuidString.lowercased())")
            #expect(en.html.contains("not registered: no unified social credit code on record") && en.html.contains("0 month(s) in Nursery since 2026-11-02; needs 3"))
        }
    }
}
