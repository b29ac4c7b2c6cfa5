import Core
import Foundation
import Identity

/// One rule of a stage, written as data the incubator's staff edit. Each is checked against the
/// organisation's real record, never a box someone ticks.
public enum StageRule: Codable, Sendable, Equatable {
    /// Registered with the civil-affairs bureau (a unified social credit code on record).
    case registered
    /// A rating of at least this level (3 for 3A), unexpired.
    case minimumRating(Int)
    /// No major violation recorded in this many years.
    case noMajorViolation(years: Int)
    /// At least this many contracts delivered with at least this grade (优 > 良 > 中 > 差).
    case contractsDelivered(count: Int, minimumGrade: String)
    /// At least this many months in the current stage (a graduation rule).
    case monthsInStage(Int)

    /// The grades of a delivered contract, best first (绩效评价等级).
    public static let grades = ["优", "良", "中", "差"]

    private enum CodingKeys: String, CodingKey { case kind, level, years, count, minimumGrade, months }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "registered": self = .registered
        case "minimum_rating": self = .minimumRating(try c.decode(Int.self, forKey: .level))
        case "no_major_violation": self = .noMajorViolation(years: try c.decode(Int.self, forKey: .years))
        case "contracts_delivered":
            self = .contractsDelivered(count: try c.decode(Int.self, forKey: .count), minimumGrade: try c.decode(String.self, forKey: .minimumGrade))
        case "months_in_stage": self = .monthsInStage(try c.decode(Int.self, forKey: .months))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown rule kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .registered: break
        case .minimumRating(let level): try c.encode(level, forKey: .level)
        case .noMajorViolation(let years): try c.encode(years, forKey: .years)
        case .contractsDelivered(let count, let grade):
            try c.encode(count, forKey: .count)
            try c.encode(grade, forKey: .minimumGrade)
        case .monthsInStage(let months): try c.encode(months, forKey: .months)
        }
    }

    public var kind: String {
        switch self {
        case .registered: "registered"
        case .minimumRating: "minimum_rating"
        case .noMajorViolation: "no_major_violation"
        case .contractsDelivered: "contracts_delivered"
        case .monthsInStage: "months_in_stage"
        }
    }

    /// What is wrong with the rule's numbers, for the staff's editor.
    public func problem(_ field: String) -> FieldError? {
        switch self {
        case .registered: nil
        case .minimumRating(let level): (1...5).contains(level) ? nil : FieldError(field, "a rating level is 1 to 5 (1A to 5A)")
        case .noMajorViolation(let years): (1...10).contains(years) ? nil : FieldError(field, "years must be 1 to 10")
        case .contractsDelivered(let count, let grade):
            !(1...100).contains(count) ? FieldError(field, "count must be 1 to 100")
                : Self.grades.contains(grade) ? nil : FieldError(field, "the grade must be one of \(Self.grades.joined(separator: ", "))")
        case .monthsInStage(let months): (1...120).contains(months) ? nil : FieldError(field, "months must be 1 to 120")
        }
    }
}

/// A stage's entry rules, graduation rules and maximum stay, as the incubator's staff set them.
public struct StagePolicy: Codable, Sendable, Equatable {
    public var stage: IncubationStage
    public var entryRules: [StageRule]
    public var graduationRules: [StageRule]
    /// Months an organisation may stay before an overstay alert.
    public var maximumStayMonths: Int
    public var updatedAt: Date?

    public init(stage: IncubationStage, entryRules: [StageRule], graduationRules: [StageRule], maximumStayMonths: Int, updatedAt: Date? = nil) {
        self.stage = stage
        self.entryRules = entryRules
        self.graduationRules = graduationRules
        self.maximumStayMonths = maximumStayMonths
        self.updatedAt = updatedAt
    }

    public var problems: [FieldError] {
        var check = Validator()
        check.check((1...120).contains(maximumStayMonths), "maximumStayMonths", "must be 1 to 120 months")
        check.check(entryRules.count <= 10 && graduationRules.count <= 10, "rules", "at most 10 rules of each kind")
        var errors = check.errors
        errors += entryRules.enumerated().compactMap { $0.element.problem("entryRules[\($0.offset)]") }
        errors += graduationRules.enumerated().compactMap { $0.element.problem("graduationRules[\($0.offset)]") }
        return errors
    }
}

/// A fact about an organisation, kept as a key and its values so each page can say it in its own
/// language (`finding_<key>` in the locales, `{0}`… for the values); `english` is the API's wording.
public struct Finding: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case stage(IncubationStage)
    }
    public var key: String
    public var values: [Value]
    public var english: String
    public init(_ key: String, _ values: [Value] = [], english: String) {
        self.key = key
        self.values = values
        self.english = english
    }

    /// The finding as a message: `finding_<key>` of the page locales, in the reader's language.
    public var message: Message {
        let values: [Message.Argument] = values.map {
            switch $0 {
            case .text(let text): .text(text)
            case .stage(let stage): .term(Term("stage_\(stage.rawValue)", english: stage.rawValue))
            }
        }
        return Message(template: "%@", arguments: [.phrase(key: "finding_\(key)", values: values, english: english)])
    }
}

/// Whether one rule holds for an organisation now, and why, in words staff and the organisation read.
public struct RuleCheck: Sendable, Equatable {
    /// "entry" (of the stage being entered) or "graduation" (from the stage being left).
    public var side: String
    public var rule: StageRule
    public var met: Bool
    public var finding: Finding
    public var detail: String { finding.english }
}

/// A stay of an organisation in a stage: from its move in to its move out.
public struct Placement: Codable, Sendable, Equatable {
    public var id: UUID
    public var organisationID: UUID
    public var stage: IncubationStage
    public var enteredAt: Date
    public var leftAt: Date?
    public var reason: String
    /// Moved in although a rule failed: the reason says why, and the move is flagged for oversight.
    public var overridden: Bool
    /// The rules that failed when the move was overridden, in words.
    public var failedRules: [String]
    public var movedBy: UUID
}

/// An organisation's place in the pipeline: its current stay, its history, and, for the next stage,
/// which rules it meets and which it does not.
public struct Journey: Sendable {
    public var organisation: Organisation
    public var current: Placement?
    public var history: [Placement]
    /// The stage a forward move would enter (the nursery for an organisation outside the pipeline).
    public var nextStage: IncubationStage?
    public var checklist: [RuleCheck]
}

/// Something staff should look at.
public struct IncubationAlert: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Longer in its stage than the stage's maximum stay.
        case overstay
        /// Its rating expires within 90 days.
        case ratingExpiring = "rating_expiring"
        /// It now meets every rule to move to the next stage.
        case readyToGraduate = "ready_to_graduate"
        /// A space lent to it is past its last day and not handed back.
        case spaceOverdue = "space_overdue"
    }
    public var kind: Kind
    public var organisationID: UUID
    public var stage: IncubationStage
    public var finding: Finding
    public var detail: String { finding.english }
}

/// What the delivery module will tell incubation about an organisation's delivered contracts.
public protocol DeliveryRecords: Sendable {
    /// The grades (优/良/中/差) of the organisation's delivered contracts.
    func deliveredGrades(of organisationID: UUID) async throws -> [String]
}

/// Until contracts exist nobody has delivered one.
public struct NoDeliveryRecords: DeliveryRecords {
    public init() {}
    public func deliveredGrades(of organisationID: UUID) async throws -> [String] { [] }
}
