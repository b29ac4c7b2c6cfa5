import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Incubation

/// Programme pages: the list with the staff's form for a new intake; each programme with its
/// application form (for teams and organisations), and for staff and reviewers its applications,
/// the rubric to score and the decision.
struct ProgrammeController {
    let programmes: ProgrammeService
    let incubation: IncubationService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/incubator/programmes", use: list)
        router.post("/incubator/programmes", use: create)
        router.get("/incubator/programmes/:id", use: show)
        router.post("/incubator/programmes/:id/apply", use: apply)
        router.post("/incubator/applications/:application/review", use: review)
        router.post("/incubator/applications/:application/decision", use: decide)
        router.post("/incubator/applications/:application/withdraw", use: withdraw)
        router.post("/incubator/programmes/:id/reviewers", use: seatReviewer)
        router.post("/incubator/programmes/:id/reviewers/:user/remove", use: unseatReviewer)
    }

    func seatReviewer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let id = try context.pathID()
        return try await act(request, context, programmeID: { id }) {
            guard let user = form["userId"].flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid([FieldError("userId", "choose an evaluator")]) }
            _ = try await programmes.seatReviewer(by: actor, programmeID: id, reviewerID: user)
        }
    }

    func unseatReviewer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID()
        let user = try context.pathID("user")
        return try await act(request, context, programmeID: { id }) { _ = try await programmes.unseatReviewer(by: actor, programmeID: id, reviewerID: user) }
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderList(request, context)
    }

    private func renderList(_ request: Request, _ context: AppRequestContext, problem: DomainError? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let model = ProgrammeListPage.model(programmes: try await programmes.programmes(), may: try await programmes.actions(for: context.actor),
                                            problem: problem, say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("incubation/programmes", title: views.text("programmes_title", context), model: model, status: status, request: request, context: context)
    }

    /// The rubric comes as up to five name/weight pairs; empty rows are left out.
    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        do {
            let rubric = (0..<5).compactMap { index -> RubricItem? in
                let name = (form["rubric\(index)"] ?? "").trimmingCharacters(in: .whitespaces)
                return name.isEmpty ? nil : RubricItem(name: name, weight: Int(form["weight\(index)"] ?? "") ?? 0)
            }
            let programme = try await programmes.create(by: actor, NewProgramme(
                name: form["name"] ?? "", stage: IncubationStage(rawValue: form["stage"] ?? "") ?? .nursery, intakeOpens: form["opens"] ?? "",
                intakeCloses: form["closes"] ?? "", capacity: Int(form["capacity"] ?? "") ?? 0, rubric: rubric))
            return .redirect(to: "/incubator/programmes/\(programme.id.lowercased)")
        } catch let error as DomainError where error.kind == .invalid {
            return try await renderList(request, context, problem: error, status: .unprocessableContent)
        }
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.pathID()
        return try await render(request, context, id: id)
    }

    /// `applied`: what a refused application said, to show again with each field's problem.
    private func render(_ request: Request, _ context: AppRequestContext, id: UUID, problem: DomainError? = nil, applied: [String: String]? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let programme = try await programmes.programmes().first(where: { $0.id == id }) else { throw DomainError.notFound("no such programme") }
        let actor = context.actor
        let may = try await programmes.actions(on: id, for: actor)
        // The admitted organisations (public: who the programme took in) and how far each has come.
        let admitted = try await programmes.admitted(programmeID: programme.id)
        let progress = try await incubation.progress(of: admitted.map(\.organisationID))
        let reviewers = try await programmes.reviewers(of: id)
        let evaluators = try await may.manage ? identity.evaluators() : []
        var applications: [Incubation.Application]?
        if let actor, may.review || may.manage { applications = try await programmes.applications(programmeID: id, by: actor) }
        let names = try await identity.organisations(ids: Set(admitted.map(\.organisationID) + (applications ?? []).map(\.organisationID)))
        let model = ProgrammePage.model(programme: programme, may: may, actor: actor, intakeOpen: programmes.intakeOpen(programme), admitted: progress,
                                        reviewers: reviewers, evaluators: evaluators, applications: applications, names: names, problem: problem,
                                        applied: applied, say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("incubation/programme", title: programme.name, model: model, status: status, request: request, context: context)
    }

    /// Runs a form's action for the programme page; a refusal the user can fix re-renders it with the problem.
    private func act(_ request: Request, _ context: AppRequestContext, programmeID: () async throws -> UUID, applied: [String: String]? = nil,
                     _ action: () async throws -> Void) async throws -> Response {
        let id = try await programmeID()
        do {
            try await action()
            return .redirect(to: "/incubator/programmes/\(id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, id: id, problem: error, applied: applied, status: error.formStatus)
        }
    }

    private func programmeOf(applicationID: UUID, _ actor: Actor) async throws -> UUID {
        try await programmes.application(id: applicationID, by: actor).programmeID
    }

    func apply(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let id = try context.pathID()
        let typed = Dictionary(uniqueKeysWithValues: ProgrammePage.applicationFields.map { ($0, form[$0] ?? "") })
        // A team size that is no number is 0, which the application's rules refuse with the rest.
        return try await act(request, context, programmeID: { id }, applied: typed) {
            _ = try await programmes.apply(by: actor, programmeID: id, ApplicationForm(
                idea: form["idea"] ?? "", teamSize: Int(form["teamSize"] ?? "") ?? 0, needs: form["needs"] ?? ""))
        }
    }

    func review(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let application = try context.pathID("application")
        let programmeID = try await programmeOf(applicationID: application, actor)
        let rubric = try await programmes.programmes().first { $0.id == programmeID }?.rubric ?? []
        return try await act(request, context, programmeID: { programmeID }) {
            var points: [String: Double] = [:]
            for item in rubric { if let value = Double(form["points-\(item.name)"] ?? "") { points[item.name] = value } }
            _ = try await programmes.review(by: actor, applicationID: application, points: points, comment: form["comment"] ?? "")
        }
    }

    func decide(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let application = try context.pathID("application")
        let programmeID = try await programmeOf(applicationID: application, actor)
        return try await act(request, context, programmeID: { programmeID }) {
            _ = try await programmes.decide(by: actor, applicationID: application, admit: form["decision"] == "admit", reason: form["reason"] ?? "")
        }
    }

    func withdraw(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let application = try context.pathID("application")
        let programmeID = try await programmeOf(applicationID: application, actor)
        return try await act(request, context, programmeID: { programmeID }) {
            _ = try await programmes.withdraw(by: actor, applicationID: application, reason: form["reason"] ?? "")
        }
    }
}
