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
        var data: [String: Any] = [
            "grants": grants.map { g -> [String: Any] in
                ["id": g.id.lowercased, "organisation": names[g.organisationID]?.nameZh ?? "", "organisationId": g.organisationID.lowercased,
                 "amount": g.amount.formatted, "purpose": g.purpose, "awardedOn": WorkingCalendar().dayKey(g.awardedAt)]
            },
            "claims": claims.sorted { $0.claim.claimedAt < $1.claim.claimedAt }.map { task -> [String: Any] in
                let (c, contract) = (task.claim, task.contract)
                return ["contractId": contract.id.lowercased, "reference": contract.reference, "supplier": names[contract.supplierID]?.nameZh ?? "",
                        "number": c.number, "amount": c.amount.formatted, "status": views.text("claim_status_\(c.status.rawValue)", context)]
            },
            "recoveries": recoveries.map { task -> [String: Any] in
                ["contractId": task.contract.id.lowercased, "reference": task.contract.reference,
                 "supplier": names[task.contract.supplierID]?.nameZh ?? "", "amount": task.recovery.amount.formatted,
                 "openedOn": WorkingCalendar().dayKey(task.recovery.createdAt)]
            },
            "today": WorkingCalendar().dayKey(Date()),
        ]
        if let problem { data["problem"] = problem.pageData(views, context) }
        return views.page("payments/payments", title: views.text("payments_title", context), data: data, status: status, request: request, context: context)
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
