/// The ranges of the numbers that callers send, in one place. `Contracts/openapi.yaml` declares the same
/// ranges for the API (and the API refuses whatever the contract's ranges refuse); the pages' forms and the
/// services check them from here. Every rule that adds or multiplies such numbers stays far inside Int64
/// with them, and the pure rules compute in Int128 besides, so no caller's number can trap the process.
public enum Bounds {
    /// ¥1,000,000,000 in fen: the ceiling of a purchase line, and so of every bid, award, contract, cap and
    /// payment (a county's whole annual budget for bought services is a small part of it).
    public static let maximumFen: Int64 = 100_000_000_000
    /// Money a caller sends that must be more than nothing.
    public static let moneyFen: ClosedRange<Int64> = 1...maximumFen
    /// Counts of people, units and results (quantities, targets, verified units, beneficiaries).
    public static let quantity: ClosedRange<Int64> = 0...100_000_000
    /// Points of a weight (price weight, a criterion, a rubric line): out of 100.
    public static let weight: ClosedRange<Int> = 0...100
    /// Percentages and points in hundredths (0.00 to 100.00).
    public static let hundredths: ClosedRange<Int> = 0...10_000
    /// A support session, in minutes: at most a day.
    public static let sessionMinutes: ClosedRange<Int> = 1...1_440
    /// A service site's floor area in tenths of a square metre (0.1 to 10,000.0 m²; Fufeng's largest town
    /// centre has 55 m², seed 004).
    public static let siteFloorAreaTenths: ClosedRange<Int> = 1...100_000
    /// The public space a site serves in, in tenths of a square metre (0 to 100,000.0 m²; seed 004: 9 to 1,500 m²).
    public static let siteHallAreaTenths: ClosedRange<Int> = 0...1_000_000
    /// A site's service windows.
    public static let siteWindows: ClosedRange<Int> = 0...100
    // Grassroots: standards
    /// The points one requirement of a site standard is worth (a standard holds at most 50, so 5,000 in all).
    public static let requirementPoints: ClosedRange<Int> = 1...100
    /// The least score of a grade, in per cent of a standard's points.
    public static let gradeMark: ClosedRange<Int> = 1...100
    /// The least number of staff a standard asks of a site (a site lists at most 200).
    public static let requiredStaff: ClosedRange<Int> = 1...200
}

/// Numbers as people type them into forms, read without floating point: nothing here traps, and
/// "1e300", "inf", "nan", "0x10" or "12abc" are simply not numbers.
public enum NumberText {
    /// A whole number in ASCII digits, optionally signed; nil for anything else or beyond Int64.
    public static func integer(_ text: String) -> Int64? {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.count <= 20 else { return nil }
        return Int64(trimmed)
    }

    /// A decimal with at most `decimals` places, as a whole number of its smallest unit ("1.5" with 2
    /// decimals is 150); nil for anything else, a minus sign included.
    public static func scaled(_ text: String, decimals: Int) -> Int64? {
        let parts = text.trimmingSpaces.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 15, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= decimals, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty,
              decimals <= 3, var value = Int64(whole), let digits = Int64(fraction.isEmpty ? "0" : String(fraction)) else { return nil }
        // At most 15 digits and 3 decimals: far inside Int64.
        for _ in 0..<decimals { value *= 10 }
        var unit: Int64 = 1
        for _ in 0..<(decimals - fraction.count) { unit *= 10 }
        return value + digits * unit
    }
}

extension Validator {
    /// A whole number from a form field within `range`, recording an error (and answering nil) otherwise.
    public mutating func integer(_ text: String?, _ field: String, in range: ClosedRange<Int64>) -> Int64? {
        guard let value = NumberText.integer(text ?? ""), range.contains(value) else {
            check(false, field, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A number with at most two decimals from a form field, in hundredths, within `range` (in hundredths).
    public mutating func hundredths(_ text: String?, _ field: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = NumberText.scaled(text ?? "", decimals: 2), value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            check(false, field, "must be a number from \(Points(hundredths: range.lowerBound).formatted) to \(Points(hundredths: range.upperBound).formatted), at most two decimals")
            return nil
        }
        return Int(value)
    }

    /// Money that callers send: more than nothing and at most the purchase-line ceiling.
    public mutating func money(_ amount: Money, _ field: String, allowZero: Bool = false) {
        let lower: Int64 = allowZero ? 0 : 1
        check(amount.minorUnits >= lower && amount.minorUnits <= Bounds.maximumFen, field,
              "must be from \(Money(minorUnits: lower).formatted) to \(Money(minorUnits: Bounds.maximumFen).formatted)")
    }
}

/// A path on this site as a link or redirect may carry it: "/x" yes; "//evil.example", "https://…", and
/// anything with a backslash, a control character or white space no, since browsers drop tabs and
/// newlines and read `/\t/evil.example` as `//evil.example`. Printable ASCII only: anything else
/// arrives percent-encoded.
public enum SitePath {
    public static func isSafe(_ path: String, maximumLength: Int = 2_000) -> Bool {
        path.hasPrefix("/") && !path.hasPrefix("//") && path.utf8.count <= maximumLength
            && path.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" }
    }
}
