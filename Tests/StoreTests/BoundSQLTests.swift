import Foundation
import TestSupport
import Testing

/// Every SQL statement binds its values: text is spliced into SQL only from constants. The scan
/// looks at the two ways postgres-nio lets text in unbound, `PostgresQuery(unsafeSQL:)` and
/// `\(unescaped:)`, and allows in them only named constants and literals.
@Suite("Bound SQL")
struct BoundSQLTests {
    struct Finding: CustomStringConvertible {
        var file: String
        var line: Int
        var text: String
        var description: String { "\(file):\(line): \(text)" }
    }

    /// Non-literal statements that are not built from input, with why.
    static let trusted: [String: String] = [
        "Migrator.swift|statement": "a statement of a migration file shipped in the Store bundle, checksummed",
        "ServiceItemStore.swift|sql": "one of the store's static statements, chosen by the search's kind",
    ]

    /// Interpolated into unbound SQL: a constant's name, an identifier quoted by `quoted`, a choice
    /// between literals, or an enum's raw value (lock clauses).
    static let allowed = [
        #"(?:Self\.)?[a-z][A-Za-z]*"#,
        #"(?:Self\.|EmbeddedPostgres\.)?quoted\([a-zA-Z.]+\)"#,
        #"[a-zA-Z!]+ \? "[A-Z ]*" : "[A-Z ]*""#,
        #"lock\?\.rawValue \?\? """#,
    ]

    /// The text from `start` to the parenthesis that closes the call it opens inside.
    static func argument(_ text: Substring) -> Substring {
        var depth = 1
        var index = text.startIndex
        while index < text.endIndex {
            switch text[index] {
            case "(": depth += 1
            case ")": depth -= 1; if depth == 0 { return text[..<index] }
            default: break
            }
            index = text.index(after: index)
        }
        return text
    }

    /// What `\(` … `)` interpolates, for each interpolation in `text`.
    static func interpolations(_ text: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = text[...]
        while let range = rest.range(of: "\\(") {
            let inner = argument(rest[range.upperBound...])
            found.append(inner)
            rest = rest[inner.endIndex...]
        }
        return found
    }

    static func findings(file: String, source: String, constants: Set<String>) -> [Finding] {
        var findings: [Finding] = []
        func line(_ index: String.Index) -> Int { source[..<index].count { $0 == "\n" } + 1 }
        func check(_ value: Substring, at index: String.Index) {
            let value = value.trimmingCharacters(in: .whitespaces)
            guard let rule = allowed.first(where: { (try? Regex($0).wholeMatch(in: value)) != nil }) else {
                findings.append(Finding(file: file, line: line(index), text: value)); return
            }
            // A bare name must be a constant (`static let`/`let` at type level), not a variable.
            if rule == allowed[0] {
                let name = value.replacingOccurrences(of: "Self.", with: "")
                if !constants.contains(name) { findings.append(Finding(file: file, line: line(index), text: value)) }
            }
        }
        for match in source.matches(of: /PostgresQuery\(unsafeSQL:/) {
            let argument = Self.argument(source[match.range.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
            if argument.hasPrefix("\"") {
                for value in interpolations(argument[...]) { check(value, at: match.range.lowerBound) }
            } else if trusted["\(file)|\(argument.prefix { $0.isLetter })"] == nil {
                findings.append(Finding(file: file, line: line(match.range.lowerBound), text: "unsafeSQL: \(argument)"))
            }
        }
        for match in source.matches(of: /\\\(unescaped:/) {
            check(argument(source[match.range.upperBound...]), at: match.range.lowerBound)
        }
        return findings
    }

    /// Names declared `static let` or `let` in the file with a string literal value.
    static func constants(in source: String) -> Set<String> {
        Set(source.matches(of: /(?m)^\s*(?:private |fileprivate )?(?:static )?let (\w+)(?:: String)? =\s*"/).map { String($0.output.1) })
    }

    @Test("no SQL statement in Sources splices in anything but constants")
    func sources() throws {
        let root = URL(fileURLWithPath: TestDatabase.packageRoot + "/Sources")
        var scanned = 0, findings: [Finding] = []
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let source = try String(contentsOf: url, encoding: .utf8)
            guard source.contains("unsafeSQL") || source.contains("unescaped:") else { continue }
            scanned += 1
            findings += Self.findings(file: url.lastPathComponent, source: source, constants: Self.constants(in: source))
        }
        #expect(scanned >= 10, "the scan reads the stores")
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test("the scan catches a value spliced into SQL, and passes a constant and a bound value")
    func catches() {
        let unsafe = #"""
            static let columns = "id, name"
            func find(_ name: String) { _ = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM t WHERE name = '\(name)'") }
            func find2(_ order: String) { _ = try await query("SELECT 1 FROM t ORDER BY \(unescaped: order)") }
            func find3(_ sql: String) { _ = PostgresQuery(unsafeSQL: sql) }
            """#
        let found = Self.findings(file: "Example.swift", source: unsafe, constants: Self.constants(in: unsafe))
        #expect(Set(found.map(\.text)) == ["name", "order", "unsafeSQL: sql"])
        let safe = #"""
            static let columns = "id, name"
            func find(_ name: String) { _ = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM t WHERE name = $1") }
            func find2(_ name: String) { _ = try await query("SELECT \(unescaped: Self.columns) FROM t WHERE name = \(name)") }
            """#
        #expect(Self.findings(file: "Example.swift", source: safe, constants: Self.constants(in: safe)).isEmpty)
    }
}
