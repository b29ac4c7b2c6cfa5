import Core
import Foundation
import Testing

@Suite("UUID v7")
struct IdentifierTests {
    @Test("sets version 7 and the RFC variant")
    func versionBits() {
        let id = UUID.v7()
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
    }

    @Test("orders by time: a later id sorts after an earlier one")
    func timeOrdered() {
        let earlier = UUID.v7(at: Date(timeIntervalSince1970: 1_790_000_000))
        let later = UUID.v7(at: Date(timeIntervalSince1970: 1_790_000_001))
        #expect(earlier.uuidString.lowercased() < later.uuidString.lowercased())
    }
}
