import Core
import Foundation
import Identity
import Incubation
import Store
import Synchronization
import Tendering
import TestSupport
import Testing

/// Delivered contracts' grades as a test sets them, until the delivery module exists.
final class FakeDelivery: DeliveryRecords {
    let grades = Mutex<[UUID: [String]]>([:])
    func deliveredGrades(of organisationID: UUID) async throws -> [String] { grades.withLock { $0[organisationID] ?? [] } }
}

struct IncubationWorld {
    let clock = ManualClock(TenderWorld.monday)
    let world: DemoWorld
    let delivery = FakeDelivery()
    let incubation: IncubationService

    init(_ database: Database) {
        world = DemoWorld(database, clock: clock)
        incubation = IncubationService(database: database, identity: world.identity, delivery: delivery, clock: clock)
    }

    /// A three-person team with an idea and no registration yet, in Lixia.
    func team() async throws -> Organisation {
        try await world.identity.createOrganisation(by: .system, NewOrganisation(
            kind: "social_organisation", nameZh: "“邻里守望”公益团队", nameEn: "Neighbourhood Watch team", creditCode: nil, jurisdictionCode: "370102"))
    }

    func months(_ n: Int) { clock.advance(by: Double(n) * 31 * 86_400) }
}

@Suite("Incubation pipeline")
struct IncubationTests {
    @Test("a team enters the nursery; the incubator refuses it, naming each failed rule, until it registers and has stayed 3 months")
    func relay() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let team = try await w.team()
            let start = try await w.incubation.journey(of: team.id)
            #expect(start.current == nil && start.nextStage == .nursery && start.checklist.isEmpty)
            _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .nursery, reason: "苗圃计划2026年第一期入选")
            await #expect(throws: DomainError(.conflict, "the move to incubator fails 2 rules; fix the record, or override with a written reason",
                                              fields: [FieldError("rules.entry.registered", "not registered: no unified social credit code on record"),
                                                       FieldError("rules.graduation.months_in_stage", "0 months in nursery since 2026-11-02; needs 3")])) {
                _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .incubator, reason: "申请入孵")
            }
            // It registers; the entry rule turns green, the stay rule still fails.
            _ = try await w.world.identity.updateOrganisation(by: try await w.world.actor("admin"), id: team.id, nameZh: nil, nameEn: nil,
                                                               creditCode: try CreditCode.completing("52370102500007771").value)
            let registered = try await w.incubation.journey(of: team.id)
            #expect(registered.checklist.map(\.met) == [true, false])
            w.months(3)
            #expect(try await w.incubation.journey(of: team.id).checklist.allSatisfy(\.met))
            let moved = try await w.incubation.move(by: staff, organisationID: team.id, to: .incubator, reason: "通过入孵评审")
            #expect(moved.stage == .incubator && !moved.overridden)
            let journey = try await w.incubation.journey(of: team.id)
            #expect(journey.history.map(\.stage) == [.nursery, .incubator] && journey.history[0].leftAt == moved.enteredAt)
            #expect(try await w.incubation.stage(of: team.id) == .incubator)
        }
    }

    @Test("an override needs a written reason and is flagged with the rules it broke; others may not move organisations")
    func overrides() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let team = try await w.team()
            await #expect(throws: DomainError.invalid([FieldError("reason", "an override needs a written reason of at least 20 characters")])) {
                _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .incubator, reason: "急需", override: true)
            }
            let overridden = try await w.incubation.move(by: staff, organisationID: team.id, to: .incubator,
                                                         reason: "街道推荐的重点项目，登记手续正在办理，先行入孵以便提供场地支持。", override: true)
            #expect(overridden.overridden && overridden.failedRules == ["not registered: no unified social credit code on record"])
            await #expect(throws: DomainError.conflict("the organisation is in the incubator stage already")) {
                _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .incubator, reason: "再次")
            }
            for username in ["finance", "ngo", "overseer"] {
                await #expect(throws: DomainError.self) {
                    _ = try await w.incubation.move(by: try await w.world.actor(username), organisationID: team.id, to: .nursery, reason: "退回苗圃")
                }
            }
            // Moving back is allowed (entry rules only: the nursery has none).
            #expect(try await w.incubation.move(by: staff, organisationID: team.id, to: .nursery, reason: "退回苗圃补足能力").stage == .nursery)
        }
    }

    @Test("the park needs 3A and a contract delivered with 良 or better; the stage rules are the staff's to edit")
    func parkAndPolicies() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let youth = try await w.world.actor("youth").organisationID  // rated 2A
            let ngo = try await w.world.actor("ngo").organisationID  // rated 4A
            let youthChecks = try await w.incubation.journey(of: youth)
            #expect(youthChecks.nextStage == .nursery)
            await #expect(throws: DomainError.self) {
                _ = try await w.incubation.move(by: staff, organisationID: youth, to: .industrialPark, reason: "外引")
            }
            w.delivery.grades.withLock { $0[ngo] = ["中"] }
            await #expect(throws: DomainError(.conflict, "the move to industrial_park fails 1 rule; fix the record, or override with a written reason",
                                              fields: [FieldError("rules.entry.contracts_delivered", "0 contracts delivered with 良 or better; needs 1")])) {
                _ = try await w.incubation.move(by: staff, organisationID: ngo, to: .industrialPark, reason: "外引品牌机构")
            }
            w.delivery.grades.withLock { $0[ngo] = ["中", "优"] }
            #expect(try await w.incubation.move(by: staff, organisationID: ngo, to: .industrialPark, reason: "外引品牌机构").stage == .industrialPark)

            // Staff lower the park's rating rule to 2A; others may not; nonsense is refused by field.
            var park = try #require(try await w.incubation.policies().first { $0.stage == .industrialPark })
            #expect(park.entryRules == [.registered, .minimumRating(3), .contractsDelivered(count: 1, minimumGrade: "良")])
            park.entryRules[1] = .minimumRating(2)
            await #expect(throws: DomainError.self) { _ = try await w.incubation.updatePolicy(by: try await w.world.actor("ngo"), park) }
            var wrong = park
            wrong.entryRules.append(.contractsDelivered(count: 1, minimumGrade: "A"))
            wrong.maximumStayMonths = 0
            await #expect(throws: DomainError.invalid([FieldError("maximumStayMonths", "must be 1 to 120 months"),
                                                      FieldError("entryRules[3]", "the grade must be one of 优, 良, 中, 差")])) {
                _ = try await w.incubation.updatePolicy(by: staff, wrong)
            }
            #expect(try await w.incubation.updatePolicy(by: staff, park).entryRules[1] == .minimumRating(2))
            w.delivery.grades.withLock { $0[youth] = ["良"] }
            #expect(try await w.incubation.move(by: staff, organisationID: youth, to: .industrialPark, reason: "评级规则调整后入园").stage == .industrialPark)
        }
    }

    @Test("alerts: an overstay, a rating about to expire, an organisation that now meets every rule to move on")
    func alerts() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let team = try await w.team()
            let eldercare = try await w.world.actor("eldercare").organisationID  // 3A awarded 2022-12-15, expires 2027-12-15
            _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .nursery, reason: "苗圃计划")
            _ = try await w.incubation.move(by: staff, organisationID: eldercare, to: .accelerator, reason: "外引成长型机构")
            #expect(try await w.incubation.alerts().isEmpty)
            // 3 months on: the team has stayed long enough, but is not registered: no ready alert yet.
            w.months(3)
            #expect(try await w.incubation.alerts().isEmpty)
            // 6 months: the eldercare centre may move on to the park? Its graduation rule holds; the park's
            // contract rule does not, so no alert. With a delivered contract it is ready.
            w.months(3)
            #expect(try await w.incubation.alerts().isEmpty)
            w.delivery.grades.withLock { $0[eldercare] = ["良"] }
            #expect(try await w.incubation.alerts().map(\.kind) == [.readyToGraduate])
            // 2027-11-09: the team has overstayed the nursery's 12 months; the rating expires within 90 days.
            w.months(6)
            let alerts = try await w.incubation.alerts()
            #expect(Set(alerts.map(\.kind)) == [.overstay, .ratingExpiring, .readyToGraduate])
            #expect(alerts.first { $0.kind == .overstay }?.organisationID == team.id)
            #expect(alerts.first { $0.kind == .ratingExpiring }?.detail == "its 3A rating expires on 2027-12-15")
        }
    }

    @Test("a tender reserved for the incubator stage takes bids from organisations in it and refuses others, naming the rule")
    func reservedTenders() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let incubation = IncubationService(database: database, identity: t.world.identity, clock: t.clock)
            let bids = BidService(database: database, identity: t.world.identity, sealer: t.sealer, incubation: incubation, clock: t.clock)
            let finance = try await t.world.actor("finance")
            var terms = t.terms(try await t.lines(["LX2026-01"]), minimumRating: nil)
            terms.eligibility.reservedForStages = [.incubator]
            let draft = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, terms)
            let tender = try await t.tenders.publish(by: finance, tenderID: draft.id)
            try await t.move(to: tender.periods!.enquiryEnd)
            let staff = try await t.world.actor("incubator")
            let youth = try await t.world.actor("youth"), ngo = try await t.world.actor("ngo")
            _ = try await incubation.move(by: staff, organisationID: youth.organisationID, to: .incubator, reason: "孵化器2026年第一期")
            _ = try await bids.submit(by: youth, tenderID: tender.id, lotID: tender.lots[0].id, BidContent(price: .yuan(300_000), proposal: "方案"))
            do {
                _ = try await bids.submit(by: ngo, tenderID: tender.id, lotID: tender.lots[0].id, BidContent(price: .yuan(300_000), proposal: "方案"))
                Issue.record("an organisation outside the incubator bid on a reserved tender")
            } catch let error as DomainError {
                #expect(error.kind == .forbidden && error.fields.first?.field == "eligibility.reservedForStages")
            }
        }
    }

    @Test("the funnel counts, per stage and year, who entered and who moved on")
    func funnel() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let team = try await w.team()
            let ngo = try await w.world.actor("ngo").organisationID
            _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .nursery, reason: "苗圃")
            _ = try await w.incubation.move(by: staff, organisationID: ngo, to: .accelerator, reason: "外引")
            w.months(3)
            _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .incubator, reason: "入孵（登记办理中，经中心主任批准先行入孵）", override: true)
            let funnel = try await w.incubation.funnel()
            func row(_ year: Int, _ stage: IncubationStage) -> (Int, Int)? {
                funnel.first { $0.year == year && $0.stage == stage }.map { ($0.entered, $0.graduated) }
            }
            #expect(row(2026, .nursery)! == (1, 0) && row(2026, .accelerator)! == (1, 0))
            #expect(row(2027, .nursery)! == (0, 1) && row(2027, .incubator)! == (1, 0))
            let board = try await w.incubation.board()
            #expect(board.map { $0.placements.count } == [0, 1, 1, 0])
        }
    }
}
