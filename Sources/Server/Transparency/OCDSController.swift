import Core
import Foundation
import HTTPTypes
import Catalogue
import Hummingbird
import Tabular
import Transparency

/// OCDS 1.1 for anyone, no account: release packages by date (paged by sequence), a record by ocid,
/// and the bulk download, streamed. Documented in Contracts/ocds.md.
struct OCDSController {
    let transparency: TransparencyService
    let catalogue: PurchaseCatalogueService
    /// The site's public address (configuration, never the Host header).
    let publicBase: String
    /// The Spokes extension's files (Contracts/ocds/spokes-extension), read at start: its extension.json, its release
    /// schema patch and its static codelists, by path under the extension.
    let extensionFiles: [String: Data]

    init(transparency: TransparencyService, catalogue: PurchaseCatalogueService, publicBase: String, contractsDirectory: String) throws {
        self.transparency = transparency
        self.catalogue = catalogue
        self.publicBase = publicBase
        let folder = contractsDirectory + "/ocds/spokes-extension/"
        var files: [String: Data] = [:]
        for name in ["extension.json", "release-schema.json", "codelists/+itemClassificationScheme.csv"] {
            guard let data = FileManager.default.contents(atPath: folder + name) else {
                throw StartupError(description: "missing the Spokes OCDS extension's \(name) in \(folder)")
            }
            files[name] = data
        }
        extensionFiles = files
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/ocds/releases", use: releases)
        router.get("/api/v1/ocds/records/:ocid", use: record)
        router.get("/api/v1/ocds/export.json", use: export)
        router.get("/api/v1/ocds/workbook.xlsx", use: workbook)
        router.get("/api/v1/ocds/extension/:file", use: extensionFile)
        router.get("/api/v1/ocds/extension/codelists/:file", use: extensionFile)
    }

    /// A buyer's year as a workbook for people (`?buyer=<organisation id>&year=2026`): the latest release of each tender
    /// it published that year, a sheet per kind of record, headers in Chinese (`OCDSWorkbook`).
    func workbook(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var check = Validator()
        let buyer = query.get("buyer").flatMap { UUID(uuidString: $0) }
        check.check(buyer != nil, "buyer", "must be an organisation's id")
        let year = query.get("year").flatMap { Int($0) }
        check.check(year != nil, "year", "must be a year such as 2026")
        try check.finish()
        let releases = try await transparency.latestReleases(buyerID: buyer!, year: year!, by: context.actor)
        return Response(status: .ok, headers: [.contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                               .contentDisposition: "attachment; filename=\"spokes-ocds-\(year!).xlsx\""],
                        body: .init(byteBuffer: ByteBuffer(data: XLSXFile.write(sheets: OCDSWorkbook.sheets(releases)))))
    }

    /// The Spokes extension, at the URL the packages' `extensions` name: its static files, and the purchase catalogue's
    /// codes as the codelist of the `x_SpokesCatalogue` scheme (Code, Title in Chinese, Description in English).
    func extensionFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let path = String(request.uri.path.dropFirst(TransparencyService.extensionPath.count))
        if path == "codelists/spokesCatalogue.csv" {
            // A codelist as OCDS tools read one: plain UTF-8 (no byte order mark), quoted where a field needs it.
            let rows = [["Code", "Title", "Description"]] + (try await catalogue.categories().map { [$0.code, $0.nameZh, $0.nameEn] })
            let text = rows.map { $0.map(Self.quoted).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        guard let data = extensionFiles[path.removingPercentEncoding ?? path] else {
            throw DomainError.notFound("the Spokes extension has no file \(path)")
        }
        return Response(status: .ok, headers: [.contentType: path.hasSuffix(".csv") ? "text/csv; charset=utf-8" : "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
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

    static func quoted(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)
    }
}
