import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
@testable import Server
import Store
import Testing
import TestSupport

@Suite("The public cache")
struct PublicCacheTests {
    static func entry(_ text: String) -> (HTTPFields, ByteBuffer) { ([.contentType: "text/plain"], ByteBuffer(string: text)) }

    @Test("the cache holds no more than its room, dropping the least recently used first; an answer computed across a change is not kept")
    func bounds() async throws {
        // Each entry costs its body, its headers and a fixed allowance: 100 bytes of body, no headers.
        let cost = 100 + PublicCache.entryOverhead
        let cache = PublicCache(capacity: 16 * (cost + 76), lifetime: .seconds(3600))
        let hundred = String(repeating: "x", count: 100)
        for key in 0..<10 { cache.store("k\(key)", .init(headers: [:], body: ByteBuffer(string: hundred), etag: "\"\(key)\"", storedAt: .now), computedIn: cache.generation) }
        #expect(cache.bytes == 10 * cost && cache.count == 10)
        _ = cache.entry("k0")  // used: k1 is now the least recently used
        for key in 10..<20 { cache.store("k\(key)", .init(headers: [:], body: ByteBuffer(string: hundred), etag: "\"\(key)\"", storedAt: .now), computedIn: cache.generation) }
        #expect(cache.bytes <= cache.capacity && cache.count < 20, "never over the room: \(cache.bytes) of \(cache.capacity)")
        #expect(cache.entry("k0") != nil && cache.entry("k1") == nil, "the least recently used went first")
        // Larger than a sixteenth of the room (body, headers and allowance): not kept at all.
        cache.store("big", .init(headers: [.contentType: "text/plain"], body: ByteBuffer(string: hundred + String(repeating: "y", count: 80)), etag: "\"b\"",
                                 storedAt: .now), computedIn: cache.generation)
        #expect(cache.entry("big") == nil)
        // A key longer than the longest kept: not kept.
        cache.store(String(repeating: "q", count: PublicCache.longestKey + 1), .init(headers: [:], body: ByteBuffer(string: "a"), etag: "\"q\"", storedAt: .now),
                    computedIn: cache.generation)
        #expect(cache.entry(String(repeating: "q", count: PublicCache.longestKey + 1)) == nil)
        // Computed before a change, stored after it: dropped.
        let before = cache.generation
        cache.invalidate()
        #expect(cache.count == 0 && cache.bytes == 0)
        cache.store("late", .init(headers: [:], body: ByteBuffer(string: "old"), etag: "\"o\"", storedAt: .now), computedIn: before)
        #expect(cache.entry("late") == nil)
        // Older than its lifetime: gone.
        let short = PublicCache(capacity: 1 << 20, lifetime: .milliseconds(50))
        short.store("k", .init(headers: [:], body: ByteBuffer(string: "a"), etag: "\"a\"", storedAt: .now - .seconds(1)), computedIn: short.generation)
        #expect(short.entry("k") == nil && short.bytes == 0)
        // Off: nothing is kept.
        let off = PublicCache(capacity: 0, lifetime: .seconds(60))
        off.store("k", .init(headers: [:], body: ByteBuffer(string: "a"), etag: "\"a\"", storedAt: .now), computedIn: off.generation)
        #expect(off.entry("k") == nil)
    }

    @Test("with the cache off, the listener still lasts until it is stopped: a service group ends when any service ends")
    func offListenerLasts() async throws {
        try await TestDatabase.with { database in
            let listener = PublicChangeListener(cache: PublicCache(capacity: 0, lifetime: .seconds(60)), database: database, logger: database.logger)
            let finished = Mutex(false)
            let task = Task {
                try await listener.run()
                finished.withLock { $0 = true }
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(finished.withLock { $0 } == false, "it returned at once: the server would stop at start-up")
            task.cancel()
            try await task.value
            #expect(finished.withLock { $0 })
        }
    }

    @Test("two instances on one database: an anonymous answer is kept with a strong ETag and answers 304; a change through one instance shows on the other; the signed-in never share it")
    func twoInstances() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            var configuration = TestApp.configuration
            configuration.publicCacheBytes = 4 << 20
            configuration.publicCacheLifetime = .seconds(3600)  // only a notification may empty it here
            let first = AppDependencies(database: database, identity: world.identity, sealer: .random(), configuration: configuration)
            let second = AppDependencies(database: database, identity: world.identity, sealer: .random(), configuration: configuration)
            let routerA = try await buildRouter(first)
            let ngo = try await world.actor("ngo").organisationID.lowercased
            try await withThrowingTaskGroup(of: Void.self) { group in
                for cache in [first.publicCache, second.publicCache] {
                    group.addTask { try await PublicChangeListener(cache: cache, database: database, logger: database.logger).run() }
                }
                // Each listener empties its cache once when it starts listening: wait for that, or it may empty what
                // the test keeps next (the suite on two cores can take seconds to hand out a connection).
                let started = ContinuousClock.now
                while [first.publicCache, second.publicCache].contains(where: { $0.generation == 0 }) && ContinuousClock.now - started < .seconds(120) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await Application(router: routerA).test(.router) { a in
                    try await Application(router: try await buildRouter(second)).test(.router) { b in
                        let path = "/api/v1/organisations/\(ngo)"
                        let fresh = try await b.json(.get, path)
                        let etag = try #require(fresh.headers[.eTag])
                        #expect(fresh.status == .ok && fresh.headers[.cacheControl] == "public, no-cache" && etag.hasPrefix("\""))
                        #expect(second.publicCache.count == 1, "kept")
                        let again = try await b.json(.get, path)
                        #expect(again.text == fresh.text && again.headers[.eTag] == etag, "the same bytes from the cache")
                        let notModified = try await b.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag]) { $0 }
                        #expect(notModified.status == .notModified && notModified.body.readableBytes == 0)
                        #expect(notModified.headers[.contentLength] == String(fresh.text.utf8.count), "the length of what the client holds")
                        let otherTag = try await b.execute(uri: path, method: .get, headers: [.ifNoneMatch: "\"0000\""]) { $0 }
                        #expect(otherTag.status == .ok && otherTag.body.readableBytes > 0)
                        // The same record signed in: computed for the user, never kept or served from the cache.
                        let admin = try await a.token("admin")
                        let signedIn = try await b.json(.get, path, token: admin)
                        #expect(signedIn.status == .ok && signedIn.headers[.eTag] == nil && signedIn.headers[.cacheControl] != "public, no-cache")

                        // A change through the other instance: this one hears it and answers afresh.
                        let renamed = try await a.json(.patch, path, token: admin, body: #"{"nameEn": "Cached No More"}"#)
                        #expect(renamed.status == .ok, "\(renamed.text)")
                        let started = ContinuousClock.now
                        var seen = false
                        while !seen && ContinuousClock.now - started < .seconds(20) {
                            seen = try await b.json(.get, path).text.contains("Cached No More")
                            if !seen { try await Task.sleep(for: .milliseconds(20)) }
                        }
                        #expect(seen, "the change shows on the other instance")
                        print("public cache: the change showed on the other instance after \(ContinuousClock.now - started)")
                        let changed = try await b.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag]) { $0 }
                        #expect(changed.status == .ok, "the old tag no longer matches")

                        // A refused write (a stranger's POST) leaves the cache; a write that changed something empties the
                        // writer's at once, before any notification.
                        _ = try await b.json(.get, path)
                        #expect(second.publicCache.count >= 1)
                        let refused = try await b.json(.post, "/api/v1/organisations/\(ngo)/ratings", token: nil, body: "{}")
                        #expect(refused.status.code >= 400 && second.publicCache.count >= 1, "a refusal wrote nothing")
                        let renamedAgain = try await b.json(.patch, path, token: admin, body: #"{"nameEn": "Written Here"}"#)
                        #expect(renamedAgain.status == .ok && second.publicCache.count == 0)
                        #expect(try await b.json(.get, path).text.contains("Written Here"))

                        // Pages too, in each language apart; a record outside the covered paths is never kept.
                        let zh = try await b.execute(uri: "/organisations/\(ngo)", method: .get, headers: [.acceptLanguage: "zh-CN"]) { $0 }
                        let en = try await b.execute(uri: "/organisations/\(ngo)", method: .get, headers: [.acceptLanguage: "en"]) { $0 }
                        #expect(zh.status == .ok && en.status == .ok && zh.headers[.eTag] != en.headers[.eTag])
                        let login = try await b.execute(uri: "/login", method: .get) { $0 }
                        #expect(login.status == .ok && login.headers[.eTag] == nil)
                    }
                }
                group.cancelAll()
            }
        }
    }
}
