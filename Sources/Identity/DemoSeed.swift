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

    public struct RatingRow: Decodable, Sendable {
        var creditCode: String
        var level: Int
        var awardedOn: String
        var points: Int?
        var assessedBy: String?
        var document: String?
    }
    public struct ViolationRow: Decodable, Sendable {
        var creditCode: String
        var kind: SanctionKind?
        var severity: Violation.Severity
        var occurredOn: String
        var endsOn: String?
        var source: String?
        var description: String
    }

    public struct AffiliationRow: Decodable, Sendable {
        var username: String
        var organisationCreditCode: String
        var relation: String
    }

    public var demoPassword: String
    public var jurisdictions: [JurisdictionRow]
    public var organisations: [OrganisationRow]
    public var users: [UserRow]
    public var ratings: [RatingRow] = []
    public var violations: [ViolationRow] = []
    public var affiliations: [AffiliationRow] = []

    private enum CodingKeys: String, CodingKey { case demoPassword, jurisdictions, organisations, users, ratings, violations, affiliations }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        demoPassword = try c.decode(String.self, forKey: .demoPassword)
        jurisdictions = try c.decode([JurisdictionRow].self, forKey: .jurisdictions)
        organisations = try c.decode([OrganisationRow].self, forKey: .organisations)
        users = try c.decode([UserRow].self, forKey: .users)
        ratings = try c.decodeIfPresent([RatingRow].self, forKey: .ratings) ?? []
        violations = try c.decodeIfPresent([ViolationRow].self, forKey: .violations) ?? []
        affiliations = try c.decodeIfPresent([AffiliationRow].self, forKey: .affiliations) ?? []
    }

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
    /// Ratings and violations recorded.
    public var standings = 0
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
        for row in seed.ratings {
            let organisation = try await seeded(row.creditCode)
            if try await standing(of: organisation.id).rating?.awardedOn == row.awardedOn { continue }
            _ = try await loadRating(organisationID: organisation.id, NewRating(
                level: row.level, points: row.points, awardedOn: row.awardedOn, assessedBy: row.assessedBy ?? "", document: row.document ?? ""))
            report.standings += 1
        }
        for row in seed.violations {
            let organisation = try await seeded(row.creditCode)
            if try await standing(of: organisation.id).violations.contains(where: { $0.occurredOn == row.occurredOn }) { continue }
            _ = try await loadSanction(organisationID: organisation.id, NewSanction(
                kind: row.kind ?? .administrativePenalty, severity: row.severity, occurredOn: row.occurredOn, endsOn: row.endsOn,
                source: row.source ?? "", description: row.description))
            report.standings += 1
        }
        for row in seed.affiliations {
            guard let user = try await database.read({ try await IdentityStore(connection: $0, logger: database.logger).credentials(username: row.username) }) else {
                throw DomainError.notFound("the seed's affiliations name user \(row.username), who is not in it")
            }
            let organisation = try await seeded(row.organisationCreditCode)
            if try await ties(of: user.id).contains(where: { $0.organisationID == organisation.id }) { continue }
            try await recordAffiliation(by: .system, Affiliation(userID: user.id, organisationID: organisation.id, relation: row.relation))
        }
        return report
    }

    private func seeded(_ creditCode: String) async throws -> Organisation {
        guard let organisation = try await organisation(creditCode: creditCode) else {
            throw DomainError.notFound("the seed names organisation \(creditCode), which is not in it")
        }
        return organisation
    }

    public func userExists(username: String) async throws -> Bool {
        try await database.read { try await IdentityStore(connection: $0, logger: database.logger).credentials(username: username) } != nil
    }
}
