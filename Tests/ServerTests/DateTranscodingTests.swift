import Foundation
import Testing
@testable import Server

@Suite("API dates")
struct DateTranscodingTests {
    @Test("dates go out as RFC 3339 in UTC and come back the same; anything else is refused")
    func roundTrip() throws {
        let transcoder = FormatStyleDateTranscoder()
        let date = Date(timeIntervalSince1970: 1_795_654_800)  // 2026-11-26T01:00:00Z
        #expect(try transcoder.encode(date) == "2026-11-26T01:00:00Z")
        #expect(try transcoder.decode("2026-11-26T01:00:00Z") == date)
        #expect(try transcoder.decode("2026-11-26T09:00:00+08:00") == date)
        #expect(throws: DecodingError.self) { try transcoder.decode("26/11/2026") }
    }

    @Test("the hand-written encoder writes what the format style writes, at the ends of its range and between")
    func sameAsFormatStyle() throws {
        let transcoder = FormatStyleDateTranscoder()
        var generator = SystemRandomNumberGenerator()
        let edges: [Double] = [0, -1, -0.5, 0.999, 951_782_400, 1_709_164_800.25, -62_135_596_799, 253_402_300_799, -2_208_988_800]
        let samples = edges + (0..<2_000).map { _ in Double.random(in: -62_135_596_799 ... 253_402_300_799, using: &generator) }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(try transcoder.encode(date) == date.formatted(Date.ISO8601FormatStyle()), "\(seconds)")
        }
    }
}
