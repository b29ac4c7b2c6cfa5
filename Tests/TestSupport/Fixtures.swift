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
