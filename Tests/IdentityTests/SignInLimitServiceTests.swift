import Core
import Foundation
import Identity
import Store
import TestSupport
import Testing

/// Issue 19: the sign-in limits hold under parallel attempts, and a stranger's failures at one address
/// neither lock a user out elsewhere nor get round the ceilings per name and per address.
@Suite("Sign-in limits under parallel attempts")
struct SignInLimitServiceTests {
    /// How each of `count` parallel sign-ins ended: the kinds of their refusals, "ok" for a success.
    static func parallel(_ count: Int, _ attempt: @escaping @Sendable (Int) async throws -> Actor) async throws -> [String: Int] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<count {
                group.addTask {
                    do {
                        _ = try await attempt(index)
                        return "ok"
                    } catch let error as DomainError {
                        return error.kind.rawValue
                    }
                }
            }
            return try await group.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
    }

    @Test("25 parallel wrong passwords for one name from one address: exactly 5 are checked, 20 refused as locked")
    func parallelPair() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database, clock: ManualClock())
            let outcomes = try await Self.parallel(25) { _ in
                try await world.identity.signIn(username: "finance", password: "a wrong guess", client: "198.51.100.7")
            }
            #expect(outcomes == ["unauthenticated": 5, "locked": 20])
            // Locked from there even with the right password…
            await #expect(throws: DomainError.self) {
                _ = try await world.identity.signIn(username: "finance", password: world.password, client: "198.51.100.7")
            }
            // …but the user signing in from another address is not locked out by the stranger's failures.
            #expect(try await world.identity.signIn(username: "finance", password: world.password, client: "203.0.113.9").username == "finance")
        }
    }

    @Test("the right password is refused while the pair is locked, with Retry-After until the 5th-newest failure leaves the window")
    func retryAfter() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            for _ in 0..<4 {
                await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "civil", password: "nope", client: "198.51.100.7") }
                clock.advance(by: 60)
            }
            await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "civil", password: "nope", client: "198.51.100.7") }
            do {
                _ = try await world.identity.signIn(username: "civil", password: world.password, client: "198.51.100.7")
                Issue.record("a locked pair must be refused")
            } catch let error as DomainError {
                // The failures were 4, 3, 2, 1 and 0 minutes ago: the 5th-newest (4 minutes ago) leaves in 11 minutes.
                #expect(error.kind == .locked && error.retryAfter == 11 * 60 && error.detail.english.contains("Try again in 11 minutes"))
            }
            clock.advance(by: 11 * 60 + 1)
            #expect(try await world.identity.signIn(username: "civil", password: world.password, client: "198.51.100.7").username == "civil")
        }
    }

    @Test("a right password clears its own pair's failures, not a stranger's at another address")
    func clearsOwnPair() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database, clock: ManualClock())
            for _ in 0..<4 {
                await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "ngo", password: "typo", client: "203.0.113.9") }
                await #expect(throws: DomainError.self) { _ = try await world.identity.signIn(username: "ngo", password: "guess", client: "198.51.100.7") }
            }
            _ = try await world.identity.signIn(username: "ngo", password: world.password, client: "203.0.113.9")
            // The user's own 4 mistakes are forgiven: 4 more are allowed, and then the right password still works.
            for _ in 0..<4 {
                await #expect(throws: DomainError.unauthenticated("Wrong user name or password.")) {
                    _ = try await world.identity.signIn(username: "ngo", password: "typo", client: "203.0.113.9")
                }
            }
            _ = try await world.identity.signIn(username: "ngo", password: world.password, client: "203.0.113.9")
            // The stranger's 4 stay: a 5th locks the stranger's pair.
            await #expect(throws: DomainError.unauthenticated("Wrong user name or password.")) {
                _ = try await world.identity.signIn(username: "ngo", password: "guess", client: "198.51.100.7")
            }
            let locked = await #expect(throws: DomainError.self) {
                _ = try await world.identity.signIn(username: "ngo", password: "guess", client: "198.51.100.7")
            }
            #expect(locked?.kind == .locked)
        }
    }

    @Test("one address trying many names: 50 failures in the window, then every name is refused from there (25 in parallel after 40: exactly 10 checked)")
    func perAddressCeiling() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database, clock: ManualClock())
            let limit = world.identity.policy.maxFailuresPerAddress
            #expect(limit == 50)
            for index in 0..<(limit - 10) {
                await #expect(throws: DomainError.unauthenticated("Wrong user name or password.")) {
                    _ = try await world.identity.signIn(username: "sprayed-\(index)", password: "Password123", client: "198.51.100.7")
                }
            }
            let outcomes = try await Self.parallel(25) { index in
                try await world.identity.signIn(username: "parallel-\(index)", password: "Password123", client: "198.51.100.7")
            }
            #expect(outcomes == ["unauthenticated": 10, "locked": 15])
            do {
                _ = try await world.identity.signIn(username: "civil", password: world.password, client: "198.51.100.7")
                Issue.record("an address over its ceiling must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .locked && error.detail.english.hasPrefix("Too many failed sign-ins from this network address") && error.retryAfter == 15 * 60)
            }
            #expect(try await world.identity.signIn(username: "civil", password: world.password, client: "203.0.113.9").username == "civil")
        }
    }

    @Test("one name from many addresses: 30 failures in the window lock it everywhere (25 addresses in parallel after 20: exactly 10 checked)")
    func perNameCeiling() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            let limit = world.identity.policy.maxFailuresPerName
            #expect(limit == 30)
            // 4 addresses, 5 failures each: each of those pairs is locked, the name is not.
            for address in 0..<4 {
                for _ in 0..<world.identity.policy.maxFailures {
                    await #expect(throws: DomainError.self) {
                        _ = try await world.identity.signIn(username: "overseer", password: "guess", client: "198.51.100.\(address)")
                    }
                }
            }
            #expect(try await world.identity.signIn(username: "overseer", password: world.password, client: "203.0.113.9").username == "overseer")
            let outcomes = try await Self.parallel(25) { index in
                try await world.identity.signIn(username: "overseer", password: "guess", client: "192.0.2.\(index)")
            }
            #expect(outcomes == ["unauthenticated": 10, "locked": 15])
            let locked = await #expect(throws: DomainError.self) {
                _ = try await world.identity.signIn(username: "overseer", password: world.password, client: "203.0.113.9")
            }
            #expect(locked?.kind == .locked)
            clock.advance(by: world.identity.policy.window + 1)
            #expect(try await world.identity.signIn(username: "overseer", password: world.password, client: "203.0.113.9").username == "overseer")
        }
    }

    @Test("the API token is issued under the same limits: 25 parallel wrong passwords, exactly 5 checked")
    func issueTokenParallel() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database, clock: ManualClock())
            let outcomes = try await Self.parallel(25) { _ in
                try await world.identity.issueToken(username: "evaluator", password: "guess", name: nil, client: "198.51.100.7").actor
            }
            #expect(outcomes == ["unauthenticated": 5, "locked": 20])
            await #expect(throws: DomainError.self) {
                _ = try await world.identity.issueToken(username: "evaluator", password: world.password, name: nil, client: "198.51.100.7")
            }
            #expect(try await world.identity.issueToken(username: "evaluator", password: world.password, name: nil, client: "203.0.113.9").token.hasPrefix("spk_"))
        }
    }
}

@Suite("Anonymous form tokens")
struct AnonymousTokenServiceTests {
    let tokens = AnonymousTokens.random()
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("a token verifies for its scope and device; changed, made up, of another scope or another key: refused as forged")
    func forged() throws {
        let device = UUID()
        let issued = tokens.issue(scope: "survey/a", device: device, at: now)
        #expect(issued.device == device && issued.token.count <= 100)
        let verified = try tokens.verify(issued.token, scope: "survey/a", at: now.addingTimeInterval(60))
        #expect(verified.device == device && verified.deviceKey == device.uuidString.lowercased())
        let forged = DomainError.invalid([FieldError("deviceToken", "is not a token this server issued for this form; reload the page to get a new one")])
        #expect(throws: forged) { try tokens.verify(issued.token, scope: "survey/b", at: now) }
        #expect(throws: forged) { try AnonymousTokens.random().verify(issued.token, scope: "survey/a", at: now) }
        #expect(throws: forged) { try tokens.verify("app-device-0123456789", scope: "survey/a", at: now) }
        // One character of the payload changed (another device, another time): the tag no longer matches.
        var changed = Array(issued.token)
        changed[5] = changed[5] == "A" ? "B" : "A"
        #expect(throws: forged) { try tokens.verify(String(changed), scope: "survey/a", at: now) }
        #expect(throws: DomainError.self) { try tokens.verify("", scope: "survey/a", at: now) }
    }

    @Test("a token lives a day")
    func expiry() throws {
        let issued = tokens.issue(scope: "voice", device: nil, at: now)
        _ = try tokens.verify(issued.token, scope: "voice", at: now.addingTimeInterval(AnonymousTokens.lifetime))
        #expect(throws: DomainError.invalid([FieldError("deviceToken", "has expired (a form's token lasts a day); reload the page to get a new one")])) {
            try tokens.verify(issued.token, scope: "voice", at: now.addingTimeInterval(AnonymousTokens.lifetime + 1))
        }
    }

    @Test("a token is used once: 25 parallel redemptions of one token, exactly one succeeds; a rolled-back use does not count")
    func usedOnce() async throws {
        try await TestDatabase.with(.empty) { database in
            let issued = tokens.issue(scope: "voice", device: nil, at: now)
            let token = try tokens.verify(issued.token, scope: "voice", at: now)
            let tokens = self.tokens, now = self.now
            // A transaction that records the use and then fails leaves the token unused.
            await #expect(throws: DomainError.self) {
                try await database.transaction { connection in
                    try await tokens.redeem(token, on: connection, logger: database.logger, at: now)
                    throw DomainError(.rateLimited, "over a ceiling")
                }
            }
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<25 {
                    group.addTask {
                        do {
                            try await database.transaction { try await tokens.redeem(token, on: $0, logger: database.logger, at: now) }
                            return true
                        } catch let error as DomainError {
                            #expect(error == AnonymousTokens.usedError)
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1 && outcomes.count == 25)
        }
    }

    @Test("housekeeping removes the uses of tokens that are expired anyway")
    func purge() async throws {
        try await TestDatabase.with { database in
            let clock = ManualClock()
            let world = DemoWorld(database, clock: clock)
            let tokens = world.identity.anonymousTokens
            let issued = tokens.issue(scope: "voice", device: nil, at: clock.now())
            let token = try tokens.verify(issued.token, scope: "voice", at: clock.now())
            try await database.transaction { try await tokens.redeem(token, on: $0, logger: database.logger, at: clock.now()) }
            #expect(try await world.identity.purgeExpired() == 0)
            clock.advance(by: AnonymousTokens.lifetime + 3601)
            #expect(try await world.identity.purgeExpired() == 1)
            // Replaying it now is refused as expired, without the use on record.
            let expired = #expect(throws: DomainError.self) { try tokens.verify(issued.token, scope: "voice", at: clock.now()) }
            #expect(expired?.fields.first?.message.english.hasPrefix("has expired") == true)
        }
    }
}
