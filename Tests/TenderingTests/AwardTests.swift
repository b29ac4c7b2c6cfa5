import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tendering
import TestSupport
import Testing

@Suite("Awards, standstill and complaints")
struct AwardTests {
    /// The evaluation of `TenderWorld.tenderInEvaluation` complete: 和合 recommended (flagged), 阳光 second.
    func evaluated(_ t: TenderWorld) async throws -> (Tender, LotRanking) {
        let tender = try await t.tenderInEvaluation()
        try await t.scoreAll(tender)
        let evaluation = try await t.evaluations.evaluation(tenderID: tender.id, by: try await t.world.actor("finance"))
        return (tender, try #require(evaluation.rankings?.first))
    }

    @Test("the database holds an award's lot to its own tender (migration 0051): moved to another tender, it is refused")
    func lotOfItsTender() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let (tender, ranking) = try await evaluated(t)
            let second = try await t.publishedTender(["LX2026-03"])
            let finance = try await t.world.actor("finance")
            _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: ranking.bids[1].bidID,
                                          reason: "第一名报价异常偏低且未作书面说明，授予排名第二的投标人。")
            let error = await #expect(throws: PSQLError.self) {
                try await database.read { connection in
                    try await connection.query("UPDATE tendering.awards SET tender_id = \(second.id) WHERE lot_id = \(tender.lots[0].id)",
                                               logger: database.logger)
                }
            }
            #expect(error?.constraintName == "awards_lot_of_its_tender")
        }
    }

    @Test("no award before the evaluation is complete, nor by anyone but the buyer")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            let finance = try await t.world.actor("finance")
            await #expect(throws: DomainError.conflict("the evaluation is not complete: every seated evaluator (at least 2) must submit first")) {
                _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: nil, reason: "")
            }
            try await t.scoreAll(tender)
            await #expect(throws: DomainError.self) {
                _ = try await t.awards.decide(by: try await t.world.actor("civil"), tenderID: tender.id, lotID: tender.lots[0].id, bidID: nil,
                                              reason: "没有一个投标人的方案令人满意，因此不授予。")
            }
        }
    }

    @Test("a flagged price is awarded only once justified; another bid or none needs a written reason")
    func decisions() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let (tender, ranking) = try await evaluated(t)
            let finance = try await t.world.actor("finance")
            let lot = tender.lots[0].id
            let recommended = try #require(ranking.recommendedBidID)
            await #expect(throws: DomainError.conflict("the price is flagged as abnormally low and its bidder has not justified it in writing")) {
                _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: lot, bidID: recommended, reason: "")
            }
            let second = ranking.bids[1].bidID
            await #expect(throws: DomainError.invalid([FieldError("reason", "say in at least 20 characters why the recommended bid is not awarded")])) {
                _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: lot, bidID: second, reason: "价格太低")
            }
            await #expect(throws: DomainError.invalid([FieldError("bidId", "is not an opened bid of this lot")])) {
                _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: lot, bidID: UUID(), reason: "")
            }
            try await t.evaluations.justifyPrice(by: try await t.world.actor("harmony"), tenderID: tender.id, lotID: lot,
                                                 text: "本中心有志愿者团队40人参与服务，且场地由街道无偿提供，成本低于同行。")
            let award = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: lot, bidID: recommended, reason: "")
            let harmony = try await t.world.actor("harmony").organisationID
            #expect(award.bidID == recommended && award.value == .yuan(200_000) && award.supplierID == harmony)
            let awarded = try await t.tenders.tender(id: tender.id, by: nil)
            #expect(awarded.status == .awarded && awarded.lots[0].status == .awarded)
            // Five working days' standstill from Thursday 12 November 17:00: Thursday 19 November, 17:00.
            #expect(WorkingCalendar().describe(awarded.periods!.standstillEnd!) == "2026-11-19 17:00")
            await #expect(throws: DomainError.conflict("awards are made during evaluation; the tender is awarded")) {
                _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: lot, bidID: second, reason: "重新考虑后决定授予第二名投标人。")
            }
            // The evaluation and the awards are public now.
            #expect(try await t.evaluations.evaluation(tenderID: tender.id, by: nil).rankings?.first?.bids.count == 3)
            #expect(try await t.awards.awards(tenderID: tender.id, by: nil).count == 1)
        }
    }

    @Test("a submitted seat stays; once awarded the panel is fixed, scoring and justifying are over, and a decided lot is not decided again")
    func closedAfterAward() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let (tender, ranking) = try await evaluated(t)
            let finance = try await t.world.actor("finance"), evaluator = try await t.world.actor("evaluator")
            await #expect(throws: DomainError.conflict("刘评估 has submitted scores; the seat stays")) {
                try await t.evaluations.remove(by: finance, tenderID: tender.id, userID: evaluator.userID)
            }
            _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: ranking.bids[1].bidID,
                                          reason: "第一名报价异常低且未作书面说明，授予第二名。")
            await #expect(throws: DomainError.conflict("the panel is fixed once the tender is awarded")) {
                _ = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: try await t.world.actor("evaluator3").userID)
            }
            await #expect(throws: DomainError.conflict("the evaluation of \(tender.reference) is over")) {
                _ = try await t.evaluations.score(by: evaluator, tenderID: tender.id, [], submit: false)
            }
            await #expect(throws: DomainError.conflict("the evaluation of \(tender.reference) is over")) {
                try await t.evaluations.justifyPrice(by: try await t.world.actor("harmony"), tenderID: tender.id, lotID: tender.lots[0].id,
                                                     text: "本中心有志愿者团队40人参与服务，且场地由街道无偿提供，成本低于同行。")
            }
        }
    }

    @Test("a panel has at most nine seats")
    func panelSize() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender(["LX2026-01"])
            let admin = try await t.world.actor("admin")
            let evaluatorOrg = try await t.world.actor("evaluator").organisationID
            let finance = try await t.world.actor("finance")
            for n in 0..<10 {
                let user = try await t.world.identity.createUser(by: admin, NewUser(username: "expert\(n)", displayName: "专家\(n)",
                                                                                   password: "a long enough password \(n)", organisationID: evaluatorOrg,
                                                                                   roles: ["evaluator"]))
                if n < 9 {
                    _ = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: user.id)
                } else {
                    await #expect(throws: DomainError.conflict("a panel has at most 9 seats; remove one first")) {
                        _ = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: user.id)
                    }
                }
            }
        }
    }

    @Test("no award at all makes the tender unsuccessful")
    func noAward() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let (tender, _) = try await evaluated(t)
            let award = try await t.awards.decide(by: try await t.world.actor("finance"), tenderID: tender.id, lotID: tender.lots[0].id, bidID: nil,
                                                  reason: "所有投标方案均未满足服务覆盖要求，本包不予授予。")
            #expect(award.bidID == nil && award.value == nil)
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .unsuccessful)
        }
    }

    /// An awarded tender: 阳光 (second) awarded with a reason, so 和合 and 桑榆 may complain.
    func awarded(_ t: TenderWorld) async throws -> Tender {
        let (tender, ranking) = try await evaluated(t)
        _ = try await t.awards.decide(by: try await t.world.actor("finance"), tenderID: tender.id, lotID: tender.lots[0].id,
                                      bidID: ranking.bids[1].bidID, reason: "第一名报价异常低且未作书面说明，授予第二名。")
        return try await t.tenders.tender(id: tender.id, by: nil)
    }

    @Test("bidders complain during the standstill only; the tender completes when it ends and hands a contract draft on")
    func standstill() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await awarded(t)
            let standstillEnd = tender.periods!.standstillEnd!
            await #expect(throws: DomainError.forbidden("only the bidders of this tender may complain about its award")) {
                _ = try await t.awards.file(by: try await t.world.actor("warmsun"), tenderID: tender.id, lotID: nil, text: "评审不公")
            }
            await #expect(throws: DomainError.self) {
                _ = try await t.awards.file(by: try await t.world.actor("finance"), tenderID: tender.id, lotID: nil, text: "评审不公")
            }
            #expect(try await t.awards.contractDrafts().isEmpty)
            // One millisecond before the end the tender still stands still; at the end it completes and takes no complaint.
            try await t.move(to: standstillEnd.addingTimeInterval(-0.001))
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .awarded)
            try await t.move(to: standstillEnd)
            await #expect(throws: DomainError.conflict("complaints were taken until the standstill ended at 2026-11-19 17:00 (Beijing time)")) {
                _ = try await t.awards.file(by: try await t.world.actor("eldercare"), tenderID: tender.id, lotID: nil, text: "评审不公")
            }
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .complete)
            let drafts = try await t.awards.contractDrafts()
            #expect(drafts.count == 1 && drafts[0].value == .yuan(380_000) && drafts[0].tenderReference == tender.reference)
            let ngo = try await t.world.actor("ngo").organisationID
            #expect(drafts[0].supplierID == ngo && drafts[0].purchaseLineID == tender.lots[0].purchaseLineID)
        }
    }

    @Test("an open complaint holds the tender past the standstill; answered, accepted or decided, it lets it complete")
    func complaints() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await awarded(t)
            let finance = try await t.world.actor("finance"), harmony = try await t.world.actor("harmony")
            let eldercare = try await t.world.actor("eldercare"), overseer = try await t.world.actor("overseer")
            let first = try await t.awards.file(by: harmony, tenderID: tender.id, lotID: tender.lots[0].id,
                                                text: "我方报价最低且评分第一，采购人未授予我方，理由不成立。")
            let second = try await t.awards.file(by: eldercare, tenderID: tender.id, lotID: nil, text: "评分细则未公开。")
            #expect(first.status == .claim)
            await #expect(throws: DomainError.self) { _ = try await t.awards.answer(by: harmony, complaintID: first.id, text: "自己答复") }
            await #expect(throws: DomainError.conflict("only an answered complaint can be escalated")) {
                _ = try await t.awards.escalate(by: harmony, complaintID: first.id, text: "不服")
            }
            // The standstill ends with both complaints open: the tender waits.
            try await t.move(to: tender.periods!.standstillEnd!.addingTimeInterval(3600))
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .awarded)
            _ = try await t.awards.answer(by: finance, complaintID: first.id, text: "贵方未在评审期间对异常低价作出书面说明，依法不能授予。")
            _ = try await t.awards.answer(by: finance, complaintID: second.id, text: "评分细则已随招标文件公开，见第三章。")
            await #expect(throws: DomainError.conflict("this complaint is answered; only a new claim is answered")) {
                _ = try await t.awards.answer(by: finance, complaintID: first.id, text: "补充答复")
            }
            await #expect(throws: DomainError.self) { _ = try await t.awards.accept(by: eldercare, complaintID: first.id) }
            #expect(try await t.awards.accept(by: eldercare, complaintID: second.id).outcome == .accepted)
            let escalated = try await t.awards.escalate(by: harmony, complaintID: first.id, text: "我方不服答复，请求监督部门处理。")
            #expect(escalated.status == .escalated)
            try await t.worker.runDue()
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .awarded)
            await #expect(throws: DomainError.self) {
                _ = try await t.awards.decideComplaint(by: finance, complaintID: first.id, upheld: false, text: "驳回")
            }
            let decided = try await t.awards.decideComplaint(by: overseer, complaintID: first.id, upheld: false,
                                                             text: "经审查，采购人依法拒绝未说明的异常低价，投诉不成立。")
            #expect(decided.outcome == .dismissed && decided.status == .resolved)
            try await t.worker.runDue()
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .complete)
            #expect(try await t.awards.complaints(tenderID: tender.id, by: nil).compactMap(\.outcome).map(\.rawValue).sorted() == ["accepted", "dismissed"])
            // The public timeline tells the complaints' story beside the tender's, in order, and names no evaluator.
            let timeline = try await t.tenders.timeline(tenderID: tender.id).map(\.action)
            #expect(timeline.filter { $0.hasPrefix("complaint.") }.sorted()
                    == ["complaint.accepted", "complaint.answered", "complaint.answered", "complaint.dismissed", "complaint.escalated",
                        "complaint.filed", "complaint.filed"])
            #expect(timeline.suffix(2) == ["complaint.dismissed", "tender.completed"])
            #expect(!timeline.contains { $0.hasPrefix("panel.") || $0.hasPrefix("evaluation.") })
        }
    }

    @Test("an answer not escalated within three working days lapses, and then the tender completes")
    func lapse() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await awarded(t)
            let harmony = try await t.world.actor("harmony")
            let complaint = try await t.awards.file(by: harmony, tenderID: tender.id, lotID: nil, text: "评审不公，请复核评分。")
            // Answered on the standstill's last day (Thursday 19 November, 10:00): escalation open until Tuesday 24 November, 17:00.
            try await t.move(to: tender.periods!.standstillEnd!.addingTimeInterval(-7 * 3600))
            _ = try await t.awards.answer(by: try await t.world.actor("finance"), complaintID: complaint.id, text: "已复核，评分无误。")
            try await t.move(to: tender.periods!.standstillEnd!)
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .awarded)
            let deadline = try #require(try await t.awards.complaints(tenderID: tender.id, by: nil)[0].escalationDeadline(try await t.tenders.calendar()))
            #expect(WorkingCalendar().describe(deadline) == "2026-11-24 17:00")
            try await t.move(to: deadline)
            await #expect(throws: DomainError.self) { _ = try await t.awards.escalate(by: harmony, complaintID: complaint.id, text: "不服") }
            #expect(try await t.awards.complaints(tenderID: tender.id, by: nil)[0].outcome == .lapsed)
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .complete)
        }
    }
}
