import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Tendering

/// The evaluation page of a tender, one page for every role: the buyer seats the panel and decides
/// each lot; an evaluator declares and fills in the scoring sheet; a flagged bidder justifies its
/// price; bidders complain during the standstill and the overseers decide. The evaluator's worklist.
struct EvaluationController {
    let tenders: TenderService
    let bids: BidService
    let evaluations: EvaluationService
    let awards: AwardService
    let suppliers: SupplierService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/panels", use: panels)
        router.get("/tenders/:id/evaluation", use: show)
        router.post("/tenders/:id/evaluation/panel", use: assign)
        router.post("/tenders/:id/evaluation/panel/:user/remove", use: remove)
        router.post("/tenders/:id/evaluation/declaration", use: declare)
        router.post("/tenders/:id/evaluation/scores", use: score)
        router.post("/tenders/:id/evaluation/lots/:lot/justification", use: justify)
        router.post("/tenders/:id/evaluation/lots/:lot/award", use: decide)
        router.post("/tenders/:id/evaluation/complaints", use: file)
        router.post("/tenders/:id/evaluation/complaints/:complaint/:step", use: complaintStep)
    }

    private let calendar = WorkingCalendar()

    private func name(_ o: Organisation?, _ context: AppRequestContext) -> String {
        guard let o else { return "" }
        return context.language == .zh ? o.nameZh : o.nameEn
    }

    // MARK: The evaluator's worklist

    func panels(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let seats = try await evaluations.seats(of: actor)
        let data: [String: Any] = ["seats": seats.map { tender, seat -> [String: Any] in
            ["tenderId": tender.id.lowercased, "reference": tender.reference, "title": tender.terms.title,
             "status": views.text("tenderStatus_\(tender.status.rawValue)", context), "seat": views.text("panelStatus_\(seat.status.rawValue)", context),
             "submitted": seat.submittedAt.map { calendar.describe($0) } ?? "—"]
        }]
        return views.page("evaluation/panels", title: views.text("panels_title", context), data: data, request: request, context: context)
    }

    // MARK: The page

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, tenderID: try context.pathID())
    }

    private func render(_ request: Request, _ context: AppRequestContext, tenderID: UUID, problem: DomainError? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = context.actor
        let evaluation = try await evaluations.evaluation(tenderID: tenderID, by: actor)
        let tender = evaluation.tender
        let now = tenders.now()
        let may = try await tenders.actions(on: tender, for: actor)
        let isBuyer = may.manage
        let lotNumbers = Dictionary(uniqueKeysWithValues: tender.lots.map { ($0.id, $0.number) })
        let complaints = try await awards.complaints(tenderID: tenderID, by: actor)
        let names = try await identity.organisations(ids: Set(evaluation.bids.map(\.bidderID) + complaints.map(\.complainantID)))
        let inEvaluation = tender.status == .evaluation
        var data: [String: Any] = [
            "tenderId": tender.id.lowercased, "reference": tender.reference, "title": tender.terms.title,
            "status": tender.status.rawValue, "statusLabel": views.text("tenderStatus_\(tender.status.rawValue)", context),
            "isBuyer": isBuyer, "isComplete": evaluation.isComplete, "opened": tender.isOpened,
            "tieBreak": views.text("evaluation_tieBreak", context), "minimumScorers": Evaluation.minimumScorers,
            "panel": evaluation.panel.map { m -> [String: Any] in
                var row: [String: Any] = ["userId": m.userID.lowercased, "name": m.displayName, "status": m.status.rawValue,
                                          "statusLabel": views.text("panelStatus_\(m.status.rawValue)", context),
                                          "submitted": m.submittedAt.map { calendar.describe($0) } ?? "",
                                          "canRemove": isBuyer && m.submittedAt == nil && [.draft, .enquiries, .tendering, .evaluation].contains(tender.status)]
                if let refusal = m.refusal { row["refusal"] = views.stored(refusal, context) }
                return row
            },
        ]
        if let problem { data["problem"] = problem.pageData(views, context) }
        if isBuyer && [.draft, .enquiries, .tendering, .evaluation].contains(tender.status) {
            let seated = Set(evaluation.panel.map(\.userID))
            data["candidates"] = try await identity.evaluators().filter { !seated.contains($0.id) }.map { ["userId": $0.id.lowercased, "name": $0.displayName] }
        }
        // The evaluator's own seat: the declaration, then the scoring sheet.
        if let seat = evaluation.seat {
            var mine: [String: Any] = ["statusLabel": views.text("panelStatus_\(seat.status.rawValue)", context)]
            if seat.status == .assigned && inEvaluation {
                mine["declare"] = ["bidders": Set(evaluation.bids.map(\.bidderID)).map { ["id": $0.lowercased, "name": name(names[$0], context)] }
                    .sorted { ($0["name"] ?? "") < ($1["name"] ?? "") }]
            }
            if let submitted = seat.submittedAt { mine["submittedAt"] = calendar.describe(submitted) }
            if seat.status == .independent && seat.submittedAt == nil && inEvaluation {
                let draft = evaluation.sheets.first { $0.userID == seat.userID }?.entries ?? []
                let cited = try await suppliers.citedDocuments(of: evaluation.bids)
                mine["sheetLots"] = tender.lots.filter { $0.status == .active }.map { lot -> [String: Any] in
                    ["number": lot.number, "title": lot.title,
                     "criteria": tender.terms.criteria.map { ["name": $0.name, "weight": $0.weight] },
                     "bids": evaluation.bids.filter { $0.lotID == lot.id }.map { bid -> [String: Any] in
                        var row: [String: Any] = [
                            "bidder": name(names[bid.bidderID], context), "price": bid.price.formatted, "proposal": bid.proposal ?? "",
                            "bidId": bid.id.lowercased,
                            "comment": draft.first { $0.bidID == bid.id && !$0.comment.isEmpty }?.comment ?? "",
                            "grades": (evaluation.grades[bid.bidderID] ?? []).map { ["contract": $0.contractReference, "grade": $0.grade, "on": $0.gradedOn] },
                            "documents": bid.documents.compactMap { reference in cited[reference.id].map {
                                ["href": "/tenders/\(tender.id.lowercased)/bids/\(bid.id.lowercased)/documents/\($0.id.lowercased)", "title": $0.title,
                                 "kind": $0.kind.rawValue.uppercased()]
                            } },
                            "cells": tender.terms.criteria.enumerated().map { index, criterion -> [String: Any] in
                                ["bidId": bid.id.lowercased, "index": index, "name": criterion.name,
                                 "value": draft.first { $0.bidID == bid.id && $0.criterion == criterion.name }?.points.formatted ?? ""]
                            },
                        ]
                        if AbnormalPrice.check(bid, among: evaluation.bids) != nil { row["flagged"] = true }
                        return row
                    }]
                }
            }
            mine["hasSheet"] = mine["sheetLots"] != nil
            data["mine"] = mine
        }
        // A bidder whose price is flagged explains it.
        if let actor, inEvaluation {
            let own = evaluation.bids.filter { $0.bidderID == actor.organisationID }
            data["justify"] = own.filter { AbnormalPrice.check($0, among: evaluation.bids) != nil }.map { ["lotId": $0.lotID.lowercased, "lot": lotNumbers[$0.lotID] ?? 0, "price": $0.price.formatted] }
        }
        if let rankings = evaluation.rankings {
            data["rankings"] = rankings.map { ranking -> [String: Any] in
                let lot = tender.lots.first { $0.id == ranking.lotID }
                var row: [String: Any] = [
                    "lotId": ranking.lotID.lowercased, "number": lot?.number ?? 0, "title": lot?.title ?? "",
                    "criteria": tender.terms.criteria.map(\.name),
                    "bids": ranking.bids.map { b -> [String: Any] in
                        var bid: [String: Any] = [
                            "bidId": b.bidID.lowercased, "rank": b.rank, "bidder": name(names[b.bidderID], context), "price": b.price.formatted,
                            "priceScore": b.priceScore.formatted, "quality": b.qualityScore.formatted, "total": b.total.formatted,
                            "scores": tender.terms.criteria.map { b.criterionScores[$0.name]?.formatted ?? "" },
                            "recommended": b.bidID == ranking.recommendedBidID,
                        ]
                        if let flag = b.abnormallyLow {
                            bid["flag"] = views.text("evaluation_flag", context)
                                .replacingOccurrences(of: "{mean}", with: flag.percentUnderMean.map(String.init) ?? "—")
                                .replacingOccurrences(of: "{next}", with: flag.percentUnderNext.map(String.init) ?? "—")
                        }
                        if let justification = b.justification { bid["justification"] = justification }
                        return bid
                    },
                ]
                if isBuyer && inEvaluation && lot?.status == .active { row["canDecide"] = true }
                return row
            }
        }
        data["awards"] = evaluation.awards.sorted { (lotNumbers[$0.lotID] ?? 0) < (lotNumbers[$1.lotID] ?? 0) }.map { a -> [String: Any] in
            var row: [String: Any] = ["lot": lotNumbers[a.lotID] ?? 0, "at": calendar.describe(a.decidedAt),
                                      "supplier": a.supplierID.map { name(names[$0], context) } ?? views.text("evaluation_noAward", context),
                                      "value": a.value?.formatted ?? "—", "departs": a.bidID != a.recommendedBidID]
            if !a.reason.isEmpty { row["reason"] = a.reason }
            return row
        }
        if let standstillEnd = tender.periods?.standstillEnd { data["standstillEnd"] = calendar.describe(standstillEnd) }
        let isBidder = actor.map { a in evaluation.bids.contains { $0.bidderID == a.organisationID } } ?? false
        data["canComplain"] = isBidder && tender.status == .awarded && now < (tender.periods?.standstillEnd ?? now)
        let mayDecide = may.decideComplaints
        let escalationCalendar = try await tenders.calendar()
        data["complaints"] = complaints.map { c -> [String: Any] in
            let own = actor?.organisationID == c.complainantID
            // A window the calendar cannot count yet is shown as none; escalating then says why.
            let escalationDeadline = try? c.escalationDeadline(escalationCalendar)
            var row: [String: Any] = [
                "complaintId": c.id.lowercased, "complainant": name(names[c.complainantID], context), "text": c.text,
                "filedAt": calendar.describe(c.filedAt), "status": views.text("complaintStatus_\(c.status.rawValue)", context),
                "canAnswer": isBuyer && c.status == .claim,
                "canAccept": own && c.status == .answered,
                "canEscalate": own && c.status == .answered && now < (escalationDeadline ?? now),
                "canDecide": mayDecide && c.status == .escalated,
            ]
            if let lot = c.lotID.flatMap({ lotNumbers[$0] }) { row["lot"] = lot }
            if let answer = c.answer { row["answer"] = answer }
            if let deadline = escalationDeadline, c.status == .answered { row["escalateUntil"] = calendar.describe(deadline) }
            if let escalation = c.escalation { row["escalation"] = escalation }
            if let outcome = c.outcome { row["outcome"] = views.text("complaintOutcome_\(outcome.rawValue)", context) }
            if let decision = c.decision { row["decision"] = decision }
            return row
        }
        data["lots"] = tender.lots.map { ["lotId": $0.id.lowercased, "number": $0.number, "title": $0.title] }
        return views.page("evaluation/evaluation", title: "\(tender.reference) · \(views.text("evaluation_title", context))", data: data, status: status,
                          request: request, context: context)
    }

    /// Runs a form's action; a refusal the user can fix re-renders the page with the problem.
    private func act(_ request: Request, _ context: AppRequestContext, _ action: () async throws -> Void) async throws -> Response {
        let tenderID = try context.pathID()
        do {
            try await action()
            return .redirect(to: "/tenders/\(tenderID.lowercased)/evaluation")
        } catch let error as DomainError where [.invalid, .conflict, .forbidden].contains(error.kind) {
            let status: HTTPResponse.Status = switch error.kind {
            case .invalid: .unprocessableContent
            case .conflict: .conflict
            default: .forbidden
            }
            return try await render(request, context, tenderID: tenderID, problem: error, status: status)
        }
    }

    // MARK: Forms

    func assign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            guard let user = form["user"].flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid([FieldError("user", "choose an evaluator")]) }
            _ = try await evaluations.assign(by: actor, tenderID: try context.pathID(), userID: user)
        }
    }

    func remove(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context) { try await evaluations.remove(by: actor, tenderID: try context.pathID(), userID: try context.pathID("user")) }
    }

    func declare(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            _ = try await evaluations.declare(by: actor, tenderID: try context.pathID(), conflicts: form.values("conflict").compactMap(UUID.init(uuidString:)),
                                              statement: form["statement"] ?? "")
        }
    }

    /// The sheet's fields are named score-<bid>-<criterion index> and comment-<bid> (kept with each of the bid's scores);
    /// empty fields are left out of a draft (a submitted sheet must have them all).
    func score(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            let tender = try await tenders.tender(id: try context.pathID(), by: actor)
            let opened = try await bids.openedBids(tenderID: tender.id, by: actor)
            var entries: [ScoreEntry] = []
            var problems: [FieldError] = []
            for bid in opened {
                for (index, criterion) in tender.terms.criteria.enumerated() {
                    let key = "\(bid.id.lowercased)-\(index)"
                    guard let text = form["score-\(key)"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
                    guard let value = Double(text), let points = Points(value) else {
                        problems.append(FieldError(criterion.name, "“\(text)” is not a number of points with at most two decimals"))
                        continue
                    }
                    entries.append(ScoreEntry(bidID: bid.id, criterion: criterion.name, points: points, comment: form["comment-\(bid.id.lowercased)"] ?? ""))
                }
            }
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            _ = try await evaluations.score(by: actor, tenderID: tender.id, entries, submit: form["action"] == "submit")
        }
    }

    func justify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            try await evaluations.justifyPrice(by: actor, tenderID: try context.pathID(), lotID: try context.pathID("lot"), text: form["text"] ?? "")
        }
    }

    func decide(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            _ = try await awards.decide(by: actor, tenderID: try context.pathID(), lotID: try context.pathID("lot"),
                                        bidID: form["bid"].flatMap(UUID.init(uuidString:)), reason: form["reason"] ?? "")
        }
    }

    func file(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            _ = try await awards.file(by: actor, tenderID: try context.pathID(), lotID: form["lot"].flatMap(UUID.init(uuidString:)), text: form["text"] ?? "")
        }
    }

    /// answer (the buyer), accept or escalate (the complainant), uphold or dismiss (an overseer).
    func complaintStep(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let complaint = try context.pathID("complaint")
        // The complaint must be the tender's of the same path: another tender's is not found here.
        let tenderID = try context.pathID()
        guard try await awards.complaints(tenderID: tenderID, by: actor).contains(where: { $0.id == complaint }) else {
            throw DomainError.notFound("tender \(tenderID.lowercased) has no complaint \(complaint.lowercased)")
        }
        let text = form["text"] ?? ""
        return try await act(request, context) {
            switch context.parameters.get("step") {
            case "answer": _ = try await awards.answer(by: actor, complaintID: complaint, text: text)
            case "accept": _ = try await awards.accept(by: actor, complaintID: complaint)
            case "escalate": _ = try await awards.escalate(by: actor, complaintID: complaint, text: text)
            case "uphold": _ = try await awards.decideComplaint(by: actor, complaintID: complaint, upheld: true, text: text)
            case "dismiss": _ = try await awards.decideComplaint(by: actor, complaintID: complaint, upheld: false, text: text)
            default: throw DomainError.notFound("no such page")
            }
        }
    }
}
