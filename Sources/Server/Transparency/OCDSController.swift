import Core
import Foundation
import HTTPTypes
import Hummingbird
import Transparency

/// OCDS 1.1 for anyone, no account: release packages by date (paged by sequence), a record by ocid,
/// and the bulk download, streamed. Documented in Contracts/ocds.md.
struct OCDSController {
    let transparency: TransparencyService
    /// The site's public address (configuration, never the Host header).
    let publicBase: String

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/ocds/releases", use: releases)
        router.get("/api/v1/ocds/records/:ocid", use: record)
        router.get("/api/v1/ocds/export.json", use: export)
    }

    func releases(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var check = Validator()
        let from = query.get("from").map(Self.parse), to = query.get("to").map(Self.parse)
        check.check(from.map { $0 != nil } ?? true, "from", "must be a date-time such as 2026-11-01T00:00:00Z")
        check.check(to.map { $0 != nil } ?? true, "to", "must be a date-time such as 2026-12-01T00:00:00Z")
        let after = query.get("after").map { Int64($0) } ?? 0
        check.check(after != nil && after! >= 0, "after", "must be the next value of the previous page")
        try check.finish()
        let (json, next) = try await transparency.releasePackage(from: from ?? nil, to: to ?? nil, after: after!, limit: query.get("limit").flatMap { Int($0) } ?? 100,
                                                                 uri: absolute(request), by: context.actor)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let next {
            var components = URLComponents(string: request.uri.description) ?? URLComponents()
            components.queryItems = (components.queryItems ?? []).filter { $0.name != "after" } + [URLQueryItem(name: "after", value: String(next))]
            headers[HTTPField.Name("Link")!] = "<\(components.string ?? "")>; rel=\"next\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    func record(_ request: Request, context: AppRequestContext) async throws -> Response {
        let ocid = context.parameters.get("ocid") ?? ""
        let json = try await transparency.recordPackage(ocid: ocid, uri: absolute(request), by: context.actor)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// Every release in one package, written as it is read, a page at a time.
    func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let transparency = self.transparency
        let uri = absolute(request), actor = context.actor
        return Response(status: .ok, headers: [.contentType: "application/json", .contentDisposition: "attachment; filename=\"spokes-ocds.json\""],
                        body: ResponseBody { writer in
                            _ = try await transparency.export(uri: uri, by: actor) { try await writer.write(ByteBuffer(string: $0)) }
                            try await writer.finish(nil)
                        })
    }

    /// The package's own address, absolute as OCDS requires: the configured public address and the path asked.
    func absolute(_ request: Request) -> String {
        publicBase + request.uri.description
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)
    }
}
