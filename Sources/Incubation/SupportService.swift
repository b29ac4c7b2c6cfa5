import Core
import Foundation
import PostgresNIO
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

    /// The progress of the members of a cohort, read together.
    public func progress(of organisationIDs: [UUID]) async throws -> [CohortProgress] {
        guard !organisationIDs.isEmpty else { return [] }
        return try await database.read { connection in
            let store = IncubationStore(connection: connection, logger: database.logger)
            let stages = Dictionary(try await store.current().map { ($0.organisationID, $0.stage) }, uniquingKeysWith: { a, _ in a })
            let latest = Dictionary(grouping: try await store.assessments(of: organisationIDs), by: \.organisationID).compactMapValues(\.last)
            let (minutes, paid) = try await SupportStore(connection: connection, logger: database.logger).totals(of: organisationIDs)
            return organisationIDs.map { id in
                CohortProgress(organisationID: id, stage: stages[id], supportMinutes: minutes[id] ?? 0, latestAverage: latest[id]?.average,
                               grantsPaid: Money(minorUnits: paid[id] ?? 0))
            }
        }
    }

    public func sessions(of organisationID: UUID) async throws -> [SupportSession] {
        try await database.read { try await IncubationStore(connection: $0, logger: database.logger).sessions(of: organisationID) }
    }
}

/// Space: the centre's desks and rooms, lent to organisations of the pipeline from one day to
/// another; one space is never lent twice for the same day; handing it back early frees it.
extension IncubationService {
    private func support(_ connection: PostgresConnection) -> SupportStore { SupportStore(connection: connection, logger: database.logger) }

    public func addSpace(by actor: Actor, name: String, kind: Space.Kind) async throws -> Space {
        try Policy.authorize(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath))
        var check = Validator()
        let space = Space(id: UUID.v7(at: clock.now()), name: check.text(name, "name", max: 100), kind: kind)
        try check.finish()
        return try await database.transaction { connection in
            do {
                try await support(connection).insert(space, at: clock.now())
            } catch where error.isUniqueViolation {
                throw DomainError(.conflict, "a space is called \(space.name) already", fields: [FieldError("name", "is the name of another space")])
            }
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.space_added",
                                      entity: AuditEntity("space", space.id), before: nil as Space?, after: space, at: clock.now())
            return space
        }
    }

    /// Lends a space to an organisation in a stage, for days that nobody else holds it.
    public func allocate(by actor: Actor, spaceID: UUID, organisationID: UUID, from: String, to: String) async throws -> SpaceAllocation {
        try Policy.authorize(actor, .manageIncubation, try await identity.resource(of: organisationID))
        let today = WorkingCalendar().dayKey(clock.now())
        var check = Validator()
        check.check(WorkingCalendar.isDay(from), "from", "must be a day as yyyy-MM-dd")
        check.check(WorkingCalendar.isDay(to), "to", "must be a day as yyyy-MM-dd")
        check.check(to >= from, "to", "must not be before the first day")
        check.check(to >= today, "to", "must not be in the past")
        check.check(to <= Self.dayKey(years: 1, after: from), "to", "a space is lent for at most a year at a time")
        try check.finish()
        return try await database.transaction { connection in
            let store = support(connection)
            guard let space = try await store.spaceForUpdate(id: spaceID) else { throw DomainError.notFound("no space has id \(spaceID.lowercased)") }
            guard try await IncubationStore(connection: connection, logger: database.logger).placements(of: organisationID).contains(where: { $0.leftAt == nil }) else {
                throw DomainError.conflict("the organisation is not in the pipeline; space is lent to organisations in a stage")
            }
            if let clash = try await store.allocations(spaceID: spaceID).first(where: { $0.from <= to && from <= $0.lastDay }) {
                throw DomainError(.conflict, "\(space.name) is lent from \(clash.from) to \(clash.lastDay) already",
                                  fields: [FieldError("from", "overlaps another allocation of the space")])
            }
            let allocation = SpaceAllocation(id: UUID.v7(at: clock.now()), spaceID: spaceID, organisationID: organisationID, from: from, to: to)
            try await store.insert(allocation, by: actor.userID, at: clock.now())
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.space_allocated",
                                      entity: AuditEntity("organisation", organisationID), before: nil as SpaceAllocation?, after: allocation, at: clock.now())
            return allocation
        }
    }

    /// The organisation gives the space back (today, or on an earlier day staff record); it is free from the next day.
    public func handBack(by actor: Actor, allocationID: UUID, on day: String? = nil) async throws -> SpaceAllocation {
        let today = WorkingCalendar().dayKey(clock.now())
        let day = day ?? today
        return try await database.transaction { connection in
            let store = support(connection)
            guard let before = try await store.allocation(id: allocationID) else { throw DomainError.notFound("no allocation has id \(allocationID.lowercased)") }
            try Policy.authorize(actor, .manageIncubation, try await identity.resource(of: before.organisationID))
            guard before.handedBackOn == nil else { throw DomainError.conflict("the space was handed back on \(before.handedBackOn!) already") }
            var check = Validator()
            check.check(WorkingCalendar.isDay(day) && day <= today, "on", "must be a day as yyyy-MM-dd, not in the future")
            check.check(day >= before.from, "on", "must not be before the allocation's first day")
            try check.finish()
            var after = before
            after.handedBackOn = min(day, before.to)
            try await store.handBack(allocationID, on: after.handedBackOn!)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.space_handed_back",
                                      entity: AuditEntity("organisation", before.organisationID), before: before, after: after, at: clock.now())
            return after
        }
    }

    /// Every space with its allocations from today on (current and coming).
    public func spaces() async throws -> [(space: Space, allocations: [SpaceAllocation])] {
        let today = WorkingCalendar().dayKey(clock.now())
        let (spaces, allocations) = try await database.read { connection in
            (try await support(connection).spaces(), try await support(connection).allocations(holdingOnOrAfter: today))
        }
        return spaces.map { space in (space, allocations.filter { $0.spaceID == space.id }) }
    }

    public func allocations(of organisationID: UUID) async throws -> [SpaceAllocation] {
        try await database.read { try await support($0).allocations(of: organisationID) }
    }

    /// The day `years` after a day (the same date, or 28 February for 29 February).
    static func dayKey(years: Int, after day: String) -> String {
        let parts = day.split(separator: "-").map(String.init)
        guard parts.count == 3, let year = Int(parts[0]) else { return day }
        let monthDay = parts[1] + "-" + parts[2] == "02-29" ? "02-28" : parts[1] + "-" + parts[2]
        return String(format: "%04d", year + years) + "-" + monthDay
    }
}
