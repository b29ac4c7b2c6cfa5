import ArgumentParser
import Foundation

@main
struct Spokes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spokes",
        abstract: "Spokes: the platform on which local governments buy public services from social organisations.",
        discussion: """
            Without DATABASE_URL every command uses the embedded PostgreSQL cluster under .data/postgres
            (or --data-dir / SPOKES_DATA_DIR). Settings come from flags, then the environment, then a .env file.
            """,
        version: Version.text,
        subcommands: [Serve.self, Migrate.self, Seed.self, DB.self, Users.self, Audit.self, OCDS.self, CalendarCommand.self, ClockCommand.self, SettingsCommand.self]
    )

    /// A word that names no command is an error that names the nearest one (`spokes serv`: did you mean `serve`?), never
    /// a server started by default.
    static func main() async {
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        if let word = CommandLine.arguments.dropFirst().first, !word.hasPrefix("-"), !names.contains(word) {
            let nearest = names.min { distance(word, $0) < distance(word, $1) } ?? "help"
            FileHandle.standardError.write(Data("Error: spokes has no command '\(word)'. Did you mean '\(nearest)'? See 'spokes --help'.\n".utf8))
            Foundation.exit(64)
        }
        await main(nil)
    }

    /// Edit distance (insertions, deletions, substitutions).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() { current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))) }
            previous = current
        }
        return previous[b.count]
    }
}

/// `spokes settings list` (every setting, its default and meaning) and `spokes settings example` (the `.env.example` file).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "List every setting, or write them as a .env example.",
                                                    subcommands: [List.self, Example.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every setting with its default and meaning.")
        func run() { print(SettingsCatalogue.help) }
    }

    struct Example: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every setting as a commented .env file (the repository's .env.example).")
        func run() { print(SettingsCatalogue.example, terminator: "") }
    }
}

/// What `spokes --version` says: the version, and the git revision of the checkout the binary was built from when that
/// checkout is still where it was (a binary copied elsewhere says so).
enum Version {
    static let number = "0.26.0"

    static var text: String {
        "Spokes \(number) (\(revision.map { "revision \($0)" } ?? "revision unknown: not run from its checkout"))"
    }

    static var revision: String? {
        // This file's path at build time: Sources/spokes/Spokes.swift under the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let git = root.appendingPathComponent(".git")
        guard let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        else { return nil }
        guard head.hasPrefix("ref: ") else { return String(head.prefix(12)) }
        let ref = String(head.dropFirst(5))
        if let loose = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) {
            return String(loose.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))
        }
        // A packed ref: "<hash> <ref>" lines.
        let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(12)) }
    }
}
