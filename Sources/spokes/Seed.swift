import ArgumentParser
import Core
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
    @Option(help: "With --training: the class's size (3 to 60): a fifth buyers, a fifth evaluators, the rest social organisations.") var trainees = 20
    @Option(name: .customLong("password-file"), help: "With --training: a file whose first line is the class's password (else SPOKES_PASSWORD, else one is made and printed).")
    var passwordFile: String?

    func validate() throws {
        guard TrainingClass.Roster.sizes.contains(trainees) else { throw ValidationError("--trainees must be 3 to 60; got \(trainees)") }
        if common.training && scale != nil { throw ValidationError("--scale is for production benchmarks, not a training class") }
        if let scale, ScaleSize.named(scale) == nil { throw ValidationError("--scale must be province or town, not \(scale)") }
        for count in [tenders, requests].compactMap({ $0 }) where count < 1 || scale == nil {
            throw ValidationError("--tenders and --requests need --scale and a count of at least 1")
        }
    }

    func run() async throws {
        let settings = try await Settings.load(common)
        if try settings.mode(common) == .training { return try await seedClass(settings) }
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

    /// `spokes seed --training`: a training class's district and accounts on a training database (issue 27).
    private func seedClass(_ settings: Settings) async throws {
        let givenPassword = passwordFile != nil || ProcessInfo.processInfo.environment["SPOKES_PASSWORD"] != nil
        let password = givenPassword ? try Users.password(file: passwordFile) : Self.classPassword()
        guard password.count >= settings.signInPolicy.minimumPasswordLength else {
            throw ValidationError("the class's password needs at least \(settings.signInPolicy.minimumPasswordLength) characters")
        }
        let roster = TrainingClass.Roster(trainees: trainees)
        let policy = settings.signInPolicy
        let seedDirectory = self.seedDirectory
        let demoPassword = try IdentitySeed.load(from: seedDirectory + "/identity.json").demoPassword
        try await settings.withDatabase { database in
            // Records are seeded in real time; the class's clock starts at the first `serve --training`, not before, so a
            // class seeded the night before finds its clock where its trainer set it.
            try await Migrator(database: database).migrate(mode: .training)
            let clock = SystemClock()
            for line in try await TrainingClass.load(into: database, from: seedDirectory, policy: policy, clock: clock, roster: roster, password: password) {
                print(line)
            }
        }
        print("\nTraining class sign-ins (password for all: \(password)):")
        for (username, role) in roster.usernames { print("  \(username.padding(toLength: 10, withPad: " ", startingAt: 0))  \(role)") }
        print("The demo district's own users keep the demo password (\(demoPassword)). Start the class with: spokes serve --training")
    }

    /// A password a trainer reads out to a class: four groups of four letters and digits, no look-alikes.
    static func classPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        return (0..<4).map { _ in String((0..<4).map { _ in alphabet.randomElement() ?? "x" }) }.joined(separator: "-")
    }
}
