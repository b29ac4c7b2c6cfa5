import Core
import Foundation

/// The seven elements of organisational capacity (McKinsey's capacity assessment grid, as the
/// incubators of seed 002 use it), each scored 1 (clear need for more capacity) to 4 (high capacity).
public enum CapacityElement: String, CaseIterable, Codable, Sendable {
    case aspirations, strategy
    case organisationalSkills = "organisational_skills"
    case humanResources = "human_resources"
    case systemsAndInfrastructure = "systems_and_infrastructure"
    case structure, culture
}

public struct CapacityAssessment: Codable, Sendable, Equatable {
    public var id: UUID
    public var organisationID: UUID
    /// yyyy-MM-dd
    public var assessedOn: String
    public var scores: [CapacityElement: Int]
    public var note: String

    /// The mean of the seven scores, in hundredths.
    public var average: Int { (scores.values.reduce(0, +) * 100 + CapacityElement.allCases.count / 2) / CapacityElement.allCases.count }

    /// What is wrong with a set of scores: every element once, each 1 to 4.
    public static func problems(_ scores: [CapacityElement: Int]) -> [FieldError] {
        CapacityElement.allCases.compactMap { element in
            guard let score = scores[element] else { return FieldError("scores.\(element.rawValue)", "is required") }
            return (1...4).contains(score) ? nil : FieldError("scores.\(element.rawValue)", "must be 1 to 4")
        }
    }
}

/// Per element, the mean of the latest assessment of every organisation now in a stage.
public struct CohortAverage: Sendable, Equatable {
    public var stage: IncubationStage
    public var organisations: Int
    /// Hundredths per element.
    public var averages: [CapacityElement: Int]
}
