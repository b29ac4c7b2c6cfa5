import Foundation

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

    /// An amount written in yuan as people write it in spreadsheets: "1234", "1,234.5", "¥1,234.56".
    /// Nil for anything else (more than two decimals, letters, a minus sign).
    public static func parse(yuan text: String) -> Money? {
        var digits = text.trimmingCharacters(in: .whitespaces)
        if digits.hasPrefix("¥") || digits.hasPrefix("￥") { digits.removeFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholePart = parts.first, !wholePart.isEmpty else { return nil }
        let groups = wholePart.split(separator: ",", omittingEmptySubsequences: false)
        // Thousands separators must sit every three digits.
        guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 2, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let wholeDigits = groups.joined()
        guard wholeDigits.count <= 15, let whole = Int64(wholeDigits), let cents = Int64(fraction.padding(toLength: 2, withPad: "0", startingAt: 0)) else {
            return nil
        }
        return Money(minorUnits: whole * 100 + cents)
    }

    /// "1234.50": the amount in yuan as a spreadsheet cell, which `parse(yuan:)` reads back.
    public var yuanText: String {
        let magnitude = minorUnits.magnitude
        return (minorUnits < 0 ? "-" : "") + String(magnitude / 100) + "." + String(format: "%02d", Int(magnitude % 100))
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
