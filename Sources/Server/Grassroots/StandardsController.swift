import Core
import Foundation
import Grassroots
import HTTPTypes
import Hummingbird
import Identity

/// The standards and grading pages (issue 23 item 2): everyone reads the county's summary, the standards, a site's
/// grade history and its inspections; the county's offices set and revise standards and inspect the sites they grade.
/// A refused form comes back with every error beside its field and what was typed kept.
struct StandardsController {
    let standards: StandardService
    let sites: SiteService
    let identity: IdentityService
    let views: Views
    /// The instance's clock (a training class's on a training instance): what "today" on the page is.
    let clock: any SpokesClock

    func register(on router: Router<AppRequestContext>) {
        router.get("/standards", use: list)
        router.get("/standards/new", use: newForm)
        router.post("/standards", use: create)
        router.get("/standards/{id}", use: detail)
        router.get("/standards/{id}/edit", use: editForm)
        router.post("/standards/{id}", use: revise)
        router.get("/sites/{id}/inspections", use: grades)
        router.get("/sites/{id}/inspections/new", use: inspectionForm)
        router.post("/sites/{id}/inspections", use: inspect)
        router.get("/sites/{id}/inspections/{inspection}", use: inspection)
        router.get("/sites/{id}/inspections/{inspection}/evidence/{file}", use: evidence)
    }

    // MARK: Standards

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let code = request.uri.queryParameters["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let model = StandardListPage.model(standings: try await standards.summary(jurisdictionCode: code),
                                           standards: try await standards.standards(jurisdictionCode: code, tier: nil),
                                           jurisdictions: try await identity.jurisdictions(), jurisdictionCode: code,
                                           mayKeep: standards.mayKeep(context.actor), language: context.language, say: { views.text($0, context) })
        return views.page("grassroots/standards", title: views.text("standards_title", context), model: model, request: request, context: context)
    }

    func detail(_ request: Request, context: AppRequestContext) async throws -> Response {
        let standard = try await standards.standard(id: try context.pathID())
        let notice = request.uri.queryParameters["saved"] != nil ? views.text("standards_saved", context) : nil
        let model = StandardDetailPage.model(view: standards.view(standard, for: context.actor), versions: try await standards.versions(of: standard.id),
                                             jurisdiction: try await identity.jurisdiction(id: standard.jurisdictionID), notice: notice,
                                             language: context.language, say: { views.text($0, context) })
        return views.page("grassroots/standard", title: model.title, model: model, request: request, context: context)
    }

    func newForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try standards.authorizeKeeper(context.actor)
        return try await renderForm(request, context, standardID: nil, form: ["meetsMark": "85", "basicMark": "60"], lines: StandardForm.lines(holding: 0),
                                    problem: nil)
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try standards.authorizeKeeper(actor)
        let form = try await Self.fields(request, context)
        do {
            let standard = try await standards.create(by: actor, try StandardForm.content(form))
            return .redirect(to: "/standards/\(standard.id.lowercased)?saved=1")
        } catch let error as DomainError where error.kind == .invalid || error.kind == .conflict {
            return try await renderForm(request, context, standardID: nil, form: form, lines: StandardContent.maximumRequirements.clamped(Self.lines(form)),
                                        problem: error, status: error.kind == .conflict ? .conflict : .unprocessableContent)
        }
    }

    func editForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let standard = try await standards.standardToEdit(id: try context.pathID(), by: context.actor)
        return try await renderForm(request, context, standardID: standard.id, form: StandardForm.fields(of: standard.content),
                                    lines: StandardForm.lines(holding: standard.content.requirements.count), problem: nil)
    }

    func revise(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID()
        _ = try await standards.standardToEdit(id: id, by: actor)
        let form = try await Self.fields(request, context)
        do {
            let standard = try await standards.revise(by: actor, id: id, try StandardForm.content(form))
            return .redirect(to: "/standards/\(standard.id.lowercased)?saved=1")
        } catch let error as DomainError where error.kind == .invalid {
            return try await renderForm(request, context, standardID: id, form: form, lines: StandardContent.maximumRequirements.clamped(Self.lines(form)),
                                        problem: error, status: .unprocessableContent)
        }
    }

    /// How many requirement lines the posted form had (its highest line with anything in it, and some blank ones).
    private static func lines(_ form: [String: String]) -> Int {
        let used = (0..<StandardContent.maximumRequirements).last { line in
            StandardForm.lineFields.contains { !(form["req\(line)_\($0)"] ?? "").isEmpty && $0 != "kind" }
        }
        return StandardForm.lines(holding: (used ?? -1) + 1)
    }

    private static func fields(_ request: Request, _ context: AppRequestContext) async throws -> [String: String] {
        let data = try await FormData.read(request, context)
        return Dictionary(uniqueKeysWithValues: StandardFormPage.fieldNames(lines: StandardContent.maximumRequirements).map { ($0, data[$0] ?? "") })
    }

    private func renderForm(_ request: Request, _ context: AppRequestContext, standardID: UUID?, form: [String: String], lines: Int,
                            problem: DomainError?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let kept = standards.kept(try await identity.jurisdictions(), by: context.actor)
        let model = StandardFormPage.model(standardID: standardID, form: form, lines: lines, jurisdictions: kept, problem: problem,
                                           language: context.language, say: { views.text($0, context) }, message: { views.say($0, context) })
        let title = views.text(standardID == nil ? "standards_new" : "standards_edit", context)
        return views.page("grassroots/standard-form", title: title, model: model, status: status, request: request, context: context)
    }

    // MARK: Grades and inspections

    func grades(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await sites.site(id: try context.pathID())
        let notice = request.uri.queryParameters["saved"] != nil ? views.text("inspections_saved", context) : nil
        let model = SiteGradesPage.model(site: site, standard: try await standards.standardInForce(for: site),
                                         inspections: try await standards.inspections(siteID: site.id, for: context.actor, limit: StandardService.historySizes.upperBound),
                                         mayInspect: try await standards.mayInspect(context.actor, site), notice: notice, language: context.language,
                                         say: { views.text($0, context) })
        return views.page("grassroots/site-grades", title: "\(model.name) · \(views.text("inspections_title", context))", model: model,
                          request: request, context: context)
    }

    func inspection(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await sites.site(id: try context.pathID())
        let view = try await standards.inspection(id: try context.pathID("inspection"), siteID: site.id, for: context.actor)
        let model = InspectionPage.model(site: site, view: view, language: context.language, say: { views.text($0, context) })
        return views.page("grassroots/inspection", title: "\(model.name) · \(model.inspectedOn)", model: model, request: request, context: context)
    }

    func inspectionForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (site, standard) = try await standards.siteToInspect(id: try context.pathID(), by: context.actor)
        return renderInspection(request, context, site: site, standard: standard,
                                form: ["inspectedOn": WorkingCalendar().dayKey(clock.now())], problem: nil)
    }

    /// The inspection form, posted as multipart (it carries files): `inspectedOn`, `notes`, `confirm_<code>` yes/no,
    /// `file0…2` with `fileReq0…2` naming the requirement each shows.
    func inspect(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let (site, standard) = try await standards.siteToInspect(id: try context.pathID(), by: actor)
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard let multipart = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body)) else {
            throw DomainError.badRequest("Send the inspection form as multipart/form-data.")
        }
        var form: [String: String] = ["inspectedOn": multipart.text("inspectedOn") ?? "", "notes": multipart.text("notes") ?? ""]
        var confirmations: [String: Bool] = [:]
        for r in standard.content.requirements where !r.kind.isMeasured {
            let answer = multipart.text("confirm_\(r.code)") ?? ""
            form["confirm_\(r.code)"] = answer
            if answer == "yes" { confirmations[r.code] = true } else if answer == "no" { confirmations[r.code] = false }
        }
        var uploads: [InspectionUpload] = []
        for index in 0..<InspectionFormPage.uploadCount {
            form["fileReq\(index)"] = multipart.text("fileReq\(index)") ?? ""
            guard let file = multipart["file\(index)"], !file.data.isEmpty else { continue }
            uploads.append(InspectionUpload(requirementCode: form["fileReq\(index)"] ?? "", filename: file.filename ?? "evidence", data: file.data))
        }
        do {
            _ = try await standards.inspect(by: actor, siteID: site.id, InspectionInput(
                inspectedOn: form["inspectedOn"] ?? "", confirmations: confirmations, notes: form["notes"] ?? "", evidence: uploads))
            return .redirect(to: "/sites/\(site.id.lowercased)/inspections?saved=1")
        } catch let error as DomainError where error.kind == .invalid {
            return renderInspection(request, context, site: site, standard: standard, form: form, problem: error, status: .unprocessableContent)
        }
    }

    func evidence(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await sites.site(id: try context.pathID())
        let inspectionID = try context.pathID("inspection")
        _ = try await standards.inspection(id: inspectionID, siteID: site.id, for: context.actor)
        let (evidence, data) = try await standards.evidenceFile(id: try context.pathID("file"), inspectionID: inspectionID, by: context.actor)
        return Response(status: .ok, headers: [.contentType: evidence.kind.mediaType, .contentDisposition: ContentDisposition.attachment(evidence.filename),
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    private func renderInspection(_ request: Request, _ context: AppRequestContext, site: ServiceSite, standard: SiteStandard, form: [String: String],
                                  problem: DomainError?, status: HTTPResponse.Status = .ok) -> Response {
        let model = InspectionFormPage.model(site: site, standard: standard, form: form, problem: problem, language: context.language,
                                             say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("grassroots/inspection-form", title: views.text("inspections_new", context), model: model, status: status,
                          request: request, context: context)
    }
}

private extension Int {
    /// The value, at most `self`.
    func clamped(_ value: Int) -> Int { Swift.min(self, value) }
}
