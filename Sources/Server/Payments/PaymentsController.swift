import Core
import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Incubation
import Payments

/// A buyer's payments to make: the seed grants awarded from its budget lines and not yet paid, each
/// with the form to record the treasury's payment. Contract claims waiting for approval or payment are listed with a link to their contract, where the calculation is shown.
struct PaymentsController {
    let seedGrants: SeedGrantService
    let worklists: PaymentWorklists
    let identity: IdentityService
    let views: Views
    /// The instance's clock (a training class's on a training instance): what "today" on the page is.
    let clock: any SpokesClock

    func register(on router: Router<AppRequestContext>) {
        router.get("/payments", use: show)
        router.post("/payments/grants/:grant/pay", use: payGrant)
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context)
    }

    private func render(_ request: Request, _ context: AppRequestContext, problem: DomainError? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        // The worklists decide who has payments to make (a buyer's own staff) and which claims wait for them.
        let claims = try await worklists.claimsToApprove(for: context.actor) + worklists.paymentsToMake(for: context.actor)
        let grants = try await seedGrants.awaitingPayment(by: try context.signedIn())
        // Overpayments whose repayment the buyer's staff record (the contract page holds the form).
        let recoveries = try await worklists.recoveriesOpen(for: context.actor).filter(\.mayRepay)
        let names = try await identity.organisations(ids: Set(grants.map(\.organisationID) + claims.map(\.contract.supplierID)
                                                                + recoveries.map(\.contract.supplierID)))
        let model = PaymentsPage.model(grants: grants, claims: claims, recoveries: recoveries, names: names, now: clock.now(), problem: problem,
                                       say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("payments/payments", title: views.text("payments_title", context), model: model, status: status, request: request, context: context)
    }

    func payGrant(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let grant = try context.pathID("grant")
        do {
            _ = try await seedGrants.pay(by: actor, grantID: grant, treasuryReference: form["reference"] ?? "", paidOn: form["paidOn"] ?? "")
            return .redirect(to: "/payments")
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, problem: error, status: error.formStatus)
        }
    }
}
