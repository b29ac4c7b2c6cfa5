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

    private func render(_ request: Request, _ context: AppRequestContext, notice: String? = nil, problem: DomainError? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let jurisdictions = try await identity.jurisdictions()
        let names = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0.nameZh) })
        let area = request.uri.queryParameters.get("area").flatMap(UUID.init(uuidString:))
        // Paged as the other lists (a cursor naming no need starts again); the count is over every need of the area.
        let after = request.uri.queryParameters.get("after").flatMap(UUID.init(uuidString:))
        let fetched = try await voice.needs(in: area, by: context.actor, limit: Self.pageSize + 1, after: after)
        let needs = Array(fetched.prefix(Self.pageSize))
        // The purchase lines the reader may link to a need (a buyer's staff: their own lines); the service decides.
        let ownLines: [[String: Any]] = try await voice.linkableLines(for: context.actor).map {
            ["id": $0.id.lowercased, "label": "\($0.content.year) \($0.content.reference) \($0.content.title)"]
        }
        var data: [String: Any] = [
            "needs": needs.map { need -> [String: Any] in
                var row: [String: Any] = [
                    "id": need.id.lowercased, "title": need.title, "description": need.description, "supports": need.supports,
                    "area": names[need.jurisdictionID] ?? "", "proposedOn": WorkingCalendar().dayKey(need.proposedAt),
                    "answers": need.answers.map { answer -> [String: Any] in
                        var item: [String: Any] = ["line": "\(answer.lineReference) \(answer.lineTitle)"]
                        if let tender = answer.tenderID, let reference = answer.tenderReference { item["tender"] = ["id": tender.lowercased, "reference": reference] }
                        return item
                    },
                ]
                if !ownLines.isEmpty { row["answerForm"] = ["lines": ownLines] }
                return row
            },
            "areas": jurisdictions.map { ["id": $0.id.lowercased, "name": $0.nameZh, "selected": $0.id == area] },
            "total": try await voice.needCount(in: area, by: context.actor),
            "pager": Pager(request, cursor: "after", fetched: fetched.count, size: Self.pageSize, last: needs.last?.id.lowercased, path: "/voice"),
        ]
        // Every rendering carries a fresh single-use token for the device of the cookie (all the page's resident forms share it).
        let device = SurveyController.device(of: request)
        let issued = voice.deviceToken(device: device)
        data["deviceToken"] = issued.token
        if let notice { data[notice] = true }
        if let problem { data["problem"] = SurveyController.problem(problem, views: views, context: context) }
        var response = views.page("transparency/voice", title: views.text("voice_title", context), data: data, status: status, request: request, context: context)
        if device == nil { SurveyController.giveDeviceCookie(issued.device, to: &response, secure: secureCookies) }
        if let retry = problem?.retryAfter { response.headers[.retryAfter] = String(retry) }
        return response
    }

    /// Runs a form's action and shows the page with the notice it returns, or with its refusal beside the forms.
    private func act(_ request: Request, _ context: AppRequestContext, _ action: () async throws -> String) async throws -> Response {
        do {
            let notice = try await action()
            return try await render(request, context, notice: notice)
        } catch let error as DomainError where [.invalid, .conflict, .rateLimited].contains(error.kind) {
            return try await render(request, context, problem: error, status: SurveyController.status(of: error))
        }
    }

    func propose(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            guard let area = form["area"].flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid([FieldError("jurisdiction", "choose a jurisdiction from the list")]) }
            _ = try await voice.propose(jurisdictionID: area, title: form["title"] ?? "", description: form["description"] ?? "",
                                        deviceToken: form[AnonymousTokens.field] ?? "", client: context.remoteAddress ?? "unknown")
            return "proposed"
        }
    }

    func support(_ request: Request, context: AppRequestContext) async throws -> Response {
        let needID = try context.pathID("need")
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            try await voice.support(needID: needID, deviceToken: form[AnonymousTokens.field] ?? "", client: context.remoteAddress ?? "unknown")
                ? "supported" : "alreadySupported"
        }
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            guard let line = form["line"].flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid([FieldError("line", "choose one of your purchase lines")]) }
            try await voice.link(by: actor, needID: try context.pathID("need"), purchaseLineID: line)
            return "answered"
        }
    }
}
