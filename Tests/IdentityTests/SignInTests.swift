import Core
import Foundation
import Identity
import TestSupport
import Testing

@Suite("Signing in, sessions and tokens")
struct SignInTests {
    @Test("a wrong password is refused without saying whether the user exists")
    func wrongPassword() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let wrongPassword = await #expect(throws: DomainError.self) {
                _ = try await world.identity.signIn(username: "finance", password: "nope")
            }
            let unknownUser = await #expect(throws: DomainError.self) {
                _ = try await world.identity.signIn(username: "nobody", password: "nope")
            }
            #expect(wrongPassword == unknownUser)
        }
    }

    @Test("a password reset: the old password, the sessions and the tokens stop working; a short password, or another organisation's administrator, is refused")
    func resetPassword() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let ngo = try await world.actor("ngo")
            let token = try await world.identity.issueToken(username: "ngo", password: world.password, name: nil)
            let session = try await world.identity.startSession(for: ngo)
            // The finance office's administrator manages its own users, not the NGO's.
            await #expect(throws: DomainError.self) {
                _ = try await world.identity.resetPassword(by: try await world.actor("finance"), userID: ngo.userID, to: "a brand new password")
            }
            await #expect(throws: DomainError.invalid([FieldError("password", "must be at least 10 characters")])) {
                _ = try await world.identity.resetPassword(by: .system, userID: ngo.userID, to: "short")
            }
            #expect(try await world.identity.actor(forToken: token.token) != nil, "refusals changed nothing")
            _ = try await world.identity.resetPassword(by: .system, userID: ngo.userID, to: "a brand new password")
            #expect(try await world.identity.actor(forToken: token.token) == nil)
            #expect(try await world.identity.actor(forSession: session.secret) == nil)
            await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "ngo", password: world.password) }
            #expect(try await world.identity.signIn(username: "ngo", password: "a brand new password").userID == ngo.userID)
            // Listing every user is the platform administrators' alone.
            #expect(try await world.identity.allUsers(by: .system).contains { $0.username == "ngo" })
            await #expect(throws: DomainError.self) { _ = try await world.identity.allUsers(by: ngo) }
        }
    }

    @Test("five failures lock the name, even with the right password, until the window passes")
    func lockOut() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            for _ in 0..<5 {
                await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "finance", password: "guess") }
            }
            do {
                _ = try await world.identity.signIn(username: "finance", password: world.password)
                Issue.record("a locked name must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .locked)
                #expect(error.retryAfter == 15 * 60)
            }
            // Another user is not affected.
            _ = try await world.identity.signIn(username: "civil", password: world.password)
            clock.advance(by: 15 * 60 + 1)
            let actor = try await world.identity.signIn(username: "finance", password: world.password)
            #expect(actor.username == "finance")
        }
    }

    @Test("unknown names are locked too, so lock-out reveals nothing")
    func lockOutUnknown() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database, clock: ManualClock())
            for _ in 0..<5 {
                await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "ghost", password: "guess") }
            }
            do {
                _ = try await world.identity.signIn(username: "ghost", password: "guess")
            } catch let error as DomainError {
                #expect(error.kind == .locked)
            }
        }
    }

    @Test("a session finds its user until it ends or expires")
    func sessions() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            let actor = try await world.actor("ngo")
            let first = try await world.identity.startSession(for: actor)
            let second = try await world.identity.startSession(for: actor)
            #expect(first.secret != second.secret)
            #expect(try await world.identity.actor(forSession: first.secret) == actor)
            try await world.identity.endSession(first.secret)
            #expect(try await world.identity.actor(forSession: first.secret) == nil)
            clock.advance(by: world.identity.policy.sessionLifetime + 1)
            #expect(try await world.identity.actor(forSession: second.secret) == nil)
            #expect(try await world.identity.actor(forSession: "made-up") == nil)
        }
    }

    @Test("a token works until revoked; only its owner can revoke it")
    func tokens() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let issued = try await world.identity.issueToken(username: "evaluator", password: world.password, name: "script")
            #expect(issued.token.hasPrefix("spk_"))
            #expect(try await world.identity.actor(forToken: issued.token)?.actor.username == "evaluator")
            #expect(try await world.identity.tokens(of: issued.actor).map(\.name) == ["script"])

            let other = try await world.actor("ngo")
            await #expect(throws: DomainError.self) { try await world.identity.revokeToken(by: other, id: issued.id) }
            #expect(try await world.identity.actor(forToken: issued.token) != nil)

            try await world.identity.revokeToken(by: issued.actor, id: issued.id)
            #expect(try await world.identity.actor(forToken: issued.token) == nil)
            await #expect(throws: DomainError.self) { try await world.identity.revokeToken(by: issued.actor, id: issued.id) }
        }
    }

    @Test("a token's last use is recorded to the minute, and parallel uses of one token all find its user")
    func tokenLastUsed() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            let issued = try await world.identity.issueToken(username: "overseer", password: world.password, name: nil)
            func lastUsed() async throws -> Date? { try await world.identity.tokens(of: issued.actor).first?.lastUsedAt }
            #expect(try await lastUsed() == nil)
            let first = clock.now()
            _ = try await world.identity.actor(forToken: issued.token)
            #expect(try await lastUsed() == first)
            clock.advance(by: 59)
            _ = try await world.identity.actor(forToken: issued.token)
            #expect(try await lastUsed() == first, "within the minute the recorded use stands")
            clock.advance(by: 2)
            let later = clock.now()
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 { group.addTask { try await world.identity.actor(forToken: issued.token) != nil } }
                for try await found in group { #expect(found) }
            }
            #expect(try await lastUsed() == later)
            try await world.identity.revokeToken(by: issued.actor, id: issued.id)
            #expect(try await world.identity.actor(forToken: issued.token) == nil, "revoked within the minute of its last use")
        }
    }

    @Test("a session is still found within the minute after its last-seen time was touched, and not after it ends")
    func sessionTouch() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            let actor = try await world.actor("ngo")
            let session = try await world.identity.startSession(for: actor)
            clock.advance(by: 10)
            #expect(try await world.identity.actor(forSession: session.secret) == actor)
            clock.advance(by: 61)
            #expect(try await world.identity.actor(forSession: session.secret) == actor)
            try await world.identity.endSession(session.secret)
            #expect(try await world.identity.actor(forSession: session.secret) == nil)
        }
    }

    @Test("a token expires after its lifetime")
    func tokenExpiry() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            let issued = try await world.identity.issueToken(username: "overseer", password: world.password, name: nil)
            clock.advance(by: world.identity.policy.tokenLifetime + 1)
            #expect(try await world.identity.actor(forToken: issued.token) == nil)
        }
    }
}

@Suite("Housekeeping")
struct HousekeepingTests {
    @Test("expired sessions and stale failures are removed; live ones stay")
    func purge() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            let old = try await world.identity.startSession(for: try await world.actor("ngo"))
            await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "ngo", password: "wrong") }
            clock.advance(by: world.identity.policy.sessionLifetime + 1)
            let fresh = try await world.identity.startSession(for: try await world.actor("ngo"))
            #expect(try await world.identity.purgeExpired() == 2)
            #expect(try await world.identity.actor(forSession: fresh.secret) != nil)
            #expect(try await world.identity.actor(forSession: old.secret) == nil)
            #expect(try await world.identity.purgeExpired() == 0)
        }
    }
}
