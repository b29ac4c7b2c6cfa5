import ArgumentParser
import Store

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every hash chain; exit 1 naming each entity and event that was altered or removed.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let settings = try await Settings.load(common)
            let report = try await settings.withDatabase { try await AuditVerifier(database: $0).verify() }
            print("Checked \(report.chains) chains with \(report.events) events.")
            guard report.isIntact else {
                print("The audit trail has been tampered with:")
                for failure in report.failures { print("  - \(failure)") }
                throw ExitCode(1)
            }
            print("Every chain is intact.")
        }
    }
}
