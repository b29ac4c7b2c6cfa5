import Core
import Delivery
import Foundation
import Identity

/// The contracts list (`/contracts`): the reader's contracts a page at a time, the sign-offs waiting for them, the
/// late publications they answer for, and the draft form for an award whose standstill has ended.
struct ContractListPage {
    struct Row {
        let id: String
        let reference: String
        let title: String
        let value: String
        let status: String
        let term: String
        /// Milestones signed off of all ("1/3").
        let milestones: String
    }

    struct Task {
        let contractId: String
        let reference: String
        let number: Int
        let title: String
        /// A sign-off waiting for a second signature rather than a report waiting for one.
        let countersign: Bool
        let since: String
    }

    struct Late {
        let contractId: String
        let reference: String
        let deadline: String
    }

    /// The draft form's inputs, as typed when it was refused (ids `draft-<name>`).
    struct DraftForm {
        let awardId: FormField
        let startsOn: FormField
        let endsOn: FormField
        let termJustification: FormField
        let terms: FormField
    }

    let contracts: [Row]
    /// The cursor of the next page, when one follows.
    let next: String?
    let tasks: [Task]
    let ready: [ContractPage.Option]
    let late: [Late]
    let draft: DraftForm
    let problem: ProblemBlock?

    static let draftFields = ["awardId", "startsOn", "endsOn", "termJustification", "terms"]

    /// The form's words for each of its inputs.
    static let draftLabels = ["awardId": "contracts_award", "startsOn": "contract_startsOn", "endsOn": "contract_endsOn",
                              "termJustification": "contract_termJustification", "terms": "contract_terms"]

    /// `page` is what the list read, `pageSize` how many it asked for (a full page has a next one).
    static func model(page: [Contract], pageSize: Int, milestones: [UUID: [Milestone]], work: ContractWorklist, form: [String: String] = [:],
                      problem: DomainError? = nil, say: (String) -> String, message: (Message) -> String) -> ContractListPage {
        let calendar = WorkingCalendar()
        let refused = RefusedForm(problem, prefix: "draft", names: draftFields, form: form, label: { say(draftLabels[$0] ?? $0) }, message: message)
        func field(_ name: String) -> FormField { refused.fields[name]! }
        return ContractListPage(
            contracts: page.map { c in
                let all = milestones[c.id] ?? []
                return Row(id: c.id.lowercased, reference: c.reference, title: c.title, value: c.value.formatted, status: say("contract_status_\(c.status.rawValue)"),
                           term: "\(c.startsOn) – \(c.endsOn)", milestones: "\(all.filter { $0.status.isFinal }.count)/\(all.count)")
            },
            next: page.count == pageSize ? page.last?.id.lowercased : nil,
            tasks: work.signOffs.map {
                Task(contractId: $0.contractID.lowercased, reference: $0.contractReference, number: $0.milestoneNumber, title: $0.milestoneTitle,
                     countersign: $0.signOffID != nil, since: calendar.describe($0.since))
            },
            ready: work.readyForDraft.map {
                ContractPage.Option(value: $0.awardID.lowercased, label: "\($0.tenderReference) · \($0.lotTitle) · \($0.value.formatted)",
                                    selected: form["awardId"] == $0.awardID.lowercased)
            },
            late: work.latePublications.map { Late(contractId: $0.contractID.lowercased, reference: $0.reference, deadline: calendar.describe($0.deadline)) },
            draft: DraftForm(awardId: field("awardId"), startsOn: field("startsOn"), endsOn: field("endsOn"), termJustification: field("termJustification"),
                             terms: field("terms")),
            problem: refused.problem)
    }
}

/// An evaluation institution's engagements (`/engagements`): the contracts buyers engaged it for, with its evaluators
/// on each and, for its administrators, whom they may still assign.
struct EngagementListPage {
    struct Evaluator {
        let userId: String
        let name: String
        let engagementId: String
        let mayRemove: Bool
    }

    struct Choice {
        let id: String
        let name: String
    }

    struct Row {
        let id: String
        let contractId: String
        let reference: String
        let title: String
        let startsOn: String
        let endsOn: String
        let open: Bool
        let endedAt: String?
        let evaluators: [Evaluator]
        let hasEvaluators: Bool
        /// Whom the administrators may assign (nil for everyone else, and for an engagement that has ended).
        let choices: [Choice]?
        let hasChoices: Bool
    }

    let engagements: [Row]
    let problem: ProblemBlock?

    /// `mayAssign`: the reader assigns the institution's evaluators; `choices` whom, per open engagement.
    static func model(work: [EngagementWork], mayAssign: Bool, choices: [UUID: [User]], problem: DomainError?,
                      message: (Message) -> String) -> EngagementListPage {
        let calendar = WorkingCalendar()
        return EngagementListPage(
            engagements: work.map { w in
                let e = w.engagement
                let choices = choices[e.id]
                return Row(id: e.id.lowercased, contractId: e.contractID.lowercased, reference: w.contractReference, title: w.contractTitle,
                           startsOn: e.startsOn, endsOn: e.endsOn, open: e.isOpen, endedAt: e.endedAt.map(calendar.describe),
                           evaluators: e.evaluators.map {
                               Evaluator(userId: $0.userID.lowercased, name: $0.displayName, engagementId: e.id.lowercased, mayRemove: e.isOpen && mayAssign)
                           },
                           hasEvaluators: !e.evaluators.isEmpty, choices: choices?.map { Choice(id: $0.id.lowercased, name: $0.displayName) },
                           hasChoices: !(choices?.isEmpty ?? true))
            },
            problem: problem.map { ProblemBlock($0, message: message) })
    }
}

/// The public satisfaction survey behind a contract's link (`/survey/{token}`).
struct SurveyPage {
    enum Outcome {
        /// The answer was counted.
        case thanks
        /// The device had answered already.
        case already
    }

    struct Rating {
        let value: Int
        let label: String
    }

    let token: String
    let title: String
    let reference: String
    /// The form's single-use token for the device.
    let deviceToken: String
    let ratings: [Rating]
    let thanks: Bool
    let already: Bool
    let problem: ProblemBlock?

    static func model(token: String, contract: Contract, deviceToken: String, outcome: Outcome?, problem: ProblemBlock?,
                      say: (String) -> String) -> SurveyPage {
        SurveyPage(token: token, title: contract.title, reference: contract.reference, deviceToken: deviceToken,
                   ratings: (1...5).reversed().map { Rating(value: $0, label: say("survey_rating_\($0)")) },
                   thanks: outcome == .thanks, already: outcome == .already, problem: problem)
    }
}
