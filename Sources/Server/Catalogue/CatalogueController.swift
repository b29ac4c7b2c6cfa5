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

    private func name(_ zh: String, _ en: String, _ context: AppRequestContext) -> String { context.language == .zh ? zh : en }

    /// Departments and finance offices, by id, for names and the department filter.
    private func departments() async throws -> [Organisation] {
        try await identity.organisations(kind: .department, limit: 200) + identity.organisations(kind: .financeOffice, limit: 200)
    }

    /// Every jurisdiction for a choice, indented by depth, the chosen one selected.
    private func jurisdictionChoices(_ jurisdictions: [Jurisdiction], selected code: String?, _ context: AppRequestContext) -> [[String: Any]] {
        jurisdictions.sorted { $0.path.map(\.uuidString).joined() < $1.path.map(\.uuidString).joined() }.map {
            ["code": $0.code, "name": String(repeating: "— ", count: $0.path.count - 1) + name($0.nameZh, $0.nameEn, context), "selected": $0.code == code]
        }
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
        let listing = try await items.listing(ItemSearch(text: text, departmentID: departmentID, jurisdiction: jurisdiction, tier: tier,
                                                         onTheSpot: onTheSpot, limit: Self.pageSize + 1, after: after))
        let entries = Array(listing.entries.prefix(Self.pageSize))
        let departments = try await departments()
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, name($0.nameZh, $0.nameEn, context)) })
        var data: [String: Any] = [
            "q": text,
            "items": entries.map { entry in
                let item = entry.item
                return ["id": item.id.lowercased, "code": item.code, "name": name(item.content.nameZh, item.content.nameEn, context),
                        "department": names[item.departmentID] ?? "", "onTheSpot": item.content.onTheSpot,
                        "list": entry.list.map { name($0.nameZh, $0.nameEn, context) } ?? "", "inherited": entry.inherited,
                        "days": item.content.timeLimitDays, "tier": views.text("tier_\(item.content.authority.accept.rawValue)", context)] as [String: Any]
            },
            "jurisdictions": jurisdictionChoices(try await identity.jurisdictions(), selected: listing.jurisdiction?.code, context),
            "departments": departments.map { ["id": $0.id.lowercased, "name": name($0.nameZh, $0.nameEn, context), "selected": $0.id == departmentID] },
            "tiers": Tier.allCases.map { ["value": $0.rawValue, "label": views.text("tier_\($0.rawValue)", context), "selected": $0 == tier] },
            "spotYes": onTheSpot == true, "spotNo": onTheSpot == false,
            // Over every matching item, not only the page shown.
            "total": listing.total,
            "pager": Pager(request, cursor: "after", fetched: listing.suggested ? entries.count : listing.entries.count, size: Self.pageSize,
                           last: entries.last?.item.code),
        ]
        if let list = listing.jurisdiction {
            data["chosen"] = ["name": name(list.nameZh, list.nameEn, context), "code": list.code,
                              "own": listing.own, "inherited": listing.total - listing.own]
        }
        return views.page("catalogue/catalogue", title: views.text("catalogue_title", context), data: data, request: request, context: context)
    }

    // MARK: One item

    func item(_ request: Request, context: AppRequestContext) async throws -> Response {
        let item = try await items.item(id: try id(context))
        let (required, retired) = try await items.requiredMaterials(of: item)
        let department = try await identity.organisation(id: item.departmentID)
        let list = try await identity.jurisdiction(id: item.jurisdictionID)
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
            "list": list.map { name($0.nameZh, $0.nameEn, context) } ?? "", "listCode": list?.code ?? "",
            "legalBasis": c.legalBasis, "conditions": c.conditions, "procedure": c.procedure, "result": c.result,
            "days": c.timeLimitDays, "onTheSpot": c.onTheSpot, "channel": views.text("channel_\(c.channel.rawValue)", context), "fees": c.fees,
            "required": required.map { ["code": $0.code, "name": name($0.nameZh, $0.nameEn, context), "issuer": $0.issuer] },
            "retired": retired.map { ["code": $0.code, "name": name($0.nameZh, $0.nameEn, context),
                                      "reason": $0.retiredReason.map { views.text("retired_\($0.rawValue)", context) } ?? "", "note": $0.retiredNote ?? ""] },
            "grid": grid,
        ]
        var page = data
        if let actor = context.actor, try await items.mayManage(actor, item: item) {
            page["canEdit"] = true
            page["hasDraft"] = try await items.draft(by: actor, itemID: item.id) != nil
        }
        let byID = Dictionary(uniqueKeysWithValues: try await identity.jurisdictions().map { ($0.id, $0) })
        page["local"] = try await items.localDetails(of: item.id).compactMap { d -> [String: String]? in
            guard let j = byID[d.jurisdictionID] else { return nil }
            return ["jurisdiction": name(j.nameZh, j.nameEn, context), "address": d.address, "phone": d.phone, "hours": d.hours, "notes": d.notes]
        }
        // The jurisdictions this user may describe: their own and those below it.
        let mine = try await items.localDetailJurisdictions(for: context.actor)
        if !mine.isEmpty {
            page["localChoices"] = mine.map { ["code": $0.code, "name": String(repeating: "— ", count: $0.path.count - 1) + name($0.nameZh, $0.nameEn, context)] }
        }
        return views.page("catalogue/catalogue-item", title: name(c.nameZh, c.nameEn, context), data: page, request: request, context: context)
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
        return views.page("catalogue/catalogue-history", title: views.text("catalogue_history", context), data: data, request: request, context: context)
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
            "canRetire": items.mayKeepMaterials(context.actor),
        ]
        return views.page("catalogue/catalogue-materials", title: views.text("materials_title", context), data: data, request: request, context: context)
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
        return views.page("catalogue/catalogue-import", title: views.text("import_title", context), data: importKinds(context), request: request, context: context)
    }

    /// What the signed-in user may import: items (their lists), the shared lists only for administrators.
    private func importKinds(_ context: AppRequestContext) -> [String: Any] {
        ["mayImportShared": items.mayKeepMaterials(context.actor) && purchaseCatalogue.mayImport(context.actor)]
    }

    /// Loads an uploaded spreadsheet. A refused file shows every error by row and column; nothing changed.
    func importFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try items.requireKeeper(actor)
        let (form, file) = try await MultipartForm.spreadsheet(request, context)
        let kind = form.text("kind") ?? "items"
        var data: [String: Any] = importKinds(context).merging(["filename": file.filename ?? "", "kind": views.text("import_kind_\(kind)", context)]) { $1 }
        do {
            let report: ImportReport = switch kind {
            case "materials": try await items.importMaterials(by: actor, file.data)
            case "purchase": try await purchaseCatalogue.importFile(by: actor, file.data)
            default: try await items.importItems(by: actor, file.data)
            }
            data["report"] = ["created": report.created, "updated": report.updated, "unchanged": report.unchanged]
            return views.page("catalogue/catalogue-import", title: views.text("import_title", context), data: data, request: request, context: context)
        } catch let error as DomainError where error.kind == .invalid || (error.kind == .forbidden && !error.fields.isEmpty) {
            // Rows of lists the user does not keep (403), or rows that are wrong (422): each named, nothing changed.
            data["errors"] = error.fields.map { field -> [String: String] in
                let (row, column) = Self.split(field.field)
                return ["row": row, "column": column, "message": views.say(field.message, context)]
            }
            data["refusedLists"] = error.kind == .forbidden
            return views.page("catalogue/catalogue-import", title: views.text("import_title", context), data: data,
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
        let purchasable = listing.categories.purchasableCodes
        let negative = Dictionary(listing.categories.compactMap { c in c.negativeReason.map { (c.code, $0) } }, uniquingKeysWith: { a, _ in a })
        let rows = listing.categories.map { c -> [String: Any] in
            var row: [String: Any] = ["code": c.code, "level": c.level, "name": name(c.nameZh, c.nameEn, context),
                                      "otherName": name(c.nameEn, c.nameZh, context), "purchasable": purchasable.contains(c.code)]
            if let reason = negative[c.code] { row["negative"] = views.text("negative_\(reason.rawValue)", context) }
            return row
        }
        let entries = listing.entries.map { e -> [String: Any] in
            ["code": e.category.code, "name": name(e.category.nameZh, e.category.nameEn, context),
             "reason": views.text("negative_\(e.reason.rawValue)", context), "note": e.entry?.note ?? "",
             "source": e.listedBy.map { name($0.nameZh, $0.nameEn, context) } ?? views.text("negativeList_national", context),
             "inherited": e.inherited, "id": e.entry?.id.lowercased ?? "", "mayRemove": e.mayRemove]
        }
        let kept = try await negativeList.jurisdictionsKept(by: context.actor)
        var data: [String: Any] = [
            "categories": rows, "entries": entries, "canImport": purchaseCatalogue.mayImport(context.actor),
            "jurisdictions": jurisdictionChoices(try await identity.jurisdictions(), selected: listing.jurisdiction?.code, context),
            "errors": errors.map { ["field": views.text("negativeField_\($0.field)", context), "message": views.say($0.message, context)] },
            "form": form,
            "reasons": NegativeReason.allCases.map { ["value": $0.rawValue, "label": views.text("negative_\($0.rawValue)", context),
                                                      "selected": form["reason"] == $0.rawValue] },
        ]
        if context.actor != nil && !kept.isEmpty {
            data["keptJurisdictions"] = jurisdictionChoices(kept, selected: form["jurisdictionCode"] ?? listing.jurisdiction?.code, context)
        }
        if let list = listing.jurisdiction {
            data["chosen"] = ["name": name(list.nameZh, list.nameEn, context), "code": list.code]
            data["chosenCode"] = list.code
        }
        return views.page("catalogue/purchase-catalogue", title: views.text("purchaseCatalogue_title", context), data: data, status: status,
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
