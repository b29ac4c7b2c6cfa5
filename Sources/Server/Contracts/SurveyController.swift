import Core
import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// The service users' satisfaction survey: a public page behind the contract's survey link, no
/// account. A device cookie (random, a year) makes one answer per device; every form carries a signed
/// token used once (`AnonymousTokens`); the service caps answers per network address under a lock.
struct SurveyController {
    let contracts: ContractService
    let views: Views
    let secureCookies: Bool
    /// The site's public address for the QR code's link (configuration, never the Host header).
    let publicBase: String

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
        guard file.may.shareSurvey, let token = file.contract.surveyToken else {
            throw DomainError.notFound("no survey link for this contract")
        }
        let link = "\(publicBase)/survey/\(token)"
        guard let code = QRCode(link) else { throw DomainError.conflict("the survey link is too long for a QR code") }
        return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "private, max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(string: code.svg())))
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, token: context.parameters.get("token") ?? "")
    }

    private func render(_ request: Request, _ context: AppRequestContext, token: String, outcome: SurveyPage.Outcome? = nil, problem: DomainError? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let contract = try await contracts.surveyContract(token: token)
        // Every rendering carries a fresh single-use token for the device of the cookie.
        let device = Self.device(of: request)
        let issued = contracts.surveyDeviceToken(for: contract, device: device)
        let model = SurveyPage.model(token: token, contract: contract, deviceToken: issued.token, outcome: outcome,
                                     problem: problem.map { Self.problem($0, views: views, context: context) }, say: { views.text($0, context) })
        var response = views.page("contracts/survey", title: views.text("survey_title", context), model: model, status: status, request: request, context: context)
        if device == nil { Self.giveDeviceCookie(issued.device, to: &response, secure: secureCookies) }
        if let retry = problem?.retryAfter { response.headers[.retryAfter] = String(retry) }
        return response
    }

    /// The device of the request's cookie, when it holds one this site could have given (a UUID).
    static func device(of request: Request) -> UUID? {
        request.cookies[deviceCookie].flatMap { UUID(uuidString: $0.value) }
    }

    /// Anonymous forms (the survey, residents' voice) count one voice per device by this random cookie;
    /// the form's token carries the same device.
    static func giveDeviceCookie(_ device: UUID, to response: inout Response, secure: Bool) {
        response.setCookie(Cookie(name: deviceCookie, value: device.uuidString.lowercased(), maxAge: 365 * 24 * 3600, path: "/",
                                  secure: secure, httpOnly: true, sameSite: .lax))
    }

    /// A refusal beside an anonymous form: a refused form token is said in the page's language.
    static func problem(_ error: DomainError, views: Views, context: AppRequestContext) -> ProblemBlock {
        guard AnonymousTokens.isTokenRefusal(error) else { return ProblemBlock(error, message: { views.say($0, context) }) }
        return ProblemBlock(detail: views.text(error.kind == .conflict ? "anonymous_token_used" : "anonymous_token_invalid", context))
    }

    /// The status of a refusal of an anonymous form.
    static func status(of error: DomainError) -> HTTPResponse.Status {
        switch error.kind {
        case .invalid: .unprocessableContent
        case .rateLimited: .tooManyRequests
        default: .conflict
        }
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let form = try await FormData.read(request, context)
        do {
            let counted = try await contracts.answerSurvey(token: token, rating: Int(form["rating"] ?? "") ?? 0, comment: form["comment"] ?? "",
                                                           deviceToken: form[AnonymousTokens.field] ?? "", client: context.remoteAddress ?? "unknown")
            return try await render(request, context, token: token, outcome: counted ? .thanks : .already)
        } catch let error as DomainError where [.invalid, .rateLimited, .conflict].contains(error.kind) {
            return try await render(request, context, token: token, problem: error, status: Self.status(of: error))
        }
    }
}
