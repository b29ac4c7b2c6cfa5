import Catalogue
import Core
import Foundation
import Grassroots
import HTTPTypes
import Hummingbird
import Identity
import Tabular

/// The service-request pages: a caseworker's windows and queues, the window's registration form, a case with the
/// forms of its next steps, the printable receipt and one-time notice, and the residents' tracking and rating page.
/// Every decision is the service's; a refused form comes back with its errors and what was typed.
struct RequestController {
    let requests: RequestService
    let sites: SiteService
    let items: ServiceItemService
    let identity: IdentityService
    let views: Views

    static let pageSize = 50

    func register(on router: Router<AppRequestContext>) {
        router.get("/requests", use: posts)
        router.get("/requests/supervision", use: supervision)
        router.get("/requests/supervision.csv", use: supervisionCSV)
        router.post("/requests/risks", use: setRisk)
        router.get("/sites/{id}/requests", use: queue)
        router.get("/sites/{id}/requests/new", use: newForm)
        router.post("/sites/{id}/requests", use: create)
        router.get("/requests/{id}", use: detail)
        router.get("/requests/{id}/notice", use: notice)
        router.post("/requests/{id}/{step}", use: step)
        router.get("/track", use: trackForm)
        router.post("/track", use: track)
        router.post("/track/rate", use: rate)
    }

    // MARK: Staff

    func posts(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        var posts: [RequestPostsPage.Post] = []
        for post in try await requests.posts(of: actor) {
            let counts = try await requests.counts(at: post.site)
            posts.append(.init(siteID: post.site.id.lowercased, site: name(post.site, context),
                               duties: SiteDuty.allCases.filter(post.duties.contains).map { views.text("siteDuty_\($0.rawValue)", context) }
                                .joined(separator: context.language == .zh ? "、" : ", "),
                               waiting: counts.waiting, overdue: counts.overdue, returned: counts.returned, awaitingMaterials: counts.awaitingMaterials,
                               window: !post.duties.isDisjoint(with: [.clerk, .backup, .head]),
                               supervises: post.site.content.tier != .villageStation && !post.duties.isDisjoint(with: [.head, .approver, .handler]),
                               jurisdictionCode: post.site.content.jurisdictionCode))
        }
        return views.page("grassroots/requests", title: views.text("requests_title", context), model: RequestPostsPage(posts: posts),
                          request: request, context: context)
    }

    func queue(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await sites.site(id: try context.pathID())
        let query = request.uri.queryParameters
        let scope = query["scope"].flatMap { RequestQuery.Scope(rawValue: String($0)) } ?? .waiting
        let after = try query["after"].map { text -> UUID in
            guard let id = UUID(uuidString: String(text)) else { throw DomainError.badRequest("the page link is broken; start again from the first page") }
            return id
        }
        let page = try await requests.queue(RequestQuery(siteID: site.id, scope: scope, after: after, limit: Self.pageSize), by: context.actor)
        let found = try await items.items(ids: Array(Set(page.requests.map(\.itemID))))
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let mayRegister = try await requests.posts(of: context.actor).contains { $0.site.id == site.id && !$0.duties.isDisjoint(with: [.clerk, .backup, .head]) }
        let model = RequestQueuePage(
            siteID: site.id.lowercased, site: name(site, context),
            scopes: RequestQuery.Scope.allCases.map {
                .init(href: "/sites/\(site.id.lowercased)/requests?scope=\($0.rawValue)", label: views.text("requests_scope_\($0.rawValue)", context),
                      current: $0 == scope)
            },
            counts: try await requests.counts(at: site),
            rows: page.requests.map { CaseRow($0, items: byID, alert: requests.alert(of: $0), language: context.language, say: { views.text($0, context) }) },
            pager: Pager(request, cursor: "after", fetched: page.requests.count + (page.next == nil ? 0 : 1), size: Self.pageSize,
                         last: page.next?.lowercased),
            mayRegister: mayRegister, notice: nil,
            rechecks: try await requests.rechecks(at: site.id, by: context.actor).map {
                .init(href: "/requests/\($0.requestID.lowercased)", sampledAt: CaseDate.text($0.sampledAt) ?? "",
                      state: views.text($0.outcome.map { "recheckOutcome_\($0.rawValue)" } ?? "requests_recheckOpen", context), open: $0.outcome == nil)
            })
        return views.page("grassroots/request-queue", title: model.site, model: model, request: request, context: context)
    }

    func newForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.signedIn()
        let site = try await sites.site(id: try context.pathID())
        return try await renderForm(request, context, site: site, form: [:], presented: [], problem: nil)
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let site = try await sites.site(id: try context.pathID())
        let data = try await FormData.read(request, context)
        var form: [String: String] = [:]
        for name in ["itemCode", "name", "idNumber", "phone"] { form[name] = data[name] ?? "" }
        // Each item's materials are named `presented-<item>`: only the chosen item's count.
        let presented = data.values("presented-\(form["itemCode"] ?? "")")
        do {
            let created = try await requests.register(by: actor, at: site.id, NewRequest(
                itemCode: form["itemCode"] ?? "", applicant: Applicant(name: form["name"] ?? "", idNumber: form["idNumber"] ?? "", phone: form["phone"] ?? ""),
                presented: presented))
            return .redirect(to: "/requests/\(created.id.lowercased)?registered=1")
        } catch let error as DomainError where error.kind == .invalid {
            return try await renderForm(request, context, site: site, form: form, presented: Set(presented), problem: error, status: .unprocessableContent)
        }
    }

    private func renderForm(_ request: Request, _ context: AppRequestContext, site: ServiceSite, form: [String: String], presented: Set<String>,
                            problem: DomainError?, status: HTTPResponse.Status = .ok) async throws -> Response {
        var offered: [(ServiceItem, [Material])] = []
        for item in try await sites.items(of: site) {
            offered.append((item, try await items.requiredMaterials(of: item).required))
        }
        let model = RequestFormPage.model(site: site, items: offered, form: form, presented: presented, problem: problem, language: context.language,
                                          say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("grassroots/request-form", title: views.text("requests_new", context), model: model, status: status,
                          request: request, context: context)
    }

    func detail(_ request: Request, context: AppRequestContext) async throws -> Response {
        let notice = request.uri.queryParameters["registered"] != nil ? views.text("requests_registered", context)
            : request.uri.queryParameters["done"] != nil ? views.text("requests_done", context) : nil
        return try await renderDetail(request, context, id: try context.pathID(), problem: nil, notice: notice)
    }

    private func renderDetail(_ request: Request, _ context: AppRequestContext, id: UUID, problem: DomainError?, notice: String?,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let view = try await requests.view(id: id, by: context.actor)
        var chain: [UUID: ServiceSite] = [:]
        for siteID in view.request.chain + (view.recheck.map { [$0.siteID] } ?? []) { chain[siteID] = try await sites.site(id: siteID) }
        let materials = Dictionary(try await items.materials().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let model = RequestDetailPage.model(view: view, item: try? await items.item(id: view.request.itemID), sites: chain, materials: materials,
                                            alert: requests.alert(of: view.request), problem: problem, notice: notice, language: context.language,
                                            say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("grassroots/request", title: model.trackingCode, model: model, status: status, request: request, context: context)
    }

    /// One step of the case from its page's forms; a refusal of the form's content redraws the case with it.
    func step(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID()
        let data = try await FormData.read(request, context)
        let text = data["text"] ?? ""
        do {
            switch context.parameters.get("step") ?? "" {
            case "materials": _ = try await requests.supplyMaterials(by: actor, id: id, data.values("presented"))
            case "forward": _ = try await requests.forward(by: actor, id: id)
            case "approve": _ = try await requests.approve(by: actor, id: id)
            case "complete": _ = try await requests.complete(by: actor, id: id, result: text)
            case "refuse": _ = try await requests.refuse(by: actor, id: id, reason: text)
            case "hand-over": _ = try await requests.handOver(by: actor, id: id)
            case "withdraw": _ = try await requests.withdraw(by: actor, id: id, reason: text)
            case "take-over": _ = try await requests.takeOver(by: actor, id: id)
            case "recheck":
                guard let outcome = RecheckOutcome(rawValue: data["outcome"] ?? "") else {
                    throw DomainError.invalid([FieldError("outcome", "choose whether the approval stands or an error was found")])
                }
                _ = try await requests.recheck(by: actor, requestID: id, outcome: outcome, finding: text)
            default: throw DomainError.notFound("no such page")
            }
            return .redirect(to: "/requests/\(id.lowercased)?done=1")
        } catch let error as DomainError where error.kind == .invalid || error.kind == .conflict {
            return try await renderDetail(request, context, id: id, problem: error, notice: nil,
                                          status: error.kind == .invalid ? .unprocessableContent : .conflict)
        }
    }

    func notice(_ request: Request, context: AppRequestContext) async throws -> Response {
        let view = try await requests.view(id: try context.pathID(), by: context.actor)
        let r = view.request
        let item = try? await items.item(id: r.itemID)
        let site = try await sites.site(id: r.acceptingSiteID)
        let materials = Dictionary(try await items.materials().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let zh = context.language == .zh
        let model = RequestNoticePage(
            trackingCode: r.trackingCode, item: r.itemCode + " " + (item.map { zh ? $0.content.nameZh : $0.content.nameEn } ?? ""),
            site: name(site, context), applicant: r.applicantMasked, registeredAt: CaseDate.text(r.registeredAt) ?? "",
            finalDue: CaseDate.text(r.finalDueAt),
            missing: r.missing.compactMap { materials[$0] }.map { .init(code: $0.code, name: zh ? $0.nameZh : $0.nameEn) },
            accepted: r.state != .awaitingMaterials)
        return views.page("grassroots/request-notice", title: views.text(model.accepted ? "requests_receipt" : "requests_notice", context),
                          model: model, request: request, context: context)
    }

    // MARK: Supervision

    func supervision(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tables = try await supervisionTables(request, context)
        let model = SupervisionPage.model(tables, jurisdictions: try await identity.jurisdictions(), years: (tables.year - 4)...(requests.currentYear()),
                                          risks: try await requests.risks(jurisdictionCode: tables.jurisdiction.code),
                                          mayGradeRisks: requests.mayGradeRisks(context.actor, in: tables.jurisdiction),
                                          language: context.language, say: { views.text($0, context) })
        return views.page("grassroots/supervision", title: views.text("supervision_title", context), model: model, request: request, context: context)
    }

    func supervisionCSV(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tables = try await supervisionTables(request, context)
        return Response.spreadsheet(tables.csv(language: context.language, say: { views.text($0, context) }),
                                    name: "supervision-\(tables.jurisdiction.code)-\(tables.year)", kind: .csv)
    }

    /// Grades an item's risk from the supervision page; a refusal comes back as the page's problem.
    func setRisk(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let data = try await FormData.read(request, context)
        let code = data["jurisdiction"] ?? ""
        guard let grade = RiskGrade(rawValue: data["grade"] ?? ""), let percent = Int(data["samplePercent"] ?? "") else {
            throw DomainError.invalid([FieldError("samplePercent", "must be from 0 to 100")])
        }
        _ = try await requests.setRisk(by: actor, itemCode: data["itemCode"] ?? "", jurisdictionCode: code, grade: grade, samplePercent: percent)
        return .redirect(to: "/requests/supervision?jurisdiction=\(code.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")#risks")
    }

    /// The report the query asks for: by default the caller's own place (the jurisdiction of the site where they head,
    /// approve or handle, else their office's) and this year.
    private func supervisionTables(_ request: Request, _ context: AppRequestContext) async throws -> SupervisionTables {
        let actor = try context.signedIn()
        let query = request.uri.queryParameters
        var code = query["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if code == nil, let post = try await requests.posts(of: actor).first(where: { !$0.duties.isDisjoint(with: [.head, .approver, .handler]) }) {
            code = post.site.content.jurisdictionCode
        }
        if code == nil, let own = actor.jurisdictionID { code = try await identity.jurisdiction(id: own)?.code }
        let year: Int
        if let text = query["year"] {
            guard let number = Int(String(text)) else { throw DomainError.invalid([FieldError("year", "must be a year, e.g. 2026")]) }
            year = number
        } else {
            year = requests.currentYear()
        }
        let report = try await requests.supervision(jurisdictionCode: code ?? "", year: year, by: actor)
        guard let jurisdiction = try await identity.jurisdiction(id: report.jurisdictionID) else { throw DomainError.notFound("no such page") }
        return try await SupervisionTables.build(report, jurisdiction: jurisdiction, identity: identity, catalogue: items, sites: sites)
    }

    // MARK: Residents

    func trackForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        views.page("grassroots/track", title: views.text("track_title", context), model: TrackPage.empty(code: "", problem: nil, notice: nil),
                   request: request, context: context)
    }

    func track(_ request: Request, context: AppRequestContext) async throws -> Response {
        let data = try await FormData.read(request, context)
        return try await renderTracked(request, context, code: data["code"] ?? "", tail: data["tail"] ?? "", notice: nil)
    }

    func rate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let data = try await FormData.read(request, context)
        let code = data["code"] ?? "", tail = data["tail"] ?? ""
        guard let rating = Satisfaction(rawValue: data["rating"] ?? "") else {
            return try await renderTracked(request, context, code: code, tail: tail, notice: nil,
                                           refusal: DomainError.invalid([FieldError("rating", "choose one of the three ratings")]))
        }
        do {
            try await requests.rate(code: code, phoneTail: tail, rating, comment: data["comment"] ?? "")
        } catch let error as DomainError where [.invalid, .conflict].contains(error.kind) {
            return try await renderTracked(request, context, code: code, tail: tail, notice: nil, refusal: error)
        }
        return try await renderTracked(request, context, code: code, tail: tail, notice: views.text("track_thanks", context))
    }

    private func renderTracked(_ request: Request, _ context: AppRequestContext, code: String, tail: String, notice: String?,
                               refusal: DomainError? = nil) async throws -> Response {
        func block(_ error: DomainError) -> ProblemBlock {
            ProblemBlock(error, message: { views.say($0, context) }) { (views.text("trackField_\($0.field)", context), nil) }
        }
        do {
            let tracked = try await requests.track(code: code, phoneTail: tail)
            let materials = Dictionary(try await items.materials().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var model = TrackPage.model(tracked, materials: materials, phoneTail: tail, notice: notice, language: context.language,
                                        say: { views.text($0, context) })
            if let refusal { model.problem = block(refusal) }
            return views.page("grassroots/track", title: views.text("track_title", context), model: model,
                              status: refusal.map { $0.kind == .conflict ? .conflict : .unprocessableContent } ?? .ok, request: request, context: context)
        } catch let error as DomainError where [.invalid, .notFound, .rateLimited].contains(error.kind) {
            let status: HTTPResponse.Status = error.kind == .rateLimited ? .tooManyRequests : error.kind == .notFound ? .notFound : .unprocessableContent
            return views.page("grassroots/track", title: views.text("track_title", context),
                              model: TrackPage.empty(code: code, problem: block(error), notice: nil), status: status, request: request, context: context)
        }
    }

    private func name(_ site: ServiceSite, _ context: AppRequestContext) -> String {
        context.language == .zh || site.content.nameEn.isEmpty ? site.content.nameZh : site.content.nameEn
    }
}

