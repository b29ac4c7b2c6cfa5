import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Server
import Identity
import TestSupport
import Testing
import Transparency

/// Offers and the directory of suppliers (issue 24 item 3), written from DOMAIN §7: only approved organisations
/// publish; anyone finds them by service, area served (a district's offer serves its streets), rating, stage and name;
/// the directory says what the platform knows, including a listing that bars bidding.
@Suite("Offers and the directory of suppliers")
struct DirectoryTests {
    static func offer(_ code: String, areas: [String], low: String = "1100", high: String = "1400") -> [String: Any] {
        ["itemCode": code, "areas": areas, "capacity": 600, "unit": "people", "priceMin": low, "priceMax": high, "description": "居家上门服务"]
    }

    @Test("an approved supplier publishes offers; the directory finds it by service and area served, rating and name, and flags a listing")
    func api() async throws {
        try await TestApp.run { client, world in
            let ngo = try await client.token("ngo")
            let published = try await client.json(.post, "/api/v1/my-offers", body: Self.offer("A0101", areas: ["370102"]), token: ngo)
            #expect(published.status == .created && published.json?["priceMin"] as? String == "1100.00")
            for (body, field) in [(Self.offer("A01", areas: ["370102"]), "itemCode"), (Self.offer("A0101", areas: ["999999"]), "areas"),
                                  (Self.offer("A0101", areas: ["370102"], low: "1500", high: "1400"), "priceMax"),
                                  (Self.offer("A0101", areas: ["370102"], low: "¥-1", high: "1400"), "priceMin"),
                                  (Self.offer("A0101", areas: []), "areas")] {
                let refused = try await client.json(.post, "/api/v1/my-offers", body: body, token: ngo)
                #expect(refused.status == .unprocessableContent && refused.text.contains(field), "\(field): \(refused.text)")
            }
            #expect(try await client.json(.post, "/api/v1/my-offers", body: Self.offer("A0101", areas: ["370102"]), token: try await client.token("finance")).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/my-offers", body: Self.offer("A0101", areas: ["370102"]), token: try await client.token("admin")).status == .forbidden)
            let ngoID = try await world.actor("ngo").organisationID.lowercased
            func found(_ query: String) async throws -> [String] {
                let page = try await client.json(.get, "/api/v1/suppliers?" + query, token: nil, body: nil)
                #expect(page.status == .ok, "\(query): \(page.text)")
                return (page.json?["items"] as? [[String: Any]] ?? []).compactMap { $0["organisationId"] as? String }
            }
            #expect(try await found("code=A0101&area=370102010").contains(ngoID), "a district's offer serves its streets")
            #expect(try await found("code=A0101&area=610324").contains(ngoID) == false, "not another county")
            #expect(try await found("code=A0201").contains(ngoID) == false)
            #expect(try await found("minimumRating=4").contains(ngoID), "4A until 2028")
            #expect(try await found("minimumRating=5").contains(ngoID) == false)
            #expect(try await found("q=" + "阳光".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!).contains(ngoID))
            #expect(try await found("q=%25").isEmpty, "a percent sign is matched as itself")
            #expect(try await client.json(.get, "/api/v1/suppliers?area=999999", token: nil, body: nil).status == .unprocessableContent)
            #expect(try await client.json(.get, "/api/v1/suppliers?minimumRating=9", token: nil, body: nil).status != .ok)
            // The registrar lists it as seriously dishonest: the directory says so.
            _ = try await client.json(.post, "/api/v1/organisations/\(ngoID)/sanctions", body: [
                "kind": "serious_dishonesty", "occurredOn": "2026-06-01", "description": "提供虚假材料"], token: try await client.token("civil"))
            let page = try await client.json(.get, "/api/v1/suppliers?code=A0101", token: nil, body: nil)
            let entry = (page.json?["items"] as? [[String: Any]])?.first { $0["organisationId"] as? String == ngoID }
            #expect(entry?["barred"] as? Bool == true && entry?["rating"] as? Int == 4 && (entry?["offers"] as? [String]) == ["A0101"])
            // Withdrawn: gone from the directory; another organisation's offer is not found.
            let offerID = try #require(published.json?["id"] as? String)
            #expect(try await client.json(.delete, "/api/v1/my-offers/\(offerID)", token: try await client.token("eldercare"), body: nil).status == .notFound)
            #expect(try await client.json(.delete, "/api/v1/my-offers/\(offerID)", token: ngo, body: nil).status == .noContent)
            #expect(try await found("code=A0101").contains(ngoID) == false)
        }
    }

    @Test("an applicant cannot publish until approved; the pages show the directory and the supplier's own offers, a refused offer keeping what was typed")
    func pages() async throws {
        try await TestApp.run { client, world in
            let code = try CreditCode.completing("52370102500000961").value
            _ = try await world.identity.signUp(SignUp(
                form: "social_organisation", nameZh: "历下区待审中心", creditCode: code, jurisdictionCode: "370102", registrationAuthority: "济南市历下区民政局",
                legalRepresentative: "周", contactName: "周", contactPhone: "13800138000", email: "zhou@example.cn", username: "daishen",
                displayName: "周", password: "a long enough password", certificate: Data("%PDF-1.4\n%%EOF\n".utf8), certificateName: "c.pdf"), client: "test")
            let waiting = try await client.json(.post, "/api/v1/my-offers", body: Self.offer("A0101", areas: ["370102"]),
                                                token: try await client.token("daishen", password: "a long enough password"))
            #expect(waiting.status == .conflict)
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            let refused = try await ngo.post("/supplier/offers", [("itemCode", "A0101"), ("areas", "370102"), ("capacity", "六百"), ("unit", "people"),
                                                                  ("priceMin", "1100"), ("priceMax", "1400"), ("description", "上门")])
            #expect(refused.status == .unprocessableContent && refused.html.contains(#"value="六百""#) && refused.html.contains(##"<a href="#offer-capacity">"##))
            #expect(try await ngo.post("/supplier/offers", [("itemCode", "A0101"), ("areas", "370102"), ("capacity", "600"), ("unit", "people"),
                                                            ("priceMin", "1100"), ("priceMax", "1400"), ("description", "上门")]).status == .seeOther)
            let own = try await ngo.get("/supplier/offers")
            #expect(own.status == .ok && own.html.contains("¥1,100.00 – ¥1,400.00"))
            #expect(own.html.contains(#"<option value="370102">"#), "the areas served are offered by jurisdiction")
            let ngoID = try await world.actor("ngo").organisationID.lowercased
            let shown = try await Browser(client).get("/organisations/\(ngoID)")
            #expect(shown.html.contains(#"id="offers""#) && shown.html.contains("¥1,100.00 – ¥1,400.00"), "offers are on the organisation's page")
            let directory = try await Browser(client).get("/suppliers?code=A0101&area=370102010")
            #expect(directory.status == .ok && directory.html.contains("阳光") && directory.html.contains("4A"))
            #expect(directory.html.range(of: #"\bnil\b"#, options: .regularExpression) == nil, "an absent figure shows nothing, not nil")
            let wrong = try await Browser(client).get("/suppliers?area=999999")
            #expect(wrong.status == .unprocessableContent && wrong.html.contains("999999"))
        }
    }
}

extension DirectoryTests {
    @Test("the directory counts service users' survey answers over a supplier's contracts; 4 or 5 of 5 is satisfied")
    func satisfaction() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let link = try #require(contract.surveyToken)
            let directory = SupplierDirectory(database: database, identity: w.t.world.identity)
            let supplier = try await w.t.world.identity.organisation(id: contract.supplierID)
            func entry() async throws -> DirectoryEntry? {
                try await directory.search(DirectoryQuery(text: supplier.nameZh, limit: 200)).first { $0.organisationID == contract.supplierID }
            }
            let before = try #require(try await entry())
            #expect(before.answers == 0 && before.satisfied == nil, "no answer yet: no share")
            for rating in [5, 4, 2] {
                #expect(try await w.contracts.answerSurvey(token: link, rating: rating, comment: "",
                                                           deviceToken: w.contracts.surveyDeviceToken(for: contract, device: nil).token, client: "198.51.100.9"))
            }
            let after = try #require(try await entry())
            #expect(after.answers == 3 && after.satisfiedAnswers == 2 && after.satisfied == 6_666)
            let card = DirectoryPage(entries: [after], typed: [:], services: [], jurisdictions: [], refusal: nil, pager: .none,
                                     words: IdentityPageModelTests.words).cards.first
            #expect(card?.satisfaction == "66.7 %" && card?.answers == 3)
        }
    }

    @Test("a buyer picks invitees in the directory and takes them to the tender editor; a barred organisation has no box; nothing is saved")
    func pickInvitees() async throws {
        try await TestApp.run { client, world in
            let ngoID = try await world.actor("ngo").organisationID.lowercased
            let eldercareID = try await world.actor("eldercare").organisationID.lowercased
            let buyer = Browser(client)
            _ = try await buyer.signIn("finance")
            let picking = try await buyer.get("/suppliers?pick=1&invite=\(eldercareID)&invite=not-an-id")
            #expect(picking.status == .ok && picking.html.contains(#"formaction="/tenders/new""#))
            #expect(picking.html.contains(#"name="invite" value="\#(ngoID)""#), "an approved supplier can be ticked")
            #expect(picking.html.contains(#"<input type="hidden" name="invite" value="\#(eldercareID)">"#)
                    || picking.html.contains(#"name="invite" value="\#(eldercareID)" checked"#), "an earlier choice rides along")
            #expect(!picking.html.contains("not-an-id"))
            // Back in the editor: an invited tender with both ticked, the rest unticked.
            let editor = try await buyer.get("/tenders/new?pick=1&code=&invite=\(ngoID)&invite=\(eldercareID)&invite=\(ngoID)")
            #expect(editor.status == .ok)
            #expect(editor.html.contains(#"value="invited" selected"#))
            #expect(editor.html.contains(#"name="invited" value="\#(ngoID)" checked"#) && editor.html.contains(#"name="invited" value="\#(eldercareID)" checked"#))
            #expect(editor.html.contains("/suppliers?pick=1&amp;invite=\(ngoID)&amp;invite=\(eldercareID)"), "the directory link carries them back")
            // A listed organisation cannot be ticked.
            _ = try await client.json(.post, "/api/v1/organisations/\(ngoID)/sanctions", body: [
                "kind": "serious_dishonesty", "occurredOn": "2026-06-01", "description": "提供虚假材料"], token: try await client.token("civil"))
            let barred = try await buyer.get("/suppliers?pick=1&q=" + "阳光".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)
            #expect(barred.html.contains("严重违法失信") && !barred.html.contains(#"name="invite" value="\#(ngoID)""#))
            // Without pick, the directory has no boxes; picking saves nothing.
            #expect(!(try await Browser(client).get("/suppliers").html.contains(#"name="invite""#)))
        }
    }
}

extension TestClientProtocol {
    fileprivate func json(_ method: HTTPRequest.Method, _ uri: String, body: [String: Any], token: String? = nil) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, json: [String: Any]?, text: String) {
        try await json(method, uri, token: token, body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }
}
