import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// Programmes and cohorts: staff open an intake with a capacity and a rubric; teams and
/// organisations apply; reviewers score each application against the rubric; staff admit (the
/// organisation enters the programme's stage, its rules checked), put on the waiting list when the
/// cohort is full, or reject, always with a reason.
public struct ProgrammeService: Sendable {
    let database: Database
    let identity: IdentityService
    let incubation: IncubationService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, incubation: IncubationService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.incubation = incubation
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> ProgrammeStore { ProgrammeStore(connection: connection, logger: database.logger) }

    /// A decision needs at least this many reviews.
    public static let minimumReviews = 2

    private func audit<State: Encodable>(_ connection: PostgresConnection, _ actor: Actor, _ action: String, _ entity: AuditEntity,
                                         before: State?, after: State) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action, entity: entity,
                                  before: before, after: after, at: clock.now())
    }

    /// A decision's written reason, required.
    private static func reason(_ text: String) throws -> String {
        var check = Validator()
        let reason = check.text(text, "reason", max: 2000)
        try check.finish()
        return reason
    }

    // MARK: Staff

    public func create(by actor: Actor, _ new: NewProgramme) async throws -> Programme {
        try Policy.authorize(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath))
        if !new.problems.isEmpty { throw DomainError.invalid(new.problems) }
        let now = clock.now()
        let programme = Programme(id: UUID.v7(at: now), name: new.name.trimmingCharacters(in: .whitespaces), stage: new.stage,
                                  intakeOpens: new.intakeOpens, intakeCloses: new.intakeCloses, capacity: new.capacity, rubric: new.rubric)
        return try await database.transaction { connection in
            try await store(connection).insert(programme, by: actor.userID, at: now)
            try await audit(connection, actor, "programme.created", AuditEntity("programme", programme.id), before: nil as Programme?, after: programme)
            return programme
        }
    }

    /// Admits (entering the programme's stage, or the waiting list when the cohort is full) or rejects.
    public func decide(by actor: Actor, applicationID: UUID, admit: Bool, reason: String) async throws -> Application {
        let reason = try Self.reason(reason)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            let (before, programme) = try await store.lockedApplication(applicationID)
            try Policy.authorize(actor, .manageIncubation, try await identity.resource(of: before.organisationID))
            guard before.status == .submitted || before.status == .waitlisted else {
                throw DomainError.conflict("the application is \(before.status) already")
            }
            guard before.reviews.count >= Self.minimumReviews else {
                throw DomainError.conflict("a decision needs at least \(Self.minimumReviews) reviews; it has \(before.reviews.count)")
            }
            var after = before
            after.decisionReason = reason
            after.decidedAt = now
            if !admit {
                after.status = .rejected
            } else if try await store.admittedCount(programmeID: programme.id) >= programme.capacity {
                after.status = .waitlisted
            } else {
                after.status = .admitted
                _ = try await incubation.place(before.organisationID, in: programme.stage, reason: "\(programme.name): \(reason)", override: false,
                                               by: actor, on: connection)
            }
            try await store.decide(after, by: actor.userID)
            try await audit(connection, actor, "application.\(after.status.rawValue)", AuditEntity("application", applicationID), before: before, after: after)
            return after
        }
    }

    /// An admitted or waiting organisation leaves the programme, by its own members or the staff, with
    /// a reason. Leaving the cohort leaves the programme's stage and frees a seat, which goes at once to
    /// the best-scored application on the waiting list whose rules hold (the earlier one on a tie).
    public func withdraw(by actor: Actor, applicationID: UUID, reason: String) async throws -> (withdrawn: Application, promoted: Application?) {
        let reason = try Self.reason(reason)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            let (before, programme) = try await store.lockedApplication(applicationID)
            let resource = try await identity.resource(of: before.organisationID)
            if Policy.decide(actor, .manageIncubation, resource) != .allow {
                try Policy.authorize(actor, .applyToProgramme, resource)
            }
            guard before.status == .admitted || before.status == .waitlisted else {
                throw DomainError.conflict("only an admitted or waiting application may be withdrawn; this one is \(before.status)")
            }
            var after = before
            after.status = .withdrawn
            after.decisionReason = reason
            after.decidedAt = now
            try await store.decide(after, by: actor.userID)
            try await audit(connection, actor, "application.withdrawn", AuditEntity("application", applicationID), before: before, after: after)
            guard before.status == .admitted else { return (after, nil) }
            try await incubation.leave(before.organisationID, stage: programme.stage, reason: "\(programme.name): \(reason)", by: actor, on: connection)
            let promoted = try await promoteFromWaitingList(programme, after: after, by: actor, on: connection)
            return (after, promoted)
        }
    }

    /// Admits the first application of the waiting list that can enter the stage, when the cohort has a seat.
    private func promoteFromWaitingList(_ programme: Programme, after withdrawn: Application, by actor: Actor,
                                        on connection: PostgresConnection) async throws -> Application? {
        let store = store(connection)
        guard try await store.admittedCount(programmeID: programme.id) < programme.capacity else { return nil }
        let waiting = try await store.applications(programmeID: programme.id).filter { $0.status == .waitlisted }
            .sorted { ($0.averageScore ?? 0, $1.submittedAt) > ($1.averageScore ?? 0, $0.submittedAt) }
        for candidate in waiting {
            let reason = "\(programme.name): promoted from the waiting list when a seat was freed"
            do {
                _ = try await incubation.place(candidate.organisationID, in: programme.stage, reason: reason, override: false, by: actor, on: connection)
            } catch let error as DomainError where error.kind == .conflict {
                continue  // its rules do not hold (or it is in the stage already): it keeps its place in line
            }
            var admitted = candidate
            admitted.status = .admitted
            admitted.decisionReason = "promoted from the waiting list after application \(withdrawn.id.lowercased) was withdrawn"
            admitted.decidedAt = clock.now()
            try await store.decide(admitted, by: actor.userID)
            try await audit(connection, actor, "application.admitted", AuditEntity("application", admitted.id), before: candidate, after: admitted)
            return admitted
        }
        return nil
    }

    // MARK: Applicants and reviewers

    /// A team or organisation applies, once per programme, while the intake is open.
    public func apply(by actor: Actor, programmeID: UUID, _ form: ApplicationForm) async throws -> Application {
        try Policy.authorize(actor, .applyToProgramme, Resource(organisationID: actor.organisationID))
        var check = Validator()
        let idea = check.text(form.idea, "idea", max: 5000)
        let needs = check.text(form.needs, "needs", max: 5000)
        check.check((1...500).contains(form.teamSize), "teamSize", "must be 1 to 500 people")
        try check.finish()
        let now = clock.now()
        let today = WorkingCalendar().dayKey(now)
        return try await database.transaction { connection in
            let store = store(connection)
            guard let programme = try await store.programme(id: programmeID) else { throw DomainError.notFound("no programme has id \(programmeID.lowercased)") }
            guard programme.takesApplications(on: today) else {
                throw DomainError.conflict("the intake of \(programme.name) is open from \(programme.intakeOpens) to \(programme.intakeCloses)")
            }
            let application = Application(id: UUID.v7(at: now), programmeID: programmeID, organisationID: actor.organisationID,
                                           form: ApplicationForm(idea: idea, teamSize: form.teamSize, needs: needs), status: .submitted,
                                           submittedAt: now, reviews: [])
            do {
                try await store.insert(application)
            } catch where error.isUniqueViolation {
                throw DomainError.conflict("your organisation has applied to \(programme.name) already")
            }
            try await audit(connection, actor, "application.submitted", AuditEntity("application", application.id), before: nil as Application?,
                            after: application)
            return application
        }
    }

    /// A reviewer scores every rubric criterion, once; not an application of their own organisation.
    public func review(by actor: Actor, applicationID: UUID, points: [String: Double], comment: String) async throws -> Application {
        try Policy.authorize(actor, .reviewApplication, Resource(assignees: [actor.userID]))
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.application(id: applicationID), let programme = try await store.programme(id: before.programmeID) else {
                throw DomainError.notFound("no application has id \(applicationID.lowercased)")
            }
            try Policy.authorize(actor, .reviewApplication, try await resource(of: programme.id, connection))
            guard before.status == .submitted else { throw DomainError.conflict("the application is \(before.status); reviews are closed") }
            if before.organisationID == actor.organisationID { throw DomainError.forbidden("nobody reviews their own organisation's application") }
            if before.reviews.contains(where: { $0.reviewerID == actor.userID }) { throw DomainError.conflict("you reviewed this application already") }
            var check = Validator()
            var hundredths: [String: Int] = [:]
            for item in programme.rubric {
                guard let value = points[item.name] else { check.check(false, "points.\(item.name)", "is required"); continue }
                // Points decides what "at most two decimals" means, for reviewers as for tender evaluators.
                let given = Points(value)
                check.check(given.map { (0...item.weight * 100).contains($0.hundredths) } ?? false, "points.\(item.name)",
                            "must be 0 to \(item.weight) with at most two decimals")
                hundredths[item.name] = given?.hundredths ?? 0
            }
            for name in points.keys where !programme.rubric.contains(where: { $0.name == name }) {
                check.check(false, "points.\(name)", "is not a criterion of the rubric")
            }
            let comment = check.text(comment, "comment", max: 2000, required: false)
            try check.finish()
            let review = Review(reviewerID: actor.userID, reviewerName: actor.displayName, points: hundredths, comment: comment, submittedAt: now)
            try await store.insert(review, applicationID: applicationID)
            var after = before
            after.reviews.append(review)
            try await audit(connection, actor, "application.reviewed", AuditEntity("application", applicationID), before: before, after: after)
            return after
        }
    }

    // MARK: Reading

    /// The cohort: the applications admitted and not withdrawn, anyone may see (public money, public places).
    public func admitted(programmeID: UUID) async throws -> [Application] {
        try await database.read { try await store($0).applications(programmeID: programmeID) }.filter { $0.status == .admitted }
    }

    public func programmes() async throws -> [Programme] {
        try await database.read { try await store($0).programmes() }
    }

    /// A programme's applications with their reviews, best average first: for staff and reviewers.
    public func applications(programmeID: UUID, by actor: Actor) async throws -> [Application] {
        try await database.read { connection in
            try await authorizeReader(actor, programmeID: programmeID, connection)
            return try await store(connection).applications(programmeID: programmeID)
        }
        .sorted { ($0.averageScore ?? -1, $1.submittedAt) > ($1.averageScore ?? -1, $0.submittedAt) }
    }

    /// One application with its reviews: for staff and the programme's reviewers.
    public func application(id: UUID, by actor: Actor) async throws -> Application {
        try await database.read { connection in
            guard let application = try await store(connection).application(id: id, forUpdate: false) else {
                throw DomainError.notFound("no application has id \(id.lowercased)")
            }
            try await authorizeReader(actor, programmeID: application.programmeID, connection)
            return application
        }
    }

    /// Whether the programme's intake is open today by the service's clock, as `apply` requires.
    public func intakeOpen(_ programme: Programme) -> Bool { programme.takesApplications(on: WorkingCalendar().dayKey(clock.now())) }

    /// What the actor may do: apply for their own organisation, run the programmes (staff), and, on one
    /// programme, review its applications (staff and its seated reviewers).
    public func actions(on programmeID: UUID? = nil, for actor: Actor?) async throws -> ProgrammeActions {
        guard let actor else { return ProgrammeActions() }
        var may = ProgrammeActions()
        may.apply = Policy.decide(actor, .applyToProgramme, Resource(organisationID: actor.organisationID)) == .allow
        may.manage = Policy.decide(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath)) == .allow
        if let programmeID {
            let resource = try await database.read { connection in try await self.resource(of: programmeID, connection) }
            may.review = Policy.decide(actor, .reviewApplication, resource) == .allow
        }
        return may
    }

    private func authorizeReader(_ actor: Actor, programmeID: UUID, _ connection: PostgresConnection) async throws {
        guard Policy.decide(actor, .reviewApplication, try await resource(of: programmeID, connection)) == .allow
                || Policy.decide(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath)) == .allow else {
            throw DomainError.forbidden("applications are read by the incubator's staff and the programme's reviewers")
        }
    }

    /// The policy's view of a programme: its seated reviewers are its assignees.
    private func resource(of programmeID: UUID, _ connection: PostgresConnection) async throws -> Resource {
        Resource(assignees: Set(try await store(connection).reviewers(of: programmeID).map(\.userID)))
    }

    // MARK: Reviewers

    /// The programme's seated reviewers (public: who decides is no secret).
    public func reviewers(of programmeID: UUID) async throws -> [ProgrammeReviewer] {
        try await database.read { try await store($0).reviewers(of: programmeID) }
    }

    /// The incubator's staff seat an evaluator as a reviewer of the programme's applications.
    public func seatReviewer(by actor: Actor, programmeID: UUID, reviewerID: UUID) async throws -> [ProgrammeReviewer] {
        try Policy.authorize(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath))
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard try await store.programme(id: programmeID) != nil else { throw DomainError.notFound("no programme has id \(programmeID.lowercased)") }
            let reviewer = try? await identity.user(id: reviewerID)
            guard let reviewer, reviewer.roles.contains(.evaluator), !reviewer.disabled else {
                throw DomainError.invalid([FieldError("reviewerId", "is not an evaluator")])
            }
            let before = try await store.reviewers(of: programmeID)
            try await store.seat(reviewerID, on: programmeID, by: actor.userID, at: now)
            let after = try await store.reviewers(of: programmeID)
            try await audit(connection, actor, "programme.reviewer_seated", AuditEntity("programme", programmeID), before: before, after: after)
            return after
        }
    }

    /// The incubator's staff take a reviewer's seat away (their reviews so far stay).
    public func unseatReviewer(by actor: Actor, programmeID: UUID, reviewerID: UUID) async throws -> [ProgrammeReviewer] {
        try Policy.authorize(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath))
        return try await database.transaction { connection in
            let store = store(connection)
            let before = try await store.reviewers(of: programmeID)
            guard before.contains(where: { $0.userID == reviewerID }) else {
                throw DomainError.notFound("\(reviewerID.lowercased) is not a reviewer of this programme")
            }
            try await store.unseat(reviewerID, from: programmeID)
            let after = try await store.reviewers(of: programmeID)
            try await audit(connection, actor, "programme.reviewer_unseated", AuditEntity("programme", programmeID), before: before, after: after)
            return after
        }
    }
}

/// What a reader may do with programmes and their applications.
public struct ProgrammeActions: Sendable, Equatable {
    /// Apply for their own organisation or team.
    public var apply = false
    /// Review a programme's applications.
    public var review = false
    /// Open intakes, seat reviewers, decide (the incubator's staff).
    public var manage = false
    public init() {}

    /// Whether `actor` may review `application`: a submitted one, not their own organisation's, once.
    public func mayReview(_ application: Application, by actor: Actor) -> Bool {
        review && application.status == .submitted && application.organisationID != actor.organisationID
            && !application.reviews.contains { $0.reviewerID == actor.userID }
    }

    /// Whether the staff may decide `application` (a submitted or waiting one).
    public func mayDecide(_ application: Application) -> Bool { manage && (application.status == .submitted || application.status == .waitlisted) }

    /// Whether the staff may withdraw `application` (an admitted or waiting one).
    public func mayWithdraw(_ application: Application) -> Bool { manage && (application.status == .admitted || application.status == .waitlisted) }
}
