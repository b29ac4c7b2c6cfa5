import ArgumentParser
import Core
import Foundation
import Identity
import Store

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage users.",
                                                    subcommands: [Create.self, List.self, Disable.self, Enable.self, ResetPassword.self])

    /// A password never comes from the command line, which `ps` shows to everyone on the machine: from a file
    /// (`--password-file`, its first line), from SPOKES_PASSWORD, or typed at a prompt without echo (twice).
    static func password(file: String?) throws -> String {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw UserFacingError(description: "cannot read the password file \(file)") }
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        if let password = ProcessInfo.processInfo.environment["SPOKES_PASSWORD"] { return password }
        guard isatty(STDIN_FILENO) == 1 else {
            throw UserFacingError(description: "give the password in a file (--password-file FILE), in SPOKES_PASSWORD, or type it at a terminal")
        }
        guard let first = getpass("Password: ").map({ String(cString: $0) }), let again = getpass("Again: ").map({ String(cString: $0) }) else {
            throw UserFacingError(description: "no password was typed")
        }
        guard first == again else { throw UserFacingError(description: "the two passwords differ") }
        return first
    }

    /// The user with this username, or an error naming it.
    static func find(_ username: String, in identity: IdentityService) async throws -> User {
        guard let user = try await identity.user(username: username) else { throw UserFacingError(description: "no user has username \(username)") }
        return user
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every user: username, organisation, roles, whether disabled.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let settings = try await Settings.load(common)
            let policy = settings.signInPolicy
            let lines = try await settings.withDatabase { database in
                let identity = IdentityService(database: database, policy: policy)
                var users: [User] = []
                while true {
                    let page = try await identity.allUsers(by: .system, after: users.last?.username)
                    users += page
                    if page.count < 500 { break }
                }
                let names = try await identity.organisations(ids: Set(users.map(\.organisationID)))
                return users.map { user in
                    [user.username, user.displayName, names[user.organisationID]?.nameZh ?? user.organisationID.uuidString.lowercased(),
                     user.roles.map(\.rawValue).joined(separator: ","), user.disabled ? "disabled" : "active"].joined(separator: "\t")
                }
            }
            print(["username", "name", "organisation", "roles", "status"].joined(separator: "\t"))
            lines.forEach { print($0) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: they cannot sign in, and their sessions and tokens end at once.")
        @OptionGroup var common: CommonOptions
        @Argument var username: String

        func run() async throws { try await Users.setDisabled(username, true, common) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user again.")
        @OptionGroup var common: CommonOptions
        @Argument var username: String

        func run() async throws { try await Users.setDisabled(username, false, common) }
    }

    static func setDisabled(_ username: String, _ disabled: Bool, _ common: CommonOptions) async throws {
        let settings = try await Settings.load(common)
        let policy = settings.signInPolicy
        try await settings.withDatabase { database in
            let identity = IdentityService(database: database, policy: policy)
            _ = try await identity.setUserDisabled(by: .system, userID: try await find(username, in: identity).id, disabled: disabled)
        }
        print("\(disabled ? "Disabled" : "Enabled") \(username).")
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password for a user; their sessions end and their API tokens are revoked.",
            discussion: "The password comes from --password-file, SPOKES_PASSWORD, or a prompt; never from the command line.")
        @OptionGroup var common: CommonOptions
        @Argument var username: String
        @Option(name: .customLong("password-file"), help: "A file whose first line is the new password.") var passwordFile: String?

        func run() async throws {
            let password = try Users.password(file: passwordFile)
            let settings = try await Settings.load(common)
            let (policy, username) = (settings.signInPolicy, self.username)
            try await settings.withDatabase { database in
                let identity = IdentityService(database: database, policy: policy)
                _ = try await identity.resetPassword(by: .system, userID: try await Users.find(username, in: identity).id, to: password)
            }
            print("Set a new password for \(username); their sessions and tokens have ended.")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user in an organisation.",
            discussion: "The password comes from --password-file, SPOKES_PASSWORD, or a prompt; never from the command line.")
        @OptionGroup var common: CommonOptions
        @Option var username: String
        @Option(name: .customLong("display-name")) var displayName: String
        @Option(help: "The organisation's credit code, reference (ORG-00001) or id.") var organisation: String
        @Option(help: "Comma-separated roles, e.g. buyer,org_admin.") var roles: String
        @Option var email: String?
        @Option(name: .customLong("password-file"), help: "A file whose first line is the password.") var passwordFile: String?

        func run() async throws {
            let password = try Users.password(file: passwordFile)
            let settings = try await Settings.load(common)
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
