import Core
import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// The work of an evaluation institution: the contracts buyers engaged it for, and (for its
/// administrators) the forms that assign its evaluators to them.
struct EngagementController {
    let contracts: ContractService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/engagements", use: list)
        router.post("/engagements/:id/evaluators", use: assign)
        router.post("/engagements/:id/evaluators/:user/remove", use: unassign)
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context)
    }

    private func render(_ request: Request, _ context: AppRequestContext, problem: DomainError? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.signedIn()
        let work = try await contracts.engagements(of: actor)
        // Only administrators get the list of evaluators to choose from; for everyone else the service refuses.
        let evaluators = (try? await contracts.assignableEvaluators(by: actor)) ?? []
        // For each open engagement, whom the administrators may still assign (untied, not yet assigned).
        var choices: [UUID: [User]] = [:]
        if !evaluators.isEmpty {
            for w in work where w.engagement.isOpen { choices[w.engagement.id] = try await contracts.assignableEvaluators(by: actor, to: w.engagement) }
        }
        let model = EngagementListPage.model(work: work, mayAssign: !evaluators.isEmpty, choices: choices, problem: problem,
                                             message: { views.say($0, context) })
        return views.page("contracts/engagements", title: views.text("engagements_title", context), model: model, status: status, request: request, context: context)
    }

    func assign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let engagement = try context.pathID()
        return try await act(request, context) {
            guard let user = form["userId"].flatMap(UUID.init(uuidString:)) else {
                throw DomainError.invalid([FieldError("userId", "choose an evaluator")])
            }
            _ = try await contracts.assignEvaluator(by: actor, engagementID: engagement, evaluatorID: user)
        }
    }

    func unassign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let engagement = try context.pathID()
        let user = try context.pathID("user")
        return try await act(request, context) { _ = try await contracts.unassignEvaluator(by: actor, engagementID: engagement, evaluatorID: user) }
    }

    /// Runs a change and goes back to the list; a refusal shows the list again with the reason.
    private func act(_ request: Request, _ context: AppRequestContext, _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
            return .redirect(to: "/engagements")
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, problem: error, status: error.formStatus)
        }
    }
}
