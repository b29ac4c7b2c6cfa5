import Catalogue
import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// The staff pages that change items: start one, edit its draft, see what publishing would change,
/// publish or discard. A refused form comes back with what was typed and every error beside it; the
/// service decides who keeps which list, and a refusal (403) comes back the same way.
struct CatalogueEditorController {
    let items: ServiceItemService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/catalogue/drafts", use: drafts)
        router.get("/catalogue/new", use: newItemForm)
        router.post("/catalogue/new", use: createItem)
        router.get("/catalogue/items/{id}/edit", use: editForm)
        router.post("/catalogue/items/{id}/edit", use: saveDraft)
        router.post("/catalogue/items/{id}/publish", use: publish)
        router.post("/catalogue/items/{id}/discard", use: discard)
    }

    private func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("There is no such item.") }
        return id
    }

    // MARK: Pages

    func drafts(_ request: Request, context: AppRequestContext) async throws -> Response {
        let drafts = try await items.drafts(by: try context.signedIn())
        return views.page("catalogue/catalogue-drafts", title: views.text("drafts_title", context), model: DraftsPage.model(drafts: drafts, language: context.language),
                          request: request, context: context)
    }

    func newItemForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try items.requireKeeper(try context.signedIn())
        return try await editor(request, context, draft: nil, form: EditorForm.blank, errors: [])
    }

    /// The form again, as typed, with the refusal: the user does not keep the list the item is on.
    private func refused(_ request: Request, _ context: AppRequestContext, itemID: UUID?, form: EditorForm?) async throws -> Response {
        let errors = [FieldError("draft", .verbatim(views.text("editor_refused", context)))]
        guard let itemID else { return try await editor(request, context, draft: nil, form: form ?? .blank, errors: errors, status: .forbidden) }
        let subject = ItemDraft(editing: try await items.item(id: itemID))
        let shown = if let form { form } else { EditorForm(subject, materialCodes: try await materialCodes()) }
        return try await editor(request, context, draft: subject, form: shown, errors: errors, status: .forbidden)
    }

    func createItem(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await EditorForm(request, context)
        do {
            guard let department = UUID(uuidString: form.value("department")) else {
                throw DomainError.invalid([FieldError("department", "choose the department that owns the item")])
            }
            let list = form.value("jurisdictionCode")
            let draft = try await items.createItem(by: actor, code: form.value("code"), departmentID: department,
                                                   jurisdictionCode: list.isEmpty ? nil : list, content: try await form.content(items))
            return .redirect(to: "/catalogue/items/\(draft.itemID.lowercased)/edit?saved=1")
        } catch let error as DomainError where error.kind == .forbidden {
            return try await refused(request, context, itemID: nil, form: form)
        } catch let error as DomainError where error.refusesForm {
            return try await editor(request, context, draft: nil, form: form, errors: error.fields.isEmpty ? [FieldError("code", error.detail)] : error.fields,
                                    status: error.formStatus)
        }
    }

    func editForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let draft = try await items.draftForEditing(by: try context.signedIn(), itemID: try id(context))
        let saved = request.uri.queryParameters["saved"] != nil
        return try await editor(request, context, draft: draft, form: EditorForm(draft, materialCodes: try await materialCodes()),
                                errors: [], notice: saved ? "draft_saved" : nil)
    }

    func saveDraft(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let itemID = try id(context)
        let form = try await EditorForm(request, context)
        do {
            _ = try await items.saveDraft(by: actor, itemID: itemID, content: try await form.content(items))
            return .redirect(to: "/catalogue/items/\(itemID.lowercased)/edit?saved=1")
        } catch let error as DomainError where error.kind == .forbidden {
            return try await refused(request, context, itemID: itemID, form: form)
        } catch let error as DomainError where error.kind == .invalid {
            let draft = try await items.draftForEditing(by: actor, itemID: itemID)
            return try await editor(request, context, draft: draft, form: form, errors: error.fields, status: .unprocessableContent)
        }
    }

    func publish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let itemID = try id(context)
        do {
            _ = try await items.publishDraft(by: actor, itemID: itemID)
            return .redirect(to: "/catalogue/items/\(itemID.lowercased)")
        } catch let error as DomainError where error.kind == .forbidden {
            return try await refused(request, context, itemID: itemID, form: nil)
        } catch let error as DomainError where error.refusesForm {
            // Show the draft again with the reason it cannot be published.
            let draft = try await items.draftForEditing(by: actor, itemID: itemID)
            return try await editor(request, context, draft: draft, form: EditorForm(draft, materialCodes: try await materialCodes()),
                                    errors: error.fields.isEmpty ? [FieldError("draft", error.detail)] : error.fields,
                                    status: error.formStatus)
        }
    }

    func discard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let itemID = try id(context)
        do {
            try await items.discardDraft(by: try context.signedIn(), itemID: itemID)
        } catch let error as DomainError where error.kind == .forbidden {
            return try await refused(request, context, itemID: itemID, form: nil)
        }
        return .redirect(to: "/catalogue/drafts")
    }

    // MARK: The editor

    private func materialCodes() async throws -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: try await items.materials().map { ($0.id, $0.code) })
    }

    /// The edit page: for a new item (`draft` nil) or an existing one, with its pending changes.
    private func editor(_ request: Request, _ context: AppRequestContext, draft: ItemDraft?, form: EditorForm, errors: [FieldError],
                        notice: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        var departments: [Organisation] = []
        var lists: [Jurisdiction] = []
        var changes: [FieldChange] = []
        if let draft {
            changes = try await items.changes(in: draft)
        } else {
            departments = try await identity.organisations(kind: .department, limit: 200) + identity.organisations(kind: .financeOffice, limit: 200)
            // The lists the user keeps, for an item that goes on a list below its department's (a street's, say).
            lists = try await items.jurisdictionsKept(by: context.actor)
        }
        let page = CatalogueEditorPage.model(draft: draft, changes: changes, form: form, errors: errors,
                                             materials: try await items.materials(), departments: departments, lists: lists,
                                             notice: notice.map { views.text($0, context) }, language: context.language,
                                             say: { views.text($0, context) }, message: { views.say($0, context) })
        let title = draft.map { "\(views.text("editor_edit", context)) \($0.code)" } ?? views.text("editor_new", context)
        return views.page("catalogue/catalogue-edit", title: title, model: page, status: status, request: request, context: context)
    }
}

/// The edit form's fields as typed, so a refused form comes back unchanged.
struct EditorForm {
    private(set) var fields: [String: String]
    private var repeated: [String: [String]]

    static let blank = EditorForm(fields: ["channel": "window", "acceptTier": "street", "approveTier": "street", "handleTier": "street",
                                           "timeLimitDays": "0", "acceptDays": "0", "approveDays": "0", "fees": "不收费"], repeated: [:])

    private init(fields: [String: String], repeated: [String: [String]]) {
        self.fields = fields
        self.repeated = repeated
    }

    init(_ request: Request, _ context: AppRequestContext) async throws {
        var request = request
        let form = FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        var fields: [String: String] = [:]
        for key in ["code", "department", "jurisdictionCode", "nameZh", "nameEn", "legalBasis", "conditions", "procedure", "result", "timeLimitDays", "onTheSpot",
                    "channel", "fees", "acceptTier", "approveTier", "handleTier", "acceptDays", "approveDays"] {
            fields[key] = form[key] ?? ""
        }
        self.init(fields: fields, repeated: ["materials": form.values("materials")])
    }

    init(_ draft: ItemDraft, materialCodes: [UUID: String]) {
        let c = draft.content
        self.init(fields: [
            "nameZh": c.nameZh, "nameEn": c.nameEn, "legalBasis": c.legalBasis, "conditions": c.conditions,
            "procedure": c.procedure.joined(separator: "\n"), "result": c.result, "timeLimitDays": String(c.timeLimitDays),
            "onTheSpot": c.onTheSpot ? "on" : "", "channel": c.channel.rawValue, "fees": c.fees,
            "acceptTier": c.authority.accept.rawValue, "approveTier": c.authority.approve.rawValue, "handleTier": c.authority.handle.rawValue,
            "acceptDays": String(c.authority.acceptDays), "approveDays": String(c.authority.approveDays),
        ], repeated: ["materials": c.materialIDs.compactMap { materialCodes[$0] }])
    }

    /// The form as typed: its fields, and the codes of the materials ticked.
    init(typed fields: [String: String], materials: [String]) {
        self.init(fields: fields, repeated: ["materials": materials])
    }

    func value(_ key: String) -> String { fields[key] ?? "" }
    func values(_ key: String) -> [String] { repeated[key] ?? [] }

    /// The content the form describes. Unreadable numbers and choices are refused by field; the
    /// content's own rules are the service's to check.
    func content(_ items: ServiceItemService) async throws -> ItemContent {
        var check = Validator()
        func days(_ key: String) -> Int {
            let number = Int(value(key).trimmingCharacters(in: .whitespaces))
            check.check(number != nil, key, "must be a whole number of days from 0 to 365")
            return number ?? 0
        }
        func tier(_ key: String) -> Tier {
            let tier = Tier(rawValue: value(key))
            check.check(tier != nil, key, "choose a tier")
            return tier ?? .district
        }
        let channel = Channel(rawValue: value("channel"))
        check.check(channel != nil, "channel", "choose a channel")
        let authority = TierAuthority(accept: tier("acceptTier"), approve: tier("approveTier"), handle: tier("handleTier"),
                                      acceptDays: days("acceptDays"), approveDays: days("approveDays"))
        let content = ItemContent(
            nameZh: value("nameZh").trimmingCharacters(in: .whitespacesAndNewlines), nameEn: value("nameEn").trimmingCharacters(in: .whitespacesAndNewlines),
            legalBasis: value("legalBasis").trimmingCharacters(in: .whitespacesAndNewlines),
            conditions: value("conditions").trimmingCharacters(in: .whitespacesAndNewlines),
            procedure: value("procedure").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            result: value("result").trimmingCharacters(in: .whitespacesAndNewlines), timeLimitDays: days("timeLimitDays"),
            onTheSpot: value("onTheSpot") == "on", channel: channel ?? .window, fees: value("fees").trimmingCharacters(in: .whitespacesAndNewlines),
            authority: authority, materialIDs: try await items.materialIDs(codes: values("materials")))
        // Report unreadable fields together with the content's other problems, not in two rounds.
        if !check.errors.isEmpty { throw DomainError.invalid(check.errors + (try await items.problems(in: content))) }
        return content
    }
}
