import Core
import Foundation

/// When a contract's performance is evaluated (MoF practice): before delivery (事前: are the targets
/// sound?), during (事中: at milestones), after (事后: the final grade, which counts in later tenders
/// and in incubation).
public enum EvaluationPhase: String, Codable, Sendable, CaseIterable {
    case exAnte = "ex_ante"
    case inProcess = "in_process"
    case exPost = "ex_post"
}

public enum IndicatorKind: String, Codable, Sendable, CaseIterable {
    case output, outcome, cost, satisfaction
}

/// One line of an evaluation: what was judged, how much it weighs and what it scored (0…weight).
public struct Indicator: Codable, Sendable, Equatable {
    public var kind: IndicatorKind
    public var name: String
    public var weight: Points
    public var score: Points
    public var note: String
    public init(kind: IndicatorKind, name: String, weight: Points, score: Points, note: String = "") {
        self.kind = kind
        self.name = name
        self.weight = weight
        self.score = score
        self.note = note
    }
}

public struct PerformanceEvaluation: Codable, Sendable, Equatable {
    public var id: UUID
    public var contractID: UUID
    public var phase: EvaluationPhase
    public var indicators: [Indicator]
    public var score: Points
    /// 优, 良, 中 or 差.
    public var grade: String
    public var summary: String
    public var evaluatorID: UUID
    public var evaluatorName: String
    public var evaluatedAt: Date

    /// 优 ≥ 90, 良 80–89, 中 60–79, 差 < 60 (scores out of 100).
    public static func grade(for score: Points) -> String {
        switch score.hundredths {
        case 9000...: "优"
        case 8000..<9000: "良"
        case 6000..<8000: "中"
        default: "差"
        }
    }

    /// The problems of a grid: weights add up to 100, each score within its weight, every kind of indicator present.
    public static func problems(of indicators: [Indicator]) -> [FieldError] {
        var check = Validator()
        check.check((1...20).contains(indicators.count), "indicators", "an evaluation has 1 to 20 indicators")
        let total = indicators.reduce(Points.zero) { $0 + $1.weight }
        check.check(total == Points(hundredths: 10_000), "indicators", "weights add up to \(total.formatted); they must add up to 100")
        for kind in IndicatorKind.allCases where !indicators.contains(where: { $0.kind == kind }) {
            check.check(false, "indicators", "no \(kind) indicator: output, outcome, cost and satisfaction are each judged")
        }
        for (index, indicator) in indicators.enumerated() {
            _ = check.text(indicator.name, "indicators[\(index)].name", max: 200)
            check.check(indicator.weight.hundredths > 0, "indicators[\(index)].weight", "must be more than 0")
            check.check(indicator.score.hundredths >= 0 && indicator.score <= indicator.weight, "indicators[\(index)].score",
                        "must be from 0 to its weight, \(indicator.weight.formatted)")
            _ = check.text(indicator.note, "indicators[\(index)].note", max: 1000, required: false)
        }
        return check.errors
    }
}

/// What the contract's service users said in the survey.
public struct SatisfactionSummary: Sendable, Equatable {
    public var answers: Int
    /// Answers per rating, 1 to 5.
    public var distribution: [Int]
    /// Mean rating in hundredths (4.56 → 456); nil without answers.
    public var average: Points?
    /// Per cent of answers rating 4 or 5, in hundredths of a per cent; nil without answers. The value of a
    /// `satisfaction` metric.
    public var satisfied: Points?
    public var comments: [String]

    public init(ratings: [Int], comments: [String]) {
        answers = ratings.count
        distribution = (1...5).map { rating in ratings.filter { $0 == rating }.count }
        average = ratings.isEmpty ? nil : Points(hundredths: ratings.reduce(0, +) * 100 / ratings.count)
        satisfied = ratings.isEmpty ? nil : Points(hundredths: ratings.filter { $0 >= 4 }.count * 10_000 / ratings.count)
        self.comments = comments
    }
}

/// A change to a signed contract, with the reason, what it was and what it becomes, signed by both parties.
public struct Amendment: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case proposed, agreed, withdrawn }
    public struct Terms: Codable, Sendable, Equatable {
        public var endsOn: String
        public var terms: String
        public var termJustification: String?
        public init(endsOn: String, terms: String, termJustification: String?) {
            self.endsOn = endsOn
            self.terms = terms
            self.termJustification = termJustification
        }
    }
    public var id: UUID
    public var contractID: UUID
    public var number: Int
    public var reason: String
    public var before: Terms
    public var after: Terms
    public var status: Status
    public var proposedBy: UUID
    public var proposedAt: Date
    public var buyerSignedBy: UUID?
    public var buyerSignedAt: Date?
    public var supplierSignedBy: UUID?
    public var supplierSignedAt: Date?
    public var closedAt: Date?
}
