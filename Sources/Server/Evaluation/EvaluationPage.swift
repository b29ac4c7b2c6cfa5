import Core
import Foundation
import Identity
import Tendering

/// A scoring sheet the service (or the page's own reading of its numbers) refused: what was typed, by input name,
/// and the input each entry sent to the service came from, so `entries[2].points` finds its cell.
struct RefusedSheet {
    struct Entry {
        let bidId: String
        let criterion: Int
    }

    let values: [String: String]
    let entries: [Entry]

    /// The sheet's input a field of the service's refusal belongs to (`entries[2].comment` → `comment-<bid>`).
    func input(_ field: String) -> String {
        guard field.hasPrefix("entries["), let close = field.firstIndex(of: "]"),
              let index = Int(field[field.index(field.startIndex, offsetBy: 8)..<close]), entries.indices.contains(index) else { return field }
        let entry = entries[index]
        return field.hasSuffix(".comment") ? EvaluationPage.commentInput(entry.bidId) : EvaluationPage.scoreInput(entry.bidId, entry.criterion)
    }
}

/// A tender's evaluation page (template `evaluation/evaluation`), one page for every role: the panel and whom the
/// buyer may seat, the reader's own seat (the declaration, then the scoring sheet), the flagged prices the reader
/// justifies, the rankings once complete with the buyer's award forms, the awards, and the complaints with the
/// steps the reader may take. Which forms it offers is `EvaluationActions`' answer; a refused sheet comes back with
/// what was typed and every problem beside its cell.
struct EvaluationPage {
    struct PanelRow {
        let userId: String
        let name: String
        let status: String
        let statusLabel: String
        /// When the evaluator submitted ("" before).
        let submitted: String
        let canRemove: Bool
        /// Why the seat was refused (a conflict of interest found at opening).
        let refusal: String?
    }

    struct Person {
        let userId: String
        let name: String
    }

    struct Bidder {
        let id: String
        let name: String
    }

    struct Declaration {
        /// The bidders the evaluator declares independence from, by name.
        let bidders: [Bidder]
    }

    struct Criterion {
        let name: String
        let weight: Int
    }

    struct Grade {
        let contract: String
        let grade: String
        let on: String
    }

    struct Document {
        let href: String
        let title: String
        let kind: String
    }

    /// A cell of the sheet: one bid's points on one criterion.
    struct Cell {
        let bidId: String
        let index: Int
        let name: String
        let input: FormField
    }

    struct SheetBid {
        let bidId: String
        let bidder: String
        let price: String
        let proposal: String
        let flagged: Bool
        let grades: [Grade]
        let documents: [Document]
        let cells: [Cell]
        let comment: FormField
    }

    struct SheetLot {
        let number: Int
        let title: String
        let criteria: [Criterion]
        let bids: [SheetBid]
    }

    /// The reader's own seat on the panel.
    struct Seat {
        let statusLabel: String
        let submittedAt: String?
        let declare: Declaration?
        /// The scoring sheet, while the reader scores.
        let sheetLots: [SheetLot]?
        let hasSheet: Bool
    }

    struct Justify {
        let lotId: String
        let lot: Int
        let price: String
    }

    struct RankedBid {
        let bidId: String
        let rank: Int
        let bidder: String
        let price: String
        let priceScore: String
        let quality: String
        let total: String
        /// The bid's points on each criterion, in the criteria's order.
        let scores: [String]
        let recommended: Bool
        /// The abnormally-low flag in words.
        let flag: String?
        let justification: String?
    }

    struct Ranking {
        let lotId: String
        let number: Int
        let title: String
        let criteria: [String]
        let bids: [RankedBid]
        let canDecide: Bool
    }

    struct AwardRow {
        let lot: Int
        let at: String
        let supplier: String
        let value: String
        /// Not the recommended bid.
        let departs: Bool
        let reason: String?
    }

    struct ComplaintRow {
        let complaintId: String
        let complainant: String
        let lot: Int?
        let text: String
        let filedAt: String
        let status: String
        let answer: String?
        let escalation: String?
        let outcome: String?
        let decision: String?
        let escalateUntil: String?
        let canAnswer: Bool
        let canAccept: Bool
        let canEscalate: Bool
        let canDecide: Bool
    }

    struct Lot {
        let lotId: String
        let number: Int
        let title: String
    }

    let tenderId: String
    let reference: String
    let title: String
    let status: String
    let statusLabel: String
    let isBuyer: Bool
    let isComplete: Bool
    let opened: Bool
    let tieBreak: String
    let minimumScorers: Int
    let panel: [PanelRow]
    /// Evaluators the buyer may seat (empty when the reader may not seat any).
    let candidates: [Person]
    let mine: Seat?
    let justify: [Justify]
    /// Nil until the evaluation is complete (and for readers it is not shown to).
    let rankings: [Ranking]?
    /// In lot order.
    let awards: [AwardRow]
    let standstillEnd: String?
    let canComplain: Bool
    let complaints: [ComplaintRow]
    let lots: [Lot]
    let problem: ProblemBlock?

    static func scoreInput(_ bidId: String, _ criterion: Int) -> String { "score-\(bidId)-\(criterion)" }
    static func commentInput(_ bidId: String) -> String { "comment-\(bidId)" }

    /// `names`: organisations' names in the reader's language; `candidates`: the evaluators on the platform;
    /// `cited`: the documents the bids cite; `refusedSheet`: what was typed when `problem` refused the sheet.
    static func model(evaluation: Evaluation, may: EvaluationActions, isBuyer: Bool, complaints: [Complaint], names: [UUID: String],
                      candidates: [User], cited: [UUID: SupplierDocument], escalationCalendar: WorkingCalendar,
                      problem: DomainError? = nil, refusedSheet: RefusedSheet? = nil,
                      say: (String) -> String, stored: (String) -> String, message: (Message) -> String) -> EvaluationPage {
        let calendar = WorkingCalendar()
        let tender = evaluation.tender
        let criteria = tender.terms.criteria
        let lotNumbers = Dictionary(uniqueKeysWithValues: tender.lots.map { ($0.id, $0.number) })
        func name(_ id: UUID) -> String { names[id] ?? "" }

        // The sheet: what was typed when it was refused, else the evaluator's saved draft.
        let sheetLots = may.score ? tender.lots.filter { $0.status == .active } : []
        let sheetBids = sheetLots.flatMap { lot in evaluation.bids.filter { $0.lotID == lot.id } }
        var inputs: [String] = []
        var labels: [String: String] = [:]
        for bid in sheetBids {
            for (index, criterion) in criteria.enumerated() {
                inputs.append(scoreInput(bid.id.lowercased, index))
                labels[inputs.last!] = "\(criterion.name) · \(name(bid.bidderID))"
            }
            inputs.append(commentInput(bid.id.lowercased))
            labels[inputs.last!] = "\(say("evaluation_comment")) · \(name(bid.bidderID))"
        }
        let draft = evaluation.sheets.first { $0.userID == evaluation.seat?.userID }?.entries ?? []
        var saved: [String: String] = [:]
        for bid in sheetBids {
            for (index, criterion) in criteria.enumerated() {
                saved[scoreInput(bid.id.lowercased, index)] = draft.first { $0.bidID == bid.id && $0.criterion == criterion.name }?.points.formatted ?? ""
            }
            saved[commentInput(bid.id.lowercased)] = draft.first { $0.bidID == bid.id && !$0.comment.isEmpty }?.comment ?? ""
        }
        let sheet = RefusedForm(refusedSheet == nil ? nil : problem, prefix: "sheet", names: inputs, form: refusedSheet?.values ?? saved,
                                formField: { refusedSheet?.input($0) ?? $0 }, label: { labels[$0] ?? $0 }, message: message)

        func sheetBid(_ bid: OpenedBid) -> SheetBid {
            let id = bid.id.lowercased
            let documents: [Document] = bid.documents.compactMap { reference in
                cited[reference.id].map {
                    Document(href: "/tenders/\(tender.id.lowercased)/bids/\(id)/documents/\($0.id.lowercased)", title: $0.title, kind: $0.kind.rawValue.uppercased())
                }
            }
            let cells: [Cell] = criteria.indices.map { Cell(bidId: id, index: $0, name: criteria[$0].name, input: sheet.fields[scoreInput(id, $0)]!) }
            return SheetBid(bidId: id, bidder: name(bid.bidderID), price: bid.price.formatted, proposal: bid.proposal ?? "",
                            flagged: AbnormalPrice.check(bid, among: evaluation.bids) != nil,
                            grades: (evaluation.grades[bid.bidderID] ?? []).map { Grade(contract: $0.contractReference, grade: $0.grade, on: $0.gradedOn) },
                            documents: documents, cells: cells, comment: sheet.fields[commentInput(id)]!)
        }
        let sheetModel: [SheetLot]? = may.score ? sheetLots.map { lot in
            SheetLot(number: lot.number, title: lot.title, criteria: criteria.map { Criterion(name: $0.name, weight: $0.weight) },
                     bids: evaluation.bids.filter { $0.lotID == lot.id }.map(sheetBid))
        } : nil
        let bidders = Set(evaluation.bids.map(\.bidderID)).map { Bidder(id: $0.lowercased, name: name($0)) }.sorted { $0.name < $1.name }
        let mine: Seat? = evaluation.seat.map { seat in
            Seat(statusLabel: say("panelStatus_\(seat.status.rawValue)"), submittedAt: seat.submittedAt.map(calendar.describe),
                 declare: may.declare ? Declaration(bidders: bidders) : nil, sheetLots: sheetModel, hasSheet: may.score)
        }

        return EvaluationPage(
            tenderId: tender.id.lowercased, reference: tender.reference, title: tender.terms.title,
            status: tender.status.rawValue, statusLabel: say("tenderStatus_\(tender.status.rawValue)"),
            isBuyer: isBuyer, isComplete: evaluation.isComplete, opened: tender.isOpened,
            tieBreak: say("evaluation_tieBreak"), minimumScorers: Evaluation.minimumScorers,
            panel: evaluation.panel.map { m in
                PanelRow(userId: m.userID.lowercased, name: m.displayName, status: m.status.rawValue, statusLabel: say("panelStatus_\(m.status.rawValue)"),
                         submitted: m.submittedAt.map(calendar.describe) ?? "", canRemove: may.remove(m), refusal: m.refusal.map(stored))
            },
            candidates: may.seatPanel
                ? candidates.filter { user in !evaluation.panel.contains { $0.userID == user.id } }.map { Person(userId: $0.id.lowercased, name: $0.displayName) }
                : [],
            mine: mine,
            justify: may.justify.map { Justify(lotId: $0.lotID.lowercased, lot: lotNumbers[$0.lotID] ?? 0, price: $0.price.formatted) },
            rankings: evaluation.rankings?.map { ranking in
                let lot = tender.lots.first { $0.id == ranking.lotID }
                return Ranking(
                    lotId: ranking.lotID.lowercased, number: lot?.number ?? 0, title: lot?.title ?? "", criteria: criteria.map(\.name),
                    bids: ranking.bids.map { b in
                        RankedBid(bidId: b.bidID.lowercased, rank: b.rank, bidder: name(b.bidderID), price: b.price.formatted,
                                  priceScore: b.priceScore.formatted, quality: b.qualityScore.formatted, total: b.total.formatted,
                                  scores: criteria.map { b.criterionScores[$0.name]?.formatted ?? "" }, recommended: b.bidID == ranking.recommendedBidID,
                                  flag: b.abnormallyLow.map { flag in
                                      say("evaluation_flag")
                                          .replacingOccurrences(of: "{mean}", with: flag.percentUnderMean.map(String.init) ?? "—")
                                          .replacingOccurrences(of: "{next}", with: flag.percentUnderNext.map(String.init) ?? "—")
                                  },
                                  justification: b.justification)
                    },
                    canDecide: may.decideLots.contains(ranking.lotID))
            },
            awards: evaluation.awards.sorted { (lotNumbers[$0.lotID] ?? 0) < (lotNumbers[$1.lotID] ?? 0) }.map { a in
                AwardRow(lot: lotNumbers[a.lotID] ?? 0, at: calendar.describe(a.decidedAt),
                         supplier: a.supplierID.map(name) ?? say("evaluation_noAward"), value: a.value?.formatted ?? "—",
                         departs: a.bidID != a.recommendedBidID, reason: a.reason.isEmpty ? nil : a.reason)
            },
            standstillEnd: tender.periods?.standstillEnd.map(calendar.describe),
            canComplain: may.complain,
            complaints: complaints.map { c in
                let steps = may.steps(c, calendar: escalationCalendar)
                return ComplaintRow(
                    complaintId: c.id.lowercased, complainant: name(c.complainantID), lot: c.lotID.flatMap { lotNumbers[$0] }, text: c.text,
                    filedAt: calendar.describe(c.filedAt), status: say("complaintStatus_\(c.status.rawValue)"), answer: c.answer,
                    escalation: c.escalation, outcome: c.outcome.map { say("complaintOutcome_\($0.rawValue)") }, decision: c.decision,
                    escalateUntil: steps.escalationDeadline.map(calendar.describe),
                    canAnswer: steps.answer, canAccept: steps.accept, canEscalate: steps.escalate, canDecide: steps.decide)
            },
            lots: tender.lots.map { Lot(lotId: $0.id.lowercased, number: $0.number, title: $0.title) },
            problem: refusedSheet != nil ? sheet.problem : problem.map { ProblemBlock($0, message: message) })
    }
}

/// An evaluator's worklist (`/panels`): the tenders they sit on, with their seat and when they submitted.
struct PanelsPage {
    struct Row {
        let tenderId: String
        let reference: String
        let title: String
        let status: String
        let seat: String
        let submitted: String
    }

    let seats: [Row]

    static func model(seats: [(tender: Tender, seat: PanelMember)], say: (String) -> String) -> PanelsPage {
        let calendar = WorkingCalendar()
        return PanelsPage(seats: seats.map { tender, seat in
            Row(tenderId: tender.id.lowercased, reference: tender.reference, title: tender.terms.title,
                status: say("tenderStatus_\(tender.status.rawValue)"), seat: say("panelStatus_\(seat.status.rawValue)"),
                submitted: seat.submittedAt.map(calendar.describe) ?? "—")
        })
    }
}
