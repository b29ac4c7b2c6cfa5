import Foundation
import OpenAPIRuntime

/// API dates as RFC 3339 (2026-11-26T01:00:00Z) through a format style. The runtime's default
/// transcoder shares one formatter behind a lock, which made every response with dates wait in line
/// (profiled under load on the tender list); a format style is a value, so threads do not contend.
struct FormatStyleDateTranscoder: DateTranscoder {
    /// Written digit by digit from the UTC calendar fields: the format style took a tenth of a list's time (profiled on a
    /// site's queue). Dates outside years 1900–9999 go through the format style (before 1582 it counts Julian days).
    func encode(_ date: Date) throws -> String {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, interval >= -2_208_988_800, interval < 253_402_300_800 else { return date.formatted(Date.ISO8601FormatStyle()) }
        var seconds = time_t(interval.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return date.formatted(Date.ISO8601FormatStyle()) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        func digits(_ value: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            var value = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        digits(parts.tm_year + 1900, 4); bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mon + 1, 2); bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mday, 2); bytes.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2); bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2); bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2); bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    func decode(_ text: String) throws -> Date {
        guard let date = try? Date.ISO8601FormatStyle().parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(text) is not an RFC 3339 date-time"))
        }
        return date
    }
}
