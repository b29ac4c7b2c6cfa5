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
}
