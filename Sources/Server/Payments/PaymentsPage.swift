import Core
import Foundation
import Identity
import Incubation
import Payments

/// The payments page's model (template `payments/payments`): a buyer's seed grants to pay (each with its form), the
/// contract claims waiting for approval or payment and the overpayments to recover, each linked to its contract.
struct PaymentsPage {
    struct Grant {
        let id: String
        let organisation: String
        let organisationId: String
        let amount: String
        let purpose: String
        let awardedOn: String
    }

    struct ClaimLine {
        let contractId: String
        let reference: String
        let supplier: String
        let number: Int
        let amount: String
        let status: String
    }

    struct RecoveryLine {
        let contractId: String
        let reference: String
        let supplier: String
        let amount: String
        let openedOn: String
    }

    let grants: [Grant]
    /// Oldest claim first.
    let claims: [ClaimLine]
    let recoveries: [RecoveryLine]
    /// The payment forms' default day.
    let today: String
    let problem: ProblemBlock?

    /// `recoveries` are those the reader records the repayment of.
    static func model(grants: [SeedGrant], claims: [ClaimTask], recoveries: [RecoveryTask], names: [UUID: Organisation], now: Date,
                      problem: DomainError?, say: (String) -> String, message: (Message) -> String) -> PaymentsPage {
        let calendar = WorkingCalendar()
        return PaymentsPage(
            grants: grants.map {
                Grant(id: $0.id.lowercased, organisation: names[$0.organisationID]?.nameZh ?? "", organisationId: $0.organisationID.lowercased,
                      amount: $0.amount.formatted, purpose: $0.purpose, awardedOn: calendar.dayKey($0.awardedAt))
            },
            claims: claims.sorted { $0.claim.claimedAt < $1.claim.claimedAt }.map { task in
                ClaimLine(contractId: task.contract.id.lowercased, reference: task.contract.reference, supplier: names[task.contract.supplierID]?.nameZh ?? "",
                          number: task.claim.number, amount: task.claim.amount.formatted, status: say("claim_status_\(task.claim.status.rawValue)"))
            },
            recoveries: recoveries.map { task in
                RecoveryLine(contractId: task.contract.id.lowercased, reference: task.contract.reference,
                             supplier: names[task.contract.supplierID]?.nameZh ?? "", amount: task.recovery.amount.formatted,
                             openedOn: calendar.dayKey(task.recovery.createdAt))
            },
            today: calendar.dayKey(now), problem: problem.map { ProblemBlock($0, message: message) })
    }
}
