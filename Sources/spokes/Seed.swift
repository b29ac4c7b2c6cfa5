import ArgumentParser
import Catalogue
import Foundation
import Identity
import Store

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the demo data (idempotent) and print the demo sign-ins.")

    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("seed-dir"), help: "Folder with the demo data files.") var seedDirectory = "seed"

    func run() async throws {
        let settings = try await Settings.load(common)
        let seed = try IdentitySeed.load(from: seedDirectory + "/identity.json")
        let policy = settings.signInPolicy
        let seedDirectory = self.seedDirectory
        try await settings.withDatabase { database in
            try await Migrator(database: database).migrate()
            let report = try await IdentityService(database: database, policy: policy).seed(seed)
            print("Seeded \(report.jurisdictions) jurisdictions, \(report.organisations) organisations, \(report.users) users (existing ones left alone).")
            func file(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: seedDirectory + "/" + name)) }
            let catalogue = try await PurchaseCatalogueService(database: database).importFile(by: .system, try file("purchase-catalogue.csv"))
            print("Guiding purchase catalogue: \(catalogue.created) entries added, \(catalogue.updated) updated, \(catalogue.unchanged) unchanged.")
            let items = ServiceItemService(database: database, identity: IdentityService(database: database, policy: policy))
            let materials = try await items.importMaterials(by: .system, try file("materials.csv"))
            print("Materials: \(materials.created) added, \(materials.updated) updated, \(materials.unchanged) unchanged.")
            let services = try await items.importItems(by: .system, try file("service-items.csv"))
            print("Service items: \(services.created) added, \(services.updated) updated, \(services.unchanged) unchanged.")
        }
        print("\nDemo sign-ins (password for all: \(seed.demoPassword)):")
        for user in seed.users {
            print("  \(user.username.padding(toLength: 10, withPad: " ", startingAt: 0))  \(user.roles.joined(separator: ", "))  (\(user.displayName))")
        }
    }
}
