import Core
import Crypto
import Foundation
import HTTPTypes
import NIOFoundationCompat
import Hummingbird

/// CSRF protection for the HTML forms. A signed-in user's token is derived from their session's secret
/// (SHA-256 of it, with a label), so it is tied to the session: it changes at every sign-in, dies with the
/// session, and one planted in the browser beforehand (a cookie set by a sibling subdomain) is worth nothing.
/// Visitors without a session (the sign-in form, the anonymous survey) get the double-submit pattern: a
/// random token in a cookie that the form must repeat. Every form carries the token in a hidden `_csrf`
/// field; a post whose field does not match is refused.
/// The API is exempt: it authenticates with bearer tokens, which browsers never send on their own.
///
/// Two middlewares: this one gives every page its token (outside the error middleware, so error
/// pages have it too); `CSRFCheckMiddleware` refuses forged posts (inside, so the refusal is a page).
struct CSRFTokenMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let secureCookies: Bool

    static let cookie = "spokes_csrf"
    static let field = "_csrf"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        var context = context
        let existing = Self.existing(request)
        context.csrfToken = Self.sessionToken(context) ?? existing ?? Self.newToken()
        var response = try await next(request, context)
        // The cookie carries the page's token too (scripts and tests read it there); it follows the session.
        if existing != context.csrfToken && response.headers[values: .setCookie].allSatisfy({ !$0.hasPrefix(Self.cookie + "=") }) {
            response.setCookie(Self.makeCookie(context.csrfToken, secure: secureCookies))
        }
        return response
    }

    /// The visitor's token, when they have a well-formed one.
    static func existing(_ request: Request) -> String? {
        guard let value = request.cookies[cookie]?.value, value.count == 64 else { return nil }
        return value
    }

    /// The token of a signed-in session: one-way from its secret, so the page's token reveals nothing of it.
    static func sessionToken(_ context: Context) -> String? {
        context.sessionSecret.map(token(forSession:))
    }

    static func token(forSession secret: String) -> String {
        SHA256.hash(data: Data("spokes-csrf\n\(secret)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// What a posted form must carry: the session's token when signed in, the cookie's otherwise.
    static func expected(_ request: Request, _ context: Context) -> String? {
        sessionToken(context) ?? existing(request)
    }

    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0 ... 255, using: &generator)) }.joined()
    }

    static func makeCookie(_ token: String, secure: Bool) -> Cookie {
        Cookie(name: cookie, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}

struct CSRFCheckMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        if !request.uri.path.hasPrefix("/api/") && ![.get, .head, .options].contains(request.method) {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let sent = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body))?.text(CSRFTokenMiddleware.field)
                ?? FormData(String(buffer: body))[CSRFTokenMiddleware.field] ?? request.headers[.xCSRFToken] ?? ""
            guard let expected = CSRFTokenMiddleware.expected(request, context), Self.same(sent, expected) else {
                throw DomainError.forbidden("This form has expired or did not come from Spokes. Go back, reload the page and send it again.")
            }
        }
        return try await next(request, context)
    }

    /// Compares in constant time, so the token cannot be guessed a character at a time.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension HTTPField.Name {
    static let xCSRFToken = Self("X-CSRF-Token")!
}
