import Core
import Hummingbird
import NIOCore

/// Reads every request body up to its limit before anything else does, so that no handler (the
/// generated API layer collects JSON bodies without a limit of its own) ever holds more: JSON at most
/// 1 MB, files and forms at most `maxUploadSize`. Larger bodies are refused with 413.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let jsonLimit = 1024 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        let limit = request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true ? Self.jsonLimit : context.maxUploadSize
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw Self.refusal(limit) }
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Self.refusal(limit)
        }
        return try await next(request, context)
    }

    static func refusal(_ limit: Int) -> DomainError {
        DomainError(.tooLarge, "The request is larger than the \(limit / 1024 / 1024) MB accepted here.")
    }
}
