import Catalogue
import Core
import Foundation
import Identity
import Incubation
import Payments
import Store
import Tendering

/// Lixia's development centre's pipeline (seed 002): the four brand agencies in the industrial park,
/// 快乐同行 in the incubator, and a neighbourhood team with an idea and no registration in the
/// nursery. Made through the service on clocks set back to the moves' dates.
enum DemoIncubation {
    /// yyyy-MM-dd 10:00 Beijing.
    static func day(_ text: String) -> Date { WorkingCalendar().moment(hour: 10, on: ISO8601DateFormatter().date(from: text + "T02:00:00Z")!) }

    /// A member who may apply for a team (created once; the demo password like every demo user).
    private static func member(of team: Organisation, username: String, displayName: String, identity: IdentityService,
                               password: String) async throws -> Actor {
        _ = try await identity.createUser(by: .system, NewUser(username: username, displayName: displayName, password: password,
                                                             organisationID: team.id, roles: ["supplier", "org_admin"]))
        return try await identity.signIn(username: username, password: password)
    }

    static func load(database: Database, identity: IdentityService, password: String) async throws -> String {
        let probe = IncubationService(database: database, identity: identity)
        guard try await probe.board().allSatisfy({ $0.placements.isEmpty }) else { return "Demo incubation: present already, left alone." }
        let staff = try await identity.signIn(username: "incubator", password: password)
        func organisation(_ username: String) async throws -> UUID { try await identity.signIn(username: username, password: password).organisationID }
        let team = try await identity.createOrganisation(by: .system, NewOrganisation(
            kind: "social_organisation", nameZh: "“邻里守望”社区互助团队", nameEn: "Neighbourhood Watch mutual-aid team", creditCode: nil,
            jurisdictionCode: "370102"))
        // The brand agencies came in from outside (外引) to the accelerator in 2024 and moved to the park
        // in 2025. The park asks for a contract delivered with 良 or better, which the delivery module will
        // show; until it exists the centre records the paper evaluation as an override.
        var moves: [(String, UUID, IncubationStage, String, Bool)] = []
        for username in ["ngo", "eldercare", "harmony", "warmsun"] {
            let id = try await organisation(username)
            moves.append(("2024-03-18", id, .accelerator, "外引：历下区品牌社工机构入驻加速器", false))
            moves.append(("2025-04-21", id, .industrialPark,
                          "2024年度购买服务项目绩效评价为良（纸质评价，合同模块上线前据此入园）", true))
        }
        let youth = try await organisation("youth")
        moves.append(("2025-09-15", youth, .incubator, "孵化器2025年第二期：青少年服务项目入孵", false))
        for (date, id, stage, reason, override) in moves {
            let service = IncubationService(database: database, identity: identity, clock: ManualClock(day(date)))
            _ = try await service.move(by: staff, organisationID: id, to: stage, reason: reason, override: override)
        }
        // The autumn nursery intake: the team applies, two reviewers score it, staff admit it (which
        // moves it into the nursery); a second team waits for its second review.
        let clock = ManualClock(day("2026-08-20"))
        let programmes = ProgrammeService(database: database, identity: identity,
                                          incubation: IncubationService(database: database, identity: identity, clock: clock), clock: clock)
        let programme = try await programmes.create(by: staff, NewProgramme(
            name: "苗圃计划2026年秋季", stage: .nursery, intakeOpens: "2026-08-15", intakeCloses: "2026-12-31", capacity: 8,
            rubric: [RubricItem(name: "公益创意", weight: 40), RubricItem(name: "团队", weight: 30), RubricItem(name: "社区需求", weight: 30)]))
        let teamMember = try await member(of: team, username: "linli", displayName: "林丽", identity: identity, password: password)
        let application = try await programmes.apply(by: teamMember, programmeID: programme.id, ApplicationForm(
            idea: "组织楼栋志愿者每日敲门问候独居老人，建立邻里互助清单", teamSize: 3, needs: "项目设计辅导、志愿者培训、登记注册指导"))
        clock.advance(by: 5 * 86_400)
        let evaluator = try await identity.signIn(username: "evaluator", password: password)
        _ = try await programmes.seatReviewer(by: staff, programmeID: programme.id, reviewerID: evaluator.userID)
        _ = try await programmes.review(by: staff, applicationID: application.id, points: ["公益创意": 34, "团队": 24, "社区需求": 27], comment: "需求真实，团队投入")
        _ = try await programmes.review(by: evaluator, applicationID: application.id, points: ["公益创意": 35, "团队": 22, "社区需求": 28], comment: "")
        clock.advance(by: day("2026-09-07").timeIntervalSince(clock.now()))
        _ = try await programmes.decide(by: staff, applicationID: application.id, admit: true, reason: "评审平均85分，录取")
        let second = try await identity.createOrganisation(by: .system, NewOrganisation(
            kind: "social_organisation", nameZh: "“绿色楼院”环保小组", nameEn: "Green courtyard team", creditCode: nil, jurisdictionCode: "370102"))
        let secondMember = try await member(of: second, username: "lvse", displayName: "吕森", identity: identity, password: password)
        clock.advance(by: 30 * 86_400)
        let waiting = try await programmes.apply(by: secondMember, programmeID: programme.id, ApplicationForm(
            idea: "在老旧小区推广垃圾分类和楼院绿化", teamSize: 2, needs: "场地、活动经费"))
        _ = try await programmes.review(by: staff, applicationID: waiting.id, points: ["公益创意": 30, "团队": 20, "社区需求": 25], comment: "")
        // Two rounds of capacity assessments (March and October), the team's first in October.
        let assessor = IncubationService(database: database, identity: identity, clock: ManualClock(day("2026-10-30")))
        let rounds: [(String, [(UUID, [Int])])] = [
            ("2026-03-20", [(try await organisation("ngo"), [3, 3, 3, 2, 2, 3, 3]), (try await organisation("eldercare"), [3, 2, 3, 3, 2, 3, 4]),
                            (try await organisation("harmony"), [3, 2, 2, 2, 2, 2, 3]), (try await organisation("warmsun"), [2, 2, 2, 2, 2, 2, 3]),
                            (youth, [2, 1, 2, 1, 1, 2, 3])]),
            ("2026-10-20", [(try await organisation("ngo"), [4, 3, 3, 3, 3, 3, 4]), (try await organisation("eldercare"), [4, 3, 3, 3, 3, 3, 4]),
                            (try await organisation("harmony"), [3, 3, 3, 2, 3, 3, 3]), (try await organisation("warmsun"), [3, 2, 3, 3, 2, 3, 3]),
                            (youth, [3, 2, 2, 2, 2, 2, 3]), (team.id, [3, 1, 1, 1, 1, 1, 2])]),
        ]
        var assessed = 0
        for (date, scores) in rounds {
            for (id, values) in scores {
                _ = try await assessor.recordAssessment(by: staff, organisationID: id, assessedOn: date,
                                                        scores: Dictionary(uniqueKeysWithValues: zip(CapacityElement.allCases, values)), note: "")
                assessed += 1
            }
        }
        // Mentors and the sessions they held.
        let gao = try await assessor.addMentor(by: staff, name: "高教授", expertise: "青少年社会工作", affiliation: "山东大学社会工作系")
        let liu = try await assessor.addMentor(by: staff, name: "刘督导", expertise: "社会组织财务与治理", affiliation: "济南市社会工作协会")
        let sessions: [(UUID, UUID?, String, Int, SupportSession.Kind, String)] = [
            (youth, gao.id, "2026-04-10", 120, .mentoring, "青少年成长小组方案设计"), (youth, liu.id, "2026-05-15", 90, .mentoring, "项目预算与财务制度"),
            (youth, nil, "2026-06-20", 240, .training, "政府购买服务投标实务培训"), (team.id, gao.id, "2026-09-20", 90, .mentoring, "邻里互助项目设计"),
            (team.id, nil, "2026-10-12", 180, .training, "社会组织登记与章程"), (try await organisation("harmony"), nil, "2026-07-08", 120, .roadshow, "社区治理品牌项目路演"),
        ]
        for (id, mentor, day, minutes, kind, topic) in sessions {
            _ = try await assessor.recordSession(by: staff, organisationID: id, mentorID: mentor, heldOn: day, minutes: minutes, kind: kind, topic: topic)
        }
        // Seed grants from the civil-affairs bureau's line: the youth centre's paid in the spring, the
        // team's awarded this autumn and waiting for the bureau to pay it.
        let civil = try await identity.signIn(username: "civil", password: password)
        let lists = PurchaseListService(database: database, identity: identity, catalogue: PurchaseCatalogueService(database: database))
        guard let seedLine = try await lists.lines(PurchaseLineQuery(year: 2026, buyerID: civil.organisationID, limit: 100))
            .first(where: { $0.content.reference == "MZ2026-01" }) else { throw DomainError.notFound("the demo's seed-grant line MZ2026-01 is missing") }
        func grants(on date: String) -> SeedGrantService {
            let clock = ManualClock(day(date))
            return SeedGrantService(database: database, identity: identity,
                                    ledger: LedgerService(database: database, purchaseLists: lists, clock: clock), clock: clock)
        }
        let youthGrant = try await grants(on: "2026-03-02").award(by: staff, organisationID: youth, purchaseLineID: seedLine.id, amount: .yuan(50_000),
                                                                   purpose: "孵化器启动资金：办公设备与青少年成长小组首期活动")
        _ = try await grants(on: "2026-03-16").pay(by: civil, grantID: youthGrant.id, treasuryReference: "GK-LX-2026-0316-01", paidOn: "2026-03-16")
        _ = try await grants(on: "2026-10-28").award(by: staff, organisationID: team.id, purchaseLineID: seedLine.id, amount: .yuan(10_000),
                                                      purpose: "苗圃团队种子资金：志愿者培训与敲门问候物资")
        // Space: two rooms and three desks; the youth centre has a room for the year, the team a desk.
        let keeper = IncubationService(database: database, identity: identity, clock: ManualClock(day("2026-09-08")))
        var spaces: [Space] = []
        for (name, kind) in [("孵化室A-201", Space.Kind.room), ("孵化室A-202", .room), ("共享工位1", .desk), ("共享工位2", .desk), ("共享工位3", .desk)] {
            spaces.append(try await keeper.addSpace(by: staff, name: name, kind: kind))
        }
        _ = try await keeper.allocate(by: staff, spaceID: spaces[0].id, organisationID: youth, from: "2026-09-08", to: "2027-06-30")
        _ = try await keeper.allocate(by: staff, spaceID: spaces[2].id, organisationID: team.id, from: "2026-09-08", to: "2027-03-07")
        return "Demo incubation: \(moves.count + 1) moves of 6 organisations, a nursery intake with 2 applications, \(assessed) assessments, "
            + "2 mentors, \(sessions.count) sessions, 2 seed grants (1 paid), 5 spaces (2 lent)."
    }
}
