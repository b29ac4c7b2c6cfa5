import Core
import Foundation
import Store

/// A person's tie to an organisation other than the one they work in: an evaluation expert's
/// employer, a board seat, a consultancy. Evaluators tied to a buyer or a bidder are refused.
public struct Affiliation: Codable, Sendable, Equatable {
    public var userID: UUID
    public var organisationID: UUID
    /// In the person's words, e.g. "理事 (board member)".
    public var relation: String
    public init(userID: UUID, organisationID: UUID, relation: String) {
        self.userID = userID
        self.organisationID = organisationID
        self.relation = relation
    }
}

extension IdentityService {
    public func user(id: UUID) async throws -> User {
        guard let user = try await database.read({ try await IdentityStore(connection: $0, logger: database.logger).user(id: id) }) else {
            throw DomainError.notFound("no user has id \(id.lowercased)")
        }
        return user
    }

    /// Every enabled user holding the evaluator role, by name: the people a buyer may put on a panel.
    public func evaluators() async throws -> [User] {
        try await database.read { try await IdentityStore(connection: $0, logger: database.logger).users(withRole: .evaluator) }
    }

    /// The evaluators a buyer's staff may seat on a panel (administrators see them too).
    public func evaluators(by actor: Actor) async throws -> [User] {
        try Policy.authorize(actor, .manageTender, Resource(organisationID: actor.organisationID))
        return try await evaluators()
    }

    /// The organisations a user is tied to: their own and their recorded affiliations.
    public func ties(of userID: UUID) async throws -> [Affiliation] {
        let user = try await user(id: userID)
        let recorded = try await database.read { try await IdentityStore(connection: $0, logger: database.logger).affiliations(of: userID) }
        return [Affiliation(userID: userID, organisationID: user.organisationID, relation: "works there")] + recorded
    }

    /// Records a tie: the person themself (declaring it) or a platform administrator.
    public func recordAffiliation(by actor: Actor, _ affiliation: Affiliation) async throws {
        guard actor.userID == affiliation.userID || actor.has(.admin) else {
            throw DomainError.forbidden("only the person themself or an administrator records their ties")
        }
        var check = Validator()
        let relation = check.text(affiliation.relation, "relation", max: 200)
        try check.finish()
        _ = try await organisation(id: affiliation.organisationID)
        var recorded = affiliation
        recorded.relation = relation
        try await database.transaction { connection in
            try await IdentityStore(connection: connection, logger: database.logger).upsert(recorded, at: clock.now())
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "user.affiliation_recorded",
                                      entity: AuditEntity("user", affiliation.userID), before: nil as Affiliation?, after: recorded, at: clock.now())
        }
    }
}
