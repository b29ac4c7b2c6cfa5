import Core
import Foundation
import Identity
import Incubation
import Store
import TestSupport
import Testing

@Suite("Capacity assessments")
struct AssessmentTests {
    static func scores(_ values: [Int]) -> [CapacityElement: Int] {
        Dictionary(uniqueKeysWithValues: zip(CapacityElement.allCases, values))
    }

    @Test("staff record the seven elements 1–4, repeated over time; the trend and the cohort average follow")
    func trendAndCohort() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let ngo = try await w.world.actor("ngo").organisationID, harmony = try await w.world.actor("harmony").organisationID
            for organisation in [ngo, harmony] {
                _ = try await w.incubation.move(by: staff, organisationID: organisation, to: .accelerator, reason: "外引成长型机构")
            }
            _ = try await w.incubation.recordAssessment(by: staff, organisationID: ngo, assessedOn: "2026-03-01", scores: Self.scores([2, 2, 2, 1, 2, 2, 3]), note: "首轮")
            _ = try await w.incubation.recordAssessment(by: staff, organisationID: ngo, assessedOn: "2026-10-30", scores: Self.scores([3, 3, 2, 2, 3, 3, 3]), note: "")
            _ = try await w.incubation.recordAssessment(by: staff, organisationID: harmony, assessedOn: "2026-10-30", scores: Self.scores([4, 3, 3, 3, 2, 3, 4]), note: "")
            let trend = try await w.incubation.assessments(of: ngo)
            #expect(trend.map(\.assessedOn) == ["2026-03-01", "2026-10-30"] && trend.map(\.average) == [200, 271])
            let accelerator = try #require(try await w.incubation.cohortAverages().first { $0.stage == .accelerator })
            // The latest of each: aspirations (3 + 4) ÷ 2 = 3.5; systems (3 + 2) ÷ 2 = 2.5.
            #expect(accelerator.organisations == 2 && accelerator.averages[.aspirations] == 350 && accelerator.averages[.systemsAndInfrastructure] == 250)
        }
    }

    @Test("refusals: a score outside 1–4, a missing element, the same day twice, a future day, anyone but the incubator's staff")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let ngo = try await w.world.actor("ngo").organisationID
            var wrong = Self.scores([2, 2, 2, 2, 2, 2, 2])
            wrong[.culture] = 5
            wrong[.strategy] = nil
            await #expect(throws: DomainError.invalid([FieldError("scores.strategy", "is required"), FieldError("scores.culture", "must be 1 to 4")])) {
                _ = try await w.incubation.recordAssessment(by: staff, organisationID: ngo, assessedOn: "2026-10-30", scores: wrong, note: "")
            }
            await #expect(throws: DomainError.invalid([FieldError("assessedOn", "cannot be in the future")])) {
                _ = try await w.incubation.recordAssessment(by: staff, organisationID: ngo, assessedOn: "2026-12-01", scores: Self.scores([2, 2, 2, 2, 2, 2, 2]), note: "")
            }
            _ = try await w.incubation.recordAssessment(by: staff, organisationID: ngo, assessedOn: "2026-10-30", scores: Self.scores([2, 2, 2, 2, 2, 2, 2]), note: "")
            await #expect(throws: DomainError.self) {
                _ = try await w.incubation.recordAssessment(by: staff, organisationID: ngo, assessedOn: "2026-10-30", scores: Self.scores([3, 3, 3, 3, 3, 3, 3]), note: "")
            }
            for username in ["ngo", "finance", "evaluator"] {
                await #expect(throws: DomainError.self) {
                    _ = try await w.incubation.recordAssessment(by: try await w.world.actor(username), organisationID: ngo, assessedOn: "2026-10-29",
                                                                scores: Self.scores([3, 3, 3, 3, 3, 3, 3]), note: "")
                }
            }
        }
    }
}
