import Core
import Foundation
import Identity
@testable import Server
import Tendering
import TestSupport
import Testing

/// The tender pages' typed models, built from what the services give each reader. Expectations follow the tendering
/// rules (DOMAIN.md §2): a draft is its buyer's alone; questions are taken in the enquiry period, published without the
/// asker, answered by the buyer; bids are sealed (nobody but the bidder sees one before the deadline); after opening
/// names and prices are public; a cancellation needs a reason from a fixed list.
@Suite("Tender page models")
struct TenderPageModelTests {
    /// The tender page as `username` (nil: a visitor) reads it now on the world's clock, with keys for words.
    static func page(_ t: TenderWorld, _ tenderID: UUID, as username: String?, refused: RefusedTenderForm? = nil) async throws -> TenderPage {
        var actor: Actor?
        if let username { actor = try await t.world.actor(username) }
        let suppliers = SupplierService(database: t.world.database, identity: t.world.identity, sealer: t.sealer, clock: t.clock)
        let file = try await TenderFile.read(tenderID: tenderID, by: actor, tenders: t.tenders, bids: t.bids, suppliers: suppliers, identity: t.world.identity)
        return TenderPage.model(file: file, refused: refused, language: .zh, say: { $0 }, message: { $0.english })
    }

    /// What `action` refused.
    static func refusal(_ action: () async throws -> Void) async throws -> DomainError {
        do {
            try await action()
        } catch let error as DomainError {
            return error
        }
        Issue.record("the service took it")
        return DomainError.invalid([])
    }

    @Test("a draft: its buyer edits, publishes or cancels it; its periods are only planned; nobody asks or bids on it")
    func draft() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let draft = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, t.terms(try await t.lines(["LX2026-01"])))
            let page = try await Self.page(t, draft.id, as: "finance")
            #expect(page.isDraft && page.isBuyer && page.canEdit && page.cancelForm != nil && page.askForm == nil)
            #expect(page.periods.isEmpty && page.periodsPlanned == "tender_periodsPlanned", "deadlines are fixed at publication")
            #expect(page.bidLots.isEmpty && page.opened.isEmpty && page.problem == nil)
            #expect(page.lots.map(\.budget) == [Money.yuan(400_000).formatted], "one lot per line, its whole budget")
            // Price first among the criteria, with its weight.
            #expect(page.criteria.first?.name == "tender_price" && page.criteria.first?.weight == draft.terms.priceWeight)
            await #expect(throws: DomainError.self, "a draft is the buyer's alone") { try await Self.page(t, draft.id, as: nil) }
        }
    }

    @Test("in the enquiry period other organisations ask, not the buyer nor a visitor; the buyer answers each question once; the asker is not shown")
    func questions() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender()
            _ = try await t.tenders.ask(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: tender.lots[1].id, text: "是否需要提供场地？")
            let buyer = try await Self.page(t, tender.id, as: "finance")
            #expect(buyer.askForm == nil && buyer.questions.count == 1 && buyer.questions[0].answerForm != nil)
            #expect(buyer.questions[0].lot == "tender_lot 2" && buyer.questions[0].answer == nil)
            #expect(buyer.periods.count == 4 && buyer.periodsPlanned == nil && buyer.canEdit, "published: the periods are fixed; terms may still change")
            let ngo = try await Self.page(t, tender.id, as: "eldercare")
            let form = try #require(ngo.askForm)
            #expect(form.lots.count == 2 && form.text.value.isEmpty && ngo.questions[0].answerForm == nil && ngo.cancelForm == nil)
            #expect(try await Self.page(t, tender.id, as: nil).askForm == nil, "a visitor reads but does not ask")

            let question = try #require(try await t.tenders.questions(tenderID: tender.id, by: nil).first)
            _ = try await t.tenders.answer(by: try await t.world.actor("finance"), tenderID: tender.id, questionID: question.id, text: "不需要。")
            let answered = try await Self.page(t, tender.id, as: nil)
            #expect(answered.questions[0].answer == "不需要。")
            #expect(try await Self.page(t, tender.id, as: "finance").questions[0].answerForm == nil, "answered once")
            // Questions close with the enquiry period.
            try await t.move(to: tender.periods!.enquiryEnd)
            #expect(try await Self.page(t, tender.id, as: "ngo").askForm == nil)
        }
    }

    @Test("a refused question comes back as typed, its lot still chosen, the problem beside the text and summarised at the top")
    func refusedQuestion() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender()
            let long = String(repeating: "问", count: 5001)
            let refusal = try await Self.refusal {
                _ = try await t.tenders.ask(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: tender.lots[1].id, text: long)
            }
            let refused = RefusedTenderForm(.ask, values: ["text": long, "lot": tender.lots[1].id.lowercased], problem: refusal)
            let page = try await Self.page(t, tender.id, as: "ngo", refused: refused)
            let form = try #require(page.askForm)
            #expect(form.text.value == long && form.text.error != nil && form.lot.error == nil)
            #expect(form.lots.map(\.selected) == [false, true])
            let problem = try #require(page.problem)
            #expect(problem.fields.map(\.field) == ["tender_ask"] && problem.fields.map(\.href) == ["#ask-text"])
            #expect(page.questions.isEmpty, "nothing was asked")
        }
    }

    @Test("a cancellation needs a reason from the list: refused, the note is kept and both problems are told beside their inputs")
    func refusedCancellation() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender(["LX2026-07"], minimumBids: 1)
            let note = String(repeating: "说", count: 2001)
            let problem = DomainError.invalid([FieldError("reason", "choose a reason from the list")] + TenderService.cancellationNote(note).problems)
            let page = try await Self.page(t, tender.id, as: "finance", refused: RefusedTenderForm(.cancel, values: ["reason": "whim", "note": note], problem: problem))
            let form = try #require(page.cancelForm)
            #expect(form.reason.error != nil && form.note.error != nil && form.note.value == note)
            #expect(form.reasons.map(\.value) == CancellationReason.allCases.map(\.rawValue) && !form.reasons.contains(where: \.selected))
            #expect(page.problem?.fields.map(\.href) == ["#cancel-reason", "#cancel-note"])
            // A note the service takes: the note's rules are the service's own.
            #expect(TenderService.cancellationNote("预算调减").problems.isEmpty && !TenderService.cancellationNote(" ").problems.isEmpty)
            _ = try await t.tenders.cancel(by: try await t.world.actor("finance"), tenderID: tender.id, reason: .budgetWithdrawn, note: "预算调减")
            let cancelled = try await Self.page(t, tender.id, as: nil)
            #expect(cancelled.cancellation?.reason == "cancel_budget_withdrawn" && cancelled.cancellation?.note == "预算调减")
            #expect(try await Self.page(t, tender.id, as: "finance").cancelForm == nil, "a cancelled tender is final")
        }
    }

    @Test("bids are sealed: a bidder sees its own receipt, nobody else anything, until opening; then prices are public and proposals the buyer's")
    func sealedBids() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender(["LX2026-01"], minimumBids: 1)
            let before = try await Self.page(t, tender.id, as: "ngo")
            #expect(before.bidLots.count == 1 && !before.bidLots[0].canBid, "bids are taken from the end of the enquiry period")
            try await t.move(to: tender.periods!.enquiryEnd)
            let receipt = try await t.bids.submit(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: tender.lots[0].id,
                                                  BidContent(price: .yuan(380_000), proposal: "每周上门两次。"))
            let bidder = try await Self.page(t, tender.id, as: "ngo")
            let lot = try #require(bidder.bidLots.first)
            #expect(lot.canBid && lot.mine?.price == Money.yuan(380_000).formatted && lot.mine?.commitment == receipt.commitment)
            #expect(lot.f["price"]?.value == "" && lot.f["price"]?.error == nil, "the form is empty unless refused")
            #expect(try await Self.page(t, tender.id, as: "eldercare").bidLots.allSatisfy { $0.mine == nil }, "another bidder sees nothing of it")
            let buyer = try await Self.page(t, tender.id, as: "finance")
            #expect(buyer.bidLots.isEmpty && buyer.opened.isEmpty)
            #expect(try await Self.page(t, tender.id, as: nil).opened.isEmpty)

            try await t.move(to: tender.periods!.tenderEnd)
            let visitor = try await Self.page(t, tender.id, as: nil)
            #expect(visitor.opened.map(\.price) == [Money.yuan(380_000).formatted] && visitor.opened.allSatisfy { !$0.hasProposal })
            let closed = try await Self.page(t, tender.id, as: "ngo")
            #expect(visitor.showEvaluation && !closed.bidLots[0].canBid, "no bids after the deadline")
            let opened = try await Self.page(t, tender.id, as: "finance").opened
            let ngoOrganisation = try await t.world.organisation(ofUser: "ngo")
            #expect(opened.map(\.proposal) == ["每周上门两次。"] && opened[0].bidder == ngoOrganisation.nameZh)
        }
    }

    @Test("a refused bid keeps the price and proposal typed in its own lot, each problem beside its input and linked from the summary")
    func refusedBid() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender(minimumBids: 1)
            try await t.move(to: tender.periods!.enquiryEnd)
            let lot = tender.lots[1].id
            let problem = DomainError.invalid([FieldError("price", "is not an amount in yuan, e.g. 380000 or 380,000.00"), FieldError("proposal", "is required")])
            let page = try await Self.page(t, tender.id, as: "ngo",
                                           refused: RefusedTenderForm(.bid(lot: lot), values: ["price": "约18万", "proposal": ""], problem: problem))
            let refused = try #require(page.bidLots.first { $0.lotId == lot.lowercased })
            #expect(refused.f["price"]?.value == "约18万" && refused.f["price"]?.error != nil && refused.f["proposal"]?.error != nil)
            let other = try #require(page.bidLots.first { $0.lotId != lot.lowercased })
            #expect(other.f.values.allSatisfy { $0.error == nil && $0.value.isEmpty }, "the other lot's form is untouched")
            #expect(page.problem?.fields.map(\.href) == ["#bid-\(lot.lowercased)-price", "#bid-\(lot.lowercased)-proposal"])
        }
    }

    @Test("the list: drafts are offered as a status only to those who may draft, with a link to their own")
    func list() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender()
            let finance = try await t.world.actor("finance")
            func page(_ actor: Actor?) async throws -> TenderListPage {
                TenderListPage.model(tenders: [tender], buyers: try await t.world.identity.organisations(ids: [tender.buyerID]),
                                     may: try await t.tenders.actions(for: actor), draftsOf: actor?.organisationID, status: .enquiries, text: "养老",
                                     pager: Pager.none, language: .zh, say: { $0 })
            }
            let buyer = try await page(finance)
            #expect(buyer.mayDraft && buyer.statuses.map(\.value).contains("draft") && buyer.myDrafts?.contains(finance.organisationID.lowercased) == true)
            #expect(buyer.statuses.filter(\.selected).map(\.value) == ["enquiries"] && buyer.q == "养老")
            let row = try #require(buyer.tenders.first)
            #expect(row.lots == 2 && row.budget == Money.yuan(700_000).formatted && row.deadline != "—")
            let visitor = try await page(nil)
            #expect(!visitor.mayDraft && !visitor.statuses.map(\.value).contains("draft") && visitor.myDrafts == nil)
        }
    }

    @Test("the editor: a line other tenders hold in full is shown, not offered; a refused form keeps what was typed with each problem beside its input")
    func editor() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender(["LX2026-01"])
            let finance = try await t.world.actor("finance")
            let lines = try await t.lists.lines(PurchaseLineQuery(buyerID: finance.organisationID, limit: 500))
            var values = TenderEditorValues(TenderTerms(title: "", description: "", lots: []))
            values.fields["title"] = "新项目"
            values.fields["enquiryDays"] = "三"
            // The first row left empty: the only criterion is typed in the second.
            for row in 0..<3 { values.fields["criterion\(row)"] = ""; values.fields["weight\(row)"] = "" }
            values.fields["criterion1"] = "服务方案"
            values.fields["weight1"] = "200"
            let problem = DomainError.invalid([FieldError("enquiryDays", "must be a whole number"), FieldError("criteria[0].weight", "must be from 1 to 100")])
            let page = TenderEditorPage.model(tender: nil, values: values, lines: lines, left: try await t.tenders.remainingBudgets(of: lines, except: nil),
                                              suppliers: [], refusal: problem, language: .zh, say: { $0 }, message: { $0.english })
            let held = try #require(page.lines.first { $0.reference == "LX2026-01" })
            #expect(held.spent && held.left == Money(minorUnits: 0).formatted && !held.checked)
            #expect(page.lines.filter { $0.reference != "LX2026-01" }.allSatisfy { !$0.spent })
            #expect(page.f["title"]?.value == "新项目" && page.f["enquiryDays"]?.value == "三" && page.f["enquiryDays"]?.error != nil)
            // The first criterion was typed in the second row: its problem is told there.
            #expect(page.f["weight1"]?.error != nil && page.f["weight0"]?.error == nil)
            #expect(page.problem?.fields.map(\.href) == ["#tender-enquiryDays", "#tender-weight1"] && page.isNew && page.reference == nil)
            // Editing the published tender, its own lot counts as left and comes back checked.
            let editing = TenderEditorPage.model(tender: tender, values: TenderEditorValues(tender.terms), lines: lines,
                                                 left: try await t.tenders.remainingBudgets(of: lines, except: tender.id), suppliers: [],
                                                 language: .zh, say: { $0 }, message: { $0.english })
            let own = try #require(editing.lines.first { $0.reference == "LX2026-01" })
            #expect(own.checked && !own.spent && editing.published && editing.problem == nil && editing.reference == tender.reference)
        }
    }
}
