import Core
import Foundation
import Identity
import PostgresNIO
import Store
import TestSupport
import Testing
import Transparency

@Suite("Monitoring cases")
struct MonitoringTests {
    @Test("an overseer opens a case on a buyer, the buyer responds, the overseer closes it; nobody else takes part")
    func lifecycle() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let monitoring = MonitoringService(database: database, identity: world.identity)
            let overseer = try await world.actor("overseer"), finance = try await world.actor("finance")
            // A case is about one of the buyer's own records: here a purchase line of the finance office.
            func line(of buyer: UUID) async throws -> UUID {
                try await database.read { connection in
                    for try await id in try await connection.query("SELECT id FROM tendering.purchase_lines WHERE buyer_id = \(buyer) LIMIT 1",
                                                                   logger: database.logger).decode(UUID.self) { return id }
                    throw DomainError.notFound("no line")
                }
            }
            let subject = try await line(of: finance.organisationID)
            let othersLine = try await line(of: try await world.actor("civil").organisationID)
            for (type, id, evidence) in [("purchase_line", othersLine, "/purchase-lists"), ("tender", subject, "/tenders"), ("tender", UUID(), "/tenders"),
                                         ("user", subject, "/purchase-lists")] {
                await #expect(throws: DomainError.self, "\(type) \(id)") {
                    _ = try await monitoring.open(by: overseer, buyerID: finance.organisationID, subjectType: type, subjectID: id, evidence: evidence,
                                                  title: "别人的记录", question: "不应受理")
                }
            }
            for evidence in ["//evil.example/x", "/\t/evil.example", "/\\evil.example"] {
                await #expect(throws: DomainError.invalid([FieldError("evidence", "must be a page of Spokes")]), "\(evidence)") {
                    _ = try await monitoring.open(by: overseer, buyerID: finance.organisationID, subjectType: "purchase_line", subjectID: subject, evidence: evidence,
                                                  title: "证据链接", question: "外部链接")
                }
            }
            await #expect(throws: DomainError.forbidden("only overseers of the buyer's jurisdiction open and close monitoring cases")) {
                _ = try await monitoring.open(by: finance, buyerID: finance.organisationID, subjectType: "tender", subjectID: subject, evidence: "/tenders",
                                              title: "单一投标", question: "为何仅一家投标？")
            }
            await #expect(throws: DomainError.invalid([FieldError("evidence", "must be a page of Spokes")])) {
                _ = try await monitoring.open(by: overseer, buyerID: finance.organisationID, subjectType: "purchase_line", subjectID: subject, evidence: "https://example.com",
                                              title: "单一投标", question: "为何仅一家投标？")
            }
            let opened = try await monitoring.open(by: overseer, buyerID: finance.organisationID, subjectType: "purchase_line", subjectID: subject,
                                                   evidence: "/purchase-lists", title: "ZB-2026-0009 第1包仅一家投标即授标", question: "请说明招标公告的发布范围。")
            #expect(opened.status == .open && opened.posts.map(\.side) == ["overseer"])
            await #expect(throws: DomainError.conflict("the buyer has not responded yet: a case closes after the buyer's response")) {
                _ = try await monitoring.close(by: overseer, caseID: opened.id, outcome: "已核实，公告发布符合规定。")
            }
            await #expect(throws: DomainError.forbidden("only the buyer's staff and its overseers take part in a monitoring case")) {
                _ = try await monitoring.post(by: try await world.actor("civil"), caseID: opened.id, text: "我们不是采购人")
            }
            await #expect(throws: DomainError.forbidden("only the buyer's staff and its overseers take part in a monitoring case")) {
                _ = try await monitoring.post(by: try await world.actor("ngo"), caseID: opened.id, text: "供应商不参与")
            }
            let answered = try await monitoring.post(by: finance, caseID: opened.id, text: "公告已在平台及区政府网站同步发布，附截图。")
            #expect(answered.status == .responded && answered.posts.map(\.side) == ["overseer", "buyer"])
            await #expect(throws: DomainError.forbidden("only overseers of the buyer's jurisdiction open and close monitoring cases")) {
                _ = try await monitoring.close(by: finance, caseID: opened.id, outcome: "采购人自行办结不被允许。")
            }
            await #expect(throws: DomainError.invalid([FieldError("outcome", "say what was found in at least 10 characters")])) {
                _ = try await monitoring.close(by: overseer, caseID: opened.id, outcome: "好")
            }
            let closed = try await monitoring.close(by: overseer, caseID: opened.id, outcome: "已核实，公告发布范围符合规定，不存在限制竞争。")
            #expect(closed.status == .closed && closed.outcome != nil)
            await #expect(throws: DomainError.conflict("the case is closed")) {
                _ = try await monitoring.post(by: finance, caseID: opened.id, text: "补充说明")
            }
            #expect(try await monitoring.cases(for: finance).map(\.id) == [opened.id])
            #expect(try await monitoring.cases(for: try await world.actor("civil")).isEmpty)
            #expect(try await monitoring.cases(for: overseer).map(\.id) == [opened.id])
            let trail = try await database.read { try await AuditLog.trail(of: AuditEntity("monitoring_case", opened.id), on: $0, logger: database.logger) }
            #expect(trail.map(\.action) == ["monitoring.opened", "monitoring.posted", "monitoring.closed"])
        }
    }
}
