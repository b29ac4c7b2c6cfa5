import Core
import Delivery
import Foundation
import HTTPTypes
import Hummingbird

/// The service users' satisfaction survey: a public page behind the contract's survey link, no
/// account. A device cookie (random, a year) makes one answer per device; the service caps answers
/// per network address.
struct SurveyController {
    let contracts: ContractService
    let views: Views
    let secureCookies: Bool

    static let deviceCookie = "spokes_device"

    func register(on router: Router<AppRequestContext>) {
        router.get("/survey/:token", use: show)
        router.post("/survey/:token", use: answer)
        router.get("/contracts/:id/survey-qr.svg", use: qr)
    }

    /// The survey link as a QR code for the parties to print: the link's host is the one the page was asked on.
    func qr(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let file = try await contracts.file(id: try context.pathID(), by: actor)
        guard file.contract.isParty(actor.organisationID), file.contract.signedAt != nil, let token = file.contract.surveyToken else {
            throw DomainError.notFound("no survey link for this contract")
        }
        let host = request.head.authority ?? "127.0.0.1"
        let link = "\(secureCookies ? "https" : "http")://\(host)/survey/\(token)"
        guard let code = QRCode(link) else { throw DomainError.conflict("the survey link is too long for a QR code") }
        return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "private, max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(string: code.svg())))
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, token: context.parameters.get("token") ?? "")
    }

    private func render(_ request: Request, _ context: AppRequestContext, token: String, outcome: String? = nil, problem: DomainError? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let contract = try await contracts.surveyContract(token: token)
        var data: [String: Any] = ["token": token, "title": contract.title, "reference": contract.reference,
                                   "ratings": (1...5).reversed().map { ["value": $0, "label": views.text("survey_rating_\($0)", context)] }]
        if let outcome { data[outcome] = true }
        if let problem { data["problem"] = problem.pageData }
        var response = views.page("survey", title: views.text("survey_title", context), data: data, status: status, request: request, context: context)
        Self.giveDeviceCookie(to: &response, unless: request, secure: secureCookies)
        return response
    }

    /// Anonymous forms (the survey, residents' voice) count one voice per device by this random cookie.
    static func giveDeviceCookie(to response: inout Response, unless request: Request, secure: Bool) {
        guard request.cookies[deviceCookie] == nil else { return }
        response.setCookie(Cookie(name: deviceCookie, value: UUID().uuidString.lowercased(), maxAge: 365 * 24 * 3600, path: "/",
                                  secure: secure, httpOnly: true, sameSite: .lax))
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let form = try await FormData.read(request, context)
        do {
            let counted = try await contracts.answerSurvey(token: token, rating: Int(form["rating"] ?? "") ?? 0, comment: form["comment"] ?? "",
                                                           device: request.cookies[Self.deviceCookie]?.value ?? "", client: context.remoteAddress ?? "unknown")
            return try await render(request, context, token: token, outcome: counted ? "thanks" : "already")
        } catch let error as DomainError where [.invalid, .rateLimited].contains(error.kind) {
            return try await render(request, context, token: token, problem: error,
                                    status: error.kind == .invalid ? .unprocessableContent : .tooManyRequests)
        }
    }
}
