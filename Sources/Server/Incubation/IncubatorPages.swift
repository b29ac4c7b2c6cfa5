import Core
import Foundation
import Identity
import Incubation
import Tendering

/// A stage's check of an organisation against a rule of its next stage.
struct RuleLine {
    let met: Bool
    /// Whose side the rule is on (the organisation's or the centre's), in words; nil where the page does not say.
    let side: String?
    let kind: String
    let detail: String

    static func lines(_ checklist: [RuleCheck], sides: Bool, say: (String) -> String, finding: (Finding) -> String) -> [RuleLine] {
        checklist.map {
            RuleLine(met: $0.met, side: sides ? say("rule_side_\($0.side)") : nil, kind: say("rule_\($0.rule.kind)"), detail: finding($0.finding))
        }
    }
}

/// The incubator's board (`/incubator`): a column per stage with a card per organisation, the funnel by year, the
/// cohorts' capacity averages and, for the incubator's staff, the alerts.
struct IncubatorBoardPage {
    struct Card {
        let organisationId: String
        let name: String
        let since: String
        let overridden: Bool
        let registered: Bool
    }

    struct Column {
        let stage: String
        let count: Int
        let cards: [Card]
    }

    struct FunnelRow {
        let year: Int
        let stage: String
        let entered: Int
        let graduated: Int
    }

    struct Cohort {
        let stage: String
        let organisations: Int
        /// In the elements' order.
        let averages: [String]
    }

    struct Alert {
        let kind: String
        let organisationId: String
        let name: String
        let detail: String
    }

    let columns: [Column]
    let funnel: [FunnelRow]
    /// The funnel drawn (SVG).
    let chart: String
    let elements: [String]
    /// Stages with organisations assessed.
    let cohorts: [Cohort]
    /// For the staff only.
    let alerts: [Alert]
    let isStaff: Bool

    /// `names`: organisations in the reader's language; `alerts`: nil unless the reader is the incubator's staff.
    static func model(board: [(stage: IncubationStage, placements: [Placement])], funnel: [(year: Int, stage: IncubationStage, entered: Int, graduated: Int)],
                      cohorts: [CohortAverage], alerts: [IncubationAlert]?, names: [UUID: Organisation], language: Language,
                      say: (String) -> String, finding: (Finding) -> String) -> IncubatorBoardPage {
        let calendar = WorkingCalendar()
        return IncubatorBoardPage(
            columns: board.map { column in
                Column(stage: say("stage_\(column.stage.rawValue)"), count: column.placements.count, cards: column.placements.map { p in
                    Card(organisationId: p.organisationID.lowercased, name: names[p.organisationID].map { language == .zh ? $0.nameZh : $0.nameEn } ?? "",
                         since: calendar.dayKey(p.enteredAt), overridden: p.overridden, registered: names[p.organisationID]?.creditCode != nil)
                })
            },
            funnel: funnel.map { FunnelRow(year: $0.year, stage: say("stage_\($0.stage.rawValue)"), entered: $0.entered, graduated: $0.graduated) },
            chart: IncubatorController.funnelChart(funnel, title: say("insights_funnel"), label: { say("stage_\($0.rawValue)") }),
            elements: CapacityElement.allCases.map { say("element_\($0.rawValue)") },
            cohorts: cohorts.filter { $0.organisations > 0 }.map { c in
                Cohort(stage: say("stage_\(c.stage.rawValue)"), organisations: c.organisations,
                       averages: CapacityElement.allCases.map { Points(hundredths: c.averages[$0] ?? 0).formatted })
            },
            alerts: (alerts ?? []).map {
                Alert(kind: say("alert_\($0.kind.rawValue)"), organisationId: $0.organisationID.lowercased, name: names[$0.organisationID]?.nameZh ?? "",
                      detail: finding($0.finding))
            },
            isStaff: alerts != nil)
    }
}

/// An organisation's pipeline page (`/incubator/organisations/{id}`): its stays, the checklist for its next stage,
/// its capacity assessments, support sessions, seed grants and space; for the incubator's staff the forms to move
/// it, assess it, record a session and award or cancel a grant.
struct IncubatorOrganisationPage {
    struct Stay {
        let stage: String
        let from: String
        let to: String
        let reason: String
        let overridden: Bool
        /// The rules it entered without meeting, when the move was overridden.
        let failedRules: String?
    }

    struct Assessment {
        let on: String
        /// 1–4 per element, in the elements' order.
        let scores: [Int]
        let average: String
        let note: String
    }

    struct Session {
        let on: String
        let kind: String
        let hours: String
        let topic: String
        let mentor: String
    }

    struct Choice {
        let id: String
        let name: String
    }

    struct Grant {
        let id: String
        let amount: String
        let purpose: String
        let awardedOn: String
        let status: String
        /// Paid on and the treasury's reference.
        let paid: String?
        /// Why it was cancelled.
        let closedReason: String?
        let cancellable: Bool
    }

    struct Allocation {
        let space: String
        let from: String
        let to: String
        let back: String
    }

    /// A budget line a grant may come from, with what it has left.
    struct Line {
        let id: String
        let label: String
    }

    let organisationId: String
    let name: String
    let registered: Bool
    /// The current stage (nil: outside the pipeline).
    let current: String?
    let nextStage: String?
    let history: [Stay]
    let checklist: [RuleLine]
    /// The move form: the stages, the next one (or the one typed) selected, and the reason typed.
    let stages: [SelectOption]
    let reason: String
    let elements: [SelectOption]
    let assessments: [Assessment]
    /// The assessments' averages drawn (SVG).
    let trend: String
    let sessions: [Session]
    let totalHours: String
    let mentors: [Choice]
    let sessionKinds: [SelectOption]
    /// The forms' default day.
    let today: String
    let grants: [Grant]
    let allocations: [Allocation]
    let isStaff: Bool
    /// For the staff: the year's incubation budget lines.
    let grantLines: [Line]
    let problem: ProblemBlock?

    /// The organisation's seed grants and space; for the staff, the budget lines a grant may come from, with what each
    /// has left uncommitted.
    struct Support {
        let grants: [SeedGrant]
        let allocations: [SpaceAllocation]
        let spaces: [UUID: Space]
        /// Nil unless the reader is the incubator's staff.
        let lines: [(line: PurchaseLine, left: Money)]?
    }

    /// `form`: the move form as typed when it was refused.
    static func model(journey: Journey, assessments: [CapacityAssessment], sessions: [SupportSession], mentors: [Mentor], support: Support,
                      language: Language, now: Date, form: [String: String] = [:], problem: DomainError? = nil,
                      say: (String) -> String, finding: (Finding) -> String, message: (Message) -> String) -> IncubatorOrganisationPage {
        let calendar = WorkingCalendar()
        let organisation = journey.organisation
        let staff = support.lines != nil
        let typedStage = IncubationStage(rawValue: form["stage"] ?? "") ?? journey.nextStage
        return IncubatorOrganisationPage(
            organisationId: organisation.id.lowercased, name: language == .zh ? organisation.nameZh : organisation.nameEn,
            registered: organisation.creditCode != nil, current: journey.current.map { say("stage_\($0.stage.rawValue)") }, nextStage: journey.nextStage.map { say("stage_\($0.rawValue)") },
            history: journey.history.reversed().map { p in
                Stay(stage: say("stage_\(p.stage.rawValue)"), from: calendar.describe(p.enteredAt), to: p.leftAt.map(calendar.describe) ?? "—", reason: p.reason,
                     overridden: p.overridden, failedRules: p.failedRules.isEmpty ? nil : p.failedRules.joined(separator: "; "))
            },
            checklist: RuleLine.lines(journey.checklist, sides: true, say: say, finding: finding),
            stages: IncubationStage.allCases.map { SelectOption(value: $0.rawValue, label: say("stage_\($0.rawValue)"), selected: $0 == typedStage) },
            reason: form["reason"] ?? "",
            elements: CapacityElement.allCases.map { SelectOption(value: $0.rawValue, label: say("element_\($0.rawValue)")) },
            assessments: assessments.reversed().map { a in
                Assessment(on: a.assessedOn, scores: CapacityElement.allCases.map { a.scores[$0] ?? 0 }, average: Points(hundredths: a.average).formatted,
                           note: a.note)
            },
            trend: IncubatorController.trendChart(assessments, title: say("incubator_trend")),
            sessions: sessions.reversed().map { s in
                Session(on: s.heldOn, kind: say("session_\(s.kind.rawValue)"), hours: Points(hundredths: s.minutes * 100 / 60).formatted, topic: s.topic,
                        mentor: s.mentorID.flatMap { m in mentors.first { $0.id == m }?.name } ?? "—")
            },
            totalHours: Points(hundredths: sessions.reduce(0) { $0 + $1.minutes } * 100 / 60).formatted,
            mentors: mentors.map { Choice(id: $0.id.lowercased, name: "\($0.name)（\($0.expertise)）") },
            sessionKinds: SupportSession.Kind.allCases.map { SelectOption(value: $0.rawValue, label: say("session_\($0.rawValue)")) },
            today: calendar.dayKey(now),
            grants: support.grants.reversed().map { g in
                Grant(id: g.id.lowercased, amount: g.amount.formatted, purpose: g.purpose, awardedOn: calendar.dayKey(g.awardedAt),
                      status: say("grant_\(g.status.rawValue)"), paid: g.paidOn.map { "\($0) · \(g.treasuryReference ?? "")" },
                      closedReason: g.closedReason, cancellable: staff && g.status == .awarded)
            },
            allocations: support.allocations.reversed().map { a in
                Allocation(space: support.spaces[a.spaceID]?.name ?? "", from: a.from, to: a.to, back: a.handedBackOn ?? "—")
            },
            isStaff: staff,
            grantLines: (support.lines ?? []).map { line, left in
                Line(id: line.id.lowercased, label: "\(line.content.reference) \(line.content.title) (\(say("grant_left")) \(left.formatted))")
            },
            problem: problem.map { ProblemBlock($0, message: message) })
    }
}

/// The incubator's desks and rooms (`/incubator/spaces`): who holds each from today on, and for the staff the forms
/// to add a space, lend one and take one back.
struct SpacesPage {
    struct Allocation {
        let id: String
        let organisation: String
        let organisationId: String
        let from: String
        let to: String
        /// The day it was handed back ("" while held).
        let back: String
        let canHandBack: Bool
    }

    struct Row {
        let id: String
        let name: String
        let kind: String
        let allocations: [Allocation]
    }

    struct Choice {
        let id: String
        let name: String
    }

    let spaces: [Row]
    let isStaff: Bool
    let kinds: [SelectOption]
    /// The organisations in the pipeline, to lend a space to.
    let organisations: [Choice]
    let today: String
    let problem: ProblemBlock?

    static func model(spaces: [(space: Space, allocations: [SpaceAllocation])], board: [(stage: IncubationStage, placements: [Placement])],
                      names: [UUID: Organisation], isStaff: Bool, now: Date, problem: DomainError?,
                      say: (String) -> String, message: (Message) -> String) -> SpacesPage {
        SpacesPage(
            spaces: spaces.map { entry in
                Row(id: entry.space.id.lowercased, name: entry.space.name, kind: say("space_\(entry.space.kind.rawValue)"),
                    allocations: entry.allocations.map { a in
                        Allocation(id: a.id.lowercased, organisation: names[a.organisationID]?.nameZh ?? "", organisationId: a.organisationID.lowercased,
                                   from: a.from, to: a.to, back: a.handedBackOn ?? "", canHandBack: isStaff && a.handedBackOn == nil)
                    })
            },
            isStaff: isStaff, kinds: Space.Kind.allCases.map { SelectOption(value: $0.rawValue, label: say("space_\($0.rawValue)")) },
            organisations: board.flatMap(\.placements).map { Choice(id: $0.organisationID.lowercased, name: names[$0.organisationID]?.nameZh ?? "") },
            today: WorkingCalendar().dayKey(now), problem: problem.map { ProblemBlock($0, message: message) })
    }
}

/// A social organisation's journey on its public page (`journey` in `identity/organisation`): one timeline from its
/// first idea through the pipeline's stages and assessments to the awards it won and its grades, its supplier
/// profile's summary, and the rules it meets for its next stage.
struct JourneyModel {
    struct Event {
        let date: String
        let text: String
        /// A move made without meeting the stage's rules.
        let flag: Bool
    }

    /// Newest first.
    let events: [Event]
    let checklist: [RuleLine]
    let trend: String
    let stage: String?
    let nextStage: String?
    let summary: String?

    static func model(organisation: Organisation, journey: Journey, assessments: [CapacityAssessment], awards: [(award: Award, reference: String, lot: Int)], grades: [PerformanceGrade],
                      profile: SupplierProfile, say: (String) -> String, finding: (Finding) -> String) -> JourneyModel {
        let calendar = WorkingCalendar()
        var events = [Event(date: calendar.dayKey(organisation.createdAt), text: say(organisation.creditCode == nil ? "journey_joinedTeam" : "journey_joined"),
                            flag: false)]
        for stay in journey.history {
            events.append(Event(date: calendar.dayKey(stay.enteredAt), text: "\(say("journey_entered")) \(say("stage_\(stay.stage.rawValue)")): \(stay.reason)",
                                flag: stay.overridden))
        }
        for assessment in assessments {
            events.append(Event(date: assessment.assessedOn, text: "\(say("assessment_title")): \(Points(hundredths: assessment.average).formatted)", flag: false))
        }
        for won in awards {
            events.append(Event(date: calendar.dayKey(won.award.decidedAt),
                                text: "\(say("journey_awarded")) \(won.reference) \(say("tender_lot")) \(won.lot): \(won.award.value?.formatted ?? "")", flag: false))
        }
        // Contracts delivered: their final grade (事后评价), which later tenders' evaluators also see.
        for grade in grades {
            events.append(Event(date: grade.gradedOn, text: "\(say("journey_graded")) \(grade.contractReference): \(grade.grade)", flag: false))
        }
        return JourneyModel(events: events.sorted { $0.date < $1.date }.reversed(),
                            checklist: RuleLine.lines(journey.checklist, sides: false, say: say, finding: finding),
                            trend: IncubatorController.trendChart(assessments, title: say("incubator_trend")),
                            stage: journey.current.map { say("stage_\($0.stage.rawValue)") }, nextStage: journey.nextStage.map { say("stage_\($0.rawValue)") },
                            summary: profile.summary.isEmpty ? nil : profile.summary)
    }
}
