import Core
import Foundation
import HTTPTypes

/// The languages of the pages: Chinese first, English second.
public enum Language: String, CaseIterable, Sendable {
    case zh = "zh-CN"
    case en

    /// The language the browser prefers, by the q-values of Accept-Language; `otherwise` (Chinese) when it names neither.
    static func preferred(by acceptLanguage: String?, otherwise: Language = .zh) -> Language {
        guard let acceptLanguage else { return otherwise }
        let ranked = acceptLanguage.split(separator: ",").compactMap { part -> (String, Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag, q)
        }.sorted { $0.1 > $1.1 }
        for (tag, q) in ranked where q > 0 {
            if tag.hasPrefix("zh") { return .zh }
            if tag.hasPrefix("en") { return .en }
        }
        return otherwise
    }

    /// The other language, offered by the switch on every page.
    var other: Language { self == .zh ? .en : .zh }
    /// The language's name in itself.
    var nativeName: String { self == .zh ? "中文" : "English" }
}

/// The strings of the pages, one JSON file per language under Web/locales, and the Chinese of the
/// messages the code says (`messages.zh-CN.json`: English template → Chinese template, see `Core.Message`).
struct Localisation: Sendable {
    private let tables: [Language: [String: String]]
    /// Chinese templates by their English template.
    let messages: [String: String]

    /// Loads every language and refuses to start when one lacks a key that Chinese has (or has one
    /// Chinese lacks), so a page can never show a blank where a word should be.
    init(directory: String) throws {
        var tables: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let path = "\(directory)/\(language.rawValue).json"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StartupError(description: "missing locale file \(path)")
            }
            do {
                tables[language] = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw StartupError(description: "locale file \(path) is not a flat JSON object of strings: \(error)")
            }
        }
        let reference = Set(tables[.zh]!.keys)
        for language in Language.allCases {
            let keys = Set(tables[language]!.keys)
            if keys != reference {
                throw StartupError(description: "locale \(language.rawValue) differs from zh-CN: missing \(reference.subtracting(keys).sorted()), extra \(keys.subtracting(reference).sorted())")
            }
        }
        self.tables = tables
        messages = try Self.messages(at: "\(directory)/messages.zh-CN.json")
    }

    /// Reads the message catalogue and refuses to start when a translation names a value its English
    /// template does not have: the reader would see a blank, or the wrong figure.
    static func messages(at path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw StartupError(description: "missing message catalogue \(path)") }
        let messages: [String: String]
        do {
            messages = try JSONDecoder().decode([String: String].self, from: data)
        } catch {
            throw StartupError(description: "message catalogue \(path) is not a flat JSON object of strings: \(error)")
        }
        let wrong = messages.filter { english, chinese in
            !Set(Message.placeholders(in: chinese)).isSubset(of: Set(Message.placeholders(in: english)))
        }.keys.sorted()
        if !wrong.isEmpty { throw StartupError(description: "message catalogue \(path) names values its English lacks: \(wrong)") }
        return messages
    }

    /// A message in a language: Chinese from the catalogue (its terms and findings from the locales), English as said.
    func say(_ message: Message, _ language: Language) -> String {
        switch language {
        case .en: message.english
        case .zh: message.rendered(template: { messages[$0] }, word: { tables[.zh]?[$0] })
        }
    }

    /// The sentences domain modules say in English and keep in a row as text, not as a `Message` (a recovery's reason,
    /// a panel seat's refusal); their Chinese is in the message catalogue like any message's.
    static let storedTemplates = [
        "a corrected sign-off lowered what verified outcomes earn to %@, below the %@ paid",
        "tied to a bidder (%@)",
        "tied to a party of the tender (%@)",
    ]

    /// A sentence a row keeps (see `storedTemplates`) in a language: in Chinese by the template it was made from, its
    /// values as they were; as it is when no template matches (words someone wrote).
    func sayStored(_ text: String, _ language: Language) -> String {
        guard language == .zh else { return text }
        for english in Self.storedTemplates {
            let pattern = "^" + english.components(separatedBy: "%@").map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "(.+)") + "$"
            guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
                  let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { continue }
            let values = (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: text).map { String(text[$0]) } }
            return say(Message(template: english, arguments: values.map { .text($0) }), .zh)
        }
        return text
    }

    /// The strings of a language, for templates as `{{t.key}}`.
    func strings(_ language: Language) -> [String: String] { tables[language] ?? [:] }

    func text(_ key: String, _ language: Language) -> String { tables[language]?[key] ?? key }
}

public struct StartupError: Error, CustomStringConvertible {
    public let description: String
}
