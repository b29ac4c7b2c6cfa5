import Hummingbird

/// Picks the page language: the visitor's choice (a cookie set by the switch), else Accept-Language.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookie = "spokes_lang"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.language = request.cookies[Self.cookie].flatMap { Language(rawValue: $0.value) }
            ?? Language.preferred(by: request.headers[.acceptLanguage])
        return try await next(request, context)
    }
}
