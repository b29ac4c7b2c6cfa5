import Core
import Foundation
import Identity
import Catalogue
import Incubation
import Payments
import Store
import TestSupport
import Testing
import Tendering

@Suite("Seed grants and space")
struct GrantsAndSpacesTests {
    struct World {
        let w: IncubationWorld
        let lists: PurchaseListService
        let ledger: LedgerService
        let grants: SeedGrantService
        init(_ database: Database) {
            w = IncubationWorld(database)
            lists = PurchaseListService(database: database, identity: w.world.identity, catalogue: PurchaseCatalogueService(database: database),
                                        clock: w.clock)
            ledger = LedgerService(database: database, purchaseLists: lists, clock: w.clock)
            grants = SeedGrantService(database: database, identity: w.world.identity, ledger: ledger, clock: w.clock)
        }

        /// The civil-affairs bureau's seed-grant line (¥300,000) and the finance office's LX2026-23.
        func line(_ reference: String, of username: String) async throws -> PurchaseLine {
            let buyer = try await w.world.actor(username)
            return try await lists.lines(PurchaseLineQuery(year: 2026, buyerID: buyer.organisationID, limit: 100)).first { $0.content.reference == reference }!
        }

        /// 快乐同行, moved into the incubator.
        func youthInPipeline() async throws -> UUID {
            let youth = try await w.world.actor("youth").organisationID
            _ = try await w.incubation.move(by: try await w.world.actor("incubator"), organisationID: youth, to: .incubator, reason: "外引：已登记的青少年服务机构直接入孵，苗圃阶段免除",
                                            override: true)
            return youth
        }
    }

    @Test("staff award a seed grant from the civil-affairs line, which commits it; the bureau pays it once, however often recorded")
    func grantPaid() async throws {
        try await TestDatabase.with { database in
            let g = World(database)
            let staff = try await g.w.world.actor("incubator"), civil = try await g.w.world.actor("civil")
            let youth = try await g.youthInPipeline()
            let line = try await g.line("MZ2026-01", of: "civil")
            let grant = try await g.grants.award(by: staff, organisationID: youth, purchaseLineID: line.id, amount: .yuan(50_000), purpose: "注册登记与办公启动")
            #expect(grant.status == .awarded && grant.amount == .yuan(50_000))
            #expect(try await g.ledger.balance(of: line.id).committed == .yuan(50_000))
            #expect(try await g.grants.awaitingPayment(by: civil).map(\.id) == [grant.id])
            #expect(try await g.grants.awaitingPayment(by: try await g.w.world.actor("finance")).isEmpty)
            await #expect(throws: DomainError.self) {
                _ = try await g.grants.pay(by: staff, grantID: grant.id, treasuryReference: "GK-2026-3001", paidOn: "2026-11-02")
            }
            let paid = try await g.grants.pay(by: civil, grantID: grant.id, treasuryReference: "GK-2026-3001", paidOn: "2026-11-02")
            let again = try await g.grants.pay(by: civil, grantID: grant.id, treasuryReference: "GK-2026-3001", paidOn: "2026-11-02")
            #expect(paid.status == .paid && again == paid && paid.paidOn == "2026-11-02")
            await #expect(throws: DomainError.conflict("the seed grant is paid already")) {
                _ = try await g.grants.pay(by: civil, grantID: grant.id, treasuryReference: "GK-2026-3002", paidOn: "2026-11-02")
            }
            let balance = try await g.ledger.balance(of: line.id)
            #expect(balance.paid == .yuan(50_000) && balance.committed == .yuan(50_000))
            #expect(try await g.ledger.unbalancedLines().isEmpty)
            await #expect(throws: DomainError.conflict("only an unpaid grant may be cancelled; this one is paid")) {
                _ = try await g.grants.cancel(by: staff, grantID: grant.id, reason: "误发")
            }
        }
    }

    @Test("refusals: more than the line has, above the maximum, another jurisdiction's line, outside the pipeline, by others; cancelling frees the line")
    func grantRefusals() async throws {
        try await TestDatabase.with { database in
            let g = World(database)
            let staff = try await g.w.world.actor("incubator")
            let line = try await g.line("MZ2026-01", of: "civil")
            let youth = try await g.w.world.actor("youth").organisationID
            await #expect(throws: DomainError.conflict("the organisation is not in the pipeline; seed grants go to organisations in a stage")) {
                _ = try await g.grants.award(by: staff, organisationID: youth, purchaseLineID: line.id, amount: .yuan(1_000), purpose: "启动")
            }
            _ = try await g.youthInPipeline()
            await #expect(throws: DomainError.invalid([FieldError("amount", "must be more than ¥0.00 and at most ¥100,000.00")])) {
                _ = try await g.grants.award(by: staff, organisationID: youth, purchaseLineID: line.id, amount: .yuan(100_001), purpose: "启动")
            }
            await #expect(throws: DomainError.self) {
                _ = try await g.grants.award(by: try await g.w.world.actor("civil"), organisationID: youth, purchaseLineID: line.id, amount: .yuan(1), purpose: "启动")
            }
            // A line of the same jurisdiction budgeted for something else (home elderly care): refused whatever the form offered.
            let elderCare = try await g.line("LX2026-01", of: "finance")
            await #expect(throws: DomainError.invalid([FieldError("purchaseLineId",
                                                                  "is not an incubation line (catalogue B02, 社会组织孵化培育): seed grants come only from budget earmarked for incubation")])) {
                _ = try await g.grants.award(by: staff, organisationID: youth, purchaseLineID: elderCare.id, amount: .yuan(1_000), purpose: "启动")
            }
            #expect(try await g.ledger.balance(of: elderCare.id).committed.minorUnits == 0, "nothing committed on the refused line")
            let fufeng = try await g.lists.addLine(by: try await g.w.world.actor("fufeng"), buyerID: try await g.w.world.actor("fufeng").organisationID,
                                                   PurchaseLineContent(year: 2026, reference: "FF2026-01", catalogueCode: "B0201", title: "扶风县孵化资金",
                                                                       targetGroup: "社会组织", quantity: 1, unit: "项", budget: .yuan(100_000),
                                                                       fundingSource: .generalBudget, tier: .district))
            await #expect(throws: DomainError(.conflict, "the purchase line belongs to a buyer outside the organisation's jurisdiction; funds are spent where they were budgeted",
                                              fields: [FieldError("purchaseLineId", "is not a budget line of the organisation's jurisdiction")])) {
                _ = try await g.grants.award(by: staff, organisationID: youth, purchaseLineID: fufeng.id, amount: .yuan(1_000), purpose: "启动")
            }
            var awarded: [SeedGrant] = []
            for _ in 0..<3 { awarded.append(try await g.grants.award(by: staff, organisationID: youth, purchaseLineID: line.id, amount: .yuan(100_000), purpose: "启动")) }
            await #expect(throws: DomainError(.conflict, "the purchase line MZ2026-01 has ¥0.00 uncommitted; ¥1.00 would exceed its budget of ¥300,000.00",
                                              fields: [FieldError("amount", "exceeds what remains of the budget line")])) {
                _ = try await g.grants.award(by: staff, organisationID: youth, purchaseLineID: line.id, amount: .yuan(1), purpose: "启动")
            }
            let cancelled = try await g.grants.cancel(by: staff, grantID: awarded[0].id, reason: "团队未按期完成登记")
            #expect(cancelled.status == .cancelled && cancelled.closedReason == "团队未按期完成登记")
            #expect(try await g.ledger.balance(of: line.id).committed == .yuan(200_000))
            #expect(try await g.grants.grants(of: youth).map(\.status) == [.cancelled, .awarded, .awarded])
            #expect(try await g.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("a space is lent to one organisation at a time; handing it back early frees it; overdue spaces raise an alert")
    func spaces() async throws {
        try await TestDatabase.with { database in
            let g = World(database)
            let staff = try await g.w.world.actor("incubator")
            let youth = try await g.youthInPipeline()
            let harmony = try await g.w.world.actor("harmony").organisationID
            _ = try await g.w.incubation.move(by: staff, organisationID: harmony, to: .accelerator, reason: "外引：历下区品牌社工机构入驻加速器，按规定免除前置阶段", override: true)
            let room = try await g.w.incubation.addSpace(by: staff, name: "孵化室A-203", kind: .room)
            await #expect(throws: DomainError(.conflict, "a space is called 孵化室A-203 already", fields: [FieldError("name", "is the name of another space")])) {
                _ = try await g.w.incubation.addSpace(by: staff, name: "孵化室A-203", kind: .desk)
            }
            await #expect(throws: DomainError.self) { _ = try await g.w.incubation.addSpace(by: try await g.w.world.actor("youth"), name: "工位1", kind: .desk) }
            let lent = try await g.w.incubation.allocate(by: staff, spaceID: room.id, organisationID: youth, from: "2026-11-02", to: "2026-12-31")
            await #expect(throws: DomainError(.conflict, "孵化室A-203 is lent from 2026-11-02 to 2026-12-31 already",
                                              fields: [FieldError("from", "overlaps another allocation of the space")])) {
                _ = try await g.w.incubation.allocate(by: staff, spaceID: room.id, organisationID: harmony, from: "2026-12-01", to: "2027-01-31")
            }
            await #expect(throws: DomainError.invalid([FieldError("to", "must not be before the first day"), FieldError("to", "must not be in the past")])) {
                _ = try await g.w.incubation.allocate(by: staff, spaceID: room.id, organisationID: harmony, from: "2026-10-30", to: "2026-10-01")
            }
            await #expect(throws: DomainError.invalid([FieldError("to", "a space is lent for at most a year at a time")])) {
                _ = try await g.w.incubation.allocate(by: staff, spaceID: room.id, organisationID: harmony, from: "2027-01-01", to: "2028-01-02")
            }
            g.w.clock.advance(by: 9 * 86_400)  // 11 November
            let back = try await g.w.incubation.handBack(by: staff, allocationID: lent.id)
            #expect(back.handedBackOn == "2026-11-11" && back.lastDay == "2026-11-11")
            await #expect(throws: DomainError.conflict("the space was handed back on 2026-11-11 already")) {
                _ = try await g.w.incubation.handBack(by: staff, allocationID: lent.id)
            }
            let next = try await g.w.incubation.allocate(by: staff, spaceID: room.id, organisationID: harmony, from: "2026-11-12", to: "2026-11-30")
            #expect(try await g.w.incubation.spaces().first { $0.space.id == room.id }?.allocations.map(\.id) == [lent.id, next.id])  // handed back today: held until tonight
            #expect(try await g.w.incubation.alerts().filter { $0.kind == .spaceOverdue }.isEmpty)
            g.w.clock.advance(by: 21 * 86_400)  // 2 December: not handed back
            let overdue = try await g.w.incubation.alerts().filter { $0.kind == .spaceOverdue }
            #expect(overdue.map(\.organisationID) == [harmony] && overdue.first?.detail == "孵化室A-203 was lent until 2026-11-30 and is not handed back")
            #expect(try await g.w.incubation.allocations(of: youth).map(\.handedBackOn) == ["2026-11-11"])
        }
    }
}
