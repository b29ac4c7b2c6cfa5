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

    // MARK: The evaluator's worklist

    func panels(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let model = PanelsPage.model(seats: try await evaluations.seats(of: actor), say: { views.text($0, context) })
        return views.page("evaluation/panels", title: views.text("panels_title", context), model: model, request: request, context: context)
    }

    // MARK: The page

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, tenderID: try context.pathID())
    }

    private func render(_ request: Request, _ context: AppRequestContext, tenderID: UUID, problem: DomainError? = nil, refusedSheet: RefusedSheet? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = context.actor
        let evaluation = try await evaluations.evaluation(tenderID: tenderID, by: actor)
        let tender = evaluation.tender
        let may = try await tenders.actions(on: tender, for: actor)
        let actions = EvaluationActions(evaluation, may: may, actor: actor, now: tenders.now())
        let complaints = try await awards.complaints(tenderID: tenderID, by: actor)
        let organisations = try await identity.organisations(ids: Set(evaluation.bids.map(\.bidderID) + complaints.map(\.complainantID)))
        let names = organisations.mapValues { context.language == .zh ? $0.nameZh : $0.nameEn }
        let candidates = try await actions.seatPanel ? identity.evaluators() : []
        let cited = try await actions.score ? suppliers.citedDocuments(of: evaluation.bids) : [:]
        let model = EvaluationPage.model(
            evaluation: evaluation, may: actions, isBuyer: may.manage, complaints: complaints, names: names, candidates: candidates, cited: cited,
            escalationCalendar: try await tenders.calendar(), problem: problem, refusedSheet: refusedSheet,
            say: { views.text($0, context) }, stored: { views.stored($0, context) }, message: { views.say($0, context) })
        return views.page("evaluation/evaluation", title: "\(tender.reference) · \(views.text("evaluation_title", context))", model: model, status: status,
                          request: request, context: context)
    }

    /// Runs a form's action; a refusal the user can fix re-renders the page with the problem.
    /// A refused scoring sheet comes back as typed (`refusedSheet` reads what was sent once the action has run).
    private func act(_ request: Request, _ context: AppRequestContext, refusedSheet: () -> RefusedSheet? = { nil },
                     _ action: () async throws -> Void) async throws -> Response {
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
            return try await render(request, context, tenderID: tenderID, problem: error, refusedSheet: refusedSheet(), status: status)
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
    /// empty fields are left out of a draft (a submitted sheet must have them all). A refused sheet comes back as typed,
    /// each problem beside its cell.
    func score(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        var typed: [String: String] = [:]
        var sent: [RefusedSheet.Entry] = []
        return try await act(request, context, refusedSheet: { RefusedSheet(values: typed, entries: sent) }) {
            let tender = try await tenders.tender(id: try context.pathID(), by: actor)
            let opened = try await bids.openedBids(tenderID: tender.id, by: actor)
            var entries: [ScoreEntry] = []
            var problems: [FieldError] = []
            for bid in opened {
                let id = bid.id.lowercased
                typed[EvaluationPage.commentInput(id)] = form[EvaluationPage.commentInput(id)] ?? ""
                for (index, criterion) in tender.terms.criteria.enumerated() {
                    let input = EvaluationPage.scoreInput(id, index)
                    typed[input] = form[input] ?? ""
                    guard let text = form[input]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
                    guard let value = Double(text), let points = Points(value) else {
                        problems.append(FieldError(input, "“\(text)” is not a number of points with at most two decimals"))
                        continue
                    }
                    entries.append(ScoreEntry(bidID: bid.id, criterion: criterion.name, points: points, comment: form[EvaluationPage.commentInput(id)] ?? ""))
                    sent.append(RefusedSheet.Entry(bidId: id, criterion: index))
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
