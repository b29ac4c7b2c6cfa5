import Catalogue
import Core
import Foundation
import Hummingbird
import Identity
import NIOFoundationCompat
import Tabular

/// The catalogue's pages: the public list and item pages, the materials registry, and the import
/// page where finance offices load spreadsheets.
struct CatalogueController {
    let purchaseCatalogue: PurchaseCatalogueService
    let items: ServiceItemService
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
        for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
            router.get("/catalogue/purchase.\(kind.rawValue)") { _, _ in try await Response.spreadsheet(purchaseCatalogue.export(as: kind), name: "purchase-catalogue", kind: kind) }
            router.get("/catalogue/items.\(kind.rawValue)") { _, _ in try await Response.spreadsheet(items.exportItems(as: kind), name: "service-items", kind: kind) }
            router.get("/catalogue/materials.\(kind.rawValue)") { _, _ in try await Response.spreadsheet(items.exportMaterials(as: kind), name: "materials", kind: kind) }
        }
    }

    private func name(_ zh: String, _ en: String, _ context: AppRequestContext) -> String { context.language == .zh ? zh : en }

    /// Departments and finance offices, by id, for names and the department filter.
    private func departments() async throws -> [Organisation] {
        try await identity.organisations(kind: .department, limit: 200) + identity.organisations(kind: .financeOffice, limit: 200)
    }

    // MARK: The public list

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let text = query["q"].map(String.init) ?? ""
        let departmentID = query["department"].flatMap { UUID(uuidString: String($0)) }
        let tier = query["tier"].flatMap { Tier(rawValue: String($0)) }
        let onTheSpot: Bool? = query["spot"] == "yes" ? true : query["spot"] == "no" ? false : nil
        let found = try await items.search(ItemSearch(text: text, departmentID: departmentID, tier: tier, onTheSpot: onTheSpot, limit: 100))
        let departments = try await departments()
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, name($0.nameZh, $0.nameEn, context)) })
        let data: [String: Any] = [
            "q": text,
            "items": found.map { item in
                ["id": item.id.lowercased, "code": item.code, "name": name(item.content.nameZh, item.content.nameEn, context),
                 "department": names[item.departmentID] ?? "", "onTheSpot": item.content.onTheSpot,
                 "days": item.content.timeLimitDays, "tier": views.text("tier_\(item.content.authority.accept.rawValue)", context)] as [String: Any]
            },
            "departments": departments.map { ["id": $0.id.lowercased, "name": name($0.nameZh, $0.nameEn, context), "selected": $0.id == departmentID] },
            "tiers": Tier.allCases.map { ["value": $0.rawValue, "label": views.text("tier_\($0.rawValue)", context), "selected": $0 == tier] },
            "spotYes": onTheSpot == true, "spotNo": onTheSpot == false,
        ]
        return views.page("catalogue", title: views.text("catalogue_title", context), data: data, request: request, context: context)
    }

    // MARK: One item

    func item(_ request: Request, context: AppRequestContext) async throws -> Response {
        let item = try await items.item(id: try id(context))
        let (required, retired) = try await items.requiredMaterials(of: item)
        let department = try await identity.organisation(id: item.departmentID)
        let c = item.content
        let grid = Tier.allCases.map { tier -> [String: Any] in
            ["tier": views.text("tier_\(tier.rawValue)", context),
             "accepts": c.authority.accept == tier, "approves": c.authority.approve == tier, "handles": c.authority.handle == tier,
             "acceptDays": c.authority.acceptDays, "approveDays": c.authority.approveDays]
        }
        let data: [String: Any] = [
            "id": item.id.lowercased, "code": item.code, "version": item.version,
            "name": name(c.nameZh, c.nameEn, context), "otherName": name(c.nameEn, c.nameZh, context),
            "department": name(department.nameZh, department.nameEn, context), "departmentID": department.id.lowercased,
            "legalBasis": c.legalBasis, "conditions": c.conditions, "procedure": c.procedure, "result": c.result,
            "days": c.timeLimitDays, "onTheSpot": c.onTheSpot, "channel": views.text("channel_\(c.channel.rawValue)", context), "fees": c.fees,
            "required": required.map { ["code": $0.code, "name": name($0.nameZh, $0.nameEn, context), "issuer": $0.issuer] },
            "retired": retired.map { ["code": $0.code, "name": name($0.nameZh, $0.nameEn, context),
                                      "reason": $0.retiredReason.map { views.text("retired_\($0.rawValue)", context) } ?? "", "note": $0.retiredNote ?? ""] },
            "grid": grid,
        ]
        var page = data
        if let actor = context.actor, Policy.decide(actor, .manageCatalogue, .platform) == .allow {
            page["canEdit"] = true
            page["hasDraft"] = try await items.draft(by: actor, itemID: item.id) != nil
        }
        let jurisdictions = try await identity.jurisdictions()
        let byID = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0) })
        page["local"] = try await items.localDetails(of: item.id).compactMap { d -> [String: String]? in
            guard let j = byID[d.jurisdictionID] else { return nil }
            return ["jurisdiction": name(j.nameZh, j.nameEn, context), "address": d.address, "phone": d.phone, "hours": d.hours, "notes": d.notes]
        }
        // The jurisdictions this user may describe: their own and those below it.
        let mine = jurisdictions.filter { Policy.decide(context.actor, .manageLocalDetails, Resource(jurisdictionPath: $0.path)) == .allow }
        if !mine.isEmpty {
            page["localChoices"] = mine.map { ["code": $0.code, "name": String(repeating: "— ", count: $0.path.count - 1) + name($0.nameZh, $0.nameEn, context)] }
        }
        return views.page("catalogue-item", title: name(c.nameZh, c.nameEn, context), data: page, request: request, context: context)
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
        let versions = try await items.history(id: try id(context))
        let current = versions[0].item
        let data: [String: Any] = [
            "id": current.id.lowercased, "code": current.code, "name": name(current.content.nameZh, current.content.nameEn, context),
            "versions": versions.map { version, changes in
                ["version": version.version, "publishedAt": Self.dateFormatter.string(from: version.publishedAt),
                 "first": changes.isEmpty && version.version == 1, "hasChanges": !changes.isEmpty,
                 "changes": changes.map { ["field": views.text("itemField_\($0.field)", context), "before": $0.before, "after": $0.after] }] as [String: Any]
            },
        ]
        return views.page("catalogue-history", title: views.text("catalogue_history", context), data: data, request: request, context: context)
    }

    static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter
    }()

    // MARK: Materials

    func materials(_ request: Request, context: AppRequestContext) async throws -> Response {
        let all = try await items.materials()
        let report = try await items.materialsReport()
        let data: [String: Any] = [
            "materials": all.map { m in
                ["code": m.code, "name": name(m.nameZh, m.nameEn, context), "issuer": m.issuer, "retired": m.isRetired,
                 "reason": m.retiredReason.map { views.text("retired_\($0.rawValue)", context) } ?? "", "note": m.retiredNote ?? ""] as [String: Any]
            },
            "report": report.map { ["issuer": $0.issuer, "total": $0.total, "retired": $0.retired] },
            "total": all.count, "retiredCount": all.filter(\.isRetired).count,
            "canRetire": Policy.decide(context.actor, .manageCatalogue, .platform) == .allow,
        ]
        return views.page("catalogue-materials", title: views.text("materials_title", context), data: data, request: request, context: context)
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
        try Policy.authorize(context.actor, .manageCatalogue, .platform)
        return views.page("catalogue-import", title: views.text("import_title", context), data: [:], request: request, context: context)
    }

    /// Loads an uploaded spreadsheet. A refused file shows every error by row and column; nothing changed.
    func importFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try Policy.authorize(actor, .manageCatalogue, .platform)
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard let form = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body)),
              let file = form["file"], !file.data.isEmpty else {
            throw DomainError.invalid([FieldError("file", "choose a CSV or Excel file to upload")])
        }
        let kind = form.text("kind") ?? "items"
        var data: [String: Any] = ["filename": file.filename ?? "", "kind": views.text("import_kind_\(kind)", context)]
        do {
            let report: ImportReport = switch kind {
            case "materials": try await items.importMaterials(by: actor, file.data)
            case "purchase": try await purchaseCatalogue.importFile(by: actor, file.data)
            default: try await items.importItems(by: actor, file.data)
            }
            data["report"] = ["created": report.created, "updated": report.updated, "unchanged": report.unchanged]
            return views.page("catalogue-import", title: views.text("import_title", context), data: data, request: request, context: context)
        } catch let error as DomainError where error.kind == .invalid {
            data["errors"] = error.fields.map { field -> [String: String] in
                let (row, column) = Self.split(field.field)
                return ["row": row, "column": column, "message": field.message]
            }
            return views.page("catalogue-import", title: views.text("import_title", context), data: data, status: .unprocessableContent,
                              request: request, context: context)
        }
    }

    /// "rows[7].nameZh" → ("7", "nameZh"); anything else → ("", field).
    static func split(_ field: String) -> (String, String) {
        guard field.hasPrefix("rows["), let close = field.firstIndex(of: "]") else { return ("", field) }
        let row = String(field[field.index(field.startIndex, offsetBy: 5)..<close])
        let column = field[field.index(after: close)...].drop { $0 == "." }
        return (row, String(column))
    }

    // MARK: The guiding purchase catalogue

    func purchaseCataloguePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let categories = try await purchaseCatalogue.categories()
        let purchasable = categories.purchasableCodes
        let rows = categories.map { c -> [String: Any] in
            var row: [String: Any] = ["code": c.code, "level": c.level, "name": name(c.nameZh, c.nameEn, context),
                                      "otherName": name(c.nameEn, c.nameZh, context), "purchasable": purchasable.contains(c.code)]
            if let reason = c.negativeReason { row["negative"] = views.text("negative_\(reason.rawValue)", context) }
            return row
        }
        return views.page("purchase-catalogue", title: views.text("purchaseCatalogue_title", context),
                          data: ["categories": rows, "canImport": Policy.decide(context.actor, .manageCatalogue, .platform) == .allow],
                          request: request, context: context)
    }

    // MARK: Helpers

    private func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("There is no such item.") }
        return id
    }
}
