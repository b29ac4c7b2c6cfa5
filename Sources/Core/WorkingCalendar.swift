import Foundation

/// Working days in China: Monday to Friday, minus public holidays, plus the weekend days the State
/// Council makes working days (调休). Periods of a tender are counted in these days, and every
/// deadline falls at the close of a working day, in Beijing time.
///
/// The holidays are data that administrators load a year at a time (issue 21): a calendar knows the
/// years it holds, and a period that would count through a year it does not hold is refused with
/// `YearNotHeld` rather than counted as if every weekday worked (New Year's Day included). Formatting
/// (`dayKey`, `describe`, `year(of:)`) needs no year held.
public struct WorkingCalendar: Sendable, Equatable {
    /// A day that is not what its weekday says: a weekday holiday, or a weekend working day.
    public struct Exception: Sendable, Equatable, Codable {
        /// The day as `yyyy-MM-dd`, in Beijing.
        public var day: String
        public var working: Bool
        public var name: String
        public init(day: String, working: Bool, name: String) {
            self.day = day
            self.working = working
            self.name = name
        }
    }

    /// A period that would fall in, or count through, a year whose holidays have not been loaded.
    public struct YearNotHeld: Error, Equatable, Sendable, CustomStringConvertible {
        public var year: Int
        public init(year: Int) { self.year = year }
        public var description: String {
            "the working calendar for \(year) has not been loaded; an administrator loads it at /admin/calendar"
        }
    }

    /// Deadlines fall at this hour of the day (17:00, when offices close).
    public static let closingHour = 17
    /// The years a calendar may hold: beyond them a "year" in a file is a typing mistake.
    public static let possibleYears = 2000...2100
    /// From this month on, administrators are reminded to load next year (the State Council publishes
    /// the coming year's schedule in the autumn).
    public static let reminderMonth = 10

    /// The years whose holidays and adjusted working days are known (a year may hold no exception at all).
    public let years: Set<Int>
    /// Days and years are Beijing's (for SQL that counts by day or year as the calendar does).
    public static let timeZoneIdentifier = "Asia/Shanghai"
    public var timeZoneIdentifier: String { Self.timeZoneIdentifier }
    private let exceptions: [String: Exception]
    private let calendar: Calendar

    public init(exceptions: [Exception] = [], years: Set<Int> = []) {
        self.years = years
        self.exceptions = Dictionary(exceptions.map { ($0.day, $0) }, uniquingKeysWith: { _, last in last })
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: Self.timeZoneIdentifier)!
        self.calendar = calendar
    }

    /// The day of `date` in Beijing, as `yyyy-MM-dd`.
    public func dayKey(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// `hour`:00 Beijing time on the day of `date`.
    public func moment(hour: Int, on date: Date) -> Date {
        calendar.date(bySettingHour: hour, minute: 0, second: 0, of: calendar.startOfDay(for: date))!
    }

    public func year(of date: Date) -> Int { calendar.component(.year, from: date) }

    /// A moment as people here read it: `2026-11-27 17:00` in Beijing time.
    public func describe(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// A moment to the millisecond, as a receipt shows it: `2026-11-12 16:59:59.999` in Beijing.
    public func describeExactly(_ date: Date) -> String {
        let c = calendar.dateComponents([.second], from: date)
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        return describe(date) + String(format: ":%02d.%03d", c.second!, (millis + 1000) % 1000)
    }

    /// Whether `text` is a real day written `yyyy-MM-dd` (2026-02-30 is not).
    public static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard text.count == 10, parts.count == 3 else { return false }
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2])
        return components.isValidDate(in: Calendar(identifier: .gregorian))
    }

    /// The day after a day written `yyyy-MM-dd` (2026-12-31 → 2027-01-01), or nil for a text that is no day.
    public static func dayAfter(_ text: String) -> String? {
        guard isDay(text) else { return nil }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = TimeZone(identifier: "UTC")!
        guard let day = gregorian.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              let next = gregorian.date(byAdding: .day, value: 1, to: day) else { return nil }
        let c = gregorian.dateComponents([.year, .month, .day], from: next)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    public func holds(_ year: Int) -> Bool { years.contains(year) }

    /// Whether the day of `date` is a working day; only a held year can say.
    public func isWorkingDay(_ date: Date) throws(YearNotHeld) -> Bool {
        let year = year(of: date)
        guard holds(year) else { throw YearNotHeld(year: year) }
        if let exception = exceptions[dayKey(date)] { return exception.working }
        return !calendar.isDateInWeekend(date)
    }

    /// 17:00 Beijing time on the `days`-th working day after the day of `start` (the start day itself
    /// never counts, so a period always holds `days` whole working days). Every day counted must be in
    /// a held year.
    public func close(ofWorkingDay days: Int, after start: Date) throws(YearNotHeld) -> Date {
        var day = calendar.startOfDay(for: start)
        var counted = 0
        while counted < max(days, 0) {
            day = calendar.date(byAdding: .day, value: 1, to: day)!
            if try isWorkingDay(day) { counted += 1 }
        }
        return calendar.date(bySettingHour: Self.closingHour, minute: 0, second: 0, of: day)!
    }

    /// Whole working days after the day of `start` up to and including the day of `end`.
    public func workingDays(from start: Date, to end: Date) throws(YearNotHeld) -> Int {
        var day = calendar.startOfDay(for: start)
        let last = calendar.startOfDay(for: end)
        var counted = 0
        while day < last {
            day = calendar.date(byAdding: .day, value: 1, to: day)!
            if try isWorkingDay(day) { counted += 1 }
        }
        return counted
    }

    /// The year an administrator should load at `now`: the current one when it is missing, otherwise
    /// next year from 1 October (Beijing) when that is missing; nil when nothing is due.
    public func yearToLoad(at now: Date) -> Int? {
        let year = year(of: now)
        if !holds(year) { return year }
        let month = calendar.component(.month, from: now)
        return month >= Self.reminderMonth && !holds(year + 1) ? year + 1 : nil
    }
}
