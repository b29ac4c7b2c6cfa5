import Core
import Foundation
import Identity
import Payments
import Store
import TestSupport
import Testing
import Tendering

@Suite("Ledger of earmarked funds")
struct LedgerTests {
    struct World {
        let t: TenderWorld
        let ledger: LedgerService
        init(_ database: Database) {
            t = TenderWorld(database)
            ledger = LedgerService(database: database, purchaseLists: t.lists, clock: t.clock)
        }
        /// LX2026-22: ¥220,000 of the finance office.
        func line() async throws -> PurchaseLine { try await t.lines(["LX2026-22"])[0] }
        func commit(_ yuan: Int64, on line: PurchaseLine) async throws -> Commitment {
            let finance = try await t.world.actor("finance")
            return try await t.world.database.transaction {
                try await ledger.commit(.yuan(yuan), on: line.id, for: .contract, source: UUID.v7(), by: finance, on: $0)
            }
        }
        func pay(_ yuan: Int64, _ commitment: Commitment, reference: String, by username: String = "finance")
            async throws -> (disbursement: Disbursement, created: Bool) {
            let actor = try await t.world.actor(username)
            return try await t.world.database.transaction {
                try await ledger.disburse(.yuan(yuan), from: commitment.id, reference: reference, paidOn: "2026-11-02", by: actor, on: $0)
            }
        }
    }

    @Test("commitments never exceed the line; the refusal says what is left")
    func commitLimit() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let line = try await w.line()
            #expect(try await w.ledger.balance(of: line.id).committed == .yuan(0))
            _ = try await w.commit(200_000, on: line)
            await #expect(throws: DomainError(.conflict, "the purchase line LX2026-22 has ¥20,000.00 uncommitted; ¥30,000.00 would exceed its budget of ¥220,000.00",
                                              fields: [FieldError("amount", "exceeds what remains of the budget line")])) {
                _ = try await w.commit(30_000, on: line)
            }
            _ = try await w.commit(20_000, on: line)
            let balance = try await w.ledger.balance(of: line.id)
            #expect(balance.committed == .yuan(220_000) && balance.uncommitted == .yuan(0) && balance.paid == .yuan(0))
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("at the limit: exactly what a line has left may be committed; one fen more is refused as a conflict")
    func commitLimitToTheFen() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let line = try await w.line()
            let finance = try await w.t.world.actor("finance")
            func commit(fen: Int64) async throws -> Commitment {
                try await database.transaction { try await w.ledger.commit(Money(minorUnits: fen), on: line.id, for: .contract, source: UUID.v7(), by: finance, on: $0) }
            }
            _ = try await commit(fen: 21_999_999)  // ¥0.01 of the ¥220,000 left
            await #expect(throws: DomainError(.conflict, "the purchase line LX2026-22 has ¥0.01 uncommitted; ¥0.02 would exceed its budget of ¥220,000.00",
                                              fields: [FieldError("amount", "exceeds what remains of the budget line")])) {
                _ = try await commit(fen: 2)
            }
            _ = try await commit(fen: 1)
            let balance = try await w.ledger.balance(of: line.id)
            #expect(balance.committed == .yuan(220_000) && balance.uncommitted == Money(minorUnits: 0))
            await #expect(throws: DomainError.self) { _ = try await commit(fen: 1) }
        }
    }

    @Test("two commitments racing for the last of a line: exactly one is made")
    func race() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let line = try await w.line()
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<2 { group.addTask { (try? await w.commit(150_000, on: line)) != nil } }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await w.ledger.balance(of: line.id).committed == .yuan(150_000))
        }
    }

    @Test("a payment recorded twice with the treasury's reference is one payment; a reused reference or an overpayment is refused")
    func idempotentPayment() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let line = try await w.line()
            let commitment = try await w.commit(100_000, on: line)
            let first = try await w.pay(60_000, commitment, reference: "GK-2026-000123")
            let again = try await w.pay(60_000, commitment, reference: "GK-2026-000123")
            #expect(first.created && !again.created && again.disbursement == first.disbursement)
            await #expect(throws: DomainError(.conflict, "the treasury reference GK-2026-000123 records another payment on this line",
                                              fields: [FieldError("treasuryReference", "is the reference of another payment")])) {
                _ = try await w.pay(10_000, commitment, reference: "GK-2026-000123")
            }
            await #expect(throws: DomainError(.conflict, "¥50,000.00 is more than the ¥40,000.00 committed and unpaid",
                                              fields: [FieldError("amount", "exceeds what is committed and unpaid")])) {
                _ = try await w.pay(50_000, commitment, reference: "GK-2026-000124")
            }
            await #expect(throws: DomainError.invalid([FieldError("treasuryReference", "must be 4–40 letters, digits or hyphens, as the treasury wrote it")])) {
                _ = try await w.pay(1, commitment, reference: "GK 1")
            }
            let balance = try await w.ledger.balance(of: line.id)
            #expect(balance.paid == .yuan(60_000) && balance.committed == .yuan(100_000))
            #expect(try await w.ledger.disbursements(of: commitment.id).count == 1)
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("only the line's own buyer records payments from it: not another buyer, the incubator, a supplier or the platform")
    func paymentRefusals() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let commitment = try await w.commit(10_000, on: try await w.line())
            for username in ["civil", "incubator", "ngo", "admin"] {
                await #expect(throws: DomainError.self, "\(username) must not pay") {
                    _ = try await w.pay(1_000, commitment, reference: "GK-2026-9\(username.count)", by: username)
                }
            }
            #expect(try await w.ledger.disbursements(of: commitment.id).isEmpty)
        }
    }

    @Test("releasing a commitment gives its unpaid part back to the line and keeps what was paid")
    func release() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let line = try await w.line()
            let commitment = try await w.commit(100_000, on: line)
            _ = try await w.pay(30_000, commitment, reference: "GK-2026-000200")
            let finance = try await w.t.world.actor("finance")
            let released = try await database.transaction { try await w.ledger.release(commitment.id, by: finance, on: $0) }
            #expect(released.amount == .yuan(30_000) && released.paid == .yuan(30_000))
            let balance = try await w.ledger.balance(of: line.id)
            #expect(balance.committed == .yuan(30_000) && balance.paid == .yuan(30_000) && balance.uncommitted == .yuan(190_000))
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }
}
