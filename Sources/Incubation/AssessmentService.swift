import Core
import Foundation
import PostgresNIO
import Store

/// Capacity assessments: recorded by the incubator's staff, repeated over time, read by everyone as a
/// trend per organisation and a cohort average per stage.
extension IncubationService {
    public func recordAssessment(by actor: Actor, organisationID: UUID, assessedOn: String, scores: [CapacityElement: Int],
                                 note: String) async throws -> CapacityAssessment {
        try Policy.authorize(actor, .manageIncubation, try await identity.resource(of: organisationID))
        var check = Validator()
        check.check(WorkingCalendar.isDay(assessedOn), "assessedOn", "must be a day as yyyy-MM-dd")
        check.check(assessedOn <= WorkingCalendar().dayKey(clock.now()), "assessedOn", "cannot be in the future")
        let note = check.text(note, "note", max: 2000, required: false)
        var problems = check.errors + CapacityAssessment.problems(scores)
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let now = clock.now()
        let assessment = CapacityAssessment(id: UUID.v7(at: now), organisationID: organisationID, assessedOn: assessedOn, scores: scores, note: note)
        return try await database.transaction { connection in
            let store = IncubationStore(connection: connection, logger: database.logger)
            if try await store.assessments(of: [organisationID]).contains(where: { $0.assessedOn == assessedOn }) {
                problems.append(FieldError("assessedOn", "an assessment of \(assessedOn) is recorded already"))
                throw DomainError(.conflict, "an assessment of \(assessedOn) is recorded already", fields: problems)
            }
            try await store.insert(assessment, by: actor.userID, at: now)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.assessed",
                                      entity: AuditEntity("organisation", organisationID), before: nil as CapacityAssessment?, after: assessment, at: now)
            return assessment
        }
    }

    /// An organisation's assessments, oldest first: its trend.
    public func assessments(of organisationID: UUID) async throws -> [CapacityAssessment] {
        try await database.read { try await IncubationStore(connection: $0, logger: database.logger).assessments(of: [organisationID]) }
    }

    /// Per stage, each element's mean over the latest assessment of every organisation in it now.
    public func cohortAverages() async throws -> [CohortAverage] {
        try await database.read { connection in
            let store = IncubationStore(connection: connection, logger: database.logger)
            let current = try await store.current()
            let latest = Dictionary(grouping: try await store.assessments(of: current.map(\.organisationID)), by: \.organisationID).compactMapValues(\.last)
            return IncubationStage.allCases.map { stage in
                let assessed = current.filter { $0.stage == stage }.compactMap { latest[$0.organisationID] }
                var averages: [CapacityElement: Int] = [:]
                if !assessed.isEmpty {
                    for element in CapacityElement.allCases {
                        let sum = assessed.reduce(0) { $0 + ($1.scores[element] ?? 0) }
                        averages[element] = (sum * 100 + assessed.count / 2) / assessed.count
                    }
                }
                return CohortAverage(stage: stage, organisations: assessed.count, averages: averages)
            }
        }
    }
}
