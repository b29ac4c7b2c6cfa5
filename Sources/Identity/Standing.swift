import Core
import Foundation
import Store

/// A rating of the civil-affairs assessment (社会组织评估等级): 1A–5A, valid five years.
public struct Rating: Codable, Sendable, Equatable {
    public var level: Int
    /// Days as `yyyy-MM-dd` (Beijing): a rating is a dated certificate, not an instant.
    public var awardedOn: String
    public var expiresOn: String
    public init(level: Int, awardedOn: String, expiresOn: String) {
        self.level = level
        self.awardedOn = awardedOn
        self.expiresOn = expiresOn
    }
    public var label: String { "\(level)A" }
}

/// A violation recorded against an organisation (administrative penalty, abnormal-activity listing…).
public struct Violation: Codable, Sendable, Equatable {
    public enum Severity: String, Codable, Sendable, CaseIterable { case major, minor }
    public var id: UUID
    public var severity: Severity
    public var occurredOn: String
    public var description: String
}

/// What eligibility rules read about an organisation.
public struct Standing: Sendable, Equatable {
    public var organisation: Organisation
    /// The most recently awarded rating, expired or not.
    public var rating: Rating?
    public var violations: [Violation]
}

extension IdentityService {
    public func standing(of organisationID: UUID) async throws -> Standing {
        let organisation = try await organisation(id: organisationID)
        return try await database.read { connection in
            let store = IdentityStore(connection: connection, logger: database.logger)
            return Standing(organisation: organisation, rating: try await store.ratings(of: organisationID).first,
                            violations: try await store.violations(of: organisationID))
        }
    }

    /// Records a rating awarded on `awardedOn` (yyyy-MM-dd); it expires five years later.
    public func recordRating(by actor: Actor, organisationID: UUID, level: Int, awardedOn: String) async throws -> Rating {
        try Policy.authorize(actor, .recordStanding, try await resource(of: organisationID))
        var check = Validator()
        check.check((1...5).contains(level), "level", "must be 1 to 5 (1A to 5A)")
        let parts = awardedOn.split(separator: "-").compactMap { Int($0) }
        check.check(WorkingCalendar.isDay(awardedOn), "awardedOn", "must be a day as yyyy-MM-dd")
        try check.finish()
        // Five years on; a rating awarded on 29 February expires on 28 February.
        let day = parts[1] == 2 && parts[2] == 29 ? 28 : parts[2]
        let rating = Rating(level: level, awardedOn: awardedOn, expiresOn: String(format: "%04d-%02d-%02d", parts[0] + 5, parts[1], day))
        return try await database.transaction { connection in
            let store = IdentityStore(connection: connection, logger: database.logger)
            if try await store.ratings(of: organisationID).contains(where: { $0.awardedOn == awardedOn }) {
                throw DomainError.conflict("a rating awarded on \(awardedOn) is recorded already")
            }
            try await store.insert(rating, of: organisationID, at: clock.now())
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "organisation.rated",
                                      entity: AuditEntity("organisation", organisationID), before: nil as Rating?, after: rating, at: clock.now())
            return rating
        }
    }

    public func recordViolation(by actor: Actor, organisationID: UUID, severity: Violation.Severity, occurredOn: String,
                                description: String) async throws -> Violation {
        try Policy.authorize(actor, .recordStanding, try await resource(of: organisationID))
        var check = Validator()
        check.check(WorkingCalendar.isDay(occurredOn), "occurredOn", "must be a day as yyyy-MM-dd")
        let text = check.text(description, "description", max: 2000)
        try check.finish()
        let violation = Violation(id: UUID.v7(at: clock.now()), severity: severity, occurredOn: occurredOn, description: text)
        return try await database.transaction { connection in
            try await IdentityStore(connection: connection, logger: database.logger).insert(violation, of: organisationID, at: clock.now())
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "organisation.violation_recorded",
                                      entity: AuditEntity("organisation", organisationID), before: nil as Violation?, after: violation, at: clock.now())
            return violation
        }
    }
}

/// An organisation's whole standing record: every rating, newest first (the first counts while unexpired),
/// and every recorded violation, newest first.
public struct StandingRecord: Sendable, Equatable {
    public var organisationID: UUID
    public var ratings: [Rating]
    public var violations: [Violation]
}

extension IdentityService {
    /// The standing record, public as DOMAIN.md §7 says (the policy allows every reader of organisations).
    public func standingRecord(of organisationID: UUID, by actor: Actor?) async throws -> StandingRecord {
        try Policy.authorize(actor, .readOrganisation, try await resource(of: organisationID))
        return try await database.read { connection in
            let store = IdentityStore(connection: connection, logger: database.logger)
            return StandingRecord(organisationID: organisationID, ratings: try await store.ratings(of: organisationID),
                                  violations: try await store.violations(of: organisationID))
        }
    }
}
