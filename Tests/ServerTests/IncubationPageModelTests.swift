import Core
import Foundation
import Identity
import Incubation
@testable import Server
import Store
import TestSupport
import Testing

/// The incubator's pages as typed models, built from what the services give each reader. Expectations follow the
/// pipeline's rules (DOMAIN.md §3): applications are taken while an intake is open, reviewed by the staff and the
/// programme's reviewers, decided by the staff; an organisation moves stage by stage and the staff keep its support.
@Suite("Incubation page models")
struct IncubationPageModelTests {
    struct World {
        let t: TenderWorld
        let incubation: IncubationService
        let programmes: ProgrammeService

        init(_ database: Database) {
            t = TenderWorld(database)
            incubation = IncubationService(database: database, identity: t.world.identity, clock: t.clock)
            programmes = ProgrammeService(database: database, identity: t.world.identity, incubation: incubation, clock: t.clock)
        }

        func actor(_ username: String) async throws -> Actor { try await t.world.actor(username) }

        /// A team (no registration) with one member who applies for it.
        func team(_ name: String, username: String) async throws -> (Organisation, Actor) {
            let team = try await t.world.identity.createOrganisation(by: .system, NewOrganisation(
                kind: "social_organisation", nameZh: name, nameEn: name, creditCode: nil, jurisdictionCode: "370102"))
            _ = try await t.world.identity.createUser(by: .system, NewUser(username: username, displayName: username, password: "a long team password",
                                                                           organisationID: team.id, roles: ["supplier", "org_admin"]))
            return (team, try await t.world.identity.signIn(username: username, password: "a long team password"))
        }

        /// The autumn nursery intake (15 October to 15 November 2026; the world's clock starts on 2 November), with
        /// 刘评估 seated as its reviewer beside the staff.
        func nursery() async throws -> Programme {
            let staff = try await actor("incubator")
            let programme = try await programmes.create(by: staff, NewProgramme(
                name: "苗圃计划2026年秋季", stage: .nursery, intakeOpens: "2026-10-15", intakeCloses: "2026-11-15", capacity: 2,
                rubric: [RubricItem(name: "公益创意", weight: 40), RubricItem(name: "团队", weight: 30), RubricItem(name: "社区需求", weight: 30)]))
            _ = try await programmes.seatReviewer(by: staff, programmeID: programme.id, reviewerID: try await actor("evaluator").userID)
            return programme
        }

        /// The programme page as `actor` (nil: a visitor) reads it, with keys for words.
        func page(_ programme: Programme, as actor: Actor?, problem: DomainError? = nil, applied: [String: String]? = nil) async throws -> ProgrammePage {
            let may = try await programmes.actions(on: programme.id, for: actor)
            let admitted = try await programmes.admitted(programmeID: programme.id)
            var applications: [Incubation.Application]?
            if let actor, may.review || may.manage { applications = try await programmes.applications(programmeID: programme.id, by: actor) }
            let names = try await t.world.identity.organisations(ids: Set(admitted.map(\.organisationID) + (applications ?? []).map(\.organisationID)))
            return ProgrammePage.model(programme: programme, may: may, actor: actor, intakeOpen: programmes.intakeOpen(programme),
                                       admitted: try await incubation.progress(of: admitted.map(\.organisationID)),
                                       reviewers: try await programmes.reviewers(of: programme.id), evaluators: try await t.world.identity.evaluators(),
                                       applications: applications, names: names, problem: problem, applied: applied, say: { $0 }, message: { $0.english })
        }
    }

    static let form = ApplicationForm(idea: "组织楼栋志愿者为独居老人每日敲门问候", teamSize: 3, needs: "项目设计辅导、志愿者培训、登记指导")

    @Test("a programme: its form while the intake is open by the platform's clock; the staff and its reviewer review once each, the staff decide, then may withdraw")
    func programme() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let programme = try await w.nursery()
            let (team, member) = try await w.team("“邻里守望”公益团队", username: "linli")
            let staff = try await w.actor("incubator"), evaluator = try await w.actor("evaluator")

            let visitor = try await w.page(programme, as: nil)
            #expect(!visitor.canApply && visitor.applications.isEmpty && visitor.reviewerChoices.isEmpty && visitor.reviewers.allSatisfy { !$0.mayUnseat })
            #expect(try await w.page(programme, as: member).canApply, "the intake is open on 2 November")
            let staffPage = try await w.page(programme, as: staff)
            #expect(staffPage.reviewers.map(\.mayUnseat) == [true] && !staffPage.reviewerChoices.contains { $0.id == evaluator.userID.lowercased },
                    "a reviewer is seated once")

            // A refused application keeps what was typed, each problem by its input in the form's order.
            let typed = ["idea": "", "teamSize": "0", "needs": "登记指导"]
            let refusal = await #expect(throws: DomainError.self) {
                _ = try await w.programmes.apply(by: member, programmeID: programme.id, ApplicationForm(idea: "", teamSize: 0, needs: "登记指导"))
            }
            let refused = try await w.page(programme, as: member, problem: refusal, applied: typed)
            #expect(refused.problem?.fields.map(\.href) == ["#apply-idea", "#apply-teamSize"] && refused.problem?.fields.first?.field == "programmes_idea")
            #expect(refused.apply.needs.value == "登记指导" && refused.apply.needs.error == nil && refused.apply.teamSize.value == "0"
                    && refused.apply.teamSize.error != nil)

            let application = try await w.programmes.apply(by: member, programmeID: programme.id, Self.form)
            let submitted = try #require(try await w.page(programme, as: staff).applications.first)
            #expect(submitted.applicationId == application.id.lowercased && submitted.canReview && submitted.canDecide && !submitted.canWithdraw)
            #expect(submitted.rubric.map(\.name) == ["公益创意", "团队", "社区需求"] && submitted.average == "—")
            let reviewing = try #require(try await w.page(programme, as: evaluator).applications.first)
            #expect(reviewing.canReview && !reviewing.canDecide && !reviewing.canWithdraw, "a reviewer scores; the staff decide")
            #expect(try await w.page(programme, as: member).applications.isEmpty, "applicants do not read the applications")

            _ = try await w.programmes.review(by: evaluator, applicationID: application.id, points: ["公益创意": 36, "团队": 22, "社区需求": 28], comment: "")
            #expect(try await w.page(programme, as: evaluator).applications.first?.canReview == false, "each reviewer reviews once")
            _ = try await w.programmes.review(by: staff, applicationID: application.id, points: ["公益创意": 34, "团队": 24, "社区需求": 27.5], comment: "需求清晰")
            _ = try await w.programmes.decide(by: staff, applicationID: application.id, admit: true, reason: "评审平均85.75分，入选")
            let admitted = try #require(try await w.page(programme, as: staff).applications.first)
            #expect(!admitted.canDecide && admitted.canWithdraw && !admitted.canReview && admitted.reason == "评审平均85.75分，入选")
            #expect(admitted.status == "applicationStatus_admitted" && admitted.average == "85.75" && admitted.reviews.count == 2)
            #expect(try await w.page(programme, as: nil).cohort.map(\.organisationId) == [team.id.lowercased], "the cohort is public")

            // After the intake closes (by the platform's clock, not the server's), nobody is offered the form.
            w.t.clock.advance(by: 14 * 86_400)
            #expect(try await w.page(programme, as: member).canApply == false)
        }
    }

    @Test("an organisation's pipeline page: the staff get the forms and the budget lines; a refused move keeps the stage and reason typed")
    func organisation() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let (team, _) = try await w.team("“邻里守望”公益团队", username: "linli")
            let staff = try await w.actor("incubator")
            _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .nursery, reason: "苗圃计划入选")
            func page(_ staff: Bool, form: [String: String] = [:], problem: DomainError? = nil) async throws -> IncubatorOrganisationPage {
                let support = IncubatorOrganisationPage.Support(grants: [], allocations: [], spaces: [:], lines: staff ? [] : nil)
                return IncubatorOrganisationPage.model(journey: try await w.incubation.journey(of: team.id), assessments: [], sessions: [], mentors: [],
                                                       support: support, language: .zh, now: w.t.clock.now(), form: form, problem: problem,
                                                       say: { $0 }, finding: { $0.key }, message: { $0.english })
            }
            let read = try await page(false)
            #expect(!read.isStaff && read.current == "stage_nursery" && read.nextStage == "stage_incubator" && !read.registered)
            #expect(read.history.map(\.reason) == ["苗圃计划入选"] && read.history.allSatisfy { !$0.overridden && $0.failedRules == nil })
            #expect(read.checklist.contains { !$0.met } && read.checklist.allSatisfy { $0.side != nil },
                    "an unregistered team does not yet meet the incubator's entry rules")
            #expect(read.stages.filter(\.selected).map(\.value) == ["incubator"], "the move form proposes the next stage")
            let refusal = await #expect(throws: DomainError.self) {
                _ = try await w.incubation.move(by: staff, organisationID: team.id, to: .incubator, reason: "申请入孵")
            }
            let refused = try await page(true, form: ["stage": "accelerator", "reason": "申请入孵"], problem: refusal)
            #expect(refused.isStaff && refused.reason == "申请入孵" && refused.stages.filter(\.selected).map(\.value) == ["accelerator"] && refused.problem != nil)
        }
    }

    @Test("the board: a column per stage with its organisations; alerts only for the staff")
    func board() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let (team, _) = try await w.team("“邻里守望”公益团队", username: "linli")
            _ = try await w.incubation.move(by: try await w.actor("incubator"), organisationID: team.id, to: .nursery, reason: "苗圃计划入选")
            let board = try await w.incubation.board()
            let names = try await w.t.world.identity.organisations(ids: Set(board.flatMap { $0.placements.map(\.organisationID) }))
            let page = IncubatorBoardPage.model(board: board, funnel: try await w.incubation.funnel(), cohorts: [], alerts: nil, names: names, language: .zh,
                                                say: { $0 }, finding: { $0.key })
            let nursery = try #require(page.columns.first { $0.stage == "stage_nursery" })
            #expect(nursery.cards.contains { $0.organisationId == team.id.lowercased && !$0.registered && !$0.overridden })
            #expect(nursery.count == nursery.cards.count && !page.isStaff && page.alerts.isEmpty)
            let staff = IncubatorBoardPage.model(board: board, funnel: [], cohorts: [], alerts: try await w.incubation.alerts(by: try await w.actor("incubator")),
                                                 names: names, language: .zh, say: { $0 }, finding: { $0.key })
            #expect(staff.isStaff)
        }
    }
}
