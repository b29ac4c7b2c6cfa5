import Foundation
import Hummingbird
import HTTPTypes

/// Behind a reverse proxy every connection comes from the proxy: the client's own address is in
/// X-Forwarded-For. Only proxies named in the configuration are believed; the client is the nearest
/// address in the header that is not one of them (anything further left could be forged).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trustedProxies.isEmpty else { return try await next(request, context) }
        var context = context
        context.remoteAddress = Self.client(connection: context.remoteAddress, forwardedFor: request.headers[values: HTTPField.Name("X-Forwarded-For")!],
                                            trusted: trustedProxies)
        return try await next(request, context)
    }

    /// The client's address: the connection's own unless it is a trusted proxy, in which case the
    /// right-most forwarded address that is not a trusted proxy.
    static func client(connection: String?, forwardedFor headers: [String], trusted: Set<String>) -> String? {
        guard let connection, trusted.contains(connection) else { return connection }
        let hops = headers.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        return hops.reversed().first { !trusted.contains($0) } ?? connection
    }
}
