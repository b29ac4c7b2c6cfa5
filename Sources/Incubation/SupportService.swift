import Core
import Foundation
import Store

/// Support: the incubator's staff keep the mentors and record the mentoring and training sessions
/// each organisation receives; anyone reads them (public money pays for them).
extension IncubationService {
    public func mentors() async throws -> [Mentor] {
        try await database.read { try await IncubationStore(connection: $0, logger: database.logger).mentors() }
    }

    public func addMentor(by actor: Actor, name: String, expertise: String, affiliation: String) async throws -> Mentor {
        try Policy.authorize(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath))
        var check = Validator()
        let mentor = Mentor(id: UUID.v7(at: clock.now()), name: check.text(name, "name", max: 100), expertise: check.text(expertise, "expertise", max: 500),
                            affiliation: check.text(affiliation, "affiliation", max: 200, required: false))
        try check.finish()
        return try await database.transaction { connection in
            try await IncubationStore(connection: connection, logger: database.logger).insert(mentor, at: clock.now())
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.mentor_added",
                                      entity: AuditEntity("mentor", mentor.id), before: nil as Mentor?, after: mentor, at: clock.now())
            return mentor
        }
    }

    /// Records a session held with an organisation of the pipeline (on a past or present day).
    public func recordSession(by actor: Actor, organisationID: UUID, mentorID: UUID?, heldOn: String, minutes: Int, kind: SupportSession.Kind,
                              topic: String) async throws -> SupportSession {
        try Policy.authorize(actor, .manageIncubation, try await identity.resource(of: organisationID))
        var check = Validator()
        check.check(WorkingCalendar.isDay(heldOn), "heldOn", "must be a day as yyyy-MM-dd")
        check.check(heldOn <= WorkingCalendar().dayKey(clock.now()), "heldOn", "cannot be in the future")
        check.check((15...1440).contains(minutes), "minutes", "must be 15 minutes to 24 hours")
        let topic = check.text(topic, "topic", max: 500)
        try check.finish()
        let session = SupportSession(id: UUID.v7(at: clock.now()), organisationID: organisationID, mentorID: mentorID, heldOn: heldOn, minutes: minutes,
                                     kind: kind, topic: topic)
        return try await database.transaction { connection in
            let store = IncubationStore(connection: connection, logger: database.logger)
            if let mentorID, !(try await store.mentors().contains { $0.id == mentorID }) {
                throw DomainError.invalid([FieldError("mentorId", "is not a mentor of the incubator")])
            }
            guard try await store.placements(of: organisationID).contains(where: { $0.leftAt == nil }) else {
                throw DomainError.conflict("the organisation is not in the pipeline; support is recorded for organisations in a stage")
            }
            try await store.insert(session, by: actor.userID, at: clock.now())
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.session_recorded",
                                      entity: AuditEntity("organisation", organisationID), before: nil as SupportSession?, after: session, at: clock.now())
            return session
        }
    }

    public func sessions(of organisationID: UUID) async throws -> [SupportSession] {
        try await database.read { try await IncubationStore(connection: $0, logger: database.logger).sessions(of: organisationID) }
    }
}
