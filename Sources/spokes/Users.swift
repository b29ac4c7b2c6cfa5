import ArgumentParser
import Core
import Foundation
import Identity
import Store

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user in an organisation.",
            discussion: "The password comes from --password or, better, the SPOKES_PASSWORD environment variable.")
        @OptionGroup var common: CommonOptions
        @Option var username: String
        @Option(name: .customLong("display-name")) var displayName: String
        @Option(help: "The organisation's credit code, reference (ORG-00001) or id.") var organisation: String
        @Option(help: "Comma-separated roles, e.g. buyer,org_admin.") var roles: String
        @Option var email: String?
        @Option var password: String?

        func run() async throws {
            let settings = try await Settings.load(common)
            guard let password = password ?? ProcessInfo.processInfo.environment["SPOKES_PASSWORD"] else {
                throw UserFacingError(description: "give the password with SPOKES_PASSWORD=… or --password")
            }
            let (username, displayName, email, organisation, roles) = (self.username, self.displayName, self.email, self.organisation, self.roles)
            let policy = settings.signInPolicy
            let user = try await settings.withDatabase { database in
                let identity = IdentityService(database: database, policy: policy)
                let found = try await Self.find(organisation, in: identity)
                return try await identity.createUser(by: .system, NewUser(
                    username: username, displayName: displayName, email: email, password: password,
                    organisationID: found.id, roles: roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }))
            }
            print("Created user \(user.username) (\(user.id.uuidString.lowercased())) with roles \(user.roles.map(\.rawValue).joined(separator: ", ")).")
        }

        static func find(_ key: String, in identity: IdentityService) async throws -> Organisation {
            if let id = UUID(uuidString: key) { return try await identity.organisation(id: id) }
            if let byCode = try await identity.organisation(creditCode: key.uppercased()) { return byCode }
            var after: Organisation?
            while true {
                let page = try await identity.organisations(after: after, limit: 200)
                if let match = page.first(where: { $0.reference == key.uppercased() }) { return match }
                guard page.count == 200 else { break }
                after = page.last
            }
            throw UserFacingError(description: "no organisation has credit code, reference or id \(key)")
        }
    }
}
