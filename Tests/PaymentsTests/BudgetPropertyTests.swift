import Core
import Foundation
import Identity
import Payments
import Store
import Tendering
import TestSupport
import Testing

/// Issue 21, "one budget", as a property: random sequences of budget edits, year changes, draft tenders and their
/// cancellation, commitments and payments on three lines of one buyer. A model written from the rules (DOMAIN.md
/// §4, 专款专用) predicts which operations must be refused; after every step the purchase line, the ledger line
/// and the model agree. A failing seed is printed and replays the same sequence.
@Suite("One budget: random sequences of edits, tenders, commitments and payments")
struct BudgetPropertyTests {
    typealias World = LedgerTests.World

    /// What the rules say about one line, kept beside the system.
    struct LineModel {
        var line: PurchaseLine
        var lots: [UUID: Int64] = [:]  // live draft tenders' lots on the line, by tender
        var commitments: [(id: UUID, amount: Int64, paid: Int64)] = []
        var held: Int64 { lots.values.reduce(0, +) }
        var committed: Int64 { commitments.reduce(0) { $0 + $1.amount } }
        var paid: Int64 { commitments.reduce(0) { $0 + $1.paid } }
        /// The year and the catalogue code are fixed once a lot or a commitment uses the line.
        var fixed: Bool { !lots.isEmpty || !commitments.isEmpty }
    }

    enum Step: CustomStringConvertible {
        case budget(Int, Int64), year(Int, Int), draft(Int, Int64), cancel(Int), commit(Int, Int64), pay(Int, Int64)
        var description: String {
            switch self {
            case let .budget(l, f): "budget line \(l) to \(f) fen"
            case let .year(l, y): "year of line \(l) to \(y)"
            case let .draft(l, f): "draft a tender of \(f) fen on line \(l)"
            case let .cancel(l): "cancel a tender on line \(l)"
            case let .commit(l, f): "commit \(f) fen on line \(l)"
            case let .pay(l, f): "pay \(f) fen on line \(l)"
            }
        }
    }

    /// A step drawn near the limits the rules draw: exactly at what is held, committed or left, one fen either side, or anywhere.
    static func step(_ lines: [LineModel], _ random: inout SeededRandom) -> Step {
        let index = Int.random(in: 0..<lines.count, using: &random)
        let m = lines[index]
        let budget = m.line.content.budget.minorUnits
        func near(_ limit: Int64) -> Int64 {
            switch Int.random(in: 0..<5, using: &random) {
            case 0: limit
            case 1: limit + 1
            case 2: limit - 1
            default: Int64.random(in: 0...max(limit * 2, 100), using: &random)
            }
        }
        switch Int.random(in: 0..<10, using: &random) {
        case 0, 1: return .budget(index, near(max(m.held, m.committed)))
        case 2: return .year(index, m.line.content.year == 2026 ? 2027 : 2026)
        case 3, 4: return .draft(index, near(budget - m.held))
        case 5: return .cancel(index)
        case 6, 7: return .commit(index, near(budget - m.committed))
        default: return .pay(index, near((m.commitments.last?.amount ?? 0) - (m.commitments.last?.paid ?? 0)))
        }
    }

    @Test("whatever the order, the rules decide what is refused and both records of a budget agree", arguments: [20261205, 7, 99] as [UInt64])
    func randomSequences(seed: UInt64) async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.t.world.actor("finance")
            var models = try await w.t.lines(["LX2026-20", "LX2026-21", "LX2026-22"]).map { LineModel(line: $0) }
            // The model starts where the demo leaves these lines: no lots, nothing committed.
            for m in models {
                try #require(try await w.ledger.balance(of: m.line.id).committed.minorUnits == 0)
                try #require(try await w.t.tenders.lots(takingUp: [m.line.id], by: finance).isEmpty)
            }
            var random = SeededRandom(seed: seed)
            var payments = 0
            for number in 1...40 {
                let step = Self.step(models, &random)
                let context = "seed \(seed), step \(number): \(step)"
                do {
                    switch step {
                    case let .budget(index, fen):
                        var content = models[index].line.content
                        content.budget = Money(minorUnits: fen)
                        let allowed = fen >= 1 && fen >= models[index].held && fen >= models[index].committed
                        let changed = try await outcome(allowed, context) { try await w.t.lists.updateLine(by: finance, id: models[index].line.id, content) }
                        if let changed { models[index].line = changed }
                    case let .year(index, year):
                        var content = models[index].line.content
                        content.year = year
                        let changed = try await outcome(!models[index].fixed, context) {
                            try await w.t.lists.updateLine(by: finance, id: models[index].line.id, content)
                        }
                        if let changed { models[index].line = changed }
                    case let .draft(index, fen):
                        var terms = w.t.terms([models[index].line])
                        terms.lots[0].budget = Money(minorUnits: fen)
                        let allowed = fen >= 1 && fen <= models[index].line.content.budget.minorUnits - models[index].held
                        let tender = try await outcome(allowed, context) { try await w.t.tenders.createDraft(by: finance, buyerID: finance.organisationID, terms) }
                        if let tender { models[index].lots[tender.id] = fen }
                    case let .cancel(index):
                        guard let tenderID = models[index].lots.keys.sorted(by: { $0.uuidString < $1.uuidString }).first else { continue }
                        _ = try await outcome(true, context) {
                            try await w.t.tenders.cancel(by: finance, tenderID: tenderID, reason: .budgetWithdrawn, note: "预算调减，取消本次采购")
                        }
                        models[index].lots[tenderID] = nil
                    case let .commit(index, fen):
                        let m = models[index]
                        let allowed = fen >= 1 && fen <= m.line.content.budget.minorUnits - m.committed
                        let commitment = try await outcome(allowed, context) {
                            try await database.transaction {
                                try await w.ledger.commit(Money(minorUnits: fen), on: m.line.id, for: .contract, source: UUID.v7(), by: finance, on: $0)
                            }
                        }
                        if let commitment { models[index].commitments.append((commitment.id, fen, 0)) }
                    case let .pay(index, fen):
                        guard let last = models[index].commitments.last else { continue }
                        payments += 1
                        let reference = "GK-P\(seed % 1000)-\(payments)"
                        let allowed = fen >= 1 && fen <= last.amount - last.paid
                        let paid = try await outcome(allowed, context) {
                            try await database.transaction {
                                try await w.ledger.disburse(Money(minorUnits: fen), from: last.id, reference: reference, paidOn: "2026-11-02", by: finance, on: $0)
                            }
                        }
                        if paid != nil { models[index].commitments[models[index].commitments.count - 1].paid += fen }
                    }
                } catch let failure as PropertyFailure {
                    Issue.record(Comment(rawValue: failure.message))
                    return
                }
                // Both records of every budget agree with each other and with the model.
                for m in models {
                    let line = try await w.t.lists.line(id: m.line.id)
                    let balance = try await w.ledger.balance(of: m.line.id)
                    #expect(line == m.line, "\(context): the purchase line")
                    #expect(balance.budget == line.content.budget, "\(context): the ledger's budget of \(line.content.reference)")
                    #expect(balance.committed.minorUnits == m.committed && balance.paid.minorUnits == m.paid, "\(context): the ledger's figures")
                    #expect(m.held <= line.content.budget.minorUnits && m.committed <= line.content.budget.minorUnits && m.paid <= m.committed,
                            "\(context): nothing beyond the budget")
                }
                #expect(try await w.ledger.unbalancedLines().isEmpty, "\(context): the ledger balances")
            }
        }
    }

    struct PropertyFailure: Error { var message: String }

    /// Runs an operation the model says is `allowed` (or not): a refusal must be a domain error with a reason, and only
    /// where the rules refuse; anything else (a database error, a crash-worthy state) fails the property.
    func outcome<T>(_ allowed: Bool, _ context: String, _ operation: () async throws -> T) async throws -> T? {
        do {
            let result = try await operation()
            if !allowed { throw PropertyFailure(message: "\(context): went through, but the rules refuse it") }
            return result
        } catch let refusal as DomainError {
            if allowed { throw PropertyFailure(message: "\(context): refused (\(refusal)), but the rules allow it") }
            return nil
        } catch let failure as PropertyFailure {
            throw failure
        } catch {
            throw PropertyFailure(message: "\(context): failed with \(error), not a refusal")
        }
    }
}
