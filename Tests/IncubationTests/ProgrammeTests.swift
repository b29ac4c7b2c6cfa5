import Core
import Foundation
import Identity
import Incubation
import Store
import TestSupport
import Testing

@Suite("Programmes, applications and reviews")
struct ProgrammeTests {
    struct World {
        let w: IncubationWorld
        let programmes: ProgrammeService
        init(_ database: Database) {
            w = IncubationWorld(database)
            programmes = ProgrammeService(database: database, identity: w.world.identity, incubation: w.incubation, clock: w.clock)
        }

        /// A team (no registration) with one member who may apply for it.
        func team(_ name: String, username: String) async throws -> (Organisation, Actor) {
            let team = try await w.world.identity.createOrganisation(by: .system, NewOrganisation(
                kind: "social_organisation", nameZh: name, nameEn: name, creditCode: nil, jurisdictionCode: "370102"))
            _ = try await w.world.identity.createUser(by: .system, NewUser(username: username, displayName: username,
                                                                           password: "a long team password", organisationID: team.id, roles: ["supplier", "org_admin"]))
            return (team, try await w.world.identity.signIn(username: username, password: "a long team password"))
        }

        /// The autumn intake, with 刘评估 (evaluator) seated as its reviewer beside the staff.
        func nursery(capacity: Int = 1) async throws -> Programme {
            let staff = try await w.world.actor("incubator")
            let programme = try await programmes.create(by: staff, NewProgramme(
                name: "苗圃计划2026年秋季", stage: .nursery, intakeOpens: "2026-10-15", intakeCloses: "2026-11-15", capacity: capacity,
                rubric: [RubricItem(name: "公益创意", weight: 40), RubricItem(name: "团队", weight: 30), RubricItem(name: "社区需求", weight: 30)]))
            _ = try await programmes.seatReviewer(by: staff, programmeID: programme.id, reviewerID: try await w.world.actor("evaluator").userID)
            return programme
        }
    }

    static let form = ApplicationForm(idea: "组织楼栋志愿者为独居老人每日敲门问候", teamSize: 3, needs: "项目设计辅导、志愿者培训、登记指导")

    @Test("a three-person team applies to the nursery, two reviewers score it, it is admitted; it registers and the incubator rule turns green")
    func admitted() async throws {
        try await TestDatabase.with { database in
            let p = World(database)
            let programme = try await p.nursery()
            let (team, member) = try await p.team("“邻里守望”公益团队", username: "linli")
            let application = try await p.programmes.apply(by: member, programmeID: programme.id, Self.form)
            #expect(application.status == .submitted)
            let staff = try await p.w.world.actor("incubator"), evaluator = try await p.w.world.actor("evaluator")
            await #expect(throws: DomainError.conflict("a decision needs at least 2 reviews; it has 0")) {
                _ = try await p.programmes.decide(by: staff, applicationID: application.id, admit: true, reason: "入选")
            }
            _ = try await p.programmes.review(by: staff, applicationID: application.id, points: ["公益创意": 34, "团队": 24, "社区需求": 27.5], comment: "需求清晰")
            let reviewed = try await p.programmes.review(by: evaluator, applicationID: application.id, points: ["公益创意": 36, "团队": 22, "社区需求": 28], comment: "")
            #expect(reviewed.averageScore == 8575)
            let admitted = try await p.programmes.decide(by: staff, applicationID: application.id, admit: true, reason: "评审平均85.75分，入选")
            #expect(admitted.status == .admitted)
            #expect(try await p.w.incubation.stage(of: team.id) == .nursery)
            // It registers: the incubator's entry rule turns green (the stay rule waits three months).
            _ = try await p.w.world.identity.updateOrganisation(by: try await p.w.world.actor("admin"), id: team.id, nameZh: nil, nameEn: nil,
                                                                 creditCode: try CreditCode.completing("52370102500008881").value)
            let checklist = try await p.w.incubation.journey(of: team.id).checklist
            #expect(checklist.first { $0.rule == .registered }?.met == true)
            p.w.months(3)
            #expect(try await p.w.incubation.move(by: staff, organisationID: team.id, to: .incubator, reason: "苗圃毕业，入孵").stage == .incubator)
        }
    }

    @Test("a full cohort puts the next admission on the waiting list; a rejection keeps its reason")
    func capacity() async throws {
        try await TestDatabase.with { database in
            let p = World(database)
            let programme = try await p.nursery(capacity: 1)
            let staff = try await p.w.world.actor("incubator"), evaluator = try await p.w.world.actor("evaluator")
            var outcomes: [ApplicationStatus] = []
            for (index, admit) in [true, true, false].enumerated() {
                let (_, member) = try await p.team("团队\(index)", username: "team\(index)")
                let application = try await p.programmes.apply(by: member, programmeID: programme.id, Self.form)
                for reviewer in [staff, evaluator] {
                    _ = try await p.programmes.review(by: reviewer, applicationID: application.id, points: ["公益创意": 30, "团队": 20, "社区需求": 20], comment: "")
                }
                outcomes.append(try await p.programmes.decide(by: staff, applicationID: application.id, admit: admit,
                                                              reason: admit ? "入选" : "创意与社区需求不匹配").status)
            }
            #expect(outcomes == [.admitted, .waitlisted, .rejected])
            let applications = try await p.programmes.applications(programmeID: programme.id, by: staff)
            #expect(applications.count == 3 && applications.first { $0.status == .rejected }?.decisionReason == "创意与社区需求不匹配")
        }
    }

    @Test("refusals: outside the intake, twice, by a non-member; reviewing as a non-reviewer, twice, incompletely, out of range; deciding by others or twice")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let p = World(database)
            let programme = try await p.nursery()
            let (_, member) = try await p.team("团队", username: "team")
            let staff = try await p.w.world.actor("incubator"), evaluator = try await p.w.world.actor("evaluator")
            await #expect(throws: DomainError.self) { _ = try await p.programmes.apply(by: try await p.w.world.actor("finance"), programmeID: programme.id, Self.form) }
            let application = try await p.programmes.apply(by: member, programmeID: programme.id, Self.form)
            await #expect(throws: DomainError.conflict("your organisation has applied to 苗圃计划2026年秋季 already")) {
                _ = try await p.programmes.apply(by: member, programmeID: programme.id, Self.form)
            }
            // An evaluator the staff did not seat neither reviews nor reads the applications; nor does an evaluator seat themself.
            let unseated = try await p.w.world.actor("evaluator2")
            let notSeated = DomainError.forbidden("only the incubator's staff and the evaluators seated as the programme's reviewers review its applications")
            await #expect(throws: notSeated) {
                _ = try await p.programmes.review(by: unseated, applicationID: application.id, points: ["公益创意": 30, "团队": 20, "社区需求": 20], comment: "")
            }
            await #expect(throws: DomainError.forbidden("applications are read by the incubator's staff and the programme's reviewers")) {
                _ = try await p.programmes.applications(programmeID: programme.id, by: unseated)
            }
            await #expect(throws: DomainError.self) {
                _ = try await p.programmes.seatReviewer(by: unseated, programmeID: programme.id, reviewerID: unseated.userID)
            }
            await #expect(throws: DomainError.invalid([FieldError("reviewerId", "is not an evaluator")])) {
                _ = try await p.programmes.seatReviewer(by: staff, programmeID: programme.id, reviewerID: member.userID)
            }
            await #expect(throws: DomainError.invalid([FieldError("points.团队", "must be 0 to 30 with at most two decimals"),
                                                      FieldError("points.社区需求", "is required")])) {
                _ = try await p.programmes.review(by: evaluator, applicationID: application.id, points: ["公益创意": 30, "团队": 31], comment: "")
            }
            await #expect(throws: DomainError.self) {
                _ = try await p.programmes.review(by: try await p.w.world.actor("ngo"), applicationID: application.id, points: [:], comment: "")
            }
            let points: [String: Double] = ["公益创意": 30, "团队": 20, "社区需求": 20]
            _ = try await p.programmes.review(by: evaluator, applicationID: application.id, points: points, comment: "")
            await #expect(throws: DomainError.conflict("you reviewed this application already")) {
                _ = try await p.programmes.review(by: evaluator, applicationID: application.id, points: points, comment: "")
            }
            _ = try await p.programmes.review(by: staff, applicationID: application.id, points: points, comment: "")
            await #expect(throws: DomainError.self) {
                _ = try await p.programmes.decide(by: try await p.w.world.actor("finance"), applicationID: application.id, admit: true, reason: "入选")
            }
            _ = try await p.programmes.decide(by: staff, applicationID: application.id, admit: true, reason: "入选")
            await #expect(throws: DomainError.conflict("the application is admitted already")) {
                _ = try await p.programmes.decide(by: staff, applicationID: application.id, admit: false, reason: "撤销")
            }
            // After the intake closes nobody applies.
            p.w.months(1)
            let (_, late) = try await p.team("迟到团队", username: "late")
            await #expect(throws: DomainError.conflict("the intake of 苗圃计划2026年秋季 is open from 2026-10-15 to 2026-11-15")) {
                _ = try await p.programmes.apply(by: late, programmeID: programme.id, Self.form)
            }
            await #expect(throws: DomainError.invalid([FieldError("rubric", "needs criteria whose weights add up to 100")])) {
                _ = try await p.programmes.create(by: staff, NewProgramme(name: "x", stage: .incubator, intakeOpens: "2026-12-01", intakeCloses: "2026-12-31",
                                                                          capacity: 5, rubric: [RubricItem(name: "方案", weight: 50)]))
            }
        }
    }

    @Test("a withdrawal frees a seat: the best-scored waiting application whose rules hold is admitted; others may not withdraw it")
    func waitingList() async throws {
        try await TestDatabase.with { database in
            let p = World(database)
            let programme = try await p.nursery(capacity: 1)
            let staff = try await p.w.world.actor("incubator"), evaluator = try await p.w.world.actor("evaluator")
            var applications: [(Organisation, Actor, Application)] = []
            // Team 0 is admitted; teams 1 and 2 wait, team 2 with the better score.
            for (index, idea) in [30.0, 25, 35].enumerated() {
                let (team, member) = try await p.team("候补团队\(index)", username: "wait\(index)")
                let application = try await p.programmes.apply(by: member, programmeID: programme.id, Self.form)
                for reviewer in [staff, evaluator] {
                    _ = try await p.programmes.review(by: reviewer, applicationID: application.id, points: ["公益创意": idea, "团队": 20, "社区需求": 20], comment: "")
                }
                _ = try await p.programmes.decide(by: staff, applicationID: application.id, admit: true, reason: "评审通过")
                applications.append((team, member, application))
            }
            let (first, firstMember, firstApplication) = applications[0]
            await #expect(throws: DomainError.self) {
                _ = try await p.programmes.withdraw(by: applications[1].1, applicationID: firstApplication.id, reason: "别人替它退出")
            }
            await #expect(throws: DomainError.self) {
                _ = try await p.programmes.withdraw(by: try await p.w.world.actor("finance"), applicationID: firstApplication.id, reason: "退出")
            }
            let (withdrawn, promoted) = try await p.programmes.withdraw(by: firstMember, applicationID: firstApplication.id, reason: "团队成员工作调动，无法参加")
            #expect(withdrawn.status == .withdrawn && withdrawn.decisionReason == "团队成员工作调动，无法参加")
            #expect(promoted?.id == applications[2].2.id && promoted?.status == .admitted)
            #expect(try await p.w.incubation.stage(of: first.id) == nil)
            #expect(try await p.w.incubation.stage(of: applications[2].0.id) == .nursery)
            #expect(try await p.w.incubation.stage(of: applications[1].0.id) == nil)
            await #expect(throws: DomainError.conflict("only an admitted or waiting application may be withdrawn; this one is withdrawn")) {
                _ = try await p.programmes.withdraw(by: staff, applicationID: firstApplication.id, reason: "再次退出")
            }
            // A waiting application withdrawn frees nothing and promotes nobody.
            let (_, none) = try await p.programmes.withdraw(by: staff, applicationID: applications[1].2.id, reason: "团队解散")
            #expect(none == nil)
            let statuses = try await p.programmes.applications(programmeID: programme.id, by: staff).map(\.status)
            #expect(statuses.sorted { $0.rawValue < $1.rawValue } == [.admitted, .withdrawn, .withdrawn])
        }
    }
}
