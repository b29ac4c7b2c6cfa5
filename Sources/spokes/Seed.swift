import ArgumentParser
import Demo
import Foundation
import Grassroots
import Identity
import Store
import Tendering

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the demo data (idempotent) and print the demo sign-ins; with --scale, add a generated province.")

    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("seed-dir"), help: "Folder with the demo data files.") var seedDirectory = "seed"
    @Option(help: "Also generate a province beside the demo: province (50,000 tenders) or town (500).") var scale: String?

    func validate() throws {
        if let scale, ScaleSize.named(scale) == nil { throw ValidationError("--scale must be province or town, not \(scale)") }
    }

    func run() async throws {
        let settings = try await Settings.load(common)
        let seed = try IdentitySeed.load(from: seedDirectory + "/identity.json")
        let policy = settings.signInPolicy
        let seedDirectory = self.seedDirectory
        let sealer = try settings.bidSealer()
        try await settings.withDatabase { database in
            try await Migrator(database: database).migrate()
            for line in try await DemoData.load(into: database, from: seedDirectory, policy: policy, tenders: sealer) { print(line) }
            if let scale {
                // The generated sites' staff sign in with the demo password; applicants are sealed under the server's key.
                let hash = try await IdentityService(database: database, policy: policy).passwordHash(seed.demoPassword)
                try await ProvinceScale.load(into: database, size: ScaleSize.named(scale)!,
                                             applicants: ApplicantSealer(key: sealer.derivedKey(for: "spokes applicants v1")), passwordHash: hash) {
                    print("scale: \($0)")
                }
            }
        }
        print("\nDemo sign-ins (password for all: \(seed.demoPassword)):")
        for user in seed.users {
            print("  \(user.username.padding(toLength: 10, withPad: " ", startingAt: 0))  \(user.roles.joined(separator: ", "))  (\(user.displayName))")
        }
    }
}
