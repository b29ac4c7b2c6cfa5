import Hummingbird
import Logging
import Metrics

/// Every request logged once, when it is answered: method, path, status and duration, with the request's id (issue 28).
/// The query is left out (searches and tracking lookups carry what people typed), and so are headers and bodies, so no
/// password, token, ID number or bid price reaches the log. Answers up to 399 at info, refusals (4xx) at debug, server
/// errors at error with their cause. It sits outside the error middleware: a refusal arrives here as its response.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: Int(response.status.code), started: started, cause: nil)
            return response
        } catch {
            // Past the error middleware only what it did not answer: a failure of the server's own.
            let status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            log(request, context, status: status, started: started, cause: status >= 500 ? String(describing: type(of: error)) : nil)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, started: ContinuousClock.Instant, cause: String?) {
        let elapsed = started.duration(to: .now)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path), "status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.1f", milliseconds)),
        ]
        if let cause { metadata["cause"] = .string(cause) }
        // Prometheus-named series of every request (Hummingbird's own `hb_requests` lack the `_total` and `_seconds` of the
        // conventions): by method, route template (never the path itself: ids would make a series each) and status.
        let route = context.endpointPath ?? "unmatched"
        Counter(label: "spokes_http_requests_total", dimensions: [("method", request.method.rawValue), ("route", route), ("status", String(status))]).increment()
        Metrics.Timer(label: "spokes_http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)])
            .recordNanoseconds(Int64(elapsed.components.seconds) * 1_000_000_000 + Int64(elapsed.components.attoseconds / 1_000_000_000))
        let level: Logger.Level = status >= 500 ? .error : status >= 400 ? .debug : .info
        context.logger.log(level: level, "request", metadata: metadata)
    }
}
