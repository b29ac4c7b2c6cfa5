import Core
import Foundation
import Identity
@testable import Server
import Tendering
import TestSupport
import Testing

/// The evaluation pages' typed models, built from what the services give each reader: who sits on the panel, the
/// reader's own seat and sheet, the ranking and which forms the page offers, read from the model rather than from
/// HTML. Expectations follow the tendering rules (DOMAIN.md §2): evaluators declare independence before scoring, the
/// ranking waits for every sheet, the buyer awards during evaluation, bidders complain during the standstill.
@Suite("Evaluation page models")
struct EvaluationPageModelTests {
    /// The evaluation page as `username` (nil: a visitor) reads it now, with keys for words.
    static func page(_ t: TenderWorld, _ tender: Tender, as username: String?, problem: DomainError? = nil,
                     refusedSheet: RefusedSheet? = nil) async throws -> EvaluationPage {
        let actor: Actor? = if let username { try await t.world.actor(username) } else { nil }
        let evaluation = try await t.evaluations.evaluation(tenderID: tender.id, by: actor)
        let may = try await t.tenders.actions(on: evaluation.tender, for: actor)
        let complaints = try await t.awards.complaints(tenderID: tender.id, by: actor)
        let names = try await t.world.identity.organisations(ids: Set(evaluation.bids.map(\.bidderID) + complaints.map(\.complainantID)))
        return EvaluationPage.model(evaluation: evaluation, may: EvaluationActions(evaluation, may: may, actor: actor, now: t.clock.now()),
                                    isBuyer: may.manage, complaints: complaints, names: names.mapValues(\.nameZh),
                                    candidates: try await t.world.identity.evaluators(), cited: [:], escalationCalendar: try await t.tenders.calendar(),
                                    problem: problem, refusedSheet: refusedSheet, say: { $0 }, stored: { $0 }, message: { $0.english })
    }

    @Test("in evaluation: the buyer seats and removes evaluators who have not submitted; an evaluator declares before the sheet; a refused seat does neither; no ranking yet")
    func seats() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            let buyer = try await Self.page(t, tender, as: "finance")
            #expect(buyer.isBuyer && buyer.panel.count == 3 && buyer.panel.allSatisfy(\.canRemove))
            #expect(buyer.panel.filter { $0.refusal != nil }.map(\.status) == ["refused"], "黄评审 was refused at opening, with the reason")
            let seated = Set(buyer.panel.map(\.userId))
            let evaluators = Set(try await t.world.identity.evaluators().map(\.id.lowercased))
            #expect(Set(buyer.candidates.map(\.userId)) == evaluators.subtracting(seated), "every evaluator not yet seated, each once")
            #expect(buyer.mine == nil && buyer.rankings == nil && !buyer.isComplete && !buyer.canComplain && buyer.justify.isEmpty)

            let evaluator = try await Self.page(t, tender, as: "evaluator")
            #expect(!evaluator.isBuyer && evaluator.candidates.isEmpty && !evaluator.panel.contains(where: \.canRemove))
            let seat = try #require(evaluator.mine)
            #expect(seat.statusLabel == "panelStatus_assigned" && !seat.hasSheet && seat.sheetLots == nil && seat.submittedAt == nil)
            #expect(seat.declare?.bidders.count == 3, "the declaration names every bidder once")
            #expect(evaluator.rankings == nil)

            let refused = try #require(try await Self.page(t, tender, as: "evaluator3").mine)
            #expect(refused.statusLabel == "panelStatus_refused" && refused.declare == nil && !refused.hasSheet)

            // Declared independent: the sheet, every bid of the lot on every criterion, the abnormally low price flagged.
            _ = try await t.evaluations.declare(by: try await t.world.actor("evaluator"), tenderID: tender.id, conflicts: [], statement: "")
            let sheet = try #require(try await Self.page(t, tender, as: "evaluator").mine)
            #expect(sheet.declare == nil && sheet.hasSheet)
            let lot = try #require(sheet.sheetLots?.first)
            #expect(sheet.sheetLots?.count == 1 && lot.criteria.map(\.name) == tender.terms.criteria.map(\.name) && lot.bids.count == 3)
            #expect(lot.bids.allSatisfy { $0.cells.count == tender.terms.criteria.count && $0.cells.allSatisfy { $0.input.value == "" } })
            #expect(lot.bids.filter(\.flagged).map(\.price) == [Money.yuan(200_000).formatted], "only 和合's ¥200,000 is abnormally low")
            #expect(lot.bids.allSatisfy { !$0.proposal.isEmpty }, "an independent evaluator reads the proposals")

            // A saved draft comes back in its cells.
            let bid = try #require(UUID(uuidString: lot.bids[0].bidId))
            _ = try await t.evaluations.score(by: try await t.world.actor("evaluator"), tenderID: tender.id,
                                              [ScoreEntry(bidID: bid, criterion: tender.terms.criteria[0].name, points: Points(40)!, comment: "方案完整")],
                                              submit: false)
            let draft = try #require(try await Self.page(t, tender, as: "evaluator").mine?.sheetLots?.first?.bids.first { $0.bidId == lot.bids[0].bidId })
            #expect(draft.cells.map(\.input.value) == ["40", ""] && draft.comment.value == "方案完整")
        }
    }

    @Test("a refused sheet comes back as typed, each problem beside its cell, the summary in the sheet's order and linked to the cells")
    func refusedSheet() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            let evaluator = try await t.world.actor("evaluator")
            _ = try await t.evaluations.declare(by: evaluator, tenderID: tender.id, conflicts: [], statement: "")
            let lot = try #require(try await Self.page(t, tender, as: "evaluator").mine?.sheetLots?.first)
            let first = lot.bids[0], second = lot.bids[1]
            let criteria = tender.terms.criteria
            // Submitted with 60 of 50 on the second bid's first criterion and nothing else: both problems told at once.
            let typed = [EvaluationPage.scoreInput(second.bidId, 0): "60", EvaluationPage.commentInput(second.bidId): "团队经验不足",
                         EvaluationPage.scoreInput(first.bidId, 1): ""]
            let refusal = await #expect(throws: DomainError.self) {
                _ = try await t.evaluations.score(by: evaluator, tenderID: tender.id,
                                                  [ScoreEntry(bidID: UUID(uuidString: second.bidId)!, criterion: criteria[0].name, points: Points(60)!,
                                                              comment: "团队经验不足")], submit: true)
            }
            let page = try await Self.page(t, tender, as: "evaluator", problem: refusal,
                                           refusedSheet: RefusedSheet(values: typed, entries: [RefusedSheet.Entry(bidId: second.bidId, criterion: 0)]))
            let sheet = try #require(page.mine?.sheetLots?.first)
            let refused = try #require(sheet.bids.first { $0.bidId == second.bidId })
            #expect(refused.cells.map(\.input.value) == ["60", ""] && refused.comment.value == "团队经验不足")
            #expect(refused.cells[0].input.error == "must be 0 to \(criteria[0].weight) points for \(criteria[0].name)" && refused.cells[1].input.error == nil)
            #expect(sheet.bids.filter { $0.bidId != second.bidId }.allSatisfy { $0.cells.allSatisfy { $0.input.error == nil } })
            let summary = try #require(page.problem)
            #expect(summary.fields.map(\.href) == ["#sheet-score-\(second.bidId)-0", nil], "the cell first, then what no cell holds")
            #expect(summary.fields.first?.field == "\(criteria[0].name) · \(second.bidder)", "a cell is named by its criterion and bidder")
            #expect(summary.fields.last?.message.hasPrefix("a submitted sheet scores every bid on every criterion") == true)
            // Unrefused, the sheet shows the saved draft: nothing was saved.
            #expect(try await Self.page(t, tender, as: "evaluator").mine?.sheetLots?.first?.bids.allSatisfy { $0.cells.allSatisfy { $0.input.value == "" } } == true)
        }
    }

    @Test("complete: the ranking for the buyer and the panel; the buyer decides each lot once; after the award everyone reads it and only bidders complain, during the standstill")
    func rankingAwardAndComplaints() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            try await t.scoreAll(tender)
            let buyer = try await Self.page(t, tender, as: "finance")
            #expect(buyer.isComplete && !buyer.panel.filter { $0.status == "independent" }.contains(where: \.canRemove), "submitted evaluators stay")
            let ranking = try #require(buyer.rankings?.first)
            #expect(buyer.rankings?.count == 1 && ranking.bids.map(\.rank) == [1, 2, 3] && ranking.bids.map(\.recommended) == [true, false, false])
            #expect(ranking.canDecide && ranking.bids.filter { $0.flag != nil }.map(\.price) == [Money.yuan(200_000).formatted])
            #expect(ranking.bids.allSatisfy { $0.scores.count == tender.terms.criteria.count })
            let evaluator = try await Self.page(t, tender, as: "evaluator")
            #expect(evaluator.rankings?.first.map { !$0.canDecide } == true && evaluator.mine?.hasSheet == false && evaluator.mine?.submittedAt != nil)
            #expect(try await Self.page(t, tender, as: "evaluator3").rankings == nil, "a refused seat sees no ranking before the award")

            let finance = try await t.world.actor("finance")
            _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: UUID(uuidString: ranking.bids[1].bidId)!,
                                          reason: "第一名报价异常低且未作书面说明，授予第二名。")
            let awarded = try await Self.page(t, tender, as: "finance")
            #expect(awarded.rankings?.first?.canDecide == false && awarded.candidates.isEmpty && !awarded.panel.contains(where: \.canRemove))
            #expect(awarded.awards.count == 1 && awarded.awards[0].departs && awarded.awards[0].reason != nil && awarded.standstillEnd != nil)
            let visitor = try await Self.page(t, tender, as: nil)
            #expect(visitor.rankings?.count == 1 && visitor.mine == nil && !visitor.canComplain && visitor.candidates.isEmpty)

            // 和合, a losing bidder, complains during the standstill; 阳光 was awarded, 星火 did not bid.
            #expect(try await Self.page(t, tender, as: "harmony").canComplain && !buyer.canComplain)
            #expect(try await Self.page(t, tender, as: "youth").canComplain == false, "only the tender's bidders complain")
            _ = try await t.awards.file(by: try await t.world.actor("harmony"), tenderID: tender.id, lotID: nil, text: "我方愿补充书面说明，请重新考虑。")
            let claim = try #require(try await Self.page(t, tender, as: "finance").complaints.first)
            #expect(claim.canAnswer && !claim.canAccept && !claim.canEscalate && !claim.canDecide && claim.escalateUntil == nil)
            let own = try #require(try await Self.page(t, tender, as: "harmony").complaints.first)
            #expect(!own.canAnswer && !own.canAccept && !own.canEscalate, "a claim waits for the buyer's answer")
            _ = try await t.awards.answer(by: finance, complaintID: UUID(uuidString: claim.complaintId)!, text: "评审期间未收到说明，授予结果维持。")
            let answered = try #require(try await Self.page(t, tender, as: "harmony").complaints.first)
            #expect(answered.canAccept && answered.canEscalate && answered.escalateUntil != nil && answered.answer != nil)
            let other = try #require(try await Self.page(t, tender, as: "ngo").complaints.first)
            #expect(!other.canAccept && !other.canEscalate && !other.canAnswer, "only the complainant accepts or escalates")

            // After the standstill nobody complains any more.
            let standstillEnd = try #require(try await t.tenders.tender(id: tender.id, by: nil).periods?.standstillEnd)
            try await t.move(to: standstillEnd)
            #expect(try await Self.page(t, tender, as: "harmony").canComplain == false)
        }
    }

    @Test("an evaluator's panels list their seats, with the seat's status and when they submitted")
    func panels() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            try await t.scoreAll(tender)
            let mine = PanelsPage.model(seats: try await t.evaluations.seats(of: try await t.world.actor("evaluator")), say: { $0 })
            let row = try #require(mine.seats.first { $0.tenderId == tender.id.lowercased })
            #expect(row.seat == "panelStatus_independent" && row.submitted != "—" && row.status == "tenderStatus_evaluation")
            let refused = PanelsPage.model(seats: try await t.evaluations.seats(of: try await t.world.actor("evaluator3")), say: { $0 })
            #expect(refused.seats.first { $0.tenderId == tender.id.lowercased }.map { $0.seat == "panelStatus_refused" && $0.submitted == "—" } == true)
        }
    }

    @Test("a bidder whose price is flagged abnormally low reaches the evaluation page during evaluation to justify it, without the panel's names; other bidders wait for the award")
    func flaggedBidderJustifies() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            // 和合's ¥200,000 is ≥ 40 % under the mean of the others' (¥385,000).
            let flagged = try await Self.page(t, tender, as: "harmony")
            #expect(flagged.justify.map(\.lot) == [1] && flagged.justify.map(\.price) == [Money.yuan(200_000).formatted])
            #expect(flagged.panel.isEmpty, "evaluators are named to bidders after the award")
            #expect(flagged.mine == nil && flagged.rankings == nil && !flagged.isBuyer && flagged.candidates.isEmpty)
            await #expect(throws: DomainError.self, "a bidder with an ordinary price reads the evaluation once the award is made") {
                _ = try await Self.page(t, tender, as: "ngo")
            }
            try await t.evaluations.justifyPrice(by: try await t.world.actor("harmony"), tenderID: tender.id, lotID: tender.lots[0].id,
                                                 text: "本机构自有场地和志愿者团队承担了部分服务成本，报价可以覆盖全部服务内容。")
            let buyer = try await Self.page(t, tender, as: "finance")
            #expect(buyer.panel.count == 3 && buyer.justify.isEmpty, "the buyer sees its panel; it has no price to justify")
        }
    }
}
