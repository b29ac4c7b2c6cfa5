import Foundation
import OpenAPIRuntime

/// API dates as RFC 3339 (2026-11-26T01:00:00Z) through a format style. The runtime's default
/// transcoder shares one formatter behind a lock, which made every response with dates wait in line
/// (profiled under load on the tender list); a format style is a value, so threads do not contend.
struct FormatStyleDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { date.formatted(Date.ISO8601FormatStyle()) }

    func decode(_ text: String) throws -> Date {
        guard let date = try? Date.ISO8601FormatStyle().parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(text) is not an RFC 3339 date-time"))
        }
        return date
    }
}
