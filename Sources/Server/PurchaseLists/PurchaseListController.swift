import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Tabular
import Tendering

/// The purchase-list pages: everyone reads the lines; a buyer's own staff add lines and import
/// their list. A refused form or file comes back with every error and nothing changed.
struct PurchaseListController {
    let lists: PurchaseListService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/purchase-lists", use: page)
        router.post("/purchase-lists/lines", use: addLine)
        router.post("/purchase-lists/import", use: importFile)
        for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
            router.get("/purchase-lists/export.\(kind.rawValue)") { request, _ in
                guard let buyer = request.uri.queryParameters["buyer"].flatMap({ UUID(uuidString: String($0)) }) else {
                    throw DomainError.badRequest("Choose a buyer to download its list.")
                }
                let year = request.uri.queryParameters["year"].flatMap { Int(String($0)) }
                return Response.spreadsheet(try await lists.exportLines(buyerID: buyer, year: year, as: kind), name: "purchase-lines", kind: kind)
            }
        }
    }

    /// Lines per page (the API's default page too).
    static let pageSize = 100

    /// The actor's own organisation when they may keep its list.
    private func ownList(_ context: AppRequestContext) -> UUID? { lists.ownList(of: context.actor) }

    func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context)
    }

    /// The list with its filters, and for a buyer's staff the forms; `form` refills a refused line, `refusal` says why.
    private func render(_ request: Request, _ context: AppRequestContext, form: [String: String] = [:], refusal: DomainError? = nil,
                        imported: PurchaseListPage.Imported? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let query = request.uri.queryParameters
        let year = query["year"].flatMap { Int(String($0)) }
        let buyerID = query["buyer"].flatMap { UUID(uuidString: String($0)) }
        var after: PurchaseLine?
        if let cursor = query["after"].flatMap({ UUID(uuidString: String($0)) }) { after = try await lists.lines(ids: [cursor]).first }
        let fetched = try await lists.lines(PurchaseLineQuery(year: year, buyerID: buyerID, after: after, limit: Self.pageSize + 1))
        let lines = Array(fetched.prefix(Self.pageSize))
        let page = PurchaseListPage.model(
            lines: lines, totals: try await lists.totals(year: year, buyerID: buyerID),
            buyers: try await identity.organisations(kind: .financeOffice, limit: 200) + identity.organisations(kind: .department, limit: 200),
            year: year, buyerID: buyerID, own: ownList(context),
            pager: Pager(request, cursor: "after", fetched: fetched.count, size: Self.pageSize, last: lines.last?.id.lowercased, path: "/purchase-lists"),
            form: form, refusal: refusal, imported: imported, language: context.language, say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("purchase-lists/purchase-lists", title: views.text("purchaseLists_title", context), model: page, status: status,
                          request: request, context: context)
    }

    func addLine(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = PurchaseLineForm(try await FormData.read(request, context))
        do {
            let content = try form.content()
            _ = try await lists.addLine(by: actor, buyerID: actor.organisationID, content)
            return .redirect(to: "/purchase-lists?buyer=\(actor.organisationID.lowercased)&year=\(content.year)")
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, form: form.values, refusal: error, status: error.formStatus)
        }
    }

    func importFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let file = try await MultipartForm.spreadsheet(request, context).file
        do {
            let report = try await lists.importLines(by: actor, buyerID: actor.organisationID, file.data)
            return try await render(request, context, imported: .done(report, filename: file.filename ?? ""))
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, imported: .refused(error, filename: file.filename ?? "", message: { views.say($0, context) }),
                                    status: error.formStatus)
        }
    }
}
