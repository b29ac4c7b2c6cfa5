import Core
import Foundation
@testable import Server
import TestSupport
import Testing

/// Every message the code can say has its Chinese in Web/locales/messages.zh-CN.json. The messages are string
/// literals where a `Core.Message` is expected, so the sources are read for them (`MessageLiterals`), and the
/// database's own refusals (SQLSTATE SPK01) from the migrations.
@Suite("Message catalogue")
struct MessageCatalogueTests {
    static let root = TestDatabase.packageRoot

    static func catalogue() throws -> [String: String] {
        try Localisation.messages(at: root + "/Web/locales/messages.zh-CN.json")
    }

    /// The templates of the sources' messages, with where each is said first.
    static func templates() throws -> [String: String] {
        var found: [String: String] = [:]
        let sources = URL(fileURLWithPath: root + "/Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" && !file.path.contains("/SpokesAPI/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (template, line) in MessageLiterals.scan(text) where template.contains(where: \.isLetter) {
                found[template] = found[template] ?? "\(file.path.dropFirst(root.count + 1)):\(line)"
            }
        }
        return found
    }

    /// The sentences the migrations' triggers raise with SQLSTATE SPK01 (`Store.PSQLError.refusal` makes their
    /// `%` values; the template is the sentence with `%@` for each).
    static func databaseRefusals() throws -> [String] {
        let folder = root + "/Sources/Store/Migrations"
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().flatMap { name -> [String] in
            let sql = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            return sql.components(separatedBy: "RAISE EXCEPTION '").dropFirst().compactMap { rest -> String? in
                guard let end = rest.firstIndex(of: "'"), rest[end...].prefix(400).contains("'SPK01'") else { return nil }
                return rest[..<end].replacingOccurrences(of: "%", with: "%@")
            }
        }
    }

    @Test("every message the sources and the database can say has a Chinese wording")
    func everyMessageTranslated() throws {
        let catalogue = try Self.catalogue()
        let templates = try Self.templates()
        #expect(templates.count > 500, "the sources were read: \(templates.count) messages")
        let missing = templates.filter { catalogue[$0.key] == nil }.map { "\($0.value): \($0.key)" }.sorted()
        #expect(missing.isEmpty, "no Chinese for \(missing.count) messages:\n\(missing.joined(separator: "\n"))")
        let stored = Localisation.storedTemplates.filter { catalogue[$0] == nil }
        #expect(stored.isEmpty, "no Chinese for the sentences rows keep: \(stored)")
        let refusals = try Self.databaseRefusals()
        #expect(!refusals.isEmpty)
        #expect(refusals.filter { catalogue[$0] == nil }.isEmpty, "no Chinese for the database's \(refusals.filter { catalogue[$0] == nil })")
    }

    @Test("the catalogue holds no wording the code no longer says, and no English left untranslated")
    func noStaleEntries() throws {
        let catalogue = try Self.catalogue()
        let said = Set(try Self.templates().keys).union(try Self.databaseRefusals()).union(Localisation.storedTemplates)
        let stale = catalogue.keys.filter { !said.contains($0) }.sorted()
        #expect(stale.isEmpty, "stale: \(stale)")
        let english = catalogue.filter { !$0.value.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }.keys.sorted()
        #expect(english.isEmpty, "not in Chinese: \(english)")
    }

    @Test("the scanner finds messages where they are said and nothing else")
    func scanner() {
        let source = #"""
        func f(_ x: Int, _ verb: Message = "change it") throws -> Message {
            check.check(x > 0, "count", "must be more than \(x)")
            errors.append(FieldError("lots[\(x)].budget", "is more than " + "the budget"))
            if x == 1 { throw DomainError.conflict("line \(x) is taken") }
            let sql = "SELECT 1"
            switch "\(x)" {
            case "2": return "two is \("not " + "allowed")"
            default: return x > 3 ? "big" : "small 100 %"
            }
        }
        """#
        let found = MessageLiterals.scan(source).map(\.template)
        #expect(found == ["change it", "must be more than %@", "is more than the budget", "line %@ is taken", "two is %@", "big", "small 100 %%"], "\(found)")
    }

    @Test("a sentence a row keeps in English is shown in Chinese by its template, with its values; other words as they are")
    func storedSentences() throws {
        let localisation = try Localisation(directory: Self.root + "/Web/locales")
        #expect(localisation.sayStored("tied to a bidder (某机构: 理事)", .zh) == "与投标人存在关联（某机构: 理事）")
        #expect(localisation.sayStored("a corrected sign-off lowered what verified outcomes earn to ¥52,740.00, below the ¥66,802.31 paid", .zh)
                == "更正后的验收结论使核实成果应得金额降至¥52,740.00，低于已支付的¥66,802.31")
        #expect(localisation.sayStored("tied to a bidder (x)", .en) == "tied to a bidder (x)")
        #expect(localisation.sayStored("服务对象搬离辖区", .zh) == "服务对象搬离辖区")
    }

    @Test("a translation may reorder or leave out values, and the start-up check refuses one naming a value the English lacks")
    func placeholders() throws {
        let message: Message = "contract \("HT-1") has no \("evidence") \("e1")"
        let chinese = ["contract %@ has no %@ %@": "合同%1$@下没有%3$@（%2$@）"]
        #expect(message.rendered(template: { chinese[$0] }, word: { _ in nil }) == "合同HT-1下没有e1（evidence）")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("messages.zh-CN.json")
        try Data(#"{"line %@ is taken": "项目%2$@已被使用"}"#.utf8).write(to: file)
        #expect(throws: StartupError.self) { try Localisation.messages(at: file.path) }
    }
}

/// Finds the string literals the sources turn into messages: the message argument of `FieldError`, `check`,
/// `conflict`, `notFound`, `forbidden`, `badRequest`, `unauthenticated`, `deny`, `add`, `DomainError`, `init`
/// and `Message`, and `detail:` of a problem; the value of a declaration typed `Message`; and literals a function,
/// property or switch typed `Message` returns.
/// Halves of a literal joined with `+` are one message. It reads Swift as text, so it is a guard, not a
/// compiler: a message built elsewhere (a labelled argument, a String variable) is not seen.
enum MessageLiterals {
    static let calls: [String: Int] = ["FieldError": 1, "check": 2, "conflict": 0, "notFound": 0, "forbidden": 0, "badRequest": 0,
                                       "unauthenticated": 0, "DomainError": 1, "Message": 0, "deny": 0, "add": 2, "init": 1, "Problem": -1]

    private struct Frame {
        var bracket: Character
        var name: String?
        var argument = 0
        var label: String?
        var message = false
    }

    static func scan(_ source: String) -> [(template: String, line: Int)] {
        let text = Array(source)
        var found: [(String, Int)] = []
        var stack: [Frame] = []
        var index = 0

        func starts(_ prefix: String, at position: Int) -> Bool {
            var position = position
            for character in prefix {
                guard position < text.count, text[position] == character else { return false }
                position += 1
            }
            return true
        }
        func line(of position: Int) -> Int { text[..<position].filter { $0 == "\n" }.count + 1 }
        /// The text of the current line before `position`.
        func before(_ position: Int) -> String {
            var start = position
            while start > 0 && text[start - 1] != "\n" { start -= 1 }
            return String(text[start..<position])
        }
        func isIdentifier(_ character: Character) -> Bool { character.isLetter || character.isNumber || character == "_" }
        /// The identifier right before `position` (skipping spaces).
        func name(before position: Int) -> String? {
            var end = position
            while end > 0 && text[end - 1] == " " { end -= 1 }
            var start = end
            while start > 0 && isIdentifier(text[start - 1]) { start -= 1 }
            return start < end ? String(text[start..<end]) : nil
        }
        /// An argument label at `position` (`detail:`), if any.
        func label(at position: Int) -> String? {
            var position = position
            while position < text.count && text[position].isWhitespace { position += 1 }
            let start = position
            while position < text.count && isIdentifier(text[position]) { position += 1 }
            guard position > start, position < text.count, text[position] == ":",
                  position + 1 >= text.count || text[position + 1] != ":" else { return nil }
            return String(text[start..<position])
        }
        func isLiteralStart(_ position: Int) -> Bool {
            guard position < text.count else { return false }
            if text[position] == "\"" { return true }
            var position = position
            while position < text.count && text[position] == "#" { position += 1 }
            return position < text.count && position > 0 && text[position] == "\"" && text[position - 1] == "#"
        }
        /// Reads the literal at `position`: its template (`%@` for each interpolation), where it ends, and whether it is multi-line.
        func literal(at start: Int) -> (String, Int, Bool) {
            var position = start
            var hashes = 0
            while text[position] == "#" { hashes += 1; position += 1 }
            let multiLine = starts("\"\"\"", at: position)
            let quote = multiLine ? "\"\"\"" : "\""
            position += quote.count
            let close = quote + String(repeating: "#", count: hashes)
            let escape = "\\" + String(repeating: "#", count: hashes)
            var template = ""
            while position < text.count {
                if starts(close, at: position) { return (template, position + close.count, multiLine) }
                if starts(escape + "(", at: position) {
                    position += escape.count + 1
                    var depth = 1
                    while position < text.count && depth > 0 {
                        if isLiteralStart(position) {
                            position = literal(at: position).1
                            continue
                        }
                        if text[position] == "(" { depth += 1 } else if text[position] == ")" { depth -= 1 }
                        position += 1
                    }
                    template += "%@"
                    continue
                }
                if hashes == 0 && text[position] == "\\" && position + 1 < text.count {
                    let next = text[position + 1]
                    let escapes: [Character: String] = ["n": "\n", "t": "\t", "\"": "\"", "\\": "\\", "'": "'", "0": "\0", "r": "\r"]
                    if let replaced = escapes[next] {
                        template += replaced
                        position += 2
                        continue
                    }
                    if next == "u", let end = text[position...].firstIndex(of: "}"),
                       let scalar = UInt32(String(text[(position + 3)..<end]), radix: 16).flatMap(Unicode.Scalar.init) {
                        template.append(Character(scalar))
                        position = end + 1
                        continue
                    }
                }
                template += text[position] == "%" ? "%%" : String(text[position])
                position += 1
            }
            return (template, position, multiLine)
        }
        func atMessagePosition(_ start: Int) -> Bool {
            // A declaration's value or a parameter's default: `to do: Message = "change it"`.
            if before(start).range(of: #":\s*Message\??\s*=\s*$"#, options: .regularExpression) != nil { return true }
            for frame in stack.reversed() {
                switch frame.bracket {
                case "(":
                    if let name = frame.name, let wanted = calls[name] {
                        return (frame.argument == wanted && frame.label == nil) || (frame.label == "detail" && ["Problem", "init"].contains(name))
                    }
                    if [nil, "return", "guard", "if", "else", "in", "switch"].contains(frame.name) { continue }
                    return false
                case "{":
                    guard frame.message else { return false }
                    let head = before(start)
                    let pattern = head.range(of: #"\bcase\b[^:]*$"#, options: .regularExpression) != nil
                    let compared = head.range(of: #"(==|!=|switch|[^=!<>]=)\s*$"#, options: .regularExpression) != nil
                    return !pattern && !compared
                default:
                    return false
                }
            }
            return false
        }

        while index < text.count {
            let character = text[index]
            if starts("//", at: index) {
                while index < text.count && text[index] != "\n" { index += 1 }
                continue
            }
            if starts("/*", at: index) {
                var depth = 0
                repeat {
                    if starts("/*", at: index) { depth += 1; index += 2 } else if starts("*/", at: index) { depth -= 1; index += 2 } else { index += 1 }
                } while depth > 0 && index < text.count
                continue
            }
            if isLiteralStart(index) {
                let start = index
                var (template, end, multiLine) = literal(at: index)
                index = end
                let after = String(text[end..<min(end + 20, text.count)])
                let usedAsString = after.range(of: #"^\s*(==|!=)|^\."#, options: .regularExpression) != nil
                    || String(text[max(0, start - 10)..<start]).range(of: #"\+\s*$"#, options: .regularExpression) != nil
                if !multiLine && !usedAsString && atMessagePosition(start) {
                    // A long literal split over lines with `+` is one message.
                    while true {
                        var next = index
                        while next < text.count && text[next].isWhitespace { next += 1 }
                        guard next < text.count, text[next] == "+" else { break }
                        next += 1
                        while next < text.count && text[next].isWhitespace { next += 1 }
                        guard isLiteralStart(next) else { break }
                        let more = literal(at: next)
                        template += more.0
                        index = more.1
                    }
                    found.append((template, line(of: start)))
                }
                continue
            }
            switch character {
            case "(", "[", "{":
                var frame = Frame(bracket: character)
                if character == "(" { frame.name = name(before: index) }
                if character == "{" {
                    let head = before(index)
                    let declaration = String(text[max(0, index - 400)..<index])
                    let keyword = [declaration.range(of: "func ", options: .backwards), declaration.range(of: "var ", options: .backwards)]
                        .compactMap { $0 }.max { $0.lowerBound < $1.lowerBound }
                    if let keyword {
                        let signature = String(declaration[keyword.lowerBound...])
                        if !signature.contains("{") && !signature.contains("}")
                            && (signature.range(of: #"->[^{]*\bMessage\b"#, options: .regularExpression) != nil
                                || signature.range(of: #"^var\s+\w+\s*:\s*Message\??\s*$"#, options: .regularExpression) != nil) {
                            frame.message = true
                        }
                    }
                    if head.range(of: #":\s*Message\??\s*=\s*(switch|if)\b"#, options: .regularExpression) != nil { frame.message = true }
                    if let outer = stack.last {
                        // A block inside a message context keeps it, unless it declares something of its own.
                        if outer.bracket == "{" && outer.message && head.range(of: #"\b(func|var|let)\b[^=]*$"#, options: .regularExpression) == nil {
                            frame.message = true
                        }
                        // A closure passed where a message goes (`periods.map { "…" }`).
                        if outer.bracket == "(", let name = outer.name, calls[name] == outer.argument, outer.label == nil { frame.message = true }
                    }
                }
                stack.append(frame)
                index += 1
                if character == "(" { stack[stack.count - 1].label = label(at: index) }
            case ")", "]", "}":
                if !stack.isEmpty { stack.removeLast() }
                index += 1
            case "," where stack.last?.bracket == "(":
                stack[stack.count - 1].argument += 1
                index += 1
                stack[stack.count - 1].label = label(at: index)
            default:
                index += 1
            }
        }
        return found
    }
}
