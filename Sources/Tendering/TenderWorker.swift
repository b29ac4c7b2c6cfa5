import Core
import Foundation
import PostgresNIO
import Store

/// Moves tenders when their deadlines pass: enquiries → tendering, tendering → evaluation (opening
/// the bids and refusing evaluators tied to a bidder) or unsuccessful, awarded → complete once the
/// standstill has passed and no complaint is open. Each tender is claimed with
/// `FOR UPDATE SKIP LOCKED` in a transaction of its own, so any number of app instances may run
/// this side by side and no tender is moved twice.
public struct TenderWorker: Sendable {
    let tenders: TenderService
    let bids: BidService

    public init(tenders: TenderService, bids: BidService) {
        self.tenders = tenders
        self.bids = bids
    }

    private var evaluations: EvaluationService {
        EvaluationService(database: tenders.database, identity: tenders.identity, clock: tenders.clock)
    }
    private var awards: AwardService { AwardService(database: tenders.database, identity: tenders.identity, clock: tenders.clock) }

    /// Moves every tender that is due now; returns how many moves were made.
    @discardableResult
    public func runDue() async throws -> Int {
        var moves = 0
        while try await moveNextDue() { moves += 1 }
        return moves
    }

    /// Claims one due tender and moves it one step; false when none is due (or all due are held).
    private func moveNextDue() async throws -> Bool {
        let database = tenders.database
        let now = tenders.clock.now()
        return try await database.transaction { connection in
            let store = tenders.store(connection)
            guard let before = try await store.claimDue(at: now) else { return false }
            var after = before
            var next: Date?
            let action: String
            switch before.status {
            case .enquiries:
                after.status = try before.status.transition(to: .tendering)
                next = before.periods?.tenderEnd
                action = "tender.tendering_started"
            case .tendering:
                let counts = try await bids.open(before, on: connection)
                for index in after.lots.indices where after.lots[index].status == .active
                    && counts[after.lots[index].id, default: 0] < before.terms.minimumBids {
                    after.lots[index].status = .unsuccessful
                    try await store.updateLot(after.lots[index])
                }
                after.periods?.openedAt = now
                try await evaluations.refuseTiedEvaluators(after, on: connection)
                let anyStanding = after.lots.contains { $0.status == .active }
                after.status = try before.status.transition(to: anyStanding ? .evaluation : .unsuccessful)
                action = anyStanding ? "tender.bids_opened" : "tender.unsuccessful"
            case .awarded:
                let settled = try await awards.settle(before, at: now, on: connection)
                if settled.completed { after.status = try before.status.transition(to: .complete) }
                next = settled.next
                action = settled.completed ? "tender.completed" : ""
            default:
                // Nothing is due in this status: stop the worker from looking again.
                action = ""
            }
            try await store.update(after, nextEventAt: next, at: now)
            if !action.isEmpty { try await tenders.audit(connection, .system, action, before: before, after: after) }
            return true
        }
    }
}
