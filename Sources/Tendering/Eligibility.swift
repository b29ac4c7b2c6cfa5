import Core
import Foundation
import Identity

/// Where an organisation stands in the incubation pipeline. The incubation module provides the real
/// records; until it exists every organisation is in no stage, so reserved tenders accept nobody.
public protocol IncubationRecords: Sendable {
    func stage(of organisationID: UUID) async throws -> IncubationStage?
}

public struct NoIncubationRecords: IncubationRecords {
    public init() {}
    public func stage(of organisationID: UUID) async throws -> IncubationStage? { nil }
}

/// What the eligibility rules read about a would-be bidder at bid time.
public struct SupplierFacts: Sendable {
    public var standing: Standing
    public var stage: IncubationStage?
    public init(standing: Standing, stage: IncubationStage?) {
        self.standing = standing
        self.stage = stage
    }
}

extension Tender {
    /// The first rule `facts` fails, named by its field in the tender's terms; nil when it may bid.
    /// `today` is the day of the bid in Beijing (yyyy-MM-dd).
    public func eligibilityProblem(_ facts: SupplierFacts, today: String) -> FieldError? {
        let organisation = facts.standing.organisation
        let name = organisation.nameZh
        guard organisation.kind == .socialOrganisation else {
            return FieldError("eligibility.kind", "only social organisations may bid; \(name) is not one")
        }
        guard organisation.status == .approved else {
            return FieldError("eligibility.approved", "only organisations approved by their registration authority may bid; \(name) is \(organisation.status)")
        }
        if let listing = facts.standing.violations.first(where: { $0.kind == .seriousDishonesty && $0.inForce(on: today) }) {
            return FieldError("eligibility.violations", listing.endsOn.map { "\(name) is on the list of seriously dishonest organisations from \(listing.occurredOn) to \($0)" }
                              ?? "\(name) is on the list of seriously dishonest organisations since \(listing.occurredOn)")
        }
        guard organisation.creditCode != nil else {
            return FieldError("eligibility.registered", "only registered organisations may bid; \(name) has no unified social credit code yet")
        }
        if terms.procedure != .open && !terms.invitedSuppliers.contains(organisation.id) {
            return FieldError("invitedSuppliers", terms.procedure == .invited
                              ? "this tender is by invitation and \(name) was not invited"
                              : "this single-source tender names another organisation")
        }
        if let minimum = terms.eligibility.minimumRating {
            guard let rating = facts.standing.rating else {
                return FieldError("eligibility.minimumRating", "needs a rating of at least \(minimum)A; \(name) has no rating")
            }
            if rating.expiresOn < today {
                return FieldError("eligibility.minimumRating", "needs an unexpired rating of at least \(minimum)A; the \(rating.label) rating of \(name) expired on \(rating.expiresOn)")
            }
            if rating.level < minimum {
                return FieldError("eligibility.minimumRating", "needs a rating of at least \(minimum)A; \(name) is rated \(rating.label)")
            }
        }
        let threeYearsAgo = String(format: "%04d", (Int(today.prefix(4)) ?? 0) - 3) + today.dropFirst(4)
        if let violation = facts.standing.violations.first(where: { $0.severity == .major && $0.occurredOn > threeYearsAgo }) {
            return FieldError("eligibility.violations", "a major violation of \(name) was recorded on \(violation.occurredOn), within the last 3 years")
        }
        let stages = terms.eligibility.reservedForStages
        if !stages.isEmpty && !(facts.stage.map(stages.contains) ?? false) {
            let reserved = Message.joined(stages.map { Message("\($0)") }, separator: "/")
            return FieldError("eligibility.reservedForStages", facts.stage.map { "this tender is reserved for organisations at the \(reserved) stage; \(name) is at the \($0) stage" }
                              ?? "this tender is reserved for organisations at the \(reserved) stage; \(name) is at no stage")
        }
        return nil
    }
}
