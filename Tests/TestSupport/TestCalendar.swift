import Core
import Foundation
import PostgresNIO
import Store
import Tendering

/// A 2027 working calendar for tests only. It is made up (shaped like a State Council schedule: New Year's
/// Day on Friday 1 January, a Spring Festival week with a Saturday made working, National Day); Spokes ships no
/// 2027, and no test may rely on these being the real holidays.
public enum TestCalendar {
    public static let year2027 = """
        日期,是否上班,名称
        2027-01-01,否,元旦（测试）
        2027-02-08,否,春节（测试）
        2027-02-09,否,春节（测试）
        2027-02-10,否,春节（测试）
        2027-02-11,否,春节（测试）
        2027-02-12,否,春节（测试）
        2027-02-20,是,春节调休（测试）
        2027-10-01,否,国庆节（测试）

        """

    /// Loads `year2027` as the platform would from `spokes calendar import`.
    @discardableResult
    public static func load2027(_ database: Database) async throws -> CalendarImportReport {
        try await CalendarService(database: database).importFile(by: .system, Data(year2027.utf8))
    }

    /// Removes a year as if it had never been loaded: the state of a database whose records were dated before the
    /// year went missing (tests of readers and workers that must not fail on such records).
    public static func forget(_ year: Int, _ database: Database) async throws {
        try await database.transaction { connection in
            try await connection.query("DELETE FROM tendering.calendar_days WHERE year = \(year)", logger: database.logger)
            try await connection.query("DELETE FROM tendering.calendar_years WHERE year = \(year)", logger: database.logger)
        }
    }

    /// A moment in Beijing written `yyyy-MM-dd HH:mm`.
    public static func beijing(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        guard let date = formatter.date(from: text) else { preconditionFailure("not a moment: \(text)") }
        return date
    }
}
