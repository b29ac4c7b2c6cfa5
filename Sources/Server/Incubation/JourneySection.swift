import Core
import Delivery
import Foundation
import Hummingbird
import Identity
import Incubation
import Tendering

/// A social organisation's journey on its public page: one timeline from its first idea through the
/// pipeline's stages and assessments to the awards it won, its supplier profile, and the rules it
/// meets for its next stage.
struct JourneySection {
    let incubation: IncubationService
    let awards: AwardService
    let suppliers: SupplierService
    let contracts: ContractService
    let views: Views

    func data(for organisation: Organisation, _ context: AppRequestContext) async throws -> [String: Any]? {
        guard organisation.kind == .socialOrganisation else { return nil }
        let calendar = WorkingCalendar()
        let journey = try await incubation.journey(of: organisation.id)
        var events: [(date: String, text: String, flag: Bool)] = [
            (calendar.dayKey(organisation.createdAt), views.text(organisation.creditCode == nil ? "journey_joinedTeam" : "journey_joined", context), false),
        ]
        for stay in journey.history {
            events.append((calendar.dayKey(stay.enteredAt), "\(views.text("journey_entered", context)) \(views.text("stage_\(stay.stage.rawValue)", context)): \(stay.reason)",
                           stay.overridden))
        }
        for assessment in try await incubation.assessments(of: organisation.id) {
            events.append((assessment.assessedOn, "\(views.text("assessment_title", context)): \(Points(hundredths: assessment.average).formatted)", false))
        }
        for won in try await awards.awards(wonBy: organisation.id) {
            events.append((calendar.dayKey(won.award.decidedAt),
                           "\(views.text("journey_awarded", context)) \(won.reference) \(views.text("tender_lot", context)) \(won.lot): \(won.award.value?.formatted ?? "")",
                           false))
        }
        // Contracts delivered: their final grade (事后评价), which later tenders' evaluators also see.
        for grade in try await contracts.grades(of: [organisation.id])[organisation.id] ?? [] {
            events.append((grade.gradedOn, "\(views.text("journey_graded", context)) \(grade.contractReference): \(grade.grade)", false))
        }
        let profile = try await suppliers.profile(of: organisation.id)
        var data: [String: Any] = [
            "events": events.sorted { $0.date < $1.date }.reversed().map { ["date": $0.date, "text": $0.text, "flag": $0.flag] },
            "checklist": journey.checklist.map { ["met": $0.met, "kind": views.text("rule_\($0.rule.kind)", context), "detail": views.say($0.finding, context)] },
            "trend": IncubatorController.trendChart(try await incubation.assessments(of: organisation.id),
                                                    title: views.text("incubator_trend", context)),
        ]
        if let current = journey.current { data["stage"] = views.text("stage_\(current.stage.rawValue)", context) }
        if let next = journey.nextStage { data["nextStage"] = views.text("stage_\(next.rawValue)", context) }
        if !profile.summary.isEmpty { data["summary"] = profile.summary }
        return data
    }
}
