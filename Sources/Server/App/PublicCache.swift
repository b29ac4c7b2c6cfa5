import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Rendered answers for visitors who are not signed in (issue 25): public procurement is read far more than it is written,
/// mostly anonymously. An answer is kept by its language, path and query, bounded in bytes (least recently used go
/// first) and in age (`lifetime`). Every audited change empties it: this instance's own writes at once
/// (`PublicCacheMiddleware`), every other instance's through PostgreSQL's notification (`PublicChangeListener`). An
/// answer computed while a change committed is not kept (the generation it started in has passed).
public final class PublicCache: Sendable {
    struct Entry: Sendable {
        let headers: HTTPFields
        let body: ByteBuffer
        let etag: String
        let storedAt: ContinuousClock.Instant
        /// What it holds of the room: its body, its headers and a fixed allowance for the entry and its key.
        var cost: Int { body.readableBytes + headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count } + PublicCache.entryOverhead }
    }
    /// Counted for each entry besides its body and headers (its key is at most `longestKey`).
    static let entryOverhead = 512 + longestKey
    static let longestKey = 512
    private struct State {
        var entries: [String: (entry: Entry, lastUse: UInt64)] = [:]
        var bytes = 0
        var generation: UInt64 = 0
        var tick: UInt64 = 0
    }
    private let state = Mutex(State())
    /// Zero: nothing is kept.
    public let capacity: Int
    public let lifetime: Duration

    public init(capacity: Int, lifetime: Duration) {
        self.capacity = max(0, capacity)
        self.lifetime = lifetime
    }

    public var isEnabled: Bool { capacity > 0 }
    /// The largest answer kept: one answer never takes more than a sixteenth of the room.
    var largestEntry: Int { capacity / 16 }
    /// The room taken now, bodies, headers and keys (the tests read it).
    public var bytes: Int { state.withLock { $0.bytes } }
    public var count: Int { state.withLock { $0.entries.count } }

    /// The generation an answer is computed in; `store` keeps it only if no change came meanwhile.
    var generation: UInt64 { state.withLock { $0.generation } }

    func entry(_ key: String) -> Entry? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let found = state.entries[key] else { return nil }
            guard now - found.entry.storedAt < lifetime else {
                state.entries[key] = nil
                state.bytes -= found.entry.cost
                return nil
            }
            state.tick += 1
            state.entries[key]?.lastUse = state.tick
            return found.entry
        }
    }

    func store(_ key: String, _ entry: Entry, computedIn generation: UInt64) {
        let size = entry.cost
        guard isEnabled, size <= largestEntry, key.utf8.count <= Self.longestKey else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            if let old = state.entries[key] { state.bytes -= old.entry.cost }
            state.tick += 1
            state.entries[key] = (entry, state.tick)
            state.bytes += size
            guard state.bytes > capacity else { return }
            // Over the room: the least recently used go, down to seven eighths, so eviction runs once per many stores.
            for (key, held) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard state.bytes > capacity - capacity / 8 else { break }
                state.entries[key] = nil
                state.bytes -= held.entry.cost
            }
        }
    }

    /// A change committed: nothing kept may be served again, and answers being computed are not kept.
    public func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            state.bytes = 0
        }
    }

    /// A strong validator: the digest of the bytes, so equal answers from any instance have equal tags.
    static func etag(of body: ByteBuffer) -> String {
        let digest = SHA256.hash(data: body.readableBytesView)
        return "\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// Whether `If-None-Match` names this tag (or `*`).
    static func matches(_ ifNoneMatch: String?, _ etag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        return ifNoneMatch.split(separator: ",").contains {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
