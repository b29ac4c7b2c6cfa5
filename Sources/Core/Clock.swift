import Foundation
import Synchronization

/// The source of "now". Injected everywhere a rule depends on time, so tests can move past a deadline.
public protocol SpokesClock: Sendable {
    func now() -> Date
}

public struct SystemClock: SpokesClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still until a test moves it.
public final class ManualClock: SpokesClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// Whether an instance serves real purchasing or a training class (DOMAIN §8). A database is marked with the mode of
/// the instance that first migrated it, and an instance of the other mode refuses it: training data never mixes with
/// real data.
public enum InstanceMode: String, Sendable, CaseIterable {
    case production
    case training
}

/// A training instance's time: `virtualAnchor` at the real instant `realAnchor`, running `rate` times as fast as real
/// time from there (1,440: a day a minute, as ProZorro's `accelerator=1440`; 0: stands still until advanced).
public struct TrainingTime: Sendable, Equatable {
    public var realAnchor: Date
    public var virtualAnchor: Date
    public var rate: Double
    /// How many times the class's time line has changed: an instance takes a line only if it is not older than its own.
    public var version: Int64

    /// The fastest a class's clock may run: a day a second. Faster, a deadline passes between two clicks.
    public static let maximumRate = 86_400.0
    /// The furthest one advance may move the clock: a year and a day (a contract's whole term and its standstill).
    public static let maximumAdvance: TimeInterval = 366 * 86_400

    public init(realAnchor: Date, virtualAnchor: Date, rate: Double, version: Int64 = 0) {
        self.realAnchor = realAnchor
        self.virtualAnchor = virtualAnchor
        self.rate = rate
        self.version = version
    }

    /// The training time at the real instant `real`.
    public func time(at real: Date) -> Date {
        virtualAnchor.addingTimeInterval(max(0, real.timeIntervalSince(realAnchor)) * rate)
    }

    /// The same time line moved `seconds` ahead from the real instant `real` (re-anchored there).
    public func advanced(by seconds: TimeInterval, at real: Date) -> TrainingTime {
        TrainingTime(realAnchor: real, virtualAnchor: time(at: real).addingTimeInterval(seconds), rate: rate, version: version)
    }

    /// The same time line running at `rate` from the real instant `real`.
    public func running(at rate: Double, from real: Date) -> TrainingTime {
        TrainingTime(realAnchor: real, virtualAnchor: time(at: real), rate: rate, version: version)
    }

    /// A rate a class may use: finite, 0 to a day a second.
    public static func isValid(rate: Double) -> Bool { rate.isFinite && rate >= 0 && rate <= maximumRate }

    /// "2d", "36h", "90m", "1w", "45s" (a whole number and one unit) as seconds; nil for anything else, zero, or more than
    /// `maximumAdvance`.
    public static func span(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last, let count = Int(trimmed.dropLast()), count > 0, count <= 1_000_000 else { return nil }
        let seconds: Int
        switch unit {
        case "s": seconds = count
        case "m": seconds = count * 60
        case "h": seconds = count * 3_600
        case "d": seconds = count * 86_400
        case "w": seconds = count * 7 * 86_400
        default: return nil
        }
        return TimeInterval(seconds) <= maximumAdvance ? TimeInterval(seconds) : nil
    }
}

/// The clock of a training instance: its `TrainingTime` as the database holds it (every instance of the class reads the
/// same one), read through the wall clock. Never runs backwards, even when a refresh from the database would.
public final class TrainingClock: SpokesClock {
    private struct State {
        var time: TrainingTime
        var last: Date
    }
    private let state: Mutex<State>
    private let wall: any SpokesClock

    public init(_ time: TrainingTime, wall: any SpokesClock = SystemClock()) {
        self.wall = wall
        state = Mutex(State(time: time, last: time.virtualAnchor))
    }

    public func now() -> Date {
        let real = wall.now()
        return state.withLock { state in
            state.last = max(state.last, state.time.time(at: real))
            return state.last
        }
    }

    public var time: TrainingTime { state.withLock { $0.time } }
    /// The real time this clock reads its time line at.
    public var wallTime: Date { wall.now() }
    public var rate: Double { state.withLock { $0.time.rate } }

    /// Takes the time line the database holds (after an advance here or elsewhere), unless it is older than the one held:
    /// two moves answered out of order leave the later.
    public func update(_ time: TrainingTime) {
        state.withLock { state in
            if time.version >= state.time.version { state.time = time }
        }
    }
}
