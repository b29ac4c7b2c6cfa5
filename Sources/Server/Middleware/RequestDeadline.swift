import Core
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization

/// Every request gets an answer within its deadline (default 30 s, SPOKES_REQUEST_DEADLINE_SECONDS): past it,
/// the client hears 503 with Retry-After and the request's task is cancelled. The serve command's database
/// connections carry `statement_timeout` at the same limit, so PostgreSQL ends the statements too.
///
/// It wraps the router's responder rather than sitting among the middleware: the answer must not wait for
/// the handler to notice its cancellation (a wait inside the database client may not), so the handler runs
/// in a task of its own and whichever of it and the timer finishes first answers. Only the time to the
/// response's head counts: a long download (the OCDS export) streams past it.
struct RequestDeadline<Base: HTTPResponder>: HTTPResponder where Base.Context: Sendable {
    typealias Context = Base.Context
    let base: Base
    let limit: Duration
    /// The words of the late answer, in the request's language (read from its headers: the router's
    /// language middleware has not run for a request answered from out here).
    let localisation: Localisation

    /// Resumes a continuation once, with whichever outcome comes first.
    private final class First: Sendable {
        private let continuation: Mutex<CheckedContinuation<Response, any Error>?>
        init(_ continuation: CheckedContinuation<Response, any Error>) { self.continuation = Mutex(continuation) }
        /// True when this outcome was the first.
        @discardableResult
        func resume(with result: Result<Response, any Error>) -> Bool {
            guard let waiting = continuation.withLock({ value in defer { value = nil }; return value }) else { return false }
            waiting.resume(with: result)
            return true
        }
    }

    /// The handler's task, which the timer cancels when it answers first.
    private final class Handle: Sendable {
        private let task = Mutex<Task<Void, Never>?>(nil)
        func set(_ value: Task<Void, Never>) { task.withLock { $0 = value } }
        func cancel() { task.withLock { $0?.cancel(); $0 = nil } }
        func release() { task.withLock { $0 = nil } }
    }

    /// The deadline's timer: scheduled on an event loop, whose cancellation frees it at once. A task sleeping until the
    /// deadline was cancelled when the answer came first, but the runtime kept the sleeping task until its deadline
    /// passed: about 850 bytes a request held for 30 s, 300 MB at 11,000 requests a second (measured under wrk).
    private final class Timer: Sendable {
        private let scheduled = Mutex<Scheduled<Void>?>(nil)
        func set(_ value: Scheduled<Void>) { scheduled.withLock { $0 = value } }
        func cancel() { scheduled.withLock { $0?.cancel(); $0 = nil } }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let base = self.base, limit = self.limit, localisation = self.localisation
        let handler = Handle(), timer = Timer()
        defer {
            handler.release()
            timer.cancel()
        }
        return try await withTaskCancellationHandler {
          try await withCheckedThrowingContinuation { continuation in
            let first = First(continuation)
            let (seconds, attoseconds) = limit.components
            timer.set(MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
                if first.resume(with: .success(Self.late(request, localisation))) { handler.cancel() }
            })
            handler.set(Task {
                let result = await Result(catching: { try await base.respond(to: request, context: context) })
                if first.resume(with: result) { timer.cancel() }
            })
          }
        } onCancel: {
            // The client went away: nothing is waiting for either.
            handler.cancel()
            timer.cancel()
        }
    }

    /// 503: the request took longer than a request may. The API hears problem+json, a page reader a page, each
    /// in the language the language middleware would have picked.
    static func late(_ request: Request, _ localisation: Localisation) -> Response {
        let detail: Message = "This took longer than the time a request may take; nothing more will be done for it. Try again in a moment."
        let language = LanguageMiddleware.language(of: request)
        var response: Response
        if request.uri.path.hasPrefix("/api/") {
            response = Problem(.unavailable, status: .serviceUnavailable, detail: detail).response(in: language, localisation)
        } else {
            let title = localisation.text("error_503", language), text = localisation.say(detail, language)
            let html = "<!doctype html><html lang=\"\(language.rawValue)\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                + "content=\"width=device-width, initial-scale=1\"><title>\(title) · Spokes</title></head><body><main><h1>\(title)</h1><p>\(text)</p>"
                + "<p><a href=\"/\">\(localisation.text("error_back", language))</a></p></main></body></html>"
            response = Response(status: .serviceUnavailable, headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: language.rawValue],
                                body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        response.headers[.retryAfter] = "5"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
