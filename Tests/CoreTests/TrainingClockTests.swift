import Core
import Foundation
import Testing

@Suite("Training clock (issue 27)")
struct TrainingClockTests {
    let start = Date(timeIntervalSince1970: 1_793_581_200)  // Monday 2 November 2026, 09:00 in Beijing

    @Test("at 1,440 a real minute is a day; at 0 the clock stands still")
    func rates() {
        let wall = ManualClock(start)
        let fast = TrainingClock(TrainingTime(realAnchor: start, virtualAnchor: start, rate: 1_440), wall: wall)
        let still = TrainingClock(TrainingTime(realAnchor: start, virtualAnchor: start, rate: 0), wall: wall)
        wall.advance(by: 60)
        #expect(fast.now() == start.addingTimeInterval(86_400))
        #expect(still.now() == start)
    }

    @Test("an advance moves ahead from the time reached, not from the anchor")
    func advance() {
        let time = TrainingTime(realAnchor: start, virtualAnchor: start, rate: 1_440)
        let later = time.advanced(by: 2 * 86_400, at: start.addingTimeInterval(60))
        #expect(later.virtualAnchor == start.addingTimeInterval(3 * 86_400))
        #expect(later.time(at: start.addingTimeInterval(60)) == start.addingTimeInterval(3 * 86_400))
        let slower = later.running(at: 1, from: start.addingTimeInterval(60))
        #expect(slower.time(at: start.addingTimeInterval(120)) == start.addingTimeInterval(3 * 86_400 + 60))
    }

    @Test("never runs backwards: a time line from the database behind the one read keeps the time read")
    func monotonic() {
        let wall = ManualClock(start)
        let clock = TrainingClock(TrainingTime(realAnchor: start, virtualAnchor: start.addingTimeInterval(86_400), rate: 0), wall: wall)
        let read = clock.now()
        clock.update(TrainingTime(realAnchor: start, virtualAnchor: start, rate: 0))
        #expect(clock.now() == read)
        // A real instant before the anchor (another host's clock behind) adds nothing rather than taking away.
        #expect(TrainingTime(realAnchor: start, virtualAnchor: start, rate: 1_440).time(at: start.addingTimeInterval(-60)) == start)
    }

    @Test("spans: a whole number and one unit, from a second to 366 days", arguments: [
        ("45s", 45.0), ("90m", 5_400.0), ("36h", 129_600.0), ("2d", 172_800.0), ("1w", 604_800.0), (" 2D ", 172_800.0), ("366d", 31_622_400.0),
    ])
    func spans(_ text: String, _ seconds: Double) {
        #expect(TrainingTime.span(text) == seconds)
    }

    @Test("refuses any other span", arguments: ["", "d", "0d", "-1d", "367d", "53w", "2x", "2.5d", "1e3s", "99999999999999999999d", "2 d", "nand", "infd"])
    func refusedSpans(_ text: String) {
        #expect(TrainingTime.span(text) == nil)
    }

    @Test("rates a class may use: 0 to a day a second, finite", arguments: [(0.0, true), (1_440, true), (86_400, true), (86_401, false), (-1, false),
                                                                          (.infinity, false), (.nan, false)])
    func rates(_ rate: Double, _ valid: Bool) {
        #expect(TrainingTime.isValid(rate: rate) == valid)
    }
}

@Suite("Training clock: time lines out of order")
struct TrainingClockOrderTests {
    @Test("two moves answered out of order leave the later time line")
    func outOfOrder() {
        let start = Date(timeIntervalSince1970: 1_793_581_200)
        let wall = ManualClock(start)
        let clock = TrainingClock(TrainingTime(realAnchor: start, virtualAnchor: start, rate: 0, version: 1), wall: wall)
        clock.update(TrainingTime(realAnchor: start, virtualAnchor: start.addingTimeInterval(2 * 86_400), rate: 0, version: 3))
        clock.update(TrainingTime(realAnchor: start, virtualAnchor: start.addingTimeInterval(86_400), rate: 0, version: 2))
        #expect(clock.time.version == 3)
        // A slower rate set later (a higher version) is taken, though its time at this instant is the same.
        clock.update(TrainingTime(realAnchor: start, virtualAnchor: start.addingTimeInterval(2 * 86_400), rate: 1, version: 4))
        wall.advance(by: 60)
        #expect(clock.now() == start.addingTimeInterval(2 * 86_400 + 60))
    }
}
