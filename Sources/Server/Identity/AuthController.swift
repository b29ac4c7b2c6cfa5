import Core
import Foundation
import Hummingbird
import Identity

/// Signing in and out of the pages, and the language switch.
struct AuthController {
    let identity: IdentityService
    let views: Views
    let secureCookies: Bool

    func register(on router: Router<AppRequestContext>) {
        router.get("/login", use: loginForm)
        router.post("/login", use: login)
        router.post("/logout", use: logout)
        router.get("/lang", use: switchLanguage)
    }

    func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.actor != nil { return .redirect(to: "/") }
        return form(request, context, next: Self.safeRedirect(request.uri.queryParameters["next"].map(String.init)))
    }

    private func form(_ request: Request, _ context: AppRequestContext, next: String, username: String = "",
                      error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        views.page("identity/login", title: views.text("login_title", context), model: LoginPage(next: next, username: username, error: error),
                   status: status, request: request, context: context)
    }

    func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        let username = form["username"] ?? ""
        let next = Self.safeRedirect(form["next"])
        let actor: Actor
        do {
            // Counted per (user name, address), per name and per address (`SignInPolicy`): a stranger failing from
            // another address does not lock the user out here.
            actor = try await identity.signIn(username: username, password: form["password"] ?? "", client: context.remoteAddress ?? "unknown")
        } catch let error as DomainError where error.kind == .unauthenticated || error.kind == .locked {
            let message = error.kind == .locked ? views.say(error.detail, context) : views.text("login_failed", context)
            var response = self.form(request, context, next: next, username: username, error: message,
                                     status: error.kind == .locked ? .tooManyRequests : .unauthorized)
            if let retry = error.retryAfter { response.headers[.retryAfter] = String(retry) }
            return response
        }
        // A new session secret and a new CSRF token at every sign-in (no session fixation).
        if let old = context.sessionSecret { try await identity.endSession(old) }
        let session = try await identity.startSession(for: actor)
        var response = Response.redirect(to: next)
        response.setCookie(Cookie(name: AuthenticationMiddleware.sessionCookie, value: session.secret, expires: session.expiresAt,
                                  path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        response.setCookie(CSRFTokenMiddleware.makeCookie(CSRFTokenMiddleware.token(forSession: session.secret), secure: secureCookies))
        return response
    }

    func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let secret = context.sessionSecret { try await identity.endSession(secret) }
        var response = Response.redirect(to: "/")
        response.setCookie(Cookie(name: AuthenticationMiddleware.sessionCookie, value: "", maxAge: 0, path: "/",
                                  secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    func switchLanguage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = request.uri.queryParameters["to"].flatMap { Language(rawValue: String($0)) } ?? context.language.other
        var response = Response.redirect(to: Self.safeRedirect(request.uri.queryParameters["back"].map(String.init)))
        response.setCookie(Cookie(name: LanguageMiddleware.cookie, value: language.rawValue, maxAge: 365 * 24 * 3600,
                                  path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// Only paths on this site (`SitePath`): no open redirect.
    static func safeRedirect(_ target: String?) -> String {
        guard let target, SitePath.isSafe(target) else { return "/" }
        return target
    }
}
