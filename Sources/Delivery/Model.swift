import Core
import Foundation
import PostgresNIO

public enum ContractStatus: String, Codable, Sendable, CaseIterable {
    /// Terms are being written; nothing binds anyone yet.
    case draft
    /// Both parties signed; the line is committed and delivery runs.
    case signed
    case completed
    case terminated
}

/// A contract for one awarded lot (Decree 102 art. 23–24): the parties, the value, the term, the
/// content, and the budget line it commits. Subcontracting is never allowed (the clause is part of
/// every contract, not an option).
public struct Contract: Codable, Sendable, Equatable {
    public var id: UUID
    /// HT-2026-0001
    public var reference: String
    public var awardID: UUID
    public var tenderID: UUID
    public var lotID: UUID
    public var buyerID: UUID
    public var supplierID: UUID
    public var purchaseLineID: UUID
    public var title: String
    public var value: Money
    /// yyyy-MM-dd
    public var startsOn: String
    public var endsOn: String
    public var termJustification: String?
    /// Content, quantity, quality, settlement and liability, as the parties wrote them.
    public var terms: String
    public var status: ContractStatus
    public var buyerSignedBy: UUID?
    public var buyerSignedAt: Date?
    public var supplierSignedBy: UUID?
    public var supplierSignedAt: Date?
    /// When the second signature landed.
    public var signedAt: Date?
    public var publishedAt: Date?
    /// The ledger's commitment of the contract's value (Payments), once signed.
    public var commitmentID: UUID?
    public var closedAt: Date?
    public var closingReason: String?
    public var createdBy: UUID
    public var createdAt: Date
    /// The random part of the survey link handed to the service users.
    public var surveyToken: String?

    /// The days of the term, first and last included (days as `yyyy-MM-dd` compare as text).
    public var term: ClosedRange<String> { startsOn...max(startsOn, endsOn) }

    /// The words every contract carries, whatever its terms say.
    public static let noSubcontractingClause = "The supplier shall deliver the services itself and shall not subcontract them, in whole or in part (no subcontracting)."
    /// Working days after signing by which the contract must be published.
    public static let publicationDays = 2

    /// The moment after which an unpublished signed contract is late (nil: not signed).
    public func publicationDeadline(_ calendar: WorkingCalendar) throws(WorkingCalendar.YearNotHeld) -> Date? {
        guard let signedAt else { return nil }
        return try calendar.close(ofWorkingDay: Self.publicationDays, after: signedAt)
    }

    /// The missed deadline when the contract was published after it, or is still unpublished past it at `now`; nil otherwise.
    public func missedPublicationDeadline(now: Date, calendar: WorkingCalendar) throws(WorkingCalendar.YearNotHeld) -> Date? {
        guard let deadline = try publicationDeadline(calendar), (publishedAt ?? now) > deadline else { return nil }
        return deadline
    }

    public func isParty(_ organisationID: UUID) -> Bool { organisationID == buyerID || organisationID == supplierID }
}

/// What the buyer writes to turn an award into a contract.
public struct ContractInput: Sendable {
    public var awardID: UUID
    public var startsOn: String
    public var endsOn: String
    public var termJustification: String?
    public var terms: String
    public init(awardID: UUID, startsOn: String, endsOn: String, termJustification: String? = nil, terms: String) {
        self.awardID = awardID
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.termJustification = termJustification
        self.terms = terms
    }
}

/// The term rule: at most one year, up to three years only with a written justification.
public enum ContractTerm {
    public static let ordinaryMonths = 12
    public static let longestMonths = 36
    public static let justificationMinimum = 20

    /// Whole months from `start` to the day after `end` (a term 2027-01-01…2027-12-31 is 12 months), or nil for bad days.
    public static func months(from start: String, to end: String) -> Int? {
        guard let first = day(start), let last = day(end), last >= first else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let dayAfter = calendar.date(byAdding: .day, value: 1, to: last)!
        let c = calendar.dateComponents([.month, .day], from: first, to: dayAfter)
        return c.month! + (c.day! > 0 ? 1 : 0)
    }

    static func day(_ text: String) -> Date? {
        guard WorkingCalendar.isDay(text) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }

    /// The problems of a term, field by field.
    public static func check(startsOn: String, endsOn: String, justification: String?, into check: inout Validator) {
        check.check(WorkingCalendar.isDay(startsOn), "startsOn", "must be a day as yyyy-MM-dd")
        check.check(WorkingCalendar.isDay(endsOn), "endsOn", "must be a day as yyyy-MM-dd")
        guard WorkingCalendar.isDay(startsOn) && WorkingCalendar.isDay(endsOn) else { return }
        guard let months = months(from: startsOn, to: endsOn) else {
            check.check(false, "endsOn", "must not be before the start")
            return
        }
        check.check(months <= longestMonths, "endsOn", "makes a term of \(months) months; a contract runs for 3 years at most")
        if months > ordinaryMonths && months <= longestMonths {
            check.check((justification?.trimmingCharacters(in: .whitespacesAndNewlines).count ?? 0) >= justificationMinimum, "termJustification",
                        "a term of \(months) months (over 1 year) needs a written justification of at least \(justificationMinimum) characters")
        }
    }
}

/// What a milestone measures: an outcome with its target and how it is known.
public struct OutcomeMetric: Codable, Sendable, Equatable {
    /// A short code the rate card prices, e.g. "visits".
    public var code: String
    public var definition: String
    public var unit: String
    public var target: Int
    public var dataSource: String
    public var validationMethod: String
    /// When set, the figure comes from the platform's own records of the sites operated under the contract: the
    /// evaluator verifies no more than it, and the payment calculation names it.
    public var platformRecord: PlatformRecord?
    public init(code: String, definition: String, unit: String, target: Int, dataSource: String, validationMethod: String,
                platformRecord: PlatformRecord? = nil) {
        self.code = code
        self.definition = definition
        self.unit = unit
        self.target = target
        self.dataSource = dataSource
        self.validationMethod = validationMethod
        self.platformRecord = platformRecord
    }

    public static func isCode(_ text: String) -> Bool {
        (1...32).contains(text.count) && text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
    }
}

/// A figure the platform itself records about the service sites a contract's supplier operates under it
/// (`grassroots.sites.contract_id`), counted over a milestone's period from the cases whose result came back to the
/// window in it. Percentages are whole per cent, rounded down; with nothing to count they are 0.
public enum PlatformRecord: String, Codable, Sendable, CaseIterable {
    /// Cases settled within their promised limit.
    case casesOnTime = "cases_on_time"
    /// Of the cases settled, the share settled within their limit.
    case onTimePercent = "on_time_percent"
    /// Of the settled cases that residents rated, the share rated satisfied or basically satisfied.
    case satisfiedPercent = "satisfied_percent"

    public var isPercent: Bool { self != .casesOnTime }
}

/// The platform's counts for the sites operated under a contract over a period (first and last day included).
public struct PlatformFigures: Sendable, Equatable, Codable {
    /// yyyy-MM-dd
    public var from: String
    public var through: String
    /// Sites operated under the contract.
    public var sites: Int
    public var settled: Int
    public var onTime: Int
    public var rated: Int
    public var satisfied: Int

    public init(from: String, through: String, sites: Int, settled: Int, onTime: Int, rated: Int, satisfied: Int) {
        self.from = from
        self.through = through
        self.sites = sites
        self.settled = settled
        self.onTime = onTime
        self.rated = rated
        self.satisfied = satisfied
    }

    /// Nothing counted over the period.
    public static func empty(from: String, through: String) -> PlatformFigures {
        PlatformFigures(from: from, through: through, sites: 0, settled: 0, onTime: 0, rated: 0, satisfied: 0)
    }

    public func value(of record: PlatformRecord) -> Int {
        switch record {
        case .casesOnTime: onTime
        case .onTimePercent: Self.percent(onTime, of: settled)
        case .satisfiedPercent: Self.percent(satisfied, of: rated)
        }
    }

    static func percent(_ part: Int, of whole: Int) -> Int { whole > 0 ? Int((Int64(part) * 100) / Int64(whole)) : 0 }
}

/// Where Delivery reads the platform's records of the service network (declared here so that Delivery does not
/// depend on Grassroots), on Delivery's own connection so that a sign-off snapshots what it verified against.
public protocol PlatformRecords: Sendable {
    func figures(contractID: UUID, from: String, through: String, on connection: PostgresConnection) async throws -> PlatformFigures
}

public enum MilestoneStatus: String, Codable, Sendable, CaseIterable {
    case pending
    /// A report waits for sign-off.
    case reported
    /// The evaluator asked for more evidence: the supplier reports again.
    case moreEvidence = "more_evidence"
    case met
    case partiallyMet = "partially_met"
    case notMet = "not_met"

    /// Signed off for good (until a correction).
    public var isFinal: Bool { self == .met || self == .partiallyMet || self == .notMet }
}

public struct Milestone: Codable, Sendable, Equatable {
    public var id: UUID
    public var contractID: UUID
    public var number: Int
    public var title: String
    /// yyyy-MM-dd
    public var dueOn: String
    public var deliverables: String
    /// Share of the contract's payment, in basis points (10000 = 100 %).
    public var shareBasisPoints: Int
    public var metrics: [OutcomeMetric]
    public var status: MilestoneStatus

    /// "30", "12.5" (per cent).
    public var sharePercent: String { Points(hundredths: shareBasisPoints).formatted }
}

public struct MilestoneInput: Sendable {
    public var title: String
    public var dueOn: String
    public var deliverables: String
    /// Per cent with at most two decimals, as hundredths: 3000 = 30 %.
    public var shareBasisPoints: Int
    public var metrics: [OutcomeMetric]
    public init(title: String, dueOn: String, deliverables: String, shareBasisPoints: Int, metrics: [OutcomeMetric]) {
        self.title = title
        self.dueOn = dueOn
        self.deliverables = deliverables
        self.shareBasisPoints = shareBasisPoints
        self.metrics = metrics
    }
}

/// What the supplier says it delivered for a milestone. Never rewritten: a correction is a new version.
public struct Report: Codable, Sendable, Equatable {
    public var id: UUID
    public var milestoneID: UUID
    public var contractID: UUID
    public var version: Int
    /// Quantity per metric code.
    public var results: [String: Int]
    public var beneficiaries: Int
    public var narrative: String
    public var submittedBy: UUID
    public var submittedAt: Date
    public var evidence: [Evidence]
}

/// A file that backs a report, with how and when its facts were obtained.
public struct Evidence: Codable, Sendable, Equatable {
    public var id: UUID
    public var reportID: UUID
    public var filename: String
    public var kind: FileKind
    public var size: Int
    public var sha256: String
    public var obtainedHow: String
    /// yyyy-MM-dd
    public var obtainedOn: String

    public static let maximumSize = 10 * 1024 * 1024
    public static let maximumPerReport = 10
}

public struct EvidenceUpload: Sendable {
    public var filename: String
    public var data: Data
    public var obtainedHow: String
    public var obtainedOn: String
    public init(filename: String, data: Data, obtainedHow: String, obtainedOn: String) {
        self.filename = filename
        self.data = data
        self.obtainedHow = obtainedHow
        self.obtainedOn = obtainedOn
    }
}

public struct ReportInput: Sendable {
    public var results: [String: Int]
    public var beneficiaries: Int
    public var narrative: String
    public var evidence: [EvidenceUpload]
    public init(results: [String: Int], beneficiaries: Int, narrative: String, evidence: [EvidenceUpload]) {
        self.results = results
        self.beneficiaries = beneficiaries
        self.narrative = narrative
        self.evidence = evidence
    }
}

public enum SignOffDecision: String, Codable, Sendable, CaseIterable {
    case met
    case partiallyMet = "partially_met"
    case notMet = "not_met"
    case moreEvidence = "more_evidence"

    var milestoneStatus: MilestoneStatus {
        switch self {
        case .met: .met
        case .partiallyMet: .partiallyMet
        case .notMet: .notMet
        case .moreEvidence: .moreEvidence
        }
    }
}

/// An independent evaluator's verification of a report: the quantity verified for each metric and
/// the decision with reasons. A second evaluator countersigns when the amount it makes payable is large.
public struct SignOff: Codable, Sendable, Equatable {
    public var id: UUID
    public var milestoneID: UUID
    public var reportID: UUID
    public var contractID: UUID
    public var decision: SignOffDecision
    public var verified: [String: Int]
    public var verifiedBeneficiaries: Int
    public var reasons: String
    public var evaluatorID: UUID
    public var evaluatorName: String
    public var signedAt: Date
    public var countersignRequired: Bool
    public var countersignedBy: UUID?
    public var countersignerName: String?
    public var countersignedAt: Date?
    /// The earlier sign-off this one corrects.
    public var supersedes: UUID?
    /// The platform's figure for each metric that takes one, as it stood when this was signed.
    public var platformFigures: [String: Int] = [:]

    /// Counts toward payment: a decision, countersigned where it had to be.
    public var isFinal: Bool { decision != .moreEvidence && (!countersignRequired || countersignedAt != nil) }
}

public struct SignOffInput: Sendable {
    public var decision: SignOffDecision
    public var verified: [String: Int]
    public var verifiedBeneficiaries: Int
    public var reasons: String
    public init(decision: SignOffDecision, verified: [String: Int], verifiedBeneficiaries: Int, reasons: String) {
        self.decision = decision
        self.verified = verified
        self.verifiedBeneficiaries = verifiedBeneficiaries
        self.reasons = reasons
    }
}

/// A milestone as payment sees it: its share, its final decision and what was verified.
public struct MilestoneOutcome: Sendable, Equatable {
    public var number: Int
    public var shareBasisPoints: Int
    /// Nil until a final sign-off.
    public var decision: SignOffDecision?
    public var targets: [String: Int]
    public var verified: [String: Int]
    public var verifiedBeneficiaries: Int
    /// The platform's figure the sign-off was made against, for the metrics that take one: no more is paid.
    public var platformFigures: [String: Int]
    public init(number: Int, shareBasisPoints: Int, decision: SignOffDecision?, targets: [String: Int], verified: [String: Int], verifiedBeneficiaries: Int,
                platformFigures: [String: Int] = [:]) {
        self.number = number
        self.shareBasisPoints = shareBasisPoints
        self.decision = decision
        self.targets = targets
        self.verified = verified
        self.verifiedBeneficiaries = verifiedBeneficiaries
        self.platformFigures = platformFigures
    }
}

/// Everything about a contract that the asking actor may see.
public struct ContractFile: Sendable {
    public var contract: Contract
    public var milestones: [Milestone]
    /// Reports, newest version first per milestone (parties, evaluators and overseers only).
    public var reports: [Report]
    public var signOffs: [SignOff]
    /// The institutions engaged to evaluate it, the open one last, with their assigned evaluators.
    public var engagements: [Engagement] = []
    /// The platform's figures over each milestone's period, for milestones with a metric that takes one (readers of the records only).
    public var platformFigures: [UUID: PlatformFigures] = [:]
    /// What the reader may do with it next.
    public var may = ContractActions()
}

/// What a reader may do with a contract, decided by the policy on the contract's resource (its buyer,
/// supplier, jurisdiction and assigned evaluators), for the page and the API alike.
public struct ContractActions: Sendable, Equatable, Codable {
    /// The buyer's staff: terms, milestones, signing for the buyer, publishing, engaging an institution, claims, termination.
    public var manage = false
    /// The supplier's staff: signing for the supplier, reports, claims.
    public var deliver = false
    /// An evaluator assigned to it and independent of both parties: sign-offs, countersignatures, grades.
    public var signOff = false
    /// Reports, evidence and sign-offs.
    public var readRecords = false
    /// Hand out the service users' survey link and its QR code (staff of either party, once signed).
    public var shareSurvey = false

    public init() {}
}

/// An alert on a contract: signed but not published within two working days.
public struct DeliveryAlert: Sendable, Equatable {
    public var contractID: UUID
    public var reference: String
    public var buyerID: UUID
    public var signedAt: Date
    public var deadline: Date
}

/// What Payments does for Delivery, inside Delivery's own transaction: the money side of signing,
/// sign-off and termination. Declared here so that Delivery does not depend on Payments.
public protocol ContractFunding: Sendable {
    /// Refuses signing while the money terms are incomplete (no rate card, a metric without a price).
    func checkReady(_ contract: Contract, milestones: [Milestone], on connection: PostgresConnection) async throws
    /// Commits the contract's maximum on its budget line once both parties signed; refused when the line lacks it.
    func fund(_ contract: Contract, by actor: Actor, on connection: PostgresConnection) async throws -> UUID
    /// What would be payable now with these outcomes (for the countersign threshold).
    func payable(_ contract: Contract, outcomes: [MilestoneOutcome], on connection: PostgresConnection) async throws -> Money
    /// After a final sign-off: a correction that lowers what was earned below what was claimed opens a recovery.
    func settle(_ contract: Contract, outcomes: [MilestoneOutcome], signOff: SignOff, by actor: Actor, on connection: PostgresConnection) async throws
    /// Refuses closing a contract whose money is not settled: a claim open, something payable or to recover.
    func checkSettled(_ contract: Contract, on connection: PostgresConnection) async throws
    /// Gives back what the contract has not paid; returns what was paid.
    func release(_ contract: Contract, by actor: Actor, on connection: PostgresConnection) async throws -> Money
}

/// What a list of contracts may be narrowed to (every filter optional).
public struct ContractFilter: Sendable, Equatable {
    public var status: ContractStatus?
    public var tenderID: UUID?
    public var supplierID: UUID?
    /// The budget year: the year of the purchase line the contract spends.
    public var year: Int?
    public init(status: ContractStatus? = nil, tenderID: UUID? = nil, supplierID: UUID? = nil, year: Int? = nil) {
        self.status = status
        self.tenderID = tenderID
        self.supplierID = supplierID
        self.year = year
    }
}
