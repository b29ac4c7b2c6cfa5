import Catalogue
import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import NIOFoundationCompat
import Tabular

/// The catalogue's pages: the public list and item pages (a jurisdiction's list with what it inherits),
/// the materials registry, the guiding catalogue with each jurisdiction's negative list, and the import
/// page where finance offices load spreadsheets. Who may do what is the services' to say.
struct CatalogueController {
    let purchaseCatalogue: PurchaseCatalogueService
    let items: ServiceItemService
    let negativeList: NegativeListService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/catalogue", use: list)
        router.get("/catalogue/items/{id}", use: item)
        router.get("/catalogue/items/{id}/history", use: history)
        router.post("/catalogue/items/{id}/local", use: setLocalDetails)
        router.get("/catalogue/materials", use: materials)
        router.post("/catalogue/materials/{code}/retire", use: retire)
        router.get("/catalogue/import", use: importForm)
        router.post("/catalogue/import", use: importFile)
        router.get("/catalogue/purchase", use: purchaseCataloguePage)
        router.post("/catalogue/negative-entries", use: addNegativeEntry)
        router.post("/catalogue/negative-entries/{id}/remove", use: removeNegativeEntry)
        for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
            router.get("/catalogue/purchase.\(kind.rawValue)") { _, _ in try await Response.spreadsheet(purchaseCatalogue.export(as: kind), name: "purchase-catalogue", kind: kind) }
            router.get("/catalogue/items.\(kind.rawValue)") { request, _ in
                let list = request.uri.queryParameters["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
                return try await Response.spreadsheet(items.exportItems(as: kind, jurisdiction: list), name: "service-items", kind: kind)
            }
            router.get("/catalogue/materials.\(kind.rawValue)") { _, _ in try await Response.spreadsheet(items.exportMaterials(as: kind), name: "materials", kind: kind) }
        }
    }

    /// Departments and finance offices, by id, for names and the department filter.
    private func departments() async throws -> [Organisation] {
        try await identity.organisations(kind: .department, limit: 200) + identity.organisations(kind: .financeOffice, limit: 200)
    }

    // MARK: The public list

    /// Items per page.
    static let pageSize = 100

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let text = query["q"].map(String.init) ?? ""
        let departmentID = query["department"].flatMap { UUID(uuidString: String($0)) }
        let tier = query["tier"].flatMap { Tier(rawValue: String($0)) }
        let onTheSpot: Bool? = query["spot"] == "yes" ? true : query["spot"] == "no" ? false : nil
        let jurisdiction = query["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        // A cursor naming no published item starts again from the first page.
        var after: ServiceItem?
        if let cursor = query["after"].map(String.init), !cursor.isEmpty { after = try await items.items(codes: [cursor]).first }
        let search = ItemSearch(text: text, departmentID: departmentID, jurisdiction: jurisdiction, tier: tier, onTheSpot: onTheSpot,
                                limit: Self.pageSize + 1, after: after)
        let listing = try await items.listing(search)
        let entries = Array(listing.entries.prefix(Self.pageSize))
        let model = CatalogueListPage.model(
            listing: listing, entries: entries, search: search, departments: try await departments(), jurisdictions: try await identity.jurisdictions(),
            pager: Pager(request, cursor: "after", fetched: listing.suggested ? entries.count : listing.entries.count, size: Self.pageSize,
                         last: entries.last?.item.code),
            language: context.language, say: { views.text($0, context) })
        return views.page("catalogue/catalogue", title: views.text("catalogue_title", context), model: model, request: request, context: context)
    }

    // MARK: One item

    func item(_ request: Request, context: AppRequestContext) async throws -> Response {
        let item = try await items.item(id: try id(context))
        let (required, retired) = try await items.requiredMaterials(of: item)
        let department = try await identity.organisation(id: item.departmentID)
        let list = try await identity.jurisdiction(id: item.jurisdictionID)
        var draft: Bool?
        if let actor = context.actor, try await items.mayManage(actor, item: item) { draft = try await items.draft(by: actor, itemID: item.id) != nil }
        // The jurisdictions this user may describe: their own and those below it.
        let model = ItemPage.model(item: item, required: required, retired: retired, department: department, list: list, draft: draft,
                                   local: try await items.localDetails(of: item.id), jurisdictions: try await identity.jurisdictions(),
                                   localChoices: try await items.localDetailJurisdictions(for: context.actor), language: context.language,
                                   say: { views.text($0, context) })
        return views.page("catalogue/catalogue-item", title: model.name, model: model, request: request, context: context)
    }

    func setLocalDetails(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let itemID = try id(context)
        var request = request
        let form = FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        _ = try await items.setLocalDetails(by: actor, itemID: itemID, jurisdictionCode: form["jurisdictionCode"] ?? "",
                                            address: form["address"] ?? "", phone: form["phone"] ?? "", hours: form["hours"] ?? "",
                                            notes: form["notes"] ?? "")
        return .redirect(to: "/catalogue/items/\(itemID.lowercased)")
    }

    func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        let model = ItemHistoryPage.model(versions: try await items.history(id: try id(context)), language: context.language,
                                          say: { views.text($0, context) })
        return views.page("catalogue/catalogue-history", title: views.text("catalogue_history", context), model: model, request: request, context: context)
    }

    static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter
    }()

    // MARK: Materials

    func materials(_ request: Request, context: AppRequestContext) async throws -> Response {
        let model = MaterialsPage.model(materials: try await items.materials(), report: try await items.materialsReport(),
                                        canRetire: items.mayKeepMaterials(context.actor), language: context.language, say: { views.text($0, context) })
        return views.page("catalogue/catalogue-materials", title: views.text("materials_title", context), model: model, request: request, context: context)
    }

    func retire(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        var request = request
        let form = FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        guard let reason = form["reason"].flatMap(RetirementReason.init(rawValue:)) else {
            throw DomainError.invalid([FieldError("reason", "choose data sharing or a signed commitment")])
        }
        _ = try await items.retireMaterial(by: actor, code: context.parameters.get("code") ?? "", reason: reason, note: form["note"] ?? "")
        return .redirect(to: "/catalogue/materials")
    }

    // MARK: Import

    func importForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try items.requireKeeper(context.actor)
        return views.page("catalogue/catalogue-import", title: views.text("import_title", context), model: ImportPage.form(mayImportShared: mayImportShared(context)),
                          request: request, context: context)
    }

    /// What the signed-in user may import: items (their lists), the shared lists only for administrators.
    private func mayImportShared(_ context: AppRequestContext) -> Bool {
        items.mayKeepMaterials(context.actor) && purchaseCatalogue.mayImport(context.actor)
    }

    /// Loads an uploaded spreadsheet. A refused file shows every error by row and column; nothing changed.
    func importFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try items.requireKeeper(actor)
        let (form, file) = try await MultipartForm.spreadsheet(request, context)
        let kind = form.text("kind") ?? "items"
        let filename = file.filename ?? "", kindName = views.text("import_kind_\(kind)", context)
        do {
            let report: ImportReport = switch kind {
            case "materials": try await items.importMaterials(by: actor, file.data)
            case "purchase": try await purchaseCatalogue.importFile(by: actor, file.data)
            default: try await items.importItems(by: actor, file.data)
            }
            let model = ImportPage.imported(report, mayImportShared: mayImportShared(context), filename: filename, kind: kindName)
            return views.page("catalogue/catalogue-import", title: views.text("import_title", context), model: model, request: request, context: context)
        } catch let error as DomainError where error.kind == .invalid || (error.kind == .forbidden && !error.fields.isEmpty) {
            // Rows of lists the user does not keep (403), or rows that are wrong (422): each named, nothing changed.
            let model = ImportPage.refused(error, mayImportShared: mayImportShared(context), filename: filename, kind: kindName,
                                           message: { views.say($0, context) })
            return views.page("catalogue/catalogue-import", title: views.text("import_title", context), model: model,
                              status: error.kind == .forbidden ? .forbidden : .unprocessableContent, request: request, context: context)
        }
    }

    /// "rows[7].nameZh" → ("7", "nameZh"); anything else → ("", field).
    static func split(_ field: String) -> (String, String) {
        guard field.hasPrefix("rows["), let close = field.firstIndex(of: "]") else { return ("", field) }
        let row = String(field[field.index(field.startIndex, offsetBy: 5)..<close])
        let column = field[field.index(after: close)...].drop { $0 == "." }
        return (row, String(column))
    }

    // MARK: The guiding purchase catalogue and the jurisdictions' negative lists

    func purchaseCataloguePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let chosen = request.uri.queryParameters["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        return try await purchasePage(request, context, jurisdiction: chosen)
    }

    /// The catalogue as it holds in the chosen jurisdiction (or nationally), its negative list with what is
    /// inherited marked, and the form to add an entry; a refused form comes back with its errors.
    private func purchasePage(_ request: Request, _ context: AppRequestContext, jurisdiction: String?, form: [String: String] = [:],
                              errors: [FieldError] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let listing = try await negativeList.listing(jurisdictionCode: jurisdiction, for: context.actor)
        let kept = try await negativeList.jurisdictionsKept(by: context.actor)
        let model = PurchaseCataloguePage.model(listing: listing, jurisdictions: try await identity.jurisdictions(), kept: context.actor == nil ? [] : kept,
                                                canImport: purchaseCatalogue.mayImport(context.actor), form: form, errors: errors, language: context.language,
                                                say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("catalogue/purchase-catalogue", title: views.text("purchaseCatalogue_title", context), model: model, status: status,
                          request: request, context: context)
    }

    func addNegativeEntry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        var request = request
        let form = FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        let typed = ["jurisdictionCode": form["jurisdictionCode"] ?? "", "code": form["code"] ?? "", "reason": form["reason"] ?? "",
                     "note": form["note"] ?? ""]
        do {
            guard let reason = NegativeReason(rawValue: typed["reason"] ?? "") else {
                throw DomainError.invalid([FieldError("reason", "choose why it may not be bought")])
            }
            _ = try await negativeList.add(by: actor, jurisdictionCode: typed["jurisdictionCode"] ?? "", code: typed["code"] ?? "",
                                           reason: reason, note: typed["note"] ?? "")
            return .redirect(to: "/catalogue/purchase?jurisdiction=\((typed["jurisdictionCode"] ?? "").filter(\.isNumber))")
        } catch let error as DomainError where [.invalid, .conflict, .forbidden].contains(error.kind) {
            let status: HTTPResponse.Status = switch error.kind {
            case .forbidden: .forbidden
            case .conflict: .conflict
            default: .unprocessableContent
            }
            let errors = error.kind == .forbidden ? [FieldError("jurisdictionCode", .verbatim(views.text("negativeList_refused", context)))]
                : error.fields.isEmpty ? [FieldError("code", error.detail)] : error.fields
            return try await purchasePage(request, context, jurisdiction: nil, form: typed, errors: errors, status: status)
        }
    }

    func removeNegativeEntry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        var request = request
        let form = FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        try await negativeList.remove(by: actor, id: try id(context))
        let back = (form["jurisdiction"] ?? "").filter(\.isNumber)
        return .redirect(to: back.isEmpty ? "/catalogue/purchase" : "/catalogue/purchase?jurisdiction=\(back)")
    }

    // MARK: Helpers

    private func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("There is no such item.") }
        return id
    }
}
