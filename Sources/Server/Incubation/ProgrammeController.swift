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
        var data: [String: Any] = [
            "programmes": try await programmes.programmes().map { p -> [String: Any] in
                ["id": p.id.lowercased, "name": p.name, "stage": views.text("stage_\(p.stage.rawValue)", context), "opens": p.intakeOpens,
                 "closes": p.intakeCloses, "capacity": p.capacity]
            },
            "isStaff": try await programmes.actions(for: context.actor).manage,
            "stages": IncubationStage.allCases.map { ["value": $0.rawValue, "label": views.text("stage_\($0.rawValue)", context)] },
        ]
        if let problem { data["problem"] = problem.pageData(views, context) }
        return views.page("incubation/programmes", title: views.text("programmes_title", context), data: data, status: status, request: request, context: context)
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

    /// The application form's inputs (ids `apply-<name>`, labels `programmes_<name>`).
    static let applicationFields = ["idea", "teamSize", "needs"]

    /// `applied`: what a refused application said, to show again with each field's problem.
    private func render(_ request: Request, _ context: AppRequestContext, id: UUID, problem: DomainError? = nil, applied: [String: String]? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let programme = try await programmes.programmes().first(where: { $0.id == id }) else { throw DomainError.notFound("no such programme") }
        let actor = context.actor
        let may = try await programmes.actions(on: id, for: actor)
        let today = WorkingCalendar().dayKey(Date())
        var data: [String: Any] = [
            "id": programme.id.lowercased, "name": programme.name, "stage": views.text("stage_\(programme.stage.rawValue)", context),
            "opens": programme.intakeOpens, "closes": programme.intakeCloses, "capacity": programme.capacity,
            "rubric": programme.rubric.map { ["name": $0.name, "weight": $0.weight] },
            "canApply": may.apply && programme.intakeOpens <= today && today <= programme.intakeCloses,
        ]
        if let problem { data["problem"] = problem.pageData(views, context) }
        if let applied {
            let refused = RefusedForm(problem, prefix: "apply", names: Self.applicationFields, form: applied,
                                      label: { views.text("programmes_\($0)", context) }, message: { views.say($0, context) })
            data["apply"] = refused.fields
            if let summary = refused.problem { data["problem"] = summary }
        }
        data["cohort"] = try await cohort(programme, context)
        let reviewers = try await programmes.reviewers(of: id)
        data["reviewers"] = reviewers.map { ["userId": $0.userID.lowercased, "name": $0.displayName, "mayUnseat": may.manage] as [String: Any] }
        if may.manage {
            let seated = Set(reviewers.map(\.userID))
            data["reviewerChoices"] = try await identity.evaluators().filter { !seated.contains($0.id) }.map { ["id": $0.id.lowercased, "name": $0.displayName] }
        }
        if let actor, may.review || may.manage {
            let applications = try await programmes.applications(programmeID: id, by: actor)
            let names = try await identity.organisations(ids: Set(applications.map(\.organisationID)))
            let staff = may.manage, reviewer = may.review
            data["applications"] = applications.map { a -> [String: Any] in
                var row: [String: Any] = [
                    "applicationId": a.id.lowercased, "organisation": names[a.organisationID]?.nameZh ?? "", "organisationId": a.organisationID.lowercased,
                    "idea": a.form.idea, "teamSize": a.form.teamSize, "needs": a.form.needs,
                    "status": views.text("applicationStatus_\(a.status.rawValue)", context),
                    "average": a.averageScore.map { Points(hundredths: $0).formatted } ?? "—",
                    "reviews": a.reviews.map { ["reviewer": $0.reviewerName, "total": Points(hundredths: $0.total).formatted, "comment": $0.comment] },
                    "canReview": reviewer && a.status == .submitted && !a.reviews.contains { $0.reviewerID == actor.userID },
                    "canDecide": staff && (a.status == .submitted || a.status == .waitlisted),
                    "canWithdraw": staff && (a.status == .admitted || a.status == .waitlisted),
                    "rubric": programme.rubric.map { ["name": $0.name, "weight": $0.weight] },
                ]
                if let reason = a.decisionReason { row["reason"] = reason }
                return row
            }
        }
        return views.page("incubation/programme", title: programme.name, data: data, status: status, request: request, context: context)
    }

    /// The admitted organisations (public: who the programme took in) and how far each has come.
    private func cohort(_ programme: Programme, _ context: AppRequestContext) async throws -> [[String: Any]] {
        let admitted = try await programmes.admitted(programmeID: programme.id)
        let names = try await identity.organisations(ids: Set(admitted.map(\.organisationID)))
        return try await incubation.progress(of: admitted.map(\.organisationID)).map { p -> [String: Any] in
            ["organisationId": p.organisationID.lowercased, "name": names[p.organisationID]?.nameZh ?? "",
             "stage": p.stage.map { views.text("stage_\($0.rawValue)", context) } ?? views.text("incubator_outside", context),
             "hours": Points(hundredths: p.supportMinutes * 100 / 60).formatted, "capacity": p.latestAverage.map { Points(hundredths: $0).formatted } ?? "—",
             "grants": p.grantsPaid.formatted]
        }
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
        let typed = Dictionary(uniqueKeysWithValues: Self.applicationFields.map { ($0, form[$0] ?? "") })
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
