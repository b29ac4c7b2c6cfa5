import Foundation
import HTTPTypes

/// The languages of the pages: Chinese first, English second.
public enum Language: String, CaseIterable, Sendable {
    case zh = "zh-CN"
    case en

    /// The language the browser prefers, by the q-values of Accept-Language; Chinese otherwise.
    static func preferred(by acceptLanguage: String?) -> Language {
        guard let acceptLanguage else { return .zh }
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
        return .zh
    }

    /// The other language, offered by the switch on every page.
    var other: Language { self == .zh ? .en : .zh }
    /// The language's name in itself.
    var nativeName: String { self == .zh ? "中文" : "English" }
}

/// The strings of the pages, one JSON file per language under Web/locales.
struct Localisation: Sendable {
    private let tables: [Language: [String: String]]

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
    }

    /// The strings of a language, for templates as `{{t.key}}`.
    func strings(_ language: Language) -> [String: String] { tables[language] ?? [:] }

    func text(_ key: String, _ language: Language) -> String { tables[language]?[key] ?? key }
}

public struct StartupError: Error, CustomStringConvertible {
    public let description: String
}
