import Core
import Foundation
import HTTPTypes
import NIOFoundationCompat
import Hummingbird

/// Double-submit CSRF protection for the HTML forms: every visitor gets a random token in a cookie,
/// every form carries it in a hidden `_csrf` field, and a form post whose field does not match its
/// cookie is refused. With SameSite=Lax cookies, another site can neither read nor set the token.
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
        context.csrfToken = existing ?? Self.newToken()
        var response = try await next(request, context)
        if existing == nil && response.headers[values: .setCookie].allSatisfy({ !$0.hasPrefix(Self.cookie + "=") }) {
            response.setCookie(Self.makeCookie(context.csrfToken, secure: secureCookies))
        }
        return response
    }

    /// The visitor's token, when they have a well-formed one.
    static func existing(_ request: Request) -> String? {
        guard let value = request.cookies[cookie]?.value, value.count == 64 else { return nil }
        return value
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
            guard let expected = CSRFTokenMiddleware.existing(request), Self.same(sent, expected) else {
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
