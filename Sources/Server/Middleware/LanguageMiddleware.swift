import Hummingbird

/// Picks the language of the answer. Pages: the visitor's choice (a cookie set by the switch), else
/// Accept-Language, else Chinese. The API: Accept-Language alone, else English, since the API has always
/// answered in English and a client that names no language keeps getting what it parsed before.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookie = "spokes_lang"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.language = Self.language(of: request)
        return try await next(request, context)
    }

    static func language(of request: Request) -> Language {
        // The API speaks the Accept-Language header (English by default); its documentation is a page like any other.
        if request.uri.path.hasPrefix("/api/") && request.uri.path != "/api/docs" {
            return Language.preferred(by: request.headers[.acceptLanguage], otherwise: .en)
        }
        return request.cookies[cookie].flatMap { Language(rawValue: $0.value) } ?? Language.preferred(by: request.headers[.acceptLanguage])
    }
}
