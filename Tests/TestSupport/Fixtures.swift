import Core
import Foundation
import Identity
import Store

/// Looks up the demo world of seed/identity.json inside a test database.
public struct DemoWorld: Sendable {
    public let database: Database
    public let identity: IdentityService
    public let password = TestDatabase.demoSeed.demoPassword

    public init(_ database: Database, clock: any SpokesClock = SystemClock()) {
        self.database = database
        identity = IdentityService(database: database, clock: clock, policy: TestDatabase.signInPolicy)
    }

    /// The actor of a demo user, signed in with the demo password.
    public func actor(_ username: String) async throws -> Actor {
        try await identity.signIn(username: username, password: password)
    }

    public func organisation(ofUser username: String) async throws -> Organisation {
        try await identity.organisation(id: try await actor(username).organisationID)
    }
}

extension DemoWorld {
    /// A new organisation of `kind` in the jurisdiction with that code, and a user of it with the demo password and
    /// these roles (the demo has one overseer, Lixia's: tests of other jurisdictions make their own).
    public func addUser(_ username: String, kind: OrganisationKind, roles: [Role], jurisdictionCode: String, nameZh: String) async throws -> Actor {
        let system = Actor.system
        let digits = String(format: "%09d", UInt32(truncatingIfNeeded: username.unicodeScalars.reduce(UInt32(7)) { $0 &* 31 &+ $1.value }) % 1_000_000_000)
        let code = try CreditCode.completing("11" + jurisdictionCode.prefix(6) + digits).value
        let organisation = try await identity.createOrganisation(by: system, NewOrganisation(
            kind: kind.rawValue, nameZh: nameZh, nameEn: username, creditCode: code, jurisdictionCode: jurisdictionCode))
        _ = try await identity.createUser(by: system, NewUser(username: username, displayName: nameZh, password: password,
                                                              organisationID: organisation.id, roles: roles.map(\.rawValue)))
        return try await actor(username)
    }
}

extension DemoWorld {
    /// A new user of an existing organisation, with the demo password and these roles.
    public func addMember(_ username: String, of organisationID: UUID, roles: [Role]) async throws -> Actor {
        _ = try await identity.createUser(by: .system, NewUser(username: username, displayName: username, password: password,
                                                               organisationID: organisationID, roles: roles.map(\.rawValue)))
        return try await actor(username)
    }
}
