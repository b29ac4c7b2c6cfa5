/// The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters,
/// registration authority (1), organisation type (1), administrative division (6),
/// organisation identifier (9), check character (1).
public struct CreditCode: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    /// The 31 characters the standard allows; I, O, Z, S and V are left out so they cannot be misread.
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    public enum Problem: Error, Equatable, Sendable {
        case length(Int)
        case character(Character, position: Int)
        case division
        case checkCharacter(expected: Character, found: Character)

        public var message: String {
            switch self {
            case .length(let count): "must be 18 characters, not \(count)"
            case .character(let c, let position): "character \(c) at position \(position) is not allowed"
            case .division: "positions 3 to 8 must be an administrative division code (6 digits)"
            case .checkCharacter(let expected, let found): "check character is \(found), expected \(expected)"
            }
        }
    }

    /// Validates and normalises (upper case, no surrounding spaces).
    public init(_ raw: String) throws(Problem) {
        let text = Array(raw.trimmingSpaces.uppercased())
        guard text.count == 18 else { throw .length(text.count) }
        var values: [Int] = []
        for (index, character) in text.enumerated() {
            guard let value = Self.alphabet.firstIndex(of: character) else {
                throw .character(character, position: index + 1)
            }
            values.append(value)
        }
        guard text[2..<8].allSatisfy(\.isASCIIDigit) else { throw .division }
        let expected = Self.checkCharacter(for: values[0..<17])
        guard text[17] == expected else { throw .checkCharacter(expected: expected, found: text[17]) }
        value = String(text)
    }

    /// Completes the first 17 characters with their check character (for demo data and tests).
    public static func completing(_ first17: String) throws(Problem) -> CreditCode {
        let text = Array(first17.uppercased())
        guard text.count == 17 else { throw .length(text.count + 1) }
        var values: [Int] = []
        for (index, character) in text.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else { throw .character(character, position: index + 1) }
            values.append(value)
        }
        return try CreditCode(first17 + String(checkCharacter(for: values[...])))
    }

    static func checkCharacter(for values: ArraySlice<Int>) -> Character {
        let sum = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// The administrative division the code was issued in (e.g. 370102 for Lixia).
    public var division: String { String(value.dropFirst(2).prefix(6)) }
    public var description: String { value }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
