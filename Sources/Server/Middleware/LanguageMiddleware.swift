import Hummingbird

/// Picks the language of the answer. Pages: the visitor's choice (a cookie set by the switch), else
/// Accept-Language, else Chinese. The API: Accept-Language alone, else English, since the API has always
/// answered in English and a client that names no language keeps getting what it parsed before.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookie = "spokes_lang"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if request.uri.path.hasPrefix("/api/") {
            context.language = Language.preferred(by: request.headers[.acceptLanguage], otherwise: .en)
        } else {
            context.language = request.cookies[Self.cookie].flatMap { Language(rawValue: $0.value) }
                ?? Language.preferred(by: request.headers[.acceptLanguage])
        }
        return try await next(request, context)
    }
}
