import Foundation
@testable import Tendering
import Testing

/// A sealed bid opens only as the row it was sealed for: moved to another bid's row, or replayed as another
/// version of its own, it must not open (DOMAIN §2: bids are sealed until the deadline).
@Suite("Bid sealing")
struct BidSealerTests {
    let sealer = BidSealer.random()
    let tender = UUID.v7(), bid = UUID.v7()
    let payload = Data(#"{"price":38000000,"proposal":"每周上门两次"}"#.utf8)

    @Test("a sealed bid opens under its own tender, bid id and version, and under no other bid id, version or tender")
    func boundToItsBidAndVersion() throws {
        let sealed = try sealer.seal(payload, tender: tender, bid: bid, version: 2)
        #expect(try sealer.open(sealed, tender: tender, bid: bid, version: 2) == payload)
        #expect(throws: (any Error).self, "another bid's row") { try sealer.open(sealed, tender: tender, bid: UUID.v7(), version: 2) }
        #expect(throws: (any Error).self, "an earlier version") { try sealer.open(sealed, tender: tender, bid: bid, version: 1) }
        #expect(throws: (any Error).self, "a later version") { try sealer.open(sealed, tender: tender, bid: bid, version: 3) }
        #expect(throws: (any Error).self, "another tender's key") { try sealer.open(sealed, tender: UUID.v7(), bid: bid, version: 2) }
        #expect(throws: (any Error).self, "another platform's secret") { try BidSealer.random().open(sealed, tender: tender, bid: bid, version: 2) }
    }

    @Test("a sealed document opens for its own organisation and id only")
    func documentBoundToItsOwner() throws {
        let organisation = UUID.v7(), document = UUID.v7()
        let sealed = try sealer.seal(document: payload, organisation: organisation, id: document)
        #expect(try sealer.open(document: sealed, organisation: organisation, id: document) == payload)
        #expect(throws: (any Error).self) { try sealer.open(document: sealed, organisation: organisation, id: UUID.v7()) }
        #expect(throws: (any Error).self) { try sealer.open(document: sealed, organisation: UUID.v7(), id: document) }
    }
}
