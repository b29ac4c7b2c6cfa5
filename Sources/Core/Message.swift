/// Words for a person, kept as an English template and its values, so the reader's language is chosen where
/// the words are shown (the API by Accept-Language, the pages by theirs) rather than where they are said.
///
/// Call sites write an ordinary string literal: `"must be at most \(max) characters"` records the template
/// `must be at most %@ characters` and the value `max`. The template is the key of the Chinese wording in
/// `Web/locales/messages.zh-CN.json`, which may reorder values (`%2$@`) or leave one out. A literal `%` is `%%`.
public struct Message: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// A value placed into a template.
    public enum Argument: Sendable, Hashable {
        /// Shown as it is in every language: a number, an amount, a date, a name, a code.
        case text(String)
        /// A word the locales name (a status), shown in the reader's language.
        case term(Term)
        /// Words of their own, translated in turn.
        case message(Message)
        /// A sentence the page locales keep under a key, with `{0}`, `{1}`… for its values (incubation findings).
        case phrase(key: String, values: [Argument], english: String)
    }

    public let template: String
    public let arguments: [Argument]

    public init(template: String, arguments: [Argument] = []) {
        self.template = template
        self.arguments = arguments
    }

    /// Text that is shown as it is in every language: what someone else wrote, or a database's own words.
    public static func verbatim(_ text: String) -> Message { Message(template: "%@", arguments: [.text(text)]) }

    public init(_ message: Message) { self = message }

    public init(stringLiteral value: String) {
        self.init(template: Self.escape(value))
    }

    public init(stringInterpolation: Interpolation) {
        self.init(template: stringInterpolation.template, arguments: stringInterpolation.arguments)
    }

    public struct Interpolation: StringInterpolationProtocol {
        var template = ""
        var arguments: [Argument] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            template.reserveCapacity(literalCapacity + 2 * interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { template += Message.escape(literal) }

        public mutating func appendInterpolation<T>(_ value: T) { append(.text(String(describing: value))) }

        public mutating func appendInterpolation(_ message: Message) { append(.message(message)) }

        public mutating func appendInterpolation(_ term: Term) { append(.term(term)) }

        /// A status, stage or kind: said in the reader's language.
        public mutating func appendInterpolation<T: Termed>(_ value: T) { append(.term(value.term)) }

        private mutating func append(_ argument: Argument) {
            template += "%@"
            arguments.append(argument)
        }
    }

    /// The words in English, for logs, the CLI and anything that keeps one language.
    public var english: String { rendered(template: { _ in nil }, word: { _ in nil }) }

    public var description: String { english }

    /// The words in another language: `template` gives a template's translation and `word` a locale key's
    /// text; where either has none, the English stays.
    public func rendered(template translate: (String) -> String?, word: (String) -> String?) -> String {
        Self.fill(translate(template) ?? template, with: arguments.map { $0.rendered(template: translate, word: word) })
    }

    /// Messages one after the other with `separator` between them (a list of stages).
    public static func joined(_ messages: [Message], separator: String) -> Message {
        Message(template: messages.map { _ in "%@" }.joined(separator: escape(separator)), arguments: messages.map { .message($0) })
    }

    /// Joins two messages, as `+` joins the halves of a long literal split over lines.
    public static func + (lhs: Message, rhs: Message) -> Message {
        Message(template: lhs.template + rhs.template, arguments: lhs.arguments + rhs.arguments)
    }

    /// Two messages are equal when they say the same in English, however they were put together.
    public static func == (lhs: Message, rhs: Message) -> Bool { lhs.english == rhs.english }
    public func hash(into hasher: inout Hasher) { hasher.combine(english) }

    static func escape(_ literal: String) -> String { literal.replacingOccurrences(of: "%", with: "%%") }

    /// Replaces `%@` (the next value), `%N$@` (the Nth value) and `%%` (a per cent sign).
    static func fill(_ template: String, with values: [String]) -> String {
        var result = ""
        var next = 0
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            index = template.index(after: index)
            guard character == "%", index < template.endIndex else {
                result.append(character)
                continue
            }
            if let (position, end) = placeholder(in: template, at: index) {
                let chosen = position ?? next
                if position == nil { next += 1 }
                if values.indices.contains(chosen) { result += values[chosen] }
                index = end
            } else if template[index] == "%" {
                result.append("%")
                index = template.index(after: index)
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// The value indices a template uses, in order (`%@` counted in sequence), for checking translations.
    public static func placeholders(in template: String) -> [Int] {
        var found: [Int] = []
        var next = 0
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            index = template.index(after: index)
            guard character == "%", index < template.endIndex else { continue }
            if let (position, end) = placeholder(in: template, at: index) {
                found.append(position ?? next)
                if position == nil { next += 1 }
                index = end
            } else if template[index] == "%" {
                index = template.index(after: index)
            }
        }
        return found
    }

    /// After a `%`: `@` or `N$@`, as (position or nil for the next value, where the placeholder ends).
    private static func placeholder(in template: String, at start: String.Index) -> (Int?, String.Index)? {
        if template[start] == "@" { return (nil, template.index(after: start)) }
        var index = start
        var digits = ""
        while index < template.endIndex, let digit = template[index].wholeNumberValue, digits.count < 2 {
            digits.append(String(digit))
            index = template.index(after: index)
        }
        guard let number = Int(digits), number > 0, index < template.endIndex, template[index] == "$" else { return nil }
        index = template.index(after: index)
        guard index < template.endIndex, template[index] == "@" else { return nil }
        return (number - 1, template.index(after: index))
    }
}

extension Message.Argument {
    func rendered(template translate: (String) -> String?, word: (String) -> String?) -> String {
        switch self {
        case .text(let text):
            return text
        case .term(let term):
            return word(term.key) ?? term.english
        case .message(let message):
            return message.rendered(template: translate, word: word)
        case .phrase(let key, let values, let english):
            guard var sentence = word(key) else { return english }
            for (index, value) in values.enumerated() {
                sentence = sentence.replacingOccurrences(of: "{\(index)}", with: value.rendered(template: translate, word: word))
            }
            return sentence
        }
    }
}

/// A word the locales name in each language (`tenderStatus_enquiries`), with its English for logs and the API
/// in English.
public struct Term: Sendable, Hashable {
    public let key: String
    public let english: String
    public init(_ key: String, english: String) {
        self.key = key
        self.english = english
    }
}

/// A code with a name in each language, kept in the page locales as `<termKey><rawValue>`
/// (`tenderStatus_enquiries`): interpolated into a message, it is said in the reader's language.
public protocol Termed: RawRepresentable where RawValue == String {
    static var termKey: String { get }
}

extension Termed {
    /// In English the code itself, as the API spells it elsewhere (`ex_ante`, `industrial_park`).
    public var term: Term { Term(Self.termKey + rawValue, english: rawValue) }
}

extension IncubationStage: Termed { public static var termKey: String { "stage_" } }
extension OrganisationKind: Termed { public static var termKey: String { "kind_" } }
extension Tier: Termed { public static var termKey: String { "tier_" } }
