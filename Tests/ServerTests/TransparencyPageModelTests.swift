import Core
import Foundation
import Identity
@testable import Server
import Store
import Tendering
import TestSupport
import Testing
import Transparency

/// The transparency pages' typed models. Expectations follow DOMAIN.md §5: overseers follow a case with the buyer on a
/// trail that cannot be rewritten; residents propose and support needs, and a buyer answers them with its purchase lines.
@Suite("Transparency page models")
struct TransparencyPageModelTests {
    /// A purchase line of the finance office, for a case to be about.
    static func line(_ database: Database, of buyer: UUID) async throws -> UUID {
        try await database.read { connection in
            for try await id in try await connection.query("SELECT id FROM tendering.purchase_lines WHERE buyer_id = \(buyer) LIMIT 1",
                                                           logger: database.logger).decode(UUID.self) { return id }
            throw DomainError.notFound("no line")
        }
    }

    @Test("a case: the buyer answers, the overseer closes only after an answer; a refused reply comes back as typed beside its input")
    func monitoringCase() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let monitoring = MonitoringService(database: database, identity: world.identity)
            let overseer = try await world.actor("overseer"), finance = try await world.actor("finance")
            let opened = try await monitoring.open(by: overseer, buyerID: finance.organisationID, subjectType: "purchase_line",
                                                   subjectID: try await Self.line(database, of: finance.organisationID), evidence: "/purchase-lists",
                                                   title: "预算编制依据", question: "请说明本项预算的测算依据。")
            func page(_ actor: Actor, refused: RefusedCaseForm? = nil) async throws -> CasePage {
                CasePage.model(trail: try await monitoring.trail(ofCase: opened.id, by: actor), buyer: try await world.identity.organisation(id: finance.organisationID),
                               refused: refused, say: { $0 }, message: { $0.english })
            }
            let before = try await page(overseer)
            #expect(before.postForm != nil && before.closeForm == nil, "a case closes after the buyer's response")
            #expect(before.posts.map(\.side) == ["case_side_overseer"] && before.intact && before.failures.isEmpty)
            #expect(before.caseId == opened.id.lowercased && before.outcome == nil && before.problem == nil)

            let refusal: DomainError
            do {
                _ = try await monitoring.post(by: finance, caseID: opened.id, text: "")
                Issue.record("an empty reply was taken")
                return
            } catch let error as DomainError { refusal = error }
            let refused = try await page(finance, refused: RefusedCaseForm(form: .post, text: "  ", problem: refusal))
            #expect(refused.postForm?.value == "  " && refused.postForm?.error != nil && refused.problem?.fields.map(\.href) == ["#post-text"])

            _ = try await monitoring.post(by: finance, caseID: opened.id, text: "依据上年服务人次与单价测算。")
            let answered = try await page(overseer)
            #expect(answered.closeForm != nil && answered.posts.count == 2)
            #expect(answered.trail.map(\.seq) == answered.trail.map(\.seq).sorted(), "the subject's trail in order")
            _ = try await monitoring.close(by: overseer, caseID: opened.id, outcome: "已核实，测算依据充分。")
            let closed = try await page(finance)
            #expect(closed.outcome == "已核实，测算依据充分。" && closed.postForm == nil && closed.closeForm == nil)
        }
    }

    @Test("residents' voice: needs with the lines that answer them; only a buyer's staff may link their own lines; a refused proposal keeps what was typed")
    func voice() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let voice = VoiceService(database: database, identity: t.world.identity, lists: t.lists, clock: t.clock)
            let jurisdictions = try await t.world.identity.jurisdictions()
            let area = try #require(jurisdictions.first)
            func page(_ actor: Actor?, proposal: [String: String]? = nil, problem: DomainError? = nil) async throws -> VoicePage {
                VoicePage.model(needs: try await voice.needs(by: actor), jurisdictions: jurisdictions, area: nil,
                                total: try await voice.needCount(by: actor), lines: try await voice.linkableLines(for: actor), pager: Pager.none,
                                deviceToken: "token", notice: problem == nil ? .proposed : nil, proposal: proposal, problem: problem,
                                say: { $0 }, message: { $0.english })
            }
            let need = try await voice.propose(jurisdictionID: area.id, title: "社区食堂", description: "希望为独居老人开设社区食堂。",
                                               deviceToken: voice.deviceToken(device: nil).token, client: "203.0.113.7")
            let visitor = try await page(nil)
            #expect(visitor.proposed && !visitor.supported && visitor.total >= visitor.needs.count)
            let row = try #require(visitor.needs.first { $0.id == need.id.lowercased })
            #expect(row.title == "社区食堂" && row.area == area.nameZh && row.answers.isEmpty)
            #expect(visitor.needs.allSatisfy { $0.answerForm == nil }, "a resident links no purchase line")
            let buyer = try await page(try await t.world.actor("finance"))
            let finance = try await t.world.actor("finance")
            let own = try await t.lists.lines(PurchaseLineQuery(buyerID: finance.organisationID, limit: 500))
            #expect(!buyer.needs.isEmpty && buyer.needs.allSatisfy { $0.answerForm?.lines.count == min(own.count, 200) }, "the buyer's own lines, and only those")

            let typed = ["area": area.id.lowercased, "title": "", "description": String(repeating: "需", count: 2001)]
            let problem = DomainError.invalid([FieldError("title", "is required"), FieldError("description", "must be at most 2000 characters")])
            let refused = try await page(nil, proposal: typed, problem: problem)
            #expect(refused.need["description"]?.value == typed["description"] && refused.need["title"]?.error != nil)
            #expect(refused.needAreas.filter(\.selected).map(\.value) == [area.id.lowercased], "the area chosen stays chosen")
            #expect(refused.problem?.fields.map(\.href) == ["#need-title", "#need-description"])
            let noArea = try await page(nil, proposal: ["area": "", "title": "路灯", "description": "夜间照明不足"],
                                        problem: DomainError.invalid([FieldError("jurisdiction", "choose a jurisdiction from the list")]))
            #expect(noArea.need["area"]?.error != nil && noArea.problem?.fields.map(\.href) == ["#need-area"], "the service's jurisdiction is the form's area")
        }
    }

    @Test("insights: a chart that grows with the province shows its largest rows and says how many of how many")
    func insights() {
        let rows = (1...40).map { InsightRows.Row(key: "c\($0)", label: "合同\($0)", value: Int64($0), figure: "\($0)", second: nil) }
        let section = InsightsPage.section("outcomes", all: rows, svg: "<svg/>", say: { $0 })
        #expect(section.rows.count == InsightsPage.pageRows && section.rows.first?.label == "合同40" && section.more == "insights_more")
        let small = InsightsPage.section("year", all: Array(rows.prefix(3)), svg: "<svg/>", say: { $0 })
        #expect(small.rows.count == 3 && small.more == nil && !small.empty)
        #expect(InsightsPage.section("year", all: [], svg: "", say: { $0 }).empty)
    }
}
