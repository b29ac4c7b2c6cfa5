/// An amount of money in minor units (fen for CNY). Never a floating-point number.
public struct Money: Hashable, Sendable, Codable, Comparable {
    public var minorUnits: Int64
    public var currency: String

    public init(minorUnits: Int64, currency: String = "CNY") {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func yuan(_ yuan: Int64) -> Money { Money(minorUnits: yuan * 100) }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.minorUnits < rhs.minorUnits
    }

    /// "¥1,234.56": grouping by thousands, two decimals, sign in front.
    public var formatted: String {
        let symbol = currency == "CNY" ? "¥" : currency + " "
        let magnitude = minorUnits.magnitude
        let whole = String(magnitude / 100)
        var grouped = ""
        for (index, character) in whole.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        let cents = magnitude % 100
        return (minorUnits < 0 ? "-" : "") + symbol + String(grouped.reversed()) + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}
