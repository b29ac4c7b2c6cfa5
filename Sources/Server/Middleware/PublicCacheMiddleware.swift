import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Serves the public records to visitors who are not signed in from `PublicCache`, with a strong `ETag` that answers
/// `If-None-Match` with 304, and empties the cache after every write this instance takes. It sits inside the
/// authentication (it must know there is no user) and the CSRF token's middleware (a page holding the visitor's own
/// token is theirs alone and never kept), outside the error middleware (a refusal or an error page is never kept).
struct PublicCacheMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let cache: PublicCache

    /// The public records' pages and API (issue 25): tenders, contracts, organisations, the catalogue, OCDS, insights,
    /// the directory and the purchase lists. Anything else (a resident's tracking page, the device tokens of the needs
    /// board, the grassroots pages) is computed for each request.
    static let covered = ["/tenders", "/contracts", "/organisations", "/catalogue", "/insights", "/suppliers", "/purchase-lists",
                          "/api/v1/tenders", "/api/v1/contracts", "/api/v1/organisations", "/api/v1/catalogue", "/api/v1/ocds",
                          "/api/v1/insights", "/api/v1/red-flags", "/api/v1/suppliers", "/api/v1/purchase-lines"]

    static func covers(_ path: String) -> Bool {
        path == "/" || covered.contains { path == $0 || path.hasPrefix($0 + "/") || path.hasPrefix($0 + ".") }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get else {
            guard request.method != .head && request.method != .options else { return try await next(request, context) }
            // A write empties this instance's cache at once (other instances hear of it from PostgreSQL); a refusal wrote
            // nothing, so a stranger's refused POST does not empty it.
            do {
                let response = try await next(request, context)
                if response.status.code < 400 { cache.invalidate() }
                return response
            } catch {
                cache.invalidate()
                throw error
            }
        }
        guard cache.isEnabled, context.actor == nil, Self.covers(request.uri.path) else {
            return try await next(request, context)
        }
        let key = "\(context.language.rawValue) \(request.uri.path)?\(request.uri.query ?? "")"
        // A long query is a search nobody repeats (or an attempt to fill the memory with keys): computed, not kept.
        guard key.utf8.count <= PublicCache.longestKey else { return try await next(request, context) }
        let ifNoneMatch = request.headers[.ifNoneMatch]
        if let entry = cache.entry(key) { return Self.answer(entry.headers, entry.body, etag: entry.etag, ifNoneMatch: ifNoneMatch) }
        let generation = cache.generation
        let response = try await next(request, context)
        guard response.status == .ok, response.headers[.setCookie] == nil,
              !(response.headers[.cacheControl] ?? "").contains("private"), !(response.headers[.cacheControl] ?? "").contains("no-store"),
              let length = response.body.contentLength, length <= cache.largestEntry else { return response }
        let body = try await Self.collect(response.body, length: length)
        // A page that carries the visitor's own form token (a form for anyone) is theirs alone: sent as it came.
        guard context.csrfToken.isEmpty || body.readableBytesView.firstRange(of: Data(context.csrfToken.utf8)) == nil else {
            return Response(status: response.status, headers: response.headers, body: .init(byteBuffer: body))
        }
        var headers = response.headers
        headers[.contentLength] = nil
        let etag = PublicCache.etag(of: body)
        cache.store(key, .init(headers: headers, body: body, etag: etag, storedAt: .now), computedIn: generation)
        return Self.answer(headers, body, etag: etag, ifNoneMatch: ifNoneMatch)
    }

    /// The answer, or 304 when the client holds these very bytes. Proxies may keep it but must ask again each time: the
    /// 304 is cheap, and a change must show at once.
    static func answer(_ headers: HTTPFields, _ body: ByteBuffer, etag: String, ifNoneMatch: String?) -> Response {
        var headers = headers
        headers[.eTag] = etag
        headers[.cacheControl] = "public, no-cache"
        headers[.vary] = "Accept-Language, Cookie"
        if PublicCache.matches(ifNoneMatch, etag) {
            headers[.contentType] = nil
            headers[.contentDisposition] = nil
            // The length of the answer the client holds (RFC 9110 §8.6), not of this empty body.
            headers[.contentLength] = String(body.readableBytes)
            return Response(status: .notModified, headers: headers, body: .init())
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// The bytes of a body whose length is known (a rendered page or JSON answer).
    static func collect(_ body: ResponseBody, length: Int) async throws -> ByteBuffer {
        let collector = Collector(capacity: length)
        try await body.write(collector)
        return collector.buffer.withLock { $0 }
    }

    /// Collects into a buffer of the body's known length, so what is kept is what is counted.
    private final class Collector: ResponseBodyWriter, Sendable {
        let buffer: Mutex<ByteBuffer>
        init(capacity: Int) { buffer = Mutex(ByteBufferAllocator().buffer(capacity: capacity)) }
        func write(_ part: ByteBuffer) async throws { buffer.withLock { var part = part; $0.writeBuffer(&part) } }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
