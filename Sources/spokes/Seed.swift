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
    @Option(help: "With --scale, this many tenders instead of the scale's (a smaller load for a debug build).") var tenders: Int?
    @Option(help: "With --scale, this many service requests instead of the scale's (province 2,000,000, town 20,000).") var requests: Int?

    func validate() throws {
        if let scale, ScaleSize.named(scale) == nil { throw ValidationError("--scale must be province or town, not \(scale)") }
        for count in [tenders, requests].compactMap({ $0 }) where count < 1 || scale == nil {
            throw ValidationError("--tenders and --requests need --scale and a count of at least 1")
        }
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
                var size = ScaleSize.named(scale)!
                if let tenders { size.tenders = tenders }
                if let requests { size.serviceRequests = requests }
                try await ProvinceScale.load(into: database, size: size,
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
