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

    private func name(_ zh: String, _ en: String, _ context: AppRequestContext) -> String { context.language == .zh ? zh : en }

    /// The actor's own organisation when they may keep its list.
    private func ownList(_ context: AppRequestContext) -> UUID? { lists.ownList(of: context.actor) }

    func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, form: [:], importResult: nil)
    }

    /// The line form's inputs, in the order the form shows them (ids `line-<name>`, labels `lineField_<name>`).
    static let lineFields = ["year", "reference", "catalogueCode", "title", "targetGroup", "quantity", "unit", "budget", "fundingSource", "tier"]

    /// The list with its filters, and for a buyer's staff the forms; `form` refills a refused line, `refusal` says why.
    private func render(_ request: Request, _ context: AppRequestContext, form: [String: String], refusal: DomainError? = nil,
                        importResult: [String: Any]?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let query = request.uri.queryParameters
        let year = query["year"].flatMap { Int(String($0)) }
        let buyerID = query["buyer"].flatMap { UUID(uuidString: String($0)) }
        var after: PurchaseLine?
        if let cursor = query["after"].flatMap({ UUID(uuidString: String($0)) }) { after = try await lists.lines(ids: [cursor]).first }
        let fetched = try await lists.lines(PurchaseLineQuery(year: year, buyerID: buyerID, after: after, limit: Self.pageSize + 1))
        let lines = Array(fetched.prefix(Self.pageSize))
        let totals = try await lists.totals(year: year, buyerID: buyerID)
        let buyers = try await identity.organisations(kind: .financeOffice, limit: 200) + identity.organisations(kind: .department, limit: 200)
        let names = Dictionary(uniqueKeysWithValues: buyers.map { ($0.id, name($0.nameZh, $0.nameEn, context)) })
        var data: [String: Any] = [
            "year": year.map(String.init) ?? "",
            "buyers": buyers.map { ["id": $0.id.lowercased, "name": name($0.nameZh, $0.nameEn, context), "selected": $0.id == buyerID] },
            "lines": lines.map { line -> [String: Any] in
                let c = line.content
                return ["reference": c.reference, "year": c.year, "buyer": names[line.buyerID] ?? "", "code": c.catalogueCode, "title": c.title,
                        "targetGroup": c.targetGroup, "quantity": c.quantity, "unit": c.unit, "budget": c.budget.formatted,
                        "funding": views.text("funding_\(c.fundingSource.rawValue)", context), "tier": views.text("tier_\(c.tier.rawValue)", context)]
            },
            // Over every matching line, not only the page shown.
            "total": totals.budget.formatted,
            "count": totals.count,
        ]
        let refused = RefusedForm(refusal, prefix: "line", names: Self.lineFields, form: form, label: { views.text("lineField_\($0)", context) },
                                  message: { views.say($0, context) })
        data["line"] = refused.fields
        if let problem = refused.problem { data["problem"] = problem }
        data["pager"] = Pager(request, cursor: "after", fetched: fetched.count, size: Self.pageSize, last: lines.last?.id.lowercased,
                              path: "/purchase-lists")
        if let buyerID { data["download"] = "buyer=\(buyerID.lowercased)" + (year.map { "&year=\($0)" } ?? "") }
        if let own = ownList(context) {
            data["own"] = ["id": own.lowercased, "name": names[own] ?? ""]
            data["fundingSources"] = FundingSource.allCases.map { ["value": $0.rawValue, "label": views.text("funding_\($0.rawValue)", context),
                                                                   "selected": form["fundingSource"] == $0.rawValue] }
            data["tiers"] = Tier.allCases.map { ["value": $0.rawValue, "label": views.text("tier_\($0.rawValue)", context),
                                                 "selected": form["tier"] == $0.rawValue] }
        }
        if let importResult { data["import"] = importResult }
        return views.page("purchase-lists/purchase-lists", title: views.text("purchaseLists_title", context), data: data, status: status,
                          request: request, context: context)
    }

    func addLine(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        var request = request
        let form = FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        var values: [String: String] = [:]
        for key in Self.lineFields { values[key] = form[key] ?? "" }
        do {
            var check = Validator()
            let year = Int(values["year"]!)
            check.check(year != nil, "year", "is not a year")
            let quantity = Int(values["quantity"]!)
            check.check(quantity != nil, "quantity", "must be a whole number")
            let budget = Money.parse(yuan: values["budget"]!)
            check.check(budget != nil, "budget", "is not an amount in yuan, e.g. 260000 or 260,000.00")
            let funding = FundingSource(rawValue: values["fundingSource"]!)
            check.check(funding != nil, "fundingSource", "choose where the money comes from")
            let tier = Tier(rawValue: values["tier"]!)
            check.check(tier != nil, "tier", "choose a tier")
            // Stand-ins where the typed text was no value, so the line's own rules still speak about the other fields.
            let content = PurchaseLineContent(
                year: year ?? PurchaseLineContent.years.lowerBound, reference: values["reference"]!, catalogueCode: values["catalogueCode"]!.uppercased(),
                title: values["title"]!, targetGroup: values["targetGroup"]!, quantity: quantity ?? 1, unit: values["unit"]!,
                budget: budget ?? .yuan(1), fundingSource: funding ?? .generalBudget, tier: tier ?? .street)
            if !check.errors.isEmpty {
                // Every problem at once, in the form's order.
                let unread = Set(check.errors.map(\.field))
                let all = check.errors + content.problems.filter { !unread.contains($0.field) }
                throw DomainError.invalid(all.sorted { (Self.lineFields.firstIndex(of: $0.field) ?? 99) < (Self.lineFields.firstIndex(of: $1.field) ?? 99) })
            }
            _ = try await lists.addLine(by: actor, buyerID: actor.organisationID, content)
            return .redirect(to: "/purchase-lists?buyer=\(actor.organisationID.lowercased)&year=\(content.year)")
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, form: values, refusal: error, importResult: nil, status: error.formStatus)
        }
    }

    func importFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let file = try await MultipartForm.spreadsheet(request, context).file
        do {
            let report = try await lists.importLines(by: actor, buyerID: actor.organisationID, file.data)
            return try await render(request, context, form: [:], importResult: [
                "filename": file.filename ?? "", "created": report.created, "updated": report.updated, "unchanged": report.unchanged])
        } catch let error as DomainError where error.refusesForm {
            // A conflict (a line's money depends on what the file changes) names the line in its sentence.
            let rows = error.kind == .conflict ? [["row": "", "column": error.fields.first?.field ?? "", "message": views.say(error.detail, context)]]
                : error.fields.map { field -> [String: String] in
                    let (row, column) = CatalogueController.split(field.field)
                    return ["row": row, "column": column, "message": views.say(field.message, context)]
                }
            return try await render(request, context, form: [:], importResult: ["filename": file.filename ?? "", "refused": rows, "isRefused": true],
                                    status: error.formStatus)
        }
    }
}
