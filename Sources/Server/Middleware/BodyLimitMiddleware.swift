import Core
import Hummingbird
import NIOCore

/// Reads every request body up to its limit before anything else does, so that no handler (the
/// generated API layer collects JSON bodies without a limit of its own) ever holds more: JSON at most
/// 1 MB, files and forms at most `maxUploadSize`. Larger bodies are refused with 413.
///
/// The two API operations whose JSON carries files in base64 (a milestone report's evidence, an inspection's
/// photos) take as much as the same upload on the page, in base64: the services accept 10 MB files, and a
/// 1 MB body would have refused them on the API only.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let jsonLimit = 1024 * 1024

    /// `POST /api/v1/milestones/{id}/reports` and `POST /api/v1/service-sites/{id}/inspections`.
    static func carriesFiles(_ path: Substring) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].isEmpty, parts[1] == "api", parts[2] == "v1" else { return false }
        // A sign-up carries the registration certificate.
        if parts.count == 4 { return parts[3] == "registrations" }
        guard parts.count == 6, !parts[4].isEmpty else { return false }
        return (parts[3] == "milestones" && parts[5] == "reports") || (parts[3] == "service-sites" && parts[5] == "inspections")
            || (parts[3] == "organisations" && parts[5] == "registration")
    }

    /// The upload limit in base64, with room for the rest of the body.
    static func fileJSONLimit(_ uploadLimit: Int) -> Int { uploadLimit / 3 * 4 + 64 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        let json = request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true
        let limit = !json ? context.maxUploadSize
            : Self.carriesFiles(Substring(request.uri.path)) ? Self.fileJSONLimit(context.maxUploadSize) : Self.jsonLimit
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
