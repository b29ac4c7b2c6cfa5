import Core
import Crypto
import Foundation
import Store

/// A rating of the civil-affairs assessment (社会组织评估等级): 1A–5A, valid five years (MCA Order 39 of 2010).
public struct Rating: Codable, Sendable, Equatable {
    public var level: Int
    /// Days as `yyyy-MM-dd` (Beijing): a rating is a dated certificate, not an instant.
    public var awardedOn: String
    public var expiresOn: String
    /// The assessment's score out of 1,000 (3A needs at least 851, DOMAIN §2); nil for ratings recorded before it was kept.
    public var points: Int?
    /// The third-party institution that assessed the organisation.
    public var assessedBy: String
    /// The certificate's or decision's number (文号).
    public var document: String
    /// Why it was last corrected; empty when never.
    public var correction: String
    /// The assessment certificate as uploaded, if it was.
    public var file: StandingDocument?
    public init(level: Int, awardedOn: String, expiresOn: String, points: Int? = nil, assessedBy: String = "", document: String = "",
                correction: String = "", file: StandingDocument? = nil) {
        self.level = level
        self.awardedOn = awardedOn
        self.expiresOn = expiresOn
        self.points = points
        self.assessedBy = assessedBy
        self.document = document
        self.correction = correction
        self.file = file
    }
    public var label: String { "\(level)A" }
}

/// The document behind a rating or a sanction (the assessment certificate, the penalty decision, the listing notice) as
/// the registrar uploaded it: public with the record; its bytes are read apart (`standingDocument`).
public struct StandingDocument: Codable, Sendable, Equatable {
    public var id: UUID
    public var kind: FileKind
    public var name: String
    public var sha256: String
    public var size: Int
    public init(id: UUID, kind: FileKind, name: String, sha256: String, size: Int) {
        self.id = id
        self.kind = kind
        self.name = name
        self.sha256 = sha256
        self.size = size
    }
}

/// A file as a form or a request sent it.
public struct Upload: Sendable {
    public var data: Data
    public var name: String?
    public init(data: Data, name: String?) {
        self.data = data
        self.name = name
    }
}

/// The lists and penalties the registration authority keeps (DOMAIN §7).
public enum SanctionKind: String, Codable, Sendable, CaseIterable, Termed {
    /// 行政处罚
    case administrativePenalty = "administrative_penalty"
    /// 活动异常名录
    case abnormalActivities = "abnormal_activities"
    /// 严重违法失信名单: no bidding while it lasts.
    case seriousDishonesty = "serious_dishonesty"
    public static var termKey: String { "sanction_" }
}

/// A sanction recorded against an organisation (kept under its old name, a violation): an administrative penalty or a
/// listing, from its source document, for a period that may end.
public struct Violation: Codable, Sendable, Equatable {
    public enum Severity: String, Codable, Sendable, CaseIterable { case major, minor }
    public var id: UUID
    public var severity: Severity
    public var occurredOn: String
    public var description: String
    public var kind: SanctionKind = .administrativePenalty
    /// The decision that imposed it (文号), as the bureau cites it.
    public var source: String = ""
    /// The day a listing ends (移出名单), inclusive; nil while it lasts.
    public var endsOn: String? = nil
    /// Why it was last corrected; empty when never.
    public var correction: String = ""
    /// The decision or notice as uploaded, if it was.
    public var file: StandingDocument? = nil

    public init(id: UUID, severity: Severity, occurredOn: String, description: String, kind: SanctionKind = .administrativePenalty,
                source: String = "", endsOn: String? = nil, correction: String = "", file: StandingDocument? = nil) {
        self.id = id
        self.severity = severity
        self.occurredOn = occurredOn
        self.description = description
        self.kind = kind
        self.source = source
        self.endsOn = endsOn
        self.correction = correction
        self.file = file
    }

    /// Whether it is in force on `day` (yyyy-MM-dd).
    public func inForce(on day: String) -> Bool { occurredOn <= day && (endsOn.map { day <= $0 } ?? true) }
}

/// What eligibility rules read about an organisation.
public struct Standing: Sendable, Equatable {
    public var organisation: Organisation
    /// The most recently awarded rating, expired or not.
    public var rating: Rating?
    public var violations: [Violation]
}

/// A rating as the registrar records it.
public struct NewRating: Sendable {
    public var level: Int
    public var points: Int?
    public var awardedOn: String
    public var assessedBy: String
    public var document: String
    /// The assessment certificate, optional.
    public var file: Upload?
    public init(level: Int, points: Int? = nil, awardedOn: String, assessedBy: String = "", document: String = "", file: Upload? = nil) {
        self.level = level
        self.points = points
        self.awardedOn = awardedOn
        self.assessedBy = assessedBy
        self.document = document
        self.file = file
    }
}

/// A sanction as the registrar records it. The severity defaults by kind: a penalty or a dishonesty listing is major.
public struct NewSanction: Sendable {
    public var kind: SanctionKind
    public var severity: Violation.Severity?
    public var occurredOn: String
    public var endsOn: String?
    public var source: String
    public var description: String
    /// The decision or notice, optional.
    public var file: Upload?
    public init(kind: SanctionKind, severity: Violation.Severity? = nil, occurredOn: String, endsOn: String? = nil, source: String, description: String,
                file: Upload? = nil) {
        self.kind = kind
        self.severity = severity
        self.occurredOn = occurredOn
        self.endsOn = endsOn
        self.source = source
        self.description = description
        self.file = file
    }
}

/// A correction: the fields to change (nil keeps them) and, always, why.
public struct StandingCorrection: Sendable {
    public var level: Int?
    public var points: Int?
    public var assessedBy: String?
    public var document: String?
    public var kind: SanctionKind?
    public var severity: Violation.Severity?
    /// For a sanction: a day ends it, an empty text makes it last again.
    public var endsOn: String?
    public var source: String?
    public var description: String?
    /// A new scan of the document; the one it replaces stays downloadable, as the audit trail names it.
    public var file: Upload?
    public var reason: String
    public init(level: Int? = nil, points: Int? = nil, assessedBy: String? = nil, document: String? = nil, kind: SanctionKind? = nil,
                severity: Violation.Severity? = nil, endsOn: String? = nil, source: String? = nil, description: String? = nil,
                file: Upload? = nil, reason: String) {
        self.level = level
        self.points = points
        self.assessedBy = assessedBy
        self.document = document
        self.kind = kind
        self.severity = severity
        self.endsOn = endsOn
        self.source = source
        self.description = description
        self.file = file
        self.reason = reason
    }
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

    /// Records a rating the bureau awarded on `awardedOn`; it expires five years later.
    public func recordRating(by actor: Actor, organisationID: UUID, _ input: NewRating) async throws -> Rating {
        try Policy.authorize(actor, .recordStanding, try await resource(of: organisationID))
        return try await writeRating(by: actor, organisationID: organisationID, input)
    }

    /// A bureau's historical rating, loaded by the platform from the command line (the demo seed, benchmarks): no request
    /// reaches this, so the policy is not asked; the audit trail names the platform.
    public func loadRating(organisationID: UUID, _ input: NewRating) async throws -> Rating {
        try await writeRating(by: .system, organisationID: organisationID, input)
    }

    func writeRating(by actor: Actor, organisationID: UUID, _ input: NewRating) async throws -> Rating {
        var check = Validator()
        check.check((1...5).contains(input.level), "level", "must be 1 to 5 (1A to 5A)")
        if let points = input.points {
            check.check((0...1000).contains(points), "points", "must be 0 to 1000")
            check.check(input.level < 3 || points >= 851, "points", "a rating of 3A or more needs at least 851 points")
        }
        let today = WorkingCalendar().dayKey(clock.now())
        check.check(Self.plausibleDay(input.awardedOn), "awardedOn", "must be a day as yyyy-MM-dd, from 1990 on")
        check.check(input.awardedOn <= today, "awardedOn", "is after today")
        let assessedBy = check.text(input.assessedBy, "assessedBy", required: false)
        let document = check.text(input.document, "document", required: false)
        let file = Self.standingFile(input.file, fallback: "rating", at: clock.now(), &check)
        try check.finish()
        let parts = input.awardedOn.split(separator: "-").compactMap { Int($0) }
        // Five years on; a rating awarded on 29 February expires on 28 February.
        let day = parts[1] == 2 && parts[2] == 29 ? 28 : parts[2]
        let rating = Rating(level: input.level, awardedOn: input.awardedOn, expiresOn: String(format: "%04d-%02d-%02d", parts[0] + 5, parts[1], day),
                            points: input.points, assessedBy: assessedBy, document: document, file: file?.summary)
        return try await database.transaction { connection in
            let store = IdentityStore(connection: connection, logger: database.logger)
            // One writer of an organisation's standing at a time: the duplicate check below holds under parallel requests.
            _ = try await store.organisation(id: organisationID, forUpdate: true)
            if try await store.ratings(of: organisationID).contains(where: { $0.awardedOn == input.awardedOn }) {
                throw DomainError.conflict("a rating awarded on \(input.awardedOn) is recorded already")
            }
            try await store.insert(rating, of: organisationID, at: clock.now())
            if let file { try await store.insertDocument(file.summary, file.data, of: organisationID, ratingOn: rating.awardedOn, by: actor.userID, at: clock.now()) }
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "organisation.rated",
                                      entity: AuditEntity("organisation", organisationID), before: nil as Rating?, after: rating, at: clock.now())
            return rating
        }
    }

    /// Corrects a recorded rating (its level, points, institution, document number or scan), with the reason; the day it
    /// was awarded is its identity and stays.
    public func correctRating(by actor: Actor, organisationID: UUID, awardedOn: String, _ change: StandingCorrection) async throws -> Rating {
        try Policy.authorize(actor, .recordStanding, try await resource(of: organisationID))
        var check = Validator()
        let reason = check.text(change.reason, "reason", max: 2000)
        if let level = change.level { check.check((1...5).contains(level), "level", "must be 1 to 5 (1A to 5A)") }
        if let points = change.points { check.check((0...1000).contains(points), "points", "must be 0 to 1000") }
        let assessedBy = change.assessedBy.map { check.text($0, "assessedBy", required: false) }
        let document = change.document.map { check.text($0, "document", required: false) }
        let file = Self.standingFile(change.file, fallback: "rating", at: clock.now(), &check)
        try check.finish()
        return try await database.transaction { connection in
            let store = IdentityStore(connection: connection, logger: database.logger)
            _ = try await store.organisation(id: organisationID, forUpdate: true)
            guard let before = try await store.ratings(of: organisationID).first(where: { $0.awardedOn == awardedOn }) else {
                throw DomainError.notFound("this organisation has no rating awarded on \(awardedOn)")
            }
            var after = before
            if let level = change.level { after.level = level }
            if let points = change.points { after.points = points }
            if let assessedBy { after.assessedBy = assessedBy }
            if let document { after.document = document }
            if let points = after.points, after.level >= 3, points < 851 {
                throw DomainError.invalid([FieldError("points", "a rating of 3A or more needs at least 851 points")])
            }
            after.correction = reason
            try await store.correct(after, of: organisationID, at: clock.now())
            if let file {
                try await store.replaceDocument(of: organisationID, ratingOn: awardedOn, at: clock.now())
                try await store.insertDocument(file.summary, file.data, of: organisationID, ratingOn: awardedOn, by: actor.userID, at: clock.now())
                after.file = file.summary
            }
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "organisation.rating_corrected",
                                      entity: AuditEntity("organisation", organisationID), before: before, after: after, at: clock.now())
            return after
        }
    }

    /// Records a sanction: a penalty, or a listing that lasts until its end day (or until the bureau ends it).
    public func recordSanction(by actor: Actor, organisationID: UUID, _ input: NewSanction) async throws -> Violation {
        try Policy.authorize(actor, .recordStanding, try await resource(of: organisationID))
        return try await writeSanction(by: actor, organisationID: organisationID, input)
    }

    /// A bureau's historical sanction, loaded by the platform from the command line (the demo seed): no request reaches
    /// this, so the policy is not asked; the audit trail names the platform.
    public func loadSanction(organisationID: UUID, _ input: NewSanction) async throws -> Violation {
        try await writeSanction(by: .system, organisationID: organisationID, input)
    }

    private func writeSanction(by actor: Actor, organisationID: UUID, _ input: NewSanction) async throws -> Violation {
        var check = Validator()
        let today = WorkingCalendar().dayKey(clock.now())
        check.check(Self.plausibleDay(input.occurredOn), "occurredOn", "must be a day as yyyy-MM-dd, from 1990 on")
        check.check(input.occurredOn <= today, "occurredOn", "is after today")
        let endsOn = input.endsOn.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        if let endsOn {
            check.check(Self.plausibleDay(endsOn), "endsOn", "must be a day as yyyy-MM-dd, from 1990 on")
            check.check(endsOn >= input.occurredOn, "endsOn", "is before the sanction began")
        }
        let source = check.text(input.source, "source", required: false)
        let description = check.text(input.description, "description", max: 2000)
        let file = Self.standingFile(input.file, fallback: "sanction", at: clock.now(), &check)
        try check.finish()
        let severity = input.severity ?? (input.kind == .abnormalActivities ? .minor : .major)
        let violation = Violation(id: UUID.v7(at: clock.now()), severity: severity, occurredOn: input.occurredOn, description: description,
                                  kind: input.kind, source: source, endsOn: endsOn, file: file?.summary)
        return try await database.transaction { connection in
            let store = IdentityStore(connection: connection, logger: database.logger)
            _ = try await store.organisation(id: organisationID, forUpdate: true)
            try await store.insert(violation, of: organisationID, at: clock.now())
            if let file { try await store.insertDocument(file.summary, file.data, of: organisationID, violationID: violation.id, by: actor.userID, at: clock.now()) }
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "organisation.violation_recorded",
                                      entity: AuditEntity("organisation", organisationID), before: nil as Violation?, after: violation, at: clock.now())
            return violation
        }
    }

    /// Corrects a sanction (its kind, severity, source, description, scan, or its end: a listing lifted), with the reason.
    public func correctSanction(by actor: Actor, organisationID: UUID, sanctionID: UUID, _ change: StandingCorrection) async throws -> Violation {
        try Policy.authorize(actor, .recordStanding, try await resource(of: organisationID))
        var check = Validator()
        let reason = check.text(change.reason, "reason", max: 2000)
        let endsOn = change.endsOn.map { $0.trimmingCharacters(in: .whitespaces) }
        if let endsOn, !endsOn.isEmpty { check.check(Self.plausibleDay(endsOn), "endsOn", "must be a day as yyyy-MM-dd, from 1990 on") }
        let source = change.source.map { check.text($0, "source", required: false) }
        let description = change.description.map { check.text($0, "description", max: 2000) }
        let file = Self.standingFile(change.file, fallback: "sanction", at: clock.now(), &check)
        try check.finish()
        return try await database.transaction { connection in
            let store = IdentityStore(connection: connection, logger: database.logger)
            _ = try await store.organisation(id: organisationID, forUpdate: true)
            guard let before = try await store.violations(of: organisationID, id: sanctionID).first else {
                throw DomainError.notFound("this organisation has no sanction \(sanctionID.lowercased)")
            }
            var after = before
            if let kind = change.kind { after.kind = kind }
            if let severity = change.severity { after.severity = severity }
            if let endsOn { after.endsOn = endsOn.isEmpty ? nil : endsOn }
            if let source { after.source = source }
            if let description { after.description = description }
            if let end = after.endsOn, end < after.occurredOn {
                throw DomainError.invalid([FieldError("endsOn", "is before the sanction began")])
            }
            after.correction = reason
            try await store.correct(after, at: clock.now())
            if let file {
                try await store.replaceDocument(of: organisationID, violationID: sanctionID, at: clock.now())
                try await store.insertDocument(file.summary, file.data, of: organisationID, violationID: sanctionID, by: actor.userID, at: clock.now())
                after.file = file.summary
            }
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "organisation.violation_corrected",
                                      entity: AuditEntity("organisation", organisationID), before: before, after: after, at: clock.now())
            return after
        }
    }

    /// An uploaded standing document checked as a certificate is (size, kind by its bytes); nil when none was sent.
    static func standingFile(_ sent: Upload?, fallback: String, at date: Date, _ check: inout Validator) -> (summary: StandingDocument, data: Data)? {
        guard let sent, !sent.data.isEmpty,
              let file = upload(sent.data, name: sent.name, field: "file", fallback: fallback, &check) else { return nil }
        return (StandingDocument(id: UUID.v7(at: date), kind: file.kind, name: file.name, sha256: file.sha256, size: sent.data.count), sent.data)
    }

    /// A standing document's bytes, public as the record is; `organisationID` must be its organisation's (a document of
    /// another is not found), and the bytes must match the digest taken when it was uploaded.
    public func standingDocument(_ documentID: UUID, of organisationID: UUID, by actor: Actor?) async throws -> (StandingDocument, Data) {
        try Policy.authorize(actor, .readOrganisation, try await resource(of: organisationID))
        guard let (summary, data) = try await database.read({ try await IdentityStore(connection: $0, logger: database.logger)
            .document(documentID, of: organisationID) }) else {
            throw DomainError.notFound("this organisation has no such document")
        }
        guard Data(SHA256.hash(data: data)).hexString == summary.sha256 else {
            throw DomainError.conflict("the stored document does not match the digest taken when it was uploaded")
        }
        return (summary, data)
    }

    /// Today in Beijing (yyyy-MM-dd) by the service's clock: what a rating's expiry and a listing's end are read against.
    public func today() -> String { WorkingCalendar().dayKey(clock.now()) }

    /// A calendar day the database can hold and a register can mean: yyyy-MM-dd from 1990 to 2199.
    static func plausibleDay(_ text: String) -> Bool {
        WorkingCalendar.isDay(text) && text >= "1990-01-01" && text <= "2199-12-31"
    }
}

/// An organisation's whole standing record: every rating, newest first (the first counts while unexpired),
/// and every recorded sanction, newest first.
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
