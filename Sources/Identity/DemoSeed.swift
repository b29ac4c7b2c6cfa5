import Core
import Foundation
import Store

/// The demo jurisdictions, organisations and users of `seed/identity.json`.
public struct IdentitySeed: Decodable, Sendable {
    public struct JurisdictionRow: Decodable, Sendable {
        var code: String
        var parentCode: String?
        var tier: Tier
        var nameZh: String
        var nameEn: String
    }
    public struct OrganisationRow: Decodable, Sendable {
        var kind: String
        var nameZh: String
        var nameEn: String
        var creditCode: String
        var jurisdictionCode: String
    }
    public struct UserRow: Decodable, Sendable {
        public var username: String
        public var displayName: String
        public var organisationCreditCode: String
        public var roles: [String]
    }

    public var demoPassword: String
    public var jurisdictions: [JurisdictionRow]
    public var organisations: [OrganisationRow]
    public var users: [UserRow]

    public static func load(from path: String) throws -> IdentitySeed {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DomainError.notFound("no seed file at \(path)")
        }
        return try JSONDecoder().decode(IdentitySeed.self, from: data)
    }
}

public struct SeedReport: Sendable, Equatable {
    public var jurisdictions = 0
    public var organisations = 0
    public var users = 0
    public init() {}
}

extension IdentityService {
    /// Loads the demo data through the ordinary service methods (so it is validated and audited
    /// like anything else), skipping what exists already: running it twice changes nothing.
    public func seed(_ seed: IdentitySeed) async throws -> SeedReport {
        var report = SeedReport()
        for row in seed.jurisdictions where try await jurisdiction(code: row.code) == nil {
            _ = try await createJurisdiction(by: .system, NewJurisdiction(
                parentCode: row.parentCode, tier: row.tier, code: row.code, nameZh: row.nameZh, nameEn: row.nameEn))
            report.jurisdictions += 1
        }
        for row in seed.organisations where try await organisation(creditCode: row.creditCode) == nil {
            _ = try await createOrganisation(by: .system, NewOrganisation(
                kind: row.kind, nameZh: row.nameZh, nameEn: row.nameEn, creditCode: row.creditCode,
                jurisdictionCode: row.jurisdictionCode))
            report.organisations += 1
        }
        for row in seed.users where try await userExists(username: row.username) == false {
            guard let organisation = try await organisation(creditCode: row.organisationCreditCode) else {
                throw DomainError.notFound("seed user \(row.username) names organisation \(row.organisationCreditCode), which is not in the seed")
            }
            _ = try await createUser(by: .system, NewUser(
                username: row.username, displayName: row.displayName, password: seed.demoPassword,
                organisationID: organisation.id, roles: row.roles))
            report.users += 1
        }
        return report
    }

    public func userExists(username: String) async throws -> Bool {
        try await database.read { try await IdentityStore(connection: $0, logger: database.logger).credentials(username: username) } != nil
    }
}
