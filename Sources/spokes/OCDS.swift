import ArgumentParser
import Core
import Foundation
import Identity
import Server
import Store

struct OCDS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocds", abstract: "Open Contracting Data Standard 1.1: publish and export releases.",
        subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish what changed, then write one release package of every release, streamed in constant memory.")

        @OptionGroup var common: CommonOptions
        @Option(help: "The file to write (- for standard output).") var output: String

        func run() async throws {
            let settings = try await Settings.load(common)
            var settingsForApp = AppConfiguration()
            settingsForApp.ocdsPrefix = try settings.ocdsPrefix()
            let configuration = settingsForApp
            let sealer = try settings.bidSealer()
            let policy = settings.signInPolicy
            let output = self.output
            let mode = try settings.mode(common)
            let (count, path) = try await settings.withDatabase { database in
                // A production export never reads a training class's database (the migrator refuses it), and a training
                // export publishes on the class's clock, with the test prefix.
                try await Migrator(database: database).migrate(mode: mode)
                let clock = try await settings.instanceClock(mode, database: database)
                let dependencies = AppDependencies(database: database, identity: IdentityService(database: database, clock: clock, policy: policy),
                                                   clock: clock, sealer: sealer, configuration: configuration)
                _ = try await dependencies.transparency.sync()
                let handle: FileHandle
                if output == "-" {
                    handle = .standardOutput
                } else {
                    guard FileManager.default.createFile(atPath: output, contents: nil) else { throw ValidationError("cannot write \(output)") }
                    handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                }
                defer { if output != "-" { try? handle.close() } }
                let count = try await dependencies.transparency.export(uri: "spokes:ocds-export", by: .system) { try handle.write(contentsOf: Data($0.utf8)) }
                return (count, output)
            }
            if path != "-" { FileHandle.standardError.write(Data("Wrote \(count) releases to \(path).\n".utf8)) }
        }
    }
}
