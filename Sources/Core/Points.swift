import Foundation

/// Points as evaluators and reviewers give them: at most two decimals, kept as whole hundredths so that sums,
/// averages and ties are exact.
public struct Points: Codable, Sendable, Hashable, Comparable {
    public var hundredths: Int
    public init(hundredths: Int) { self.hundredths = hundredths }

    /// Nil when `value` has more than two decimals or is not a finite number.
    public init?(_ value: Double) {
        guard value.isFinite, abs(value) < 10_000 else { return nil }
        let scaled = (value * 100).rounded()
        guard abs(scaled - value * 100) < 1e-6 else { return nil }
        hundredths = Int(scaled)
    }

    public var value: Double { Double(hundredths) / 100 }
    /// "12.5", "30", "7.25"
    public var formatted: String {
        let whole = hundredths / 100, cents = abs(hundredths % 100)
        if cents == 0 { return String(whole) }
        return cents % 10 == 0 ? "\(whole).\(cents / 10)" : String(format: "%d.%02d", whole, cents)
    }

    public static func < (lhs: Points, rhs: Points) -> Bool { lhs.hundredths < rhs.hundredths }
    public static func + (lhs: Points, rhs: Points) -> Points { Points(hundredths: lhs.hundredths + rhs.hundredths) }
    public static let zero = Points(hundredths: 0)
}
