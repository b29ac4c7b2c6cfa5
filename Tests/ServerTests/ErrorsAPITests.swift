import Core
import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Server
import TestSupport
import Testing

/// Issue 21, finding 5: errors a client can act on. Every problem with a request's shape is a 422 naming the
/// field as the contract names it and saying what was expected (400 only for a body that is not JSON); fields
/// the services name are the contract's names; words come in the language Accept-Language asks for; refusals
/// of a state say what the record waits for.
@Suite("Errors a client can act on")
struct ErrorsAPITests {
    /// A problem as a client reads it, asked for in `language` (nil sends no Accept-Language).
    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var json: [String: Any]
        var type: String? { json["type"] as? String }
        var detail: String? { json["detail"] as? String }
        var errors: [(field: String, message: String)] {
            (json["errors"] as? [[String: Any]] ?? []).map { ($0["field"] as? String ?? "", $0["message"] as? String ?? "") }
        }
        func message(_ field: String) -> String? { errors.first { $0.field == field }?.message }
    }

    static func ask(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil,
                    body: String? = nil, language: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [.contentType: "application/json", .accept: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let language { headers[.acceptLanguage] = language }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
            return Answer(status: response.status, headers: response.headers, json: json)
        }
    }

    /// The same request in English and in Chinese.
    static func both(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil,
                     body: String? = nil) async throws -> (en: Answer, zh: Answer) {
        (try await ask(client, method, uri, token: token, body: body, language: "en"),
         try await ask(client, method, uri, token: token, body: body, language: "zh-CN,zh;q=0.9,en;q=0.5"))
    }

    static let validation = "urn:spokes:problem:validation"

    @Test("a fraction of a fen is a 422 naming priceFen and saying a whole number of fen is expected, in English and in Chinese")
    func fractionOfAFen() async throws {
        try await TestApp.runTendering { client, t in
            let tender = try await t.publishedTender(["LX2026-01"])
            let uri = "/api/v1/tenders/\(tender.id.lowercased)/lots/\(tender.lots[0].id.lowercased)/bid"
            let (en, zh) = try await Self.both(client, .put, uri, token: try await client.token("ngo"),
                                               body: #"{"priceFen": 17000000.5, "proposal": "服务方案"}"#)
            #expect(en.status == .unprocessableContent && en.type == Self.validation, "\(en.json)")
            #expect(en.errors.map(\.field) == ["priceFen"])
            #expect(en.message("priceFen") == "must be a whole number of fen from 1 to 100000000000")
            #expect(en.detail == "Some fields are not valid." && en.headers[.contentLanguage] == "en")
            #expect(zh.status == .unprocessableContent && zh.type == Self.validation)
            #expect(zh.message("priceFen") == "应为以分为单位的整数，范围1至100000000000")
            #expect(zh.detail == "部分字段填写有误。" && zh.headers[.contentLanguage] == "zh-CN")
        }
    }

    @Test("query parameters that do not fit are 422s naming the parameter: an enum lists its values, a year is a whole number")
    func queryParameters() async throws {
        try await TestApp.run { client, world in
            let status = try await Self.both(client, .get, "/api/v1/tenders?status=open")
            #expect(status.en.status == .unprocessableContent && status.en.type == Self.validation)
            #expect(status.en.message("status") == "must be one of: draft, enquiries, tendering, evaluation, awarded, complete, cancelled, unsuccessful")
            #expect(status.zh.message("status") == "应为以下之一：draft, enquiries, tendering, evaluation, awarded, complete, cancelled, unsuccessful")

            let buyer = try await world.organisation(ofUser: "finance").id.lowercased
            let format = try await Self.both(client, .get, "/api/v1/purchase-lines/export?buyer=\(buyer)&format=pdf")
            #expect(format.en.status == .unprocessableContent && format.en.message("format") == "must be one of: csv, xlsx", "\(format.en.json)")
            #expect(format.zh.message("format") == "应为以下之一：csv, xlsx")

            let year = try await Self.both(client, .get, "/api/v1/purchase-lines?year=2027x")
            #expect(year.en.status == .unprocessableContent && year.en.errors.map(\.field) == ["year"], "\(year.en.json)")
            #expect(year.en.message("year") == "must be a whole number from 2000 to 2100")
            #expect(year.zh.message("year") == "应为2000至2100之间的整数")
        }
    }

    @Test("in a body: a wrong enum lists its values, a wrong type says the type, a missing field is required, each by its path; 400 only when it is not JSON")
    func bodies() async throws {
        try await TestApp.run { client, _ in
            let token = try await client.token("finance")
            let (en, zh) = try await Self.both(client, .post, "/api/v1/tenders", token: token, body: """
                {"title": "t", "procedure": "auction", "priceWeight": "thirty", "lots": [{"purchaseLineId": "x", "budgetFen": 1.5}]}
                """)
            #expect(en.status == .unprocessableContent, "\(en.json)")
            #expect(Set(en.errors.map(\.field)) == ["description", "procedure", "priceWeight", "lots[0].budgetFen"], "\(en.errors)")
            #expect(en.message("procedure") == "must be one of: open, invited, single_source")
            #expect(en.message("description") == "is required")
            #expect(en.message("lots[0].budgetFen") == "must be a whole number of fen from 1 to 100000000000")
            #expect(zh.message("procedure") == "应为以下之一：open, invited, single_source")
            #expect(zh.message("description") == "为必填项")

            let notJSON = try await Self.both(client, .post, "/api/v1/tenders", token: token, body: #"{"title": "#)
            #expect(notJSON.en.status == .badRequest && notJSON.en.type == "urn:spokes:problem:bad-request")
            #expect(notJSON.en.detail == "The request body is not valid JSON." && notJSON.zh.detail == "请求内容不是有效的JSON。")
        }
    }

    @Test("the API answers in English unless Accept-Language asks for Chinese; the pages in Chinese unless asked for English")
    func languages() async throws {
        try await TestApp.run { client, _ in
            let none = try await Self.ask(client, .get, "/api/v1/tenders?limit=0")
            #expect(none.message("limit") == "must be a whole number from 1 to 200" && none.headers[.contentLanguage] == "en", "\(none.json)")
            let french = try await Self.ask(client, .get, "/api/v1/tenders?limit=0", language: "fr-FR")
            #expect(french.message("limit") == "must be a whole number from 1 to 200")
            let preferred = try await Self.ask(client, .get, "/api/v1/tenders?limit=0", language: "en;q=0.4, zh-CN;q=0.8")
            #expect(preferred.message("limit") == "应为1至200之间的整数")
            let missing = UUID().uuidString.lowercased()
            let page = try await client.execute(uri: "/tenders/\(missing)", method: .get, headers: [.accept: "text/html"]) { String(buffer: $0.body) }
            #expect(page.contains("没有ID为\(missing)的采购项目"), "a page with no Accept-Language is in Chinese")
            let english = try await client.execute(uri: "/tenders/\(missing)", method: .get, headers: [.accept: "text/html", .acceptLanguage: "en"]) {
                String(buffer: $0.body)
            }
            #expect(english.contains("no tender has id \(missing)"))
        }
    }

    @Test("a field a service refuses is named as the contract names it, on every operation issue 21 found and the rate card's prices")
    func contractNamesFromServices() async throws {
        try await TestApp.runDelivery { client, w in
            let finance = try await client.token("finance")
            let ngo = try await client.token("ngo")

            // createTender: the lot's budget, more than remains of its line.
            let line = try await w.t.lines(["LX2026-01"])[0]
            let lot = try await Self.both(client, .post, "/api/v1/tenders", token: finance, body: """
                {"title": "超预算", "description": "d", "lots": [{"purchaseLineId": "\(line.id.lowercased)", "budgetFen": 50000000}]}
                """)
            #expect(lot.en.status == .unprocessableContent && lot.en.errors.map(\.field) == ["lots[0].budgetFen"], "\(lot.en.json)")
            #expect(lot.en.message("lots[0].budgetFen") == "is more than remains of line LX2026-01 (¥400,000.00)")
            #expect(lot.zh.message("lots[0].budgetFen") == "超过采购清单项目LX2026-01的剩余预算（¥400,000.00）")

            // submitBid: a price above the lot's budget.
            let tender = try await w.t.publishedTender(["LX2026-02"])
            try await w.t.move(to: tender.periods!.enquiryEnd)
            let bid = try await Self.both(client, .put, "/api/v1/tenders/\(tender.id.lowercased)/lots/\(tender.lots[0].id.lowercased)/bid",
                                          token: ngo, body: #"{"priceFen": 99900000000, "proposal": "服务方案"}"#)
            #expect(bid.en.status == .unprocessableContent && bid.en.errors.map(\.field) == ["priceFen"], "\(bid.en.json)")
            #expect(bid.en.message("priceFen")?.hasPrefix("is more than the lot's budget of ¥") == true)
            #expect(bid.zh.message("priceFen")?.hasPrefix("超过该标段预算¥") == true)

            // setRateCard and setMilestones on a draft; submitReport on a signed contract.
            let award = try await w.completedAward()
            let contract = try await w.contracts.draft(by: try await w.actor("finance"),
                                                       ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2027-12-31", terms: DeliveryWorld.terms))
            let id = contract.id.lowercased
            let shares = try await Self.both(client, .put, "/api/v1/contracts/\(id)/milestones", token: finance, body: """
                [{"title": "全年", "dueOn": "2027-12-31", "deliverables": "总结", "sharePercent": 0, "metrics": []},
                 {"title": "全年", "dueOn": "2027-12-31", "deliverables": "总结", "sharePercent": 100, "metrics": []}]
                """)
            #expect(shares.en.errors.map(\.field).contains("milestones[0].sharePercent"), "\(shares.en.json)")
            #expect(shares.en.message("milestones[0].sharePercent") == "must be more than 0 %")
            #expect(shares.zh.message("milestones[0].sharePercent") == "应大于0%")
            _ = try await w.contracts.setMilestones(by: try await w.actor("finance"), contractID: contract.id, DeliveryWorld.milestones)
            let card = try await Self.both(client, .put, "/api/v1/contracts/\(id)/rate-card", token: finance, body: """
                {"maximumFen": 50000000, "deliveryFeePercent": 30, "partialRule": "proportional",
                 "prices": [{"metric": "visits", "priceFen": 60000000, "capFen": 60000000}, {"metric": "assessments", "priceFen": 100}]}
                """)
            #expect(Set(card.en.errors.map(\.field)) == ["maximumFen", "prices[0].priceFen", "prices[0].capFen"], "\(card.en.json)")
            #expect(card.en.message("maximumFen") == "must be more than ¥0.00 and at most the contract's value, ¥380,000.00")
            #expect(card.zh.message("maximumFen") == "应大于¥0.00且不超过合同金额¥380,000.00")
            #expect(card.zh.message("prices[0].capFen") == "应大于¥0.00且不超过最高金额")

            _ = try await w.priceOutcomes(contract)
            _ = try await w.engageInstitution(contract, assigning: w.assessors)
            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: contract.id)
            _ = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id)
            let milestone = try await w.contracts.milestones(of: [contract.id])[0].id.lowercased
            let evidence = try await Self.both(client, .post, "/api/v1/milestones/\(milestone)/reports", token: ngo, body: """
                {"results": {"visits": 80, "assessments": 1}, "beneficiaries": 40, "narrative": "完成服务",
                 "evidence": [{"filename": "a.pdf", "content": "", "obtainedHow": "扫描", "obtainedOn": "2026-11-19"}]}
                """)
            #expect(evidence.en.errors.map(\.field).contains("evidence[0].content"), "\(evidence.en.json)")
            #expect(evidence.en.message("evidence[0].content") == "is empty" && evidence.zh.message("evidence[0].content") == "为空")

            // updatePurchaseLine: a budget below what is committed on the line (a 409 naming the field).
            let lower = try String(decoding: JSONSerialization.data(withJSONObject: [
                "year": 2026, "reference": line.content.reference, "catalogueCode": line.content.catalogueCode, "title": line.content.title,
                "targetGroup": line.content.targetGroup, "quantity": line.content.quantity, "unit": line.content.unit, "budgetFen": 30_000_000,
                "fundingSource": line.content.fundingSource.rawValue, "tier": line.content.tier.rawValue]), as: UTF8.self)
            let budget = try await Self.both(client, .put, "/api/v1/purchase-lines/\(line.id.lowercased)", token: finance, body: lower)
            #expect(budget.en.status == .conflict && budget.en.errors.map(\.field) == ["budgetFen"], "\(budget.en.json)")
            #expect(budget.zh.message("budgetFen") == "不得低于其采购项目标段已安排的¥400,000.00")
        }
    }

    @Test("publishing a tender twice says it is published already and what it waits for")
    func publishTwice() async throws {
        try await TestApp.runTendering { client, t in
            let tender = try await t.publishedTender(["LX2026-01"])
            let (en, zh) = try await Self.both(client, .post, "/api/v1/tenders/\(tender.id.lowercased)/publish", token: try await client.token("finance"))
            #expect(en.status == .conflict && en.type == "urn:spokes:problem:conflict")
            #expect(en.detail == "the tender cannot be published now: it is published already and in its enquiry period, waiting for tendering to open")
            #expect(zh.detail == "该项目现在不能发布：项目已经发布，正处于答疑期，等待开始投标")
        }
    }

    @Test("a claim while the sign-off waits for its countersignature says so, not that nothing is earned")
    func claimWaitsForCountersignature() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let signOff = try await w.signedOffFirstMilestone(contract)
            #expect(signOff.countersignRequired, "¥145,760 payable is above the ¥100,000 threshold")
            let (en, zh) = try await Self.both(client, .post, "/api/v1/contracts/\(contract.id.lowercased)/claims", token: try await client.token("ngo"))
            #expect(en.status == .conflict, "\(en.json)")
            #expect(en.detail == "nothing is payable yet: the sign-off of milestone 1 waits for a second evaluator's countersignature")
            #expect(zh.detail == "目前尚无可支付金额：第1个履约节点的验收正在等待第二位评审专家复核签字")
            _ = try await w.contracts.countersign(by: try await w.actor("evaluator2"), signOffID: signOff.id)
            #expect(try await client.json(.post, "/api/v1/contracts/\(contract.id.lowercased)/claims", token: try await client.token("ngo")).status == .created)
        }
    }

    @Test("a state refusal names the state in the reader's language")
    func statusTerms() async throws {
        try await TestApp.runDelivery { client, w in
            let contract = try await w.signedContract()
            let (en, zh) = try await Self.both(client, .post, "/api/v1/contracts/\(contract.id.lowercased)/signatures", token: try await client.token("finance"))
            #expect(en.status == .conflict && en.detail == "contract \(contract.reference) is signed already", "\(en.json)")
            #expect(zh.detail == "合同\(contract.reference)已经是“已签订”状态")
        }
    }
}

/// The contract's names for what services report, walked over Contracts/openapi.yaml.
@Suite("Contract names")
struct ContractNameTests {
    static func contract() throws -> APIContract {
        try APIContract(yaml: String(contentsOfFile: TestDatabase.packageRoot + "/Contracts/openapi.yaml", encoding: .utf8))
    }

    /// Every property path of a request body, as the contract names it (`prices[0].priceFen`).
    static func paths(_ shape: APIContract.Shape, _ path: String, root: String) -> [String] {
        switch shape {
        case .object(let properties, _, _):
            properties.flatMap { [APIContract.member(path, $0.key)] + paths($0.value, APIContract.member(path, $0.key), root: root) }
        case .array(let element): paths(element, "\(path.isEmpty ? root : path)[0]", root: root)
        default: []
        }
    }

    /// The name a service would use: each name without the unit the contract adds, and its own word for an alias.
    static func serviceName(_ path: String) -> String {
        let reverse = Dictionary(uniqueKeysWithValues: APIContract.aliases.map { ($0.value, $0.key) })
        var result = ""
        var word = ""
        func flush() {
            var name = reverse[word] ?? word
            if let unit = APIContract.units.first(where: { name.hasSuffix($0) && name.count > $0.count }) { name.removeLast(unit.count) }
            result += name
            word = ""
        }
        for character in path {
            if character == "." || character == "[" || character == "]" {
                flush()
                result.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return result
    }

    @Test("every property of every request body (every …Fen among them) is reported under its contract name, whatever the service calls it")
    func everyBodyProperty() throws {
        let contract = try Self.contract()
        var checked = 0
        var fen = 0
        for (id, operation) in contract.operations {
            guard let body = operation.body else { continue }
            for path in Self.paths(body, "", root: operation.bodyName) {
                let service = Self.serviceName(path)
                #expect(contract.contractName(service, operationID: id) == path, "\(id): \(service) → \(contract.contractName(service, operationID: id)), not \(path)")
                #expect(contract.contractName(path, operationID: id) == path, "\(id): \(path) keeps its name")
                checked += 1
                if path.hasSuffix("Fen") { fen += 1 }
            }
        }
        #expect(checked > 300 && fen > 10, "\(checked) properties, \(fen) in fen")
    }

    @Test("the names issue 21 found come back as the contract's, and names the body does not describe stay as they are")
    func issueNames() throws {
        let contract = try Self.contract()
        let table: [(String, String, String)] = [
            ("submitBid", "price", "priceFen"),
            ("addPurchaseLine", "budget", "budgetFen"),
            ("updatePurchaseLine", "budget", "budgetFen"),
            ("createTender", "lots[1].budget", "lots[1].budgetFen"),
            ("setRateCard", "maximum", "maximumFen"),
            ("setRateCard", "capPerBeneficiary", "capPerBeneficiaryFen"),
            ("setRateCard", "prices[2].price", "prices[2].priceFen"),
            ("setRateCard", "prices[2].cap", "prices[2].capFen"),
            ("setMilestones", "milestones[1].share", "milestones[1].sharePercent"),
            ("setMilestones", "milestones[1].metrics[0].target", "milestones[1].metrics[0].target"),
            ("submitReport", "evidence[3].file", "evidence[3].content"),
            ("submitReport", "results.visits", "results.visits"),
            ("submitReport", "evidence", "evidence"),
            ("listTenders", "year", "year"),
            ("moveOrganisation", "rules.entry.registered", "rules.entry.registered"),
        ]
        for (operation, service, expected) in table {
            #expect(contract.contractName(service, operationID: operation) == expected, "\(operation): \(service)")
        }
    }
}
