import Core
import Foundation
import Hummingbird
import NIOFoundationCompat

/// The contract declares no field nullable: an optional field is left out, never sent as null. The
/// generated decoder would read null as "left out"; this refuses it instead, naming the field, so
/// that what the API takes is exactly what the contract says. (Bodies are already collected, within
/// their limit, by `BodyLimitMiddleware`.)
struct JSONNullMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            return try await next(request, context)
        }
        var request = request
        let body = try await request.collectBody(upTo: BodyLimitMiddleware.jsonLimit)
        // Unreadable JSON is the decoder's to report (400); only readable JSON is looked into.
        if let value = try? JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed]) {
            let nulls = Self.nulls(in: value, at: "")
            if !nulls.isEmpty {
                throw DomainError.invalid(nulls.prefix(20).map { FieldError($0, "must be left out rather than sent as null") })
            }
        }
        return try await next(request, context)
    }

    /// The paths (`a.b.0.c`) of every null in a decoded JSON value.
    static func nulls(in value: Any, at path: String) -> [String] {
        switch value {
        case is NSNull:
            return [path.isEmpty ? "body" : path]
        case let object as [String: Any]:
            return object.sorted { $0.key < $1.key }.flatMap { nulls(in: $0.value, at: path.isEmpty ? $0.key : "\(path).\($0.key)") }
        case let array as [Any]:
            return array.enumerated().flatMap { nulls(in: $0.element, at: path.isEmpty ? "\($0.offset)" : "\(path).\($0.offset)") }
        default:
            return []
        }
    }
}
