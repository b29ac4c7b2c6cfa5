import Core
import Foundation
import Identity
import Store
import Tendering
import TestSupport
import Testing

@Suite("Tenders")
struct TenderTests {
    func trail(_ database: Database, _ tender: Tender) async throws -> [String] {
        try await database.read { try await AuditLog.trail(of: AuditEntity("tender", tender.id), on: $0, logger: database.logger) }.map(\.action)
    }

    @Test("a buyer drafts a tender from its purchase lines and publishes it; the deadlines come from the working-day calendar")
    func draftAndPublish() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender()
            let calendar = try await t.tenders.calendar()
            #expect(tender.status == .enquiries)
            #expect(tender.reference.hasPrefix("ZB-2026-"))
            #expect(tender.lots.map(\.number) == [1, 2])
            #expect(tender.lots.map(\.budget) == [.yuan(400_000), .yuan(300_000)])
            let periods = try #require(tender.periods)
            #expect(calendar.describe(periods.enquiryEnd) == "2026-11-05 17:00")
            #expect(calendar.describe(periods.tenderEnd) == "2026-11-12 17:00")
            #expect(calendar.describe(periods.evaluationEnd) == "2026-11-19 17:00")
            #expect(try await trail(database, tender) == ["tender.drafted", "tender.published"])
            // Drafts and published tenders alike are read back as written.
            #expect(try await t.tenders.tender(id: tender.id, by: nil) == tender)
        }
    }

    @Test("drafts are seen by their buyer only; others are told there is no such tender")
    func draftsArePrivate() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let draft = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, t.terms(try await t.lines(["LX2026-03"])))
            #expect(try await t.tenders.tender(id: draft.id, by: finance).status == .draft)
            for viewer in [nil, try await t.world.actor("ngo"), try await t.world.actor("civil")] {
                await #expect(throws: DomainError.notFound("no tender has id \(draft.id.lowercased)")) { _ = try await t.tenders.tender(id: draft.id, by: viewer) }
            }
            #expect(!(try await t.tenders.tenders(TenderQuery(), by: nil).map(\.id).contains(draft.id)))
            #expect(!(try await t.tenders.tenders(TenderQuery(buyerID: finance.organisationID), by: nil).map(\.id).contains(draft.id)))
            #expect(try await t.tenders.tenders(TenderQuery(buyerID: finance.organisationID), by: finance).map(\.id).contains(draft.id))
        }
    }

    @Test("only the buyer's own staff draft, publish or cancel; other buyers' lines and over-budget lots are refused")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let lines = try await t.lines(["LX2026-01"])
            for username in ["ngo", "civil", "evaluator"] {
                let other = try await t.world.actor(username)
                await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its tenders")) {
                    _ = try await t.tenders.createDraft(by: other, buyerID: finance.organisationID, t.terms(lines))
                }
            }
            // The civil affairs bureau cannot tender the finance office's line.
            let civil = try await t.world.actor("civil")
            await #expect(throws: DomainError.invalid([FieldError("lots[0].purchaseLineId", "is not a line of this buyer's purchase list")])) {
                _ = try await t.tenders.createDraft(by: civil, buyerID: civil.organisationID, t.terms(lines))
            }
            // A line's budget is put up once: a second tender for it is refused.
            let first = try await t.publishedTender(["LX2026-01"])
            await #expect(throws: DomainError.invalid([FieldError("lots[0].budget", "is more than remains of line LX2026-01 (¥0.00)")])) {
                _ = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, t.terms(lines))
            }
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its tenders")) {
                _ = try await t.tenders.cancel(by: try await t.world.actor("ngo"), tenderID: first.id, reason: .noLongerNeeded, note: "不需要了")
            }
            await #expect(throws: DomainError.conflict("the tender cannot be published now: it is published already and in its enquiry period, waiting for tendering to open")) {
                _ = try await t.tenders.publish(by: finance, tenderID: first.id)
            }
        }
    }

    @Test("a cancelled tender frees its lines' budget, records the reason, and can no longer change")
    func cancel() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let tender = try await t.publishedTender(["LX2026-01"])
            let cancelled = try await t.tenders.cancel(by: finance, tenderID: tender.id, reason: .budgetWithdrawn, note: "预算调减，项目取消")
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.cancellation?.reason == .budgetWithdrawn)
            #expect(cancelled.lots.map(\.status) == [.cancelled])
            await #expect(throws: DomainError.conflict("the tender cannot be cancelled now: it is cancelled; nothing more happens to it")) {
                _ = try await t.tenders.cancel(by: finance, tenderID: tender.id, reason: .noLongerNeeded, note: "再次取消")
            }
            await #expect(throws: DomainError.conflict("the terms of a tender in cancelled can no longer change")) {
                _ = try await t.tenders.updateTerms(by: finance, tenderID: tender.id, cancelled.terms)
            }
            // The line is free again.
            _ = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, t.terms(try await t.lines(["LX2026-01"])))
        }
    }

    @Test("questions are published without the asker, answered publicly once, and closed after the enquiry period")
    func questions() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender()
            let ngo = try await t.world.actor("ngo")
            let finance = try await t.world.actor("finance")
            let question = try await t.tenders.ask(by: ngo, tenderID: tender.id, lotID: tender.lots[0].id, text: "服务人数是否包含已享受政府补贴的老人？")
            await #expect(throws: DomainError.forbidden("the buyer answers questions about its tender; it does not ask them")) {
                _ = try await t.tenders.ask(by: finance, tenderID: tender.id, lotID: nil, text: "测试")
            }
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its tenders")) {
                _ = try await t.tenders.answer(by: ngo, tenderID: tender.id, questionID: question.id, text: "自问自答")
            }
            // The path names the tender: the question of another tender is not found there, and nothing is answered.
            let other = try await t.publishedTender(["LX2026-03"])
            await #expect(throws: DomainError.notFound("tender \(other.id.lowercased) has no question \(question.id.lowercased)")) {
                _ = try await t.tenders.answer(by: finance, tenderID: other.id, questionID: question.id, text: "答非所问")
            }
            let answered = try await t.tenders.answer(by: finance, tenderID: tender.id, questionID: question.id, text: "包含，按实际服务人数计。")
            #expect(answered.answer == "包含，按实际服务人数计。")
            await #expect(throws: DomainError.conflict("this question was answered already")) {
                _ = try await t.tenders.answer(by: finance, tenderID: tender.id, questionID: question.id, text: "改一下")
            }
            // Anyone reads the questions and answers; nothing in them names the asker.
            let published = try await t.tenders.questions(tenderID: tender.id, by: nil)
            #expect(published == [answered])
            let encoded = String(decoding: try JSONEncoder().encode(published), as: UTF8.self)
            #expect(!encoded.contains(ngo.organisationID.lowercased) && !encoded.contains(ngo.userID.lowercased))

            // One millisecond before the enquiry deadline a question is taken; at the deadline it is not.
            let enquiryEnd = try #require(tender.periods?.enquiryEnd)
            t.clock.advance(by: enquiryEnd.timeIntervalSince(t.clock.now()) - 0.001)
            _ = try await t.tenders.ask(by: ngo, tenderID: tender.id, lotID: nil, text: "最后一个问题")
            t.clock.advance(by: 0.001)
            await #expect(throws: DomainError.conflict("questions closed with the enquiry period at 2026-11-05 17:00 (Beijing time)")) {
                _ = try await t.tenders.ask(by: ngo, tenderID: tender.id, lotID: nil, text: "太晚了")
            }
        }
    }

    @Test("the worker moves tenders at their deadlines, once, however many instances run")
    func worker() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tenders = [try await t.publishedTender(["LX2026-01"]), try await t.publishedTender(["LX2026-02"]), try await t.publishedTender(["LX2026-03"])]
            #expect(try await t.worker.runDue() == 0)
            t.clock.advance(by: tenders[0].periods!.enquiryEnd.timeIntervalSince(t.clock.now()))
            // Three workers race for the three due tenders.
            let moves = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await t.worker.runDue() } }
                return try await group.reduce(0, +)
            }
            #expect(moves == 3)
            for tender in tenders {
                #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .tendering)
                #expect(try await trail(database, tender) == ["tender.drafted", "tender.published", "tender.tendering_started"])
            }
            // No bids at the deadline: every lot is unsuccessful, and so is each tender.
            try await t.move(to: tenders[0].periods!.tenderEnd)
            for tender in tenders {
                let after = try await t.tenders.tender(id: tender.id, by: nil)
                #expect(after.status == .unsuccessful)
                #expect(after.lots.map(\.status) == [.unsuccessful])
            }
            #expect(try await t.worker.runDue() == 0)
        }
    }
}
