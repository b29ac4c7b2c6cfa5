import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Tendering
import Transparency

/// Residents' voice: the ranked needs of each area, a form to propose one and a button to support
/// others (no account: the device cookie counts one voice, each form's signed token counts once), and for a buyer's staff the form that links
/// one of their purchase lines to a need it answers. The public sees which tender took the line up.
struct VoiceController {
    let voice: VoiceService
    let identity: IdentityService
    let views: Views
    let secureCookies: Bool

    func register(on router: Router<AppRequestContext>) {
        router.get("/voice", use: show)
        router.post("/voice", use: propose)
        router.post("/voice/:need/support", use: support)
        router.post("/voice/:need/answer", use: answer)
    }

    /// Needs per page.
    static let pageSize = 50

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context)
    }

    /// The page; `notice` says what a form just did, `problem` why one was refused (`proposal`: what the proposal form had typed).
    private func render(_ request: Request, _ context: AppRequestContext, notice: VoicePage.Notice? = nil, proposal: [String: String]? = nil,
                        problem: DomainError? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let area = request.uri.queryParameters.get("area").flatMap(UUID.init(uuidString:))
        // Paged as the other lists (a cursor naming no need starts again); the count is over every need of the area.
        let after = request.uri.queryParameters.get("after").flatMap(UUID.init(uuidString:))
        let fetched = try await voice.needs(in: area, by: context.actor, limit: Self.pageSize + 1, after: after)
        let needs = Array(fetched.prefix(Self.pageSize))
        // Every rendering carries a fresh single-use token for the device of the cookie (all the page's resident forms share it).
        let device = SurveyController.device(of: request)
        let issued = voice.deviceToken(device: device)
        // A refused token is told in the page's own words; other refusals by their fields.
        let tokenRefusal = problem.flatMap { AnonymousTokens.isTokenRefusal($0) ? SurveyController.problem($0, views: views, context: context) : nil }
        let page = VoicePage.model(
            needs: needs, jurisdictions: try await identity.jurisdictions(), area: area, total: try await voice.needCount(in: area, by: context.actor),
            // The purchase lines the reader may link to a need (a buyer's staff: their own lines); the service decides.
            lines: try await voice.linkableLines(for: context.actor),
            pager: Pager(request, cursor: "after", fetched: fetched.count, size: Self.pageSize, last: needs.last?.id.lowercased, path: "/voice"),
            deviceToken: issued.token, notice: notice, proposal: proposal, problem: problem, summary: tokenRefusal,
            say: { views.text($0, context) }, message: { views.say($0, context) })
        var response = views.page("transparency/voice", title: views.text("voice_title", context), model: page, status: status, request: request, context: context)
        if device == nil { SurveyController.giveDeviceCookie(issued.device, to: &response, secure: secureCookies) }
        if let retry = problem?.retryAfter { response.headers[.retryAfter] = String(retry) }
        return response
    }

    /// Runs a form's action and shows the page with the notice it returns, or with its refusal beside the forms.
    private func act(_ request: Request, _ context: AppRequestContext, proposal: [String: String]? = nil,
                     _ action: () async throws -> VoicePage.Notice) async throws -> Response {
        do {
            let notice = try await action()
            return try await render(request, context, notice: notice)
        } catch let error as DomainError where [.invalid, .conflict, .rateLimited].contains(error.kind) {
            return try await render(request, context, proposal: proposal, problem: error, status: SurveyController.status(of: error))
        }
    }

    func propose(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let typed = Dictionary(uniqueKeysWithValues: VoicePage.needFields.map { ($0, form[$0] ?? "") })
        return try await act(request, context, proposal: typed) {
            guard let area = form["area"].flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid([FieldError("jurisdiction", "choose a jurisdiction from the list")]) }
            _ = try await voice.propose(jurisdictionID: area, title: form["title"] ?? "", description: form["description"] ?? "",
                                        deviceToken: form[AnonymousTokens.field] ?? "", client: context.remoteAddress ?? "unknown")
            return .proposed
        }
    }

    func support(_ request: Request, context: AppRequestContext) async throws -> Response {
        let needID = try context.pathID("need")
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            try await voice.support(needID: needID, deviceToken: form[AnonymousTokens.field] ?? "", client: context.remoteAddress ?? "unknown")
                ? .supported : .alreadySupported
        }
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            guard let line = form["line"].flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid([FieldError("line", "choose one of your purchase lines")]) }
            try await voice.link(by: actor, needID: try context.pathID("need"), purchaseLineID: line)
            return .answered
        }
    }
}
