import Core
import Foundation
import Identity
import Incubation

/// The programmes list (`/incubator/programmes`): every intake, and for the incubator's staff the form for a new one.
struct ProgrammeListPage {
    struct Row {
        let id: String
        let name: String
        let stage: String
        let opens: String
        let closes: String
        let capacity: Int
    }

    let programmes: [Row]
    let isStaff: Bool
    let stages: [SelectOption]
    let problem: ProblemBlock?

    static func model(programmes: [Programme], may: ProgrammeActions, problem: DomainError?, say: (String) -> String,
                      message: (Message) -> String) -> ProgrammeListPage {
        ProgrammeListPage(
            programmes: programmes.map {
                Row(id: $0.id.lowercased, name: $0.name, stage: say("stage_\($0.stage.rawValue)"), opens: $0.intakeOpens, closes: $0.intakeCloses,
                    capacity: $0.capacity)
            },
            isStaff: may.manage, stages: IncubationStage.allCases.map { SelectOption(value: $0.rawValue, label: say("stage_\($0.rawValue)")) },
            problem: problem.map { ProblemBlock($0, message: message) })
    }
}

/// A programme's page (`/incubator/programmes/{id}`): its intake and rubric, the application form while the intake is
/// open to those who may apply, the admitted cohort and how far each has come, its reviewers, and for the staff and
/// its reviewers the applications with the forms each reader may use on them.
struct ProgrammePage {
    struct Rubric {
        let name: String
        let weight: Int
    }

    /// The application form's inputs, as typed when it was refused (ids `apply-<name>`).
    struct ApplyForm {
        let idea: FormField
        let teamSize: FormField
        let needs: FormField
    }

    struct Member {
        let organisationId: String
        let name: String
        let stage: String
        let hours: String
        let capacity: String
        let grants: String
    }

    struct Reviewer {
        let userId: String
        let name: String
        let mayUnseat: Bool
    }

    struct Choice {
        let id: String
        let name: String
    }

    struct Review {
        let reviewer: String
        let total: String
        let comment: String
    }

    struct ApplicationRow {
        let applicationId: String
        let organisation: String
        let organisationId: String
        let idea: String
        let teamSize: Int
        let needs: String
        let status: String
        let average: String
        let reviews: [Review]
        let canReview: Bool
        let canDecide: Bool
        let canWithdraw: Bool
        /// The rubric the review form scores.
        let rubric: [Rubric]
        let reason: String?
    }

    let id: String
    let name: String
    let stage: String
    let opens: String
    let closes: String
    let capacity: Int
    let rubric: [Rubric]
    let canApply: Bool
    let apply: ApplyForm
    let cohort: [Member]
    let reviewers: [Reviewer]
    /// Evaluators the staff may seat (empty for everyone else).
    let reviewerChoices: [Choice]
    /// For the staff and the programme's reviewers.
    let applications: [ApplicationRow]
    let problem: ProblemBlock?

    /// The application form's inputs (ids `apply-<name>`, labels `programmes_<name>`).
    static let applicationFields = ["idea", "teamSize", "needs"]

    /// `intakeOpen`: the service's answer for today; `admitted` the cohort's progress; `evaluators` those on the platform;
    /// `applications` what the reader may read (nil: none); `applied` what a refused application said.
    static func model(programme: Programme, may: ProgrammeActions, actor: Actor?, intakeOpen: Bool, admitted: [CohortProgress],
                      reviewers: [ProgrammeReviewer], evaluators: [User], applications: [Incubation.Application]?, names: [UUID: Organisation],
                      problem: DomainError? = nil, applied: [String: String]? = nil,
                      say: (String) -> String, message: (Message) -> String) -> ProgrammePage {
        let refused = RefusedForm(applied == nil ? nil : problem, prefix: "apply", names: applicationFields, form: applied ?? [:],
                                  label: { say("programmes_\($0)") }, message: message)
        let rubric = programme.rubric.map { Rubric(name: $0.name, weight: $0.weight) }
        let seated = Set(reviewers.map(\.userID))
        return ProgrammePage(
            id: programme.id.lowercased, name: programme.name, stage: say("stage_\(programme.stage.rawValue)"),
            opens: programme.intakeOpens, closes: programme.intakeCloses, capacity: programme.capacity, rubric: rubric,
            canApply: may.apply && intakeOpen,
            apply: ApplyForm(idea: refused.fields["idea"]!, teamSize: refused.fields["teamSize"]!, needs: refused.fields["needs"]!),
            cohort: admitted.map { p in
                Member(organisationId: p.organisationID.lowercased, name: names[p.organisationID]?.nameZh ?? "",
                       stage: p.stage.map { say("stage_\($0.rawValue)") } ?? say("incubator_outside"),
                       hours: Points(hundredths: p.supportMinutes * 100 / 60).formatted, capacity: p.latestAverage.map { Points(hundredths: $0).formatted } ?? "—",
                       grants: p.grantsPaid.formatted)
            },
            reviewers: reviewers.map { Reviewer(userId: $0.userID.lowercased, name: $0.displayName, mayUnseat: may.manage) },
            reviewerChoices: may.manage ? evaluators.filter { !seated.contains($0.id) }.map { Choice(id: $0.id.lowercased, name: $0.displayName) } : [],
            applications: (applications ?? []).map { a in
                ApplicationRow(
                    applicationId: a.id.lowercased, organisation: names[a.organisationID]?.nameZh ?? "", organisationId: a.organisationID.lowercased,
                    idea: a.form.idea, teamSize: a.form.teamSize, needs: a.form.needs, status: say("applicationStatus_\(a.status.rawValue)"),
                    average: a.averageScore.map { Points(hundredths: $0).formatted } ?? "—",
                    reviews: a.reviews.map { Review(reviewer: $0.reviewerName, total: Points(hundredths: $0.total).formatted, comment: $0.comment) },
                    canReview: actor.map { may.mayReview(a, by: $0) } ?? false, canDecide: may.mayDecide(a), canWithdraw: may.mayWithdraw(a),
                    rubric: rubric, reason: a.decisionReason)
            },
            problem: applied != nil ? refused.problem : problem.map { ProblemBlock($0, message: message) })
    }
}
