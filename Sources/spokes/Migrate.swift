import ArgumentParser
import Store

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")

    @OptionGroup var common: CommonOptions
    @Flag(help: "Only report which migrations are applied and pending.") var status = false

    func run() async throws {
        let settings = try await Settings.load(common)
        let report = status
        let mode = try settings.mode(common)
        try await settings.withDatabase { database in
            let migrator = try Migrator(database: database)
            if report {
                let s = try await migrator.status()
                print("applied: \(s.applied)\npending: \(s.pending)\nunknown: \(s.unknown)\naltered: \(s.altered)")
            } else {
                let applied = try await migrator.migrate(mode: mode)
                print(applied.isEmpty ? "The database is up to date." : "Applied migrations \(applied).")
            }
        }
    }
}
