import Core
import Foundation
import Hummingbird
import Metrics
import OpenAPIRuntime

/// Turns every error into a response the client can act on: problem+json under /api, a readable
/// page elsewhere. Unexpected errors are logged with the request id and shown without details.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem.from(error)
            // Refusals and failures by their problem type (`urn:spokes:problem:conflict` → conflict), for the operators.
            Counter(label: problem.status >= 500 ? "spokes_server_errors_total" : "spokes_refusals_total",
                    dimensions: [("type", String(problem.type.split(separator: ":").last ?? "unknown"))]).increment()
            if problem.status >= 500 {
                // The API layer's wrapper hides its cause's details unless asked for them by name.
                let cause = (error as? ServerError).map { String(reflecting: $0.underlyingError) } ?? String(reflecting: error)
                context.logger.error("request failed", metadata: ["error": "\(cause)"])
            }
            if request.uri.path.hasPrefix("/api/") || !acceptsHTML(request) {
                return problem.response(in: context.language, views.localisation)
            }
            var page = problem
            // Pages say it in the reader's language; the API keeps the contract's English.
            if let missing = error as? WorkingCalendar.YearNotHeld ?? ((error as? ServerError)?.underlyingError as? WorkingCalendar.YearNotHeld) {
                page.detail = .verbatim(Views.fill(views.text("calendar_missing", context), [String(missing.year)]))
            }
            return errorPage(page, request: request, context: context)
        }
    }

    private func acceptsHTML(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept] else { return true }
        return accept.contains("text/html") || accept.contains("*/*")
    }

    private func errorPage(_ problem: Problem, request: Request, context: Context) -> Response {
        // Not signed in and a page needs it: go to the sign-in page, then come back.
        if problem.status == 401 && request.method == .get {
            let back = request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
            return .redirect(to: "/login?next=\(back)", type: .normal)
        }
        let headline = views.text("error_\(problem.status)", context)
        var fields: [[String: String]] = []
        for field in problem.errors ?? [] { fields.append(["field": field.field, "message": views.say(field.message, context)]) }
        return views.page("shared/error", title: headline.hasPrefix("error_") ? problem.title : headline, data: [
            "status": problem.status,
            "headline": headline.hasPrefix("error_") ? problem.title : headline,
            "detail": views.say(problem.detail, context),
            "fields": fields,
            "requestID": context.id,
        ], status: problem.httpStatus, request: request, context: context)
    }
}
