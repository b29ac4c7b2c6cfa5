import Core
import Foundation
import Identity
import Store
import Tendering

/// The public list of tenders (`/tenders`), newest first, a page at a time; those who may draft are offered a new
/// tender and their drafts (the only readers a draft is listed for).
struct TenderListPage {
    struct Row {
        let id: String
        let reference: String
        let title: String
        let buyer: String
        let status: String
        let statusLabel: String
        let procedure: String
        let lots: Int
        /// The lots' budgets together.
        let budget: String
        /// The tendering deadline, "—" before publication.
        let deadline: String
    }

    let q: String
    let statuses: [SelectOption]
    let tenders: [Row]
    let mayDraft: Bool
    /// The reader's own drafts, for those who may draft.
    let myDrafts: String?
    let pager: Pager

    /// `tenders`: the page shown; `may` what the reader may do with tenders in general.
    static func model(tenders: [Tender], buyers: [UUID: Organisation], may: TenderActions, draftsOf organisation: UUID?, status: TenderStatus?,
                      text: String?, pager: Pager, language: Language, say: (String) -> String) -> TenderListPage {
        let calendar = WorkingCalendar()
        return TenderListPage(
            q: text ?? "",
            statuses: TenderStatus.allCases.filter { $0 != .draft || may.draft }.map {
                SelectOption(value: $0.rawValue, label: say("tenderStatus_\($0.rawValue)"), selected: $0 == status)
            },
            tenders: tenders.map { t in
                Row(id: t.id.lowercased, reference: t.reference, title: t.terms.title, buyer: buyers[t.buyerID].map { $0.name(in: language) } ?? "",
                    status: t.status.rawValue, statusLabel: say("tenderStatus_\(t.status.rawValue)"), procedure: say("procedure_\(t.terms.procedure.rawValue)"),
                    lots: t.lots.count, budget: Money(minorUnits: t.lots.reduce(0) { $0 + $1.budget.minorUnits }).formatted, deadline: t.periods.map { calendar.describe($0.tenderEnd) } ?? "—")
            },
            mayDraft: may.draft,
            myDrafts: may.draft ? organisation.map { "/tenders?status=draft&buyer=\($0.lowercased)" } : nil,
            pager: pager)
    }
}

/// A refused form of the tender page: which form, what was typed, and the refusal. It comes back in its place with
/// every problem beside its input and the summary at the top of the page.
struct RefusedTenderForm {
    enum Form: Equatable {
        case publish
        case cancel
        case ask
        case answer(question: UUID)
        /// The bid form of a lot (also its withdrawal and confirmation).
        case bid(lot: UUID)
    }

    let form: Form
    /// The inputs as typed, by name; cited documents as ids joined by spaces.
    let values: [String: String]
    let problem: DomainError

    init(_ form: Form, values: [String: String] = [:], problem: DomainError) {
        self.form = form
        self.values = values
        self.problem = problem
    }
}

/// The tender page (`/tenders/{id}`): the terms, lots, periods and history everyone reads; the buyer's forms (publish,
/// cancel, answer) for its staff; the question form for other organisations while questions are taken; a bidder's own
/// sealed bids with their receipts and bid forms; the prices after opening (proposals for those who may read them).
struct TenderPage {
    struct Criterion {
        let name: String
        let weight: Int
    }

    struct LotRow {
        let lotId: String
        let number: Int
        let title: String
        let budget: String
        let status: String
    }

    struct Period {
        let label: String
        let at: String
    }

    struct CancellationFacts {
        let reason: String
        let note: String
        let at: String
    }

    struct QuestionRow {
        let questionId: String
        let text: String
        let askedAt: String
        /// The lot it is about ("标段 2"); nil for the whole tender.
        let lot: String?
        let answer: String?
        /// The buyer's answer form, while the question waits for one and answers are taken.
        let answerForm: FormField?
    }

    struct Event {
        let at: String
        let event: String
    }

    /// The reader's own bid on a lot, with its receipt.
    struct Mine {
        let status: String
        let withdrawn: Bool
        let needsConfirmation: Bool
        let price: String
        let proposal: String
        let commitment: String
        let version: Int
        let at: String
    }

    struct LibraryDocument {
        let documentId: String
        let title: String
        let checked: Bool
    }

    /// A lot as a bidder sees it: its own bid and, while bids are taken, the bid form.
    struct BidLot {
        let lotId: String
        let number: Int
        let title: String
        let budget: String
        let canBid: Bool
        /// Made when the page was drawn: a double click or a resent form bids once.
        let key: String
        let mine: Mine?
        /// The bid form's inputs (`price`, `proposal`, `documents`), as typed when refused.
        let f: [String: FormField]
        let library: [LibraryDocument]
    }

    struct Document {
        let href: String
        let title: String
        let kind: String
    }

    struct OpenedRow {
        let lot: Int
        let bidder: String
        let price: String
        /// For those who may read proposals.
        let proposal: String?
        let hasProposal: Bool
        let commitment: String
        let documents: [Document]
    }

    struct CancelForm {
        let reasons: [SelectOption]
        let reason: FormField
        let note: FormField
    }

    struct AskForm {
        let text: FormField
        let lot: FormField
        let lots: [SelectOption]
    }

    let tenderId: String
    let reference: String
    let title: String
    let description: String
    let buyer: String
    let buyerId: String
    let status: String
    let statusLabel: String
    let procedure: String
    let justification: String?
    let termsVersion: Int
    let minimumBids: Int
    let minimumRating: String
    let mayExceed: Bool
    let criteria: [Criterion]
    let lots: [LotRow]
    let cancellation: CancellationFacts?
    /// Fixed at publication; before it, what is planned.
    let periods: [Period]
    let periodsPlanned: String?
    let isBuyer: Bool
    let isDraft: Bool
    let showEvaluation: Bool
    let canEdit: Bool
    let cancelForm: CancelForm?
    let askForm: AskForm?
    let questions: [QuestionRow]
    let timeline: [Event]
    let bidLots: [BidLot]
    let opened: [OpenedRow]
    let problem: ProblemBlock?
}

/// What the tender page shows, read through the services as the reader may see it.
struct TenderFile {
    let tender: Tender
    let buyer: Organisation
    let may: TenderActions
    let openings: (questions: Bool, answers: Bool, bids: Bool)
    let questions: [Question]
    let timeline: [AuditTrailEntry]
    /// The reader's own bids and document library, when it may bid (and the tender is published).
    let own: [OwnBid]?
    let library: [SupplierDocument]
    let opened: [OpenedBid]
    let bidders: [UUID: Organisation]
    let cited: [UUID: SupplierDocument]

    static func read(tenderID: UUID, by actor: Actor?, tenders: TenderService, bids: BidService, suppliers: SupplierService,
                     identity: IdentityService) async throws -> TenderFile {
        let tender = try await tenders.tender(id: tenderID, by: actor)
        let may = try await tenders.actions(on: tender, for: actor)
        var own: [OwnBid]?
        var library: [SupplierDocument] = []
        if may.bid, let actor, tender.status != .draft {
            own = try await bids.ownBids(by: actor, tenderID: tender.id)
            library = try await suppliers.library(by: actor)
        }
        let opened = tender.isOpened ? try await bids.openedBids(of: tender, by: actor) : []
        return TenderFile(tender: tender, buyer: try await identity.organisation(id: tender.buyerID), may: may, openings: tenders.openings(of: tender),
                          questions: try await tenders.questions(of: tender), timeline: try await tenders.timeline(tenderID: tender.id), own: own,
                          library: library, opened: opened, bidders: try await identity.organisations(ids: Set(opened.map(\.bidderID))),
                          cited: try await suppliers.citedDocuments(of: opened))
    }
}

extension TenderPage {
    /// The bid form's inputs, named as the bid's rules name them.
    static let bidFields = ["price", "proposal", "documents"]

    /// The page of `file` (read for its reader); `refused` brings a refused form back in its place.
    static func model(file: TenderFile, refused: RefusedTenderForm? = nil, language: Language, say: (String) -> String,
                      message: (Message) -> String) -> TenderPage {
        let calendar = WorkingCalendar()
        let tender = file.tender
        let isBuyer = file.may.manage
        let lotNumbers = Dictionary(uniqueKeysWithValues: tender.lots.map { ($0.id, $0.number) })
        let id = tender.id.lowercased

        // Each form's inputs, as typed when it was the one refused (then its problems come back beside them).
        func form(_ which: RefusedTenderForm.Form, prefix: String, names: [String], formField: (String) -> String = { $0 },
                  label: (String) -> String) -> RefusedForm {
            let mine = refused?.form == which ? refused : nil
            return RefusedForm(mine?.problem, prefix: prefix, names: names, form: mine?.values ?? [:], formField: formField, label: label, message: message)
        }
        var summary = refused.map { ProblemBlock($0.problem, message: message) }
        func keep(_ form: RefusedForm) -> RefusedForm {
            if let problem = form.problem { summary = problem }
            return form
        }

        let cancel = keep(form(.cancel, prefix: "cancel", names: ["reason", "note"], label: { say($0 == "reason" ? "tender_cancelReason" : "tender_cancelNote") }))
        let ask = keep(form(.ask, prefix: "ask", names: ["text", "lot"], formField: { $0 == "lotId" ? "lot" : $0 },
                            label: { say($0 == "text" ? "tender_ask" : "tender_lot") }))
        // Other organisations ask while questions are taken; the buyer answers them.
        let mayAsk = file.may.ask && file.openings.questions
        let mayAnswer = isBuyer && file.openings.answers

        let questions = file.questions.map { q -> QuestionRow in
            var answerForm: FormField?
            if q.answer == nil && mayAnswer {
                answerForm = keep(form(.answer(question: q.id), prefix: "answer-\(q.id.lowercased)", names: ["answer"], label: { _ in say("tender_answer") }))
                    .fields["answer"]
            }
            return QuestionRow(questionId: q.id.lowercased, text: q.text, askedAt: calendar.describe(q.askedAt),
                               lot: q.lotID.flatMap { lotNumbers[$0] }.map { "\(say("tender_lot")) \($0)" }, answer: q.answer, answerForm: answerForm)
        }

        let bidLots = file.own == nil ? [] : tender.lots.map { lot -> BidLot in
            let mine = file.own?.first { $0.lotID == lot.id }
            let bid = keep(form(.bid(lot: lot.id), prefix: "bid-\(lot.id.lowercased)", names: bidFields,
                                formField: { String($0.prefix { $0 != "[" }) }, label: { say("bid_\($0)") }))
            // The documents as ticked when the form was refused, otherwise those the bid cites.
            let typed = refused?.form == .bid(lot: lot.id) ? refused?.values["documents"] : nil
            let cited = typed.map { Set($0.split(separator: " ").compactMap { UUID(uuidString: String($0)) }) } ?? Set(mine?.content?.documents ?? [])
            return BidLot(
                lotId: lot.id.lowercased, number: lot.number, title: lot.title, budget: lot.budget.formatted,
                canBid: file.openings.bids && lot.status == .active, key: UUID().uuidString.lowercased(),
                mine: mine.map { mine in
                    Mine(status: say("bidStatus_\(mine.status.rawValue)"), withdrawn: mine.status == .withdrawn,
                         needsConfirmation: mine.status == .needsConfirmation, price: mine.content?.price.formatted ?? "",
                         proposal: mine.content?.proposal ?? "", commitment: mine.receipt.commitment, version: mine.receipt.version,
                         at: calendar.describeExactly(mine.receipt.submittedAt))
                },
                f: bid.fields,
                library: file.library.map { LibraryDocument(documentId: $0.id.lowercased, title: $0.title, checked: cited.contains($0.id)) })
        }

        let typedLot = refused?.form == .ask ? refused?.values["lot"] : nil
        return TenderPage(
            tenderId: id, reference: tender.reference, title: tender.terms.title, description: tender.terms.description,
            buyer: file.buyer.name(in: language), buyerId: file.buyer.id.lowercased, status: tender.status.rawValue,
            statusLabel: say("tenderStatus_\(tender.status.rawValue)"), procedure: say("procedure_\(tender.terms.procedure.rawValue)"),
            justification: tender.terms.justification.isEmpty ? nil : tender.terms.justification, termsVersion: tender.termsVersion,
            minimumBids: tender.terms.minimumBids, minimumRating: tender.terms.eligibility.minimumRating.map { "\($0)A" } ?? say("tender_noRating"),
            mayExceed: tender.terms.bidsMayExceedBudget,
            criteria: [Criterion(name: say("tender_price"), weight: tender.terms.priceWeight)] + tender.terms.criteria.map { Criterion(name: $0.name, weight: $0.weight) },
            lots: tender.lots.map { LotRow(lotId: $0.id.lowercased, number: $0.number, title: $0.title, budget: $0.budget.formatted,
                                           status: say("lotStatus_\($0.status.rawValue)")) },
            cancellation: tender.cancellation.map { CancellationFacts(reason: say("cancel_\($0.reason.rawValue)"), note: $0.note, at: calendar.describe($0.at)) },
            periods: tender.periods.map { p in
                [Period(label: say("tender_published"), at: calendar.describe(p.publishedAt)),
                 Period(label: say("tender_enquiryEnd"), at: calendar.describe(p.enquiryEnd)),
                 Period(label: say("tender_tenderEnd"), at: calendar.describe(p.tenderEnd)),
                 Period(label: say("tender_evaluationEnd"), at: calendar.describe(p.evaluationEnd))]
                    + (p.standstillEnd.map { [Period(label: say("tender_standstillEnd"), at: calendar.describe($0))] } ?? [])
            } ?? [],
            periodsPlanned: tender.periods == nil
                ? Views.fill(say("tender_periodsPlanned"), named: ["enquiry": String(tender.terms.enquiryDays), "tendering": String(tender.terms.tenderingDays)])
                : nil,
            isBuyer: isBuyer, isDraft: tender.status == .draft, showEvaluation: isBuyer || tender.isOpened,
            canEdit: isBuyer && (tender.status == .draft || file.openings.answers),
            cancelForm: isBuyer && !tender.status.isFinal
                ? CancelForm(reasons: CancellationReason.allCases.map {
                    SelectOption(value: $0.rawValue, label: say("cancel_\($0.rawValue)"), selected: $0.rawValue == cancel.fields["reason"]?.value)
                }, reason: cancel.fields["reason"]!, note: cancel.fields["note"]!)
                : nil,
            askForm: mayAsk
                ? AskForm(text: ask.fields["text"]!, lot: ask.fields["lot"]!,
                          lots: tender.lots.map { SelectOption(value: $0.id.lowercased, label: "\($0.number): \($0.title)", selected: $0.id.lowercased == typedLot) })
                : nil,
            questions: questions,
            timeline: file.timeline.map { Event(at: calendar.describe($0.occurredAt), event: say("event_\($0.action.replacingOccurrences(of: ".", with: "_"))")) },
            bidLots: bidLots,
            opened: file.opened.map { bid in
                OpenedRow(lot: lotNumbers[bid.lotID] ?? 0, bidder: file.bidders[bid.bidderID].map { $0.name(in: language) } ?? "", price: bid.price.formatted,
                          proposal: bid.proposal, hasProposal: bid.proposal != nil, commitment: String(bid.commitment.prefix(16)),
                          documents: bid.documents.compactMap { reference in
                              file.cited[reference.id].map {
                                  Document(href: "/tenders/\(id)/bids/\(bid.id.lowercased)/documents/\($0.id.lowercased)", title: $0.title,
                                           kind: $0.kind.rawValue.uppercased())
                              }
                          })
            },
            problem: summary)
    }
}

/// The buyer's tender editor (`/tenders/new`, `/tenders/{id}/edit`): the terms as typed, the buyer's purchase lines
/// with what is left of each (a line other tenders hold in full is shown but not offered), the organisations to invite.
struct TenderEditorPage {
    struct ProcedureOption {
        let value: String
        let label: String
        let selected: Bool
        /// The procedure's minimum periods, in words.
        let minimums: String
    }

    struct LineChoice {
        let id: String
        let reference: String
        let year: Int
        let title: String
        let budget: String
        /// What other tenders leave of the line's budget.
        let left: String
        let checked: Bool
        /// Some of its budget is held by other tenders.
        let partly: Bool
        /// All of it is: not offered.
        let spent: Bool
    }

    struct SupplierChoice {
        let id: String
        let name: String
        let checked: Bool
    }

    let action: String
    let reference: String?
    let isNew: Bool
    /// Published: a change asks bidders to confirm their bids again.
    let published: Bool
    /// Every input by name (ids `tender-<name>`), as typed, with its problem.
    let f: [String: FormField]
    let bidsMayExceedBudget: Bool
    let procedures: [ProcedureOption]
    let ratings: [SelectOption]
    let lines: [LineChoice]
    let suppliers: [SupplierChoice]
    /// The directory, opened to pick invitees and come back here with them (those ticked now ride along).
    let directory: String
    let problem: ProblemBlock?

    /// The editor's inputs (ids `tender-<name>`), with `criteria`, `lines` and `invited` naming their fieldsets.
    static let fields = ["title", "description", "procedure", "justification", "enquiryDays", "tenderingDays", "evaluationDays",
                         "standstillDays", "criteria", "priceWeight", "criterion0", "weight0", "criterion1", "weight1", "criterion2", "weight2",
                         "minimumRating", "minimumBids", "invited", "lines"]

    /// The editor's input a field of the terms belongs to: the n-th criterion is the row it was typed in.
    static func field(_ field: String, criterionRows: [Int]) -> String {
        let head = String(field.prefix { $0 != "[" && $0 != "." })
        switch head {
        case "criteria" where field != head:
            let index = Int(field.dropFirst(head.count + 1).prefix { $0.isNumber }) ?? 0
            let row = index < criterionRows.count ? criterionRows[index] : 0
            return (field.hasSuffix(".weight") ? "weight" : "criterion") + String(row)
        case "eligibility": return "minimumRating"
        case "invitedSuppliers": return "invited"
        case "lots": return "lines"
        default: return head
        }
    }

    /// An input's words on the page, as the summary names it.
    static func label(_ name: String, say: (String) -> String) -> String {
        if let row = Int(name.filter(\.isNumber)), name.hasPrefix("criterion") || name.hasPrefix("weight") {
            let criterion = say("tenderEdit_criterion") + " \(row + 1)"
            return name.hasPrefix("weight") ? criterion + " · " + say("tender_points") : criterion
        }
        let keys = ["title": "tender_title", "description": "tenderEdit_description", "procedure": "tender_procedure",
                    "justification": "tender_justification", "criteria": "tender_criteria", "priceWeight": "tender_price",
                    "minimumRating": "tender_minimumRating", "minimumBids": "tender_minimumBids", "invited": "tenderEdit_invited",
                    "lines": "tenderEdit_lines"]
        return say(keys[name] ?? "tenderField_\(name)")
    }

    /// The editor for `tender` (nil: a new one) with `values` as typed; `lines` are the buyer's, `left` what remains of each.
    static func model(tender: Tender?, values: TenderEditorValues, lines: [PurchaseLine], left: [UUID: Money], suppliers: [Organisation],
                      refusal: DomainError? = nil, language: Language, say: (String) -> String, message: (Message) -> String) -> TenderEditorPage {
        let rows = values.criterionRows
        let refused = RefusedForm(refusal, prefix: "tender", names: fields, form: values.fields, formField: { field($0, criterionRows: rows) },
                                  label: { label($0, say: say) }, message: message)
        let procedure = values.fields["procedure"]
        let rating = values.fields["minimumRating"]
        return TenderEditorPage(
            action: tender.map { "/tenders/\($0.id.lowercased)/edit" } ?? "/tenders", reference: tender?.reference, isNew: tender == nil,
            published: tender.map { $0.status != .draft } ?? false, f: refused.fields, bidsMayExceedBudget: values.fields["bidsMayExceedBudget"] == "on",
            procedures: Procedure.allCases.map { p in
                let m = p.minimums
                return ProcedureOption(value: p.rawValue, label: say("procedure_\(p.rawValue)"), selected: p.rawValue == procedure,
                                       minimums: Views.fill(say("tenderEdit_minimums"), named: ["enquiry": String(m.enquiryDays), "tendering": String(m.tenderingDays),
                                                                                          "standstill": String(m.standstillDays)]))
            },
            ratings: (1...5).map { SelectOption(value: String($0), label: "\($0)A", selected: String($0) == rating) },
            lines: lines.map { line in
                let checked = values.lines.contains(line.id.lowercased), remaining = left[line.id] ?? line.content.budget
                return LineChoice(id: line.id.lowercased, reference: line.content.reference, year: line.content.year, title: line.content.title,
                                  budget: line.content.budget.formatted, left: remaining.formatted, checked: checked,
                                  partly: remaining != line.content.budget, spent: remaining.minorUnits == 0 && !checked)
            },
            suppliers: suppliers.map { SupplierChoice(id: $0.id.lowercased, name: $0.name(in: language), checked: values.invited.contains($0.id.lowercased)) },
            directory: "/suppliers?pick=1" + (tender.map { "&tender=\($0.id.lowercased)" } ?? "") + values.invited.compactMap { UUID(uuidString: $0)?.lowercased }.map { "&invite=\($0)" }.joined(),
            problem: refused.problem)
    }
}

/// The editor's fields as typed, so a refused form comes back exactly as sent.
struct TenderEditorValues {
    var fields: [String: String]
    var lines: [String]
    var invited: [String]

    init(_ terms: TenderTerms) {
        fields = ["title": terms.title, "description": terms.description, "procedure": terms.procedure.rawValue,
                  "justification": terms.justification, "enquiryDays": String(terms.enquiryDays), "tenderingDays": String(terms.tenderingDays),
                  "evaluationDays": String(terms.evaluationDays), "standstillDays": String(terms.standstillDays),
                  "minimumBids": String(terms.minimumBids), "minimumRating": terms.eligibility.minimumRating.map(String.init) ?? "",
                  "bidsMayExceedBudget": terms.bidsMayExceedBudget ? "on" : "", "priceWeight": String(terms.priceWeight)]
        for index in 0..<3 {
            fields["criterion\(index)"] = index < terms.criteria.count ? terms.criteria[index].name : ""
            fields["weight\(index)"] = index < terms.criteria.count ? String(terms.criteria[index].weight) : ""
        }
        lines = terms.lots.map(\.purchaseLineID.lowercased)
        invited = terms.invitedSuppliers.map(\.lowercased)
    }

    init(_ form: FormData) {
        fields = [:]
        for key in ["title", "description", "procedure", "justification", "enquiryDays", "tenderingDays", "evaluationDays", "standstillDays",
                    "minimumBids", "minimumRating", "bidsMayExceedBudget", "priceWeight", "criterion0", "weight0", "criterion1", "weight1",
                    "criterion2", "weight2"] {
            fields[key] = form[key] ?? ""
        }
        lines = form.values("lines")
        invited = form.values("invited")
    }

    /// The criterion rows typed in (a row without a name is no criterion): the terms' n-th criterion is row `criterionRows[n]`.
    var criterionRows: [Int] { (0..<3).filter { !(fields["criterion\($0)"] ?? "").isEmpty } }
}
