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
