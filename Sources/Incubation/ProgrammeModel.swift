import Core
import Foundation

/// A rubric line and its weight in points (weights add up to 100).
public struct RubricItem: Codable, Sendable, Equatable {
    public var name: String
    public var weight: Int
    public init(name: String, weight: Int) {
        self.name = name
        self.weight = weight
    }
}

/// An intake into a stage: a window for applications, a capacity and the rubric reviewers score against.
public struct Programme: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var stage: IncubationStage
    /// Days as yyyy-MM-dd (Beijing), both included.
    public var intakeOpens: String
    public var intakeCloses: String
    public var capacity: Int
    public var rubric: [RubricItem]

    /// Whether the intake takes applications on `day` (yyyy-MM-dd, Beijing): from the day it opens to the day it closes.
    public func takesApplications(on day: String) -> Bool { intakeOpens <= day && day <= intakeCloses }
}

public struct NewProgramme: Sendable {
    public var name: String
    public var stage: IncubationStage
    public var intakeOpens: String
    public var intakeCloses: String
    public var capacity: Int
    public var rubric: [RubricItem]
    public init(name: String, stage: IncubationStage, intakeOpens: String, intakeCloses: String, capacity: Int, rubric: [RubricItem]) {
        self.name = name
        self.stage = stage
        self.intakeOpens = intakeOpens
        self.intakeCloses = intakeCloses
        self.capacity = capacity
        self.rubric = rubric
    }

    public var problems: [FieldError] {
        var check = Validator()
        _ = check.text(name, "name", max: 200)
        check.check(WorkingCalendar.isDay(intakeOpens), "intakeOpens", "must be a day as yyyy-MM-dd")
        check.check(WorkingCalendar.isDay(intakeCloses), "intakeCloses", "must be a day as yyyy-MM-dd")
        check.check(intakeCloses >= intakeOpens, "intakeCloses", "must not be before the intake opens")
        check.check((1...500).contains(capacity), "capacity", "must be 1 to 500")
        check.check(rubric.count <= 20, "rubric", "has at most 20 criteria")
        for (index, item) in rubric.enumerated() {
            _ = check.text(item.name, "rubric[\(index)].name", max: 100)
            check.check((1...100).contains(item.weight), "rubric[\(index)].weight", "must be 1 to 100")
        }
        // Summed only once every weight is in range, so the sum cannot overflow.
        let inRange = rubric.allSatisfy { (1...100).contains($0.weight) }
        check.check(!rubric.isEmpty && (!inRange || rubric.reduce(0) { $0 + $1.weight } == 100), "rubric", "needs criteria whose weights add up to 100")
        check.check(Set(rubric.map(\.name)).count == rubric.count, "rubric", "each criterion needs a name of its own")
        return check.errors
    }
}

public enum ApplicationStatus: String, Codable, Sendable, CaseIterable {
    case submitted, admitted, waitlisted, rejected, withdrawn
}

/// What a team or organisation tells the programme about itself.
public struct ApplicationForm: Codable, Sendable, Equatable {
    public var idea: String
    public var teamSize: Int
    public var needs: String
    public init(idea: String, teamSize: Int, needs: String) {
        self.idea = idea
        self.teamSize = teamSize
        self.needs = needs
    }
}

public struct Review: Codable, Sendable, Equatable {
    public var reviewerID: UUID
    public var reviewerName: String
    /// Hundredths of a point per rubric criterion.
    public var points: [String: Int]
    public var comment: String
    public var submittedAt: Date
    public var total: Int { points.values.reduce(0, +) }
}

public struct Application: Codable, Sendable, Equatable {
    public var id: UUID
    public var programmeID: UUID
    public var organisationID: UUID
    public var form: ApplicationForm
    public var status: ApplicationStatus
    public var submittedAt: Date
    public var decisionReason: String?
    public var decidedAt: Date?
    public var reviews: [Review]

    /// The reviewers' mean total, in hundredths of a point (nil before any review).
    public var averageScore: Int? {
        reviews.isEmpty ? nil : (2 * reviews.reduce(0) { $0 + $1.total } + reviews.count) / (2 * reviews.count)
    }
}

/// An evaluator the incubator's staff seated to review a programme's applications.
public struct ProgrammeReviewer: Codable, Sendable, Equatable {
    public var userID: UUID
    public var displayName: String
    public var seatedAt: Date
}
