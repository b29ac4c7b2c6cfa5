import Catalogue
import Core
import Foundation
import Grassroots
import HTTPTypes
import Hummingbird
import Identity
import Tabular

/// The service-site pages: everyone reads the list and each site (staff named only to the offices and overseers of
/// its jurisdiction); the offices of a jurisdiction register, edit and import its sites. A refused form comes back
/// with every error beside its field and what was typed kept; a refused file lists every bad row.
struct SiteController {
    let sites: SiteService
    let requests: RequestService
    let standards: StandardService
    let identity: IdentityService
    let items: ServiceItemService
    let views: Views

    /// Sites per page.
    static let pageSize = 50

    func register(on router: Router<AppRequestContext>) {
        router.get("/sites", use: list)
        router.get("/sites/new", use: newForm)
        router.post("/sites", use: create)
        router.get("/sites/import", use: importPage)
        router.post("/sites/import", use: importFile)
        for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
            router.get("/sites/export.\(kind.rawValue)") { request, context in
                let code = request.uri.queryParameters["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
                return Response.spreadsheet(try await sites.export(for: context.actor, jurisdictionCode: code, as: kind), name: "service-sites", kind: kind)
            }
        }
        router.get("/sites/{id}", use: detail)
        router.get("/sites/{id}/edit", use: editForm)
        router.post("/sites/{id}", use: update)
        router.post("/sites/{id}/duties", use: setDuties)
    }

    // MARK: Reading

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let tier = query["tier"].flatMap { SiteTier(rawValue: String($0)) }
        let code = query["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let after = query["after"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let page = try await sites.sites(SiteQuery(tier: tier, jurisdictionCode: code, after: after, limit: Self.pageSize))
        let counts = try await sites.counts(jurisdictionCode: code)
        let pager = Pager(request, cursor: "after", fetched: page.sites.count + (page.next == nil ? 0 : 1), size: Self.pageSize, last: page.next)
        let model = SiteListPage.model(page: page, grades: try await standards.latestGrades(of: page.sites.map(\.id)), counts: counts, jurisdictions: try await identity.jurisdictions(), tier: tier, jurisdictionCode: code,
                                       pager: pager, mayRegister: sites.mayRegister(context.actor), language: context.language,
                                       say: { views.text($0, context) })
        return views.page("grassroots/sites", title: views.text("sites_title", context), model: model, request: request, context: context)
    }

    func detail(_ request: Request, context: AppRequestContext) async throws -> Response {
        let notice = request.uri.queryParameters["saved"] != nil ? views.text("sites_saved", context) : nil
        return try await renderDetail(request, context, id: try context.pathID(), notice: notice, dutiesText: nil, problem: nil)
    }

    private func renderDetail(_ request: Request, _ context: AppRequestContext, id: UUID, notice: String?, dutiesText: String?, problem: DomainError?,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let site = try await sites.site(id: id)
        // Who is on duty: for the site's own staff and the offices and overseers of its jurisdiction (then its queue too).
        var duties: [(holder: DutyHolder, username: String, name: String)]?
        do { duties = try await requests.duties(at: site.id, by: context.actor) } catch let error as DomainError where [.forbidden, .unauthenticated].contains(error.kind) {}
        let model = SiteDetailPage.model(view: sites.view(site, for: context.actor), jurisdiction: try await identity.jurisdiction(id: site.jurisdictionID),
                                         items: try await sites.items(of: site), contract: try await sites.contractReference(of: site),
                                         grade: try await standards.latestGrades(of: [site.id])[site.id],
                                         notice: notice, duties: duties, dutiesText: dutiesText, problem: problem, language: context.language,
                                         say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("grassroots/site", title: model.name, model: model, status: status, request: request, context: context)
    }

    /// Names who is on duty at the site (the offices that keep it); a refused list comes back with its text.
    func setDuties(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID()
        let text = try await FormData.read(request, context)["duties"] ?? ""
        do {
            _ = try await requests.setDuties(by: actor, siteID: id, try RequestService.duties(text: text))
            return .redirect(to: "/sites/\(id.lowercased)?saved=1#duties")
        } catch let error as DomainError where error.kind == .invalid {
            return try await renderDetail(request, context, id: id, notice: nil, dutiesText: text, problem: error, status: .unprocessableContent)
        }
    }

    // MARK: Registering and editing

    func newForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try sites.authorizeRegistrar(context.actor)
        return try await renderForm(request, context, siteID: nil, form: ["openingHours": views.text("sites_defaultHours", context)], problem: nil)
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try sites.authorizeRegistrar(actor)
        let form = try await Self.fields(request, context)
        do {
            let site = try await sites.register(by: actor, try await sites.content(form: form))
            return .redirect(to: "/sites/\(site.id.lowercased)?saved=1")
        } catch let error as DomainError where error.kind == .invalid {
            return try await renderForm(request, context, siteID: nil, form: form, problem: error, status: .unprocessableContent)
        }
    }

    func editForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await sites.siteToEdit(id: try context.pathID(), by: context.actor)
        return try await renderForm(request, context, siteID: site.id, form: try await sites.form(of: site), problem: nil)
    }

    func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID()
        _ = try await sites.siteToEdit(id: id, by: actor)
        let form = try await Self.fields(request, context)
        do {
            let site = try await sites.update(by: actor, id: id, try await sites.content(form: form))
            return .redirect(to: "/sites/\(site.id.lowercased)?saved=1")
        } catch let error as DomainError where error.kind == .invalid {
            return try await renderForm(request, context, siteID: id, form: form, problem: error, status: .unprocessableContent)
        }
    }

    private static func fields(_ request: Request, _ context: AppRequestContext) async throws -> [String: String] {
        let data = try await FormData.read(request, context)
        return Dictionary(uniqueKeysWithValues: SiteFormPage.fieldNames.map { ($0, data[$0] ?? "") })
    }

    private func renderForm(_ request: Request, _ context: AppRequestContext, siteID: UUID?, form: [String: String], problem: DomainError?,
                            status: HTTPResponse.Status = .ok) async throws -> Response {
        // The jurisdictions the actor's office keeps: its own and those below it (every one for administrators).
        let kept = sites.kept(try await identity.jurisdictions(), by: context.actor)
        let model = SiteFormPage.model(siteID: siteID, form: form, jurisdictions: kept, problem: problem, language: context.language,
                                       say: { views.text($0, context) }, message: { views.say($0, context) })
        let title = views.text(siteID == nil ? "sites_new" : "sites_edit", context)
        return views.page("grassroots/site-form", title: title, model: model, status: status, request: request, context: context)
    }

    // MARK: Files

    func importPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try sites.authorizeRegistrar(context.actor)
        return renderImport(request, context, SiteImportPage(filename: "", report: nil, refusal: nil, errors: []))
    }

    func importFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try sites.authorizeRegistrar(actor)
        var filename = ""
        do {
            let file = try await MultipartForm.spreadsheet(request, context).file
            filename = file.filename ?? ""
            let report = try await sites.importFile(by: actor, file.data)
            return renderImport(request, context, SiteImportPage(filename: filename, report: report, refusal: nil, errors: []))
        } catch let error as DomainError where error.kind == .invalid || (error.kind == .forbidden && !error.fields.isEmpty) {
            let errors = error.fields.map { field in
                let (row, key) = CatalogueController.split(field.field)
                let column = SiteService.format.columns.first { $0.key == key }.map { context.language == .zh ? $0.zh : $0.en } ?? key
                return SiteImportPage.RowError(row: row, column: column, message: views.say(field.message, context))
            }
            return renderImport(request, context, SiteImportPage(filename: filename, report: nil, refusal: views.say(error.detail, context), errors: errors),
                                status: error.kind == .forbidden ? .forbidden : .unprocessableContent)
        }
    }

    private func renderImport(_ request: Request, _ context: AppRequestContext, _ model: SiteImportPage, status: HTTPResponse.Status = .ok) -> Response {
        views.page("grassroots/site-import", title: views.text("sites_import", context), model: model, status: status, request: request, context: context)
    }
}
