import Core
import Foundation
import Hummingbird
import HTTPTypes
import Identity
import Transparency

/// The overseers' workspace: the red flags of the purchases in their jurisdiction, each explained and
/// linked to its evidence.
struct OversightController {
    let transparency: TransparencyService
    let monitoring: MonitoringService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/oversight", use: show)
        router.get("/oversight/cases", use: cases)
        router.post("/oversight/cases", use: open)
        router.get("/oversight/cases/:id") { request, context in try await showCase(request, context: context) }
        router.post("/oversight/cases/:id/posts", use: post)
        router.post("/oversight/cases/:id/close", use: close)
    }

    /// Flags per page (across the kinds), and cases per page.
    static let pageSize = 50

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        // The service decides: overseers see the buyers of their jurisdiction and below, administrators every one.
        let (fetched, counts) = try await transparency.redFlags(for: context.actor, after: request.uri.queryParameters.get("after"),
                                                                limit: Self.pageSize + 1)
        let flags = Array(fetched.prefix(Self.pageSize))
        let cases = try await monitoring.cases(for: context.actor, limit: Self.pageSize + 1)
        let shown = Array(cases.prefix(Self.pageSize))
        let names = try await identity.organisations(ids: Set(flags.map(\.buyerID) + shown.map(\.buyerID)))
        let page = OversightPage.model(flags: flags, counts: counts, cases: shown, moreCases: cases.count > Self.pageSize, names: names,
                                       pager: Pager(request, cursor: "after", fetched: fetched.count, size: Self.pageSize, last: flags.last?.key),
                                       say: { views.text($0, context) })
        return views.page("transparency/oversight", title: views.text("oversight_title", context), model: page, request: request, context: context)
    }

    // MARK: Monitoring cases

    func cases(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Newest first, paged by the last case shown; a cursor naming no case starts again. The count is over every case.
        let before = request.uri.queryParameters.get("before").flatMap(UUID.init(uuidString:))
        let fetched = try await monitoring.cases(for: context.actor, before: before, limit: Self.pageSize + 1)
        let shown = Array(fetched.prefix(Self.pageSize))
        let names = try await identity.organisations(ids: Set(shown.map(\.buyerID)))
        let page = CaseListPage(cases: MonitoringCaseRow.rows(shown, names: names, say: { views.text($0, context) }),
                                total: try await monitoring.cases(for: context.actor).count,
                                pager: Pager(request, cursor: "before", fetched: fetched.count, size: Self.pageSize, last: shown.last?.id.lowercased))
        return views.page("transparency/cases", title: views.text("cases_title", context), model: page, request: request, context: context)
    }

    func open(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let buyer = form["buyer"].flatMap(UUID.init(uuidString:)), let subject = form["subjectId"].flatMap(UUID.init(uuidString:)) else {
            throw DomainError.badRequest("the form names no buyer or subject")
        }
        let opened = try await monitoring.open(by: actor, buyerID: buyer, subjectType: form["subjectType"] ?? "", subjectID: subject,
                                               evidence: form["evidence"] ?? "", title: form["title"] ?? "", question: form["question"] ?? "")
        return .redirect(to: "/oversight/cases/\(opened.id.lowercased)")
    }

    func showCase(_ request: Request, context: AppRequestContext, refused: RefusedCaseForm? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        // The case and its subject's audit trail, with its hash chain checked now.
        let trail = try await monitoring.trail(ofCase: try context.pathID(), by: context.actor)
        let page = CasePage.model(trail: trail, buyer: try await identity.organisation(id: trail.monitoringCase.buyerID), refused: refused,
                                  say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("transparency/case", title: trail.monitoringCase.title, model: page, status: status, request: request, context: context)
    }

    private func act(_ request: Request, _ context: AppRequestContext, form: RefusedCaseForm.Form, text: String,
                     _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
            return .redirect(to: "/oversight/cases/\(try context.pathID().lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await showCase(request, context: context, refused: RefusedCaseForm(form: form, text: text, problem: error), status: error.formStatus)
        }
    }

    func post(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let text = try await FormData.read(request, context)["text"] ?? ""
        return try await act(request, context, form: .post, text: text) { _ = try await monitoring.post(by: actor, caseID: try context.pathID(), text: text) }
    }

    func close(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let outcome = try await FormData.read(request, context)["outcome"] ?? ""
        return try await act(request, context, form: .close, text: outcome) {
            _ = try await monitoring.close(by: actor, caseID: try context.pathID(), outcome: outcome)
        }
    }
}
