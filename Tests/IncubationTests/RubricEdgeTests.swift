import Core
import Foundation
import Incubation
import Testing

/// Issue 19: a rubric whose weights overflow a sum used to trap while it was being checked.
@Suite("Programme rubric at the edges")
struct RubricEdgeTests {
    @Test("rubric weights of Int.max, Int.min and pairs that overflow a sum are refused, never summed")
    func weights() {
        for weights in [[Int.max, 1], [Int.max, Int.max], [Int.min, 0], [Int.max / 2 + 1, Int.max / 2 + 1], [0, 100], [101]] {
            let programme = NewProgramme(name: "x", stage: .incubator, intakeOpens: "2026-12-01", intakeCloses: "2026-12-31", capacity: 5,
                                         rubric: weights.enumerated().map { RubricItem(name: "c\($0.offset)", weight: $0.element) })
            #expect(!programme.problems.isEmpty, "\(weights)")
        }
        let good = NewProgramme(name: "x", stage: .incubator, intakeOpens: "2026-12-01", intakeCloses: "2026-12-31", capacity: 5,
                                rubric: [RubricItem(name: "a", weight: 60), RubricItem(name: "b", weight: 40)])
        #expect(good.problems.isEmpty)
    }
}
