import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import TestSupport
import Testing
import Transparency

extension Browser.Page {
    /// The value of the first hidden deviceToken field on the page (the anonymous forms' single-use token).
    var deviceToken: String? {
        guard let range = html.range(of: #"name="deviceToken" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// Issue 19 through HTTP: the survey and residents' voice count each form's signed token once, refuse
/// forged and reused ones beside the form (pages) or as problem+json (API), and hold their ceilings per
/// address when 25 requests arrive at once. (In-process router requests have no connection address:
/// they all count as the address "unknown".)
@Suite("Anonymous forms' tokens and ceilings over HTTP")
struct AnonymousTokenTests {
    /// Outcomes of pages by status code.
    static func statuses(_ pages: [Browser.Page]) -> [Int: Int] {
        pages.reduce(into: [:]) { $0[$1.status.code, default: 0] += 1 }
    }

    @Test("the survey page: 25 answers at once after 20 from the address, exactly 10 taken (429 with Retry-After for the rest)")
    func surveyPageCeiling() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let link = try #require(contract.surveyToken)
            for _ in 0..<20 {
                _ = try await w.contracts.answerSurvey(token: link, rating: 4, comment: "", deviceToken: w.contracts.surveyDeviceToken(for: contract, device: nil).token,
                                                       client: "unknown")
            }
            // 25 residents (25 devices: a stuffer without cookies gets a new device with every form).
            var forms: [(Browser, String)] = []
            for _ in 0..<25 {
                let resident = Browser(client)
                forms.append((resident, try #require(try await resident.get("/survey/\(link)").deviceToken)))
            }
            #expect(Set(forms.map(\.1)).count == 25, "each rendering carries a new token")
            let pages = try await withThrowingTaskGroup(of: Browser.Page.self) { group in
                for (resident, form) in forms {
                    group.addTask { try await resident.post("/survey/\(link)", [("rating", "5"), ("deviceToken", form)]) }
                }
                return try await group.reduce(into: [Browser.Page]()) { $0.append($1) }
            }
            #expect(Self.statuses(pages) == [200: 10, 429: 15])
            #expect(pages.filter { $0.status == .ok }.allSatisfy { $0.html.contains("感谢您的反馈") })
            #expect(pages.filter { $0.status == .tooManyRequests }.allSatisfy { $0.headers[.retryAfter] == "3600" && $0.html.contains("该地址过去一小时内提交的答卷过多") })
            #expect(try await w.contracts.satisfaction(of: contract.id).answers == 30)
        }
    }

    @Test("the survey page refuses a reused, a forged and a missing token beside the form, with a fresh token to try again")
    func surveyPageRefusals() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let link = try #require(contract.surveyToken)
            let resident = Browser(client)
            let form = try #require(try await resident.get("/survey/\(link)").deviceToken)
            #expect(try await resident.post("/survey/\(link)", [("rating", "5"), ("deviceToken", form)]).html.contains("感谢您的反馈"))
            let reused = try await resident.post("/survey/\(link)", [("rating", "1"), ("deviceToken", form)])
            #expect(reused.status == .conflict && reused.html.contains("该表单已提交过") && reused.html.contains(#"role="alert""#))
            #expect(reused.deviceToken != nil && reused.deviceToken != form)
            let forged = try await resident.post("/survey/\(link)", [("rating", "1"), ("deviceToken", "made-up-device-0123456789")])
            #expect(forged.status == .unprocessableContent && forged.html.contains("表单凭证无效或已过期"))
            let visitor = Browser(client, language: "en")
            _ = try await visitor.get("/survey/\(link)")
            let missing = try await visitor.post("/survey/\(link)", [("rating", "1")])
            #expect(missing.status == .unprocessableContent && missing.html.contains("token is not valid or has expired"))
            #expect(try await w.contracts.satisfaction(of: contract.id).answers == 1)
        }
    }

    @Test("the survey API: GET gives a token; a reused one is 409 and a forged one 422, as problem+json; 25 sends of one token count once")
    func surveyAPI() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let link = try #require(contract.surveyToken)
            func deviceToken() async throws -> String {
                try #require(try await client.json(.get, "/api/v1/surveys/\(link)").json?["deviceToken"] as? String)
            }
            let first = try await deviceToken()
            let answer = { (token: String) in #"{"rating": 4, "deviceToken": "\#(token)"}"# }
            let counted = try await client.json(.post, "/api/v1/surveys/\(link)/answers", body: answer(first))
            #expect(counted.status == .created && counted.json?["counted"] as? Bool == true)
            let reused = try await client.json(.post, "/api/v1/surveys/\(link)/answers", body: answer(first))
            #expect(reused.status == .conflict && reused.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect((reused.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "deviceToken")
            let forged = try await client.json(.post, "/api/v1/surveys/\(link)/answers", body: answer("app-device-0123456789"))
            #expect(forged.status == .unprocessableContent && forged.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(forged.text.contains("is not a token this server issued for this form"))

            let once = answer(try await deviceToken())
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<25 {
                    group.addTask { try await client.json(.post, "/api/v1/surveys/\(link)/answers", body: once).status }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1.code, default: 0] += 1 }
            }
            #expect(statuses == [201: 1, 409: 24])
            #expect(try await w.contracts.satisfaction(of: contract.id).answers == 2)
        }
    }

    @Test("residents' voice pages: 25 proposals at once, exactly 5 taken; 25 supports at once after 50, exactly 10; a reused token is refused beside the form")
    func voicePages() async throws {
        try await TestApp.runDelivery { client, w in
            let voice = VoiceService(database: w.t.world.database, identity: w.t.world.identity, lists: w.t.lists, clock: w.t.clock)
            let lixia = try #require(try await w.t.world.identity.jurisdiction(code: "370102")).id.lowercased
            let resident = Browser(client)
            var forms: [String] = []
            for _ in 0..<25 { forms.append(try #require(try await resident.get("/voice").deviceToken)) }
            let proposals = try await withThrowingTaskGroup(of: Browser.Page.self) { group in
                for (index, form) in forms.enumerated() {
                    group.addTask {
                        try await resident.post("/voice", [("area", lixia), ("title", "需求\(index)"), ("description", "说明"), ("deviceToken", form)])
                    }
                }
                return try await group.reduce(into: [Browser.Page]()) { $0.append($1) }
            }
            #expect(Self.statuses(proposals) == [200: 5, 429: 20])
            #expect(try await voice.needs(by: nil).count == 5)

            let need = try #require(try await voice.needs(by: nil).first)
            for _ in 0..<(VoiceService.supportsPerAddressPerHour - 10) {
                _ = try await voice.support(needID: need.id, deviceToken: voice.deviceToken(device: nil).token, client: "unknown")
            }
            var supporters: [(Browser, String)] = []
            for _ in 0..<25 {
                let supporter = Browser(client)
                supporters.append((supporter, try #require(try await supporter.get("/voice").deviceToken)))
            }
            let supports = try await withThrowingTaskGroup(of: Browser.Page.self) { group in
                for (supporter, form) in supporters {
                    group.addTask { try await supporter.post("/voice/\(need.id.lowercased)/support", [("deviceToken", form)]) }
                }
                return try await group.reduce(into: [Browser.Page]()) { $0.append($1) }
            }
            #expect(Self.statuses(supports) == [200: 10, 429: 15])
            #expect(supports.filter { $0.status == .ok }.allSatisfy { $0.html.contains("已记录您的支持") })
            #expect(supports.filter { $0.status == .tooManyRequests }.allSatisfy { $0.headers[.retryAfter] == "3600" })
            #expect(try await voice.needs(by: nil).first { $0.id == need.id }?.supports == VoiceService.supportsPerAddressPerHour)

            let stranger = Browser(client)
            let page = try await stranger.get("/voice")
            let form = try #require(page.deviceToken)
            let other = try #require(try await voice.needs(by: nil).first { $0.id != need.id })
            #expect(try await stranger.post("/voice/\(other.id.lowercased)/support", [("deviceToken", form)]).status == .tooManyRequests)
            let forged = try await stranger.post("/voice/\(other.id.lowercased)/support", [("deviceToken", "flood-device-0000001")])
            #expect(forged.status == .unprocessableContent && forged.html.contains("表单凭证无效或已过期"))
        }
    }

    @Test("a voice token is used once: sent again it is refused (409) beside the form")
    func voiceReused() async throws {
        try await TestApp.runDelivery { client, w in
            let voice = VoiceService(database: w.t.world.database, identity: w.t.world.identity, lists: w.t.lists, clock: w.t.clock)
            let lixia = try #require(try await w.t.world.identity.jurisdiction(code: "370102")).id
            let need = try await voice.propose(jurisdictionID: lixia, title: "课后托管", description: "说明", deviceToken: voice.deviceToken(device: nil).token,
                                               client: "198.51.100.7")
            let resident = Browser(client, language: "en")
            let form = try #require(try await resident.get("/voice").deviceToken)
            #expect(try await resident.post("/voice/\(need.id.lowercased)/support", [("deviceToken", form)]).status == .ok)
            let reused = try await resident.post("/voice/\(need.id.lowercased)/support", [("deviceToken", form)])
            #expect(reused.status == .conflict && reused.html.contains("This form was sent already"))
            #expect(try await voice.needs(by: nil).first?.supports == 1)
        }
    }
}
