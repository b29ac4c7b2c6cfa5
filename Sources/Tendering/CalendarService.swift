import Core
import Foundation
import PostgresNIO
import Store
import Tabular

/// A year of the working calendar as held: its holidays and adjusted working days, and who loaded it when.
public struct CalendarYear: Sendable, Equatable {
    /// The year's audit chain.
    public var id: UUID
    public var year: Int
    /// In day order; only the days that are not what their weekday says (and days off inside a holiday).
    public var days: [WorkingCalendar.Exception]
    public var loadedAt: Date
    public var loadedBy: UUID

    /// What the audit trail keeps of a year: its days.
    struct State: Encodable {
        var year: Int
        var days: [WorkingCalendar.Exception]
    }
    var state: State { State(year: year, days: days) }
}

/// What an import did to each year of its file.
public struct CalendarImportReport: Sendable, Equatable {
    public enum Change: String, Sendable { case added, replaced, unchanged }
    public struct Year: Sendable, Equatable {
        public var year: Int
        public var days: Int
        public var change: Change
        public init(year: Int, days: Int, change: Change) {
            self.year = year
            self.days = days
            self.change = change
        }
    }
    public var years: [Year]
}

/// The working calendar, kept by the platform's administrators: a file loads whole years (each year in
/// it replaces what was held for that year, atomically and audited); every deadline is counted on it,
/// and a deadline in a year not loaded is refused (`WorkingCalendar.YearNotHeld`).
public struct CalendarService: Sendable {
    let database: Database
    let clock: any SpokesClock

    public init(database: Database, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.clock = clock
    }

    func store(_ connection: PostgresConnection) -> CalendarStore { CalendarStore(connection: connection, logger: database.logger) }

    /// The calendar as held now.
    public func calendar() async throws -> WorkingCalendar {
        try await database.read { try await store($0).calendar() }
    }

    /// Every year held, oldest first, with its days: public, as the deadlines counted on them are.
    public func years() async throws -> [CalendarYear] {
        try await database.read { try await store($0).years() }
    }

    /// Whether the actor may load the calendar.
    public func mayKeep(_ actor: Actor?) -> Bool { Policy.decide(actor, .keepCalendar, .platform) == .allow }

    /// Refuses anyone but those who keep the calendar (the page that loads it).
    public func authorizeKeeper(_ actor: Actor?) throws {
        try Policy.authorize(actor, .keepCalendar, .platform)
    }

    /// The year the actor should load now, for the warning on an administrator's home page: the current
    /// year when missing, or next year from 1 October (by the service's clock). Nil for everyone else.
    public func yearToLoad(for actor: Actor?) async throws -> Int? {
        guard mayKeep(actor) else { return nil }
        return try await calendar().yearToLoad(at: clock.now())
    }

    /// Loads a CSV or XLSX file (Contracts/imports/calendar.md). Every year in the file replaces what was held
    /// for it; any error in any row and nothing changes (422 naming each row and column). With `keepingHeld`,
    /// years already held are left as they are (the demo's provisional year never replaces a loaded one).
    public func importFile(by actor: Actor, _ data: Data, keepingHeld: Bool = false) async throws -> CalendarImportReport {
        try Policy.authorize(actor, .keepCalendar, .platform)
        let years = try CalendarFile.years(of: try Self.format.rows(of: try SpreadsheetFile.read(data)))
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lockForImport()
            let held = Dictionary(uniqueKeysWithValues: try await store.years().map { ($0.year, $0) })
            var report = CalendarImportReport(years: [])
            for (year, days) in years.sorted(by: { $0.key < $1.key }) {
                let before = held[year]
                guard before?.days != days, !(keepingHeld && before != nil) else {
                    report.years.append(.init(year: year, days: days.count, change: .unchanged))
                    continue
                }
                let after = CalendarYear(id: before?.id ?? UUID.v7(at: now), year: year, days: days, loadedAt: now, loadedBy: actor.userID)
                try await store.replace(after)
                try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID,
                                          action: before == nil ? "calendar_year.loaded" : "calendar_year.replaced",
                                          entity: AuditEntity("calendar_year", after.id), before: before?.state, after: after.state, at: now)
                report.years.append(.init(year: year, days: days.count, change: before == nil ? .added : .replaced))
            }
            return report
        }
    }

    /// Every year held, in the import format (Chinese headers, 是/否): importing it back changes nothing.
    public func export(as kind: SpreadsheetFile.Kind) async throws -> Data {
        let rows = try await years().flatMap { $0.days.map { [$0.day, $0.working ? "是" : "否", $0.name] } }
        return SpreadsheetFile.write(Table(header: Self.format.header, rows: rows), as: kind)
    }

    public static let format = TableFormat([
        .init("day", zh: "日期", en: "Day"),
        .init("working", zh: "是否上班", en: "Working"),
        .init("name", zh: "名称", en: "Name"),
    ])
}

/// The rules of a calendar file, apart from the database: each row a real day of a possible year, told
/// working or not, named; no day twice; and each year whole (it replaces what was held).
enum CalendarFile {
    static let maximumName = 50

    /// The file's days by year, or every problem of every row at once.
    static func years(of rows: [TableFormat.Row]) throws(DomainError) -> [Int: [WorkingCalendar.Exception]] {
        var errors = RowErrors()
        var years: [Int: [WorkingCalendar.Exception]] = [:]
        var firstRow: [Int: TableFormat.Row] = [:]
        // Whether each year can be judged whole: not when a row's day or its working is unreadable.
        var unreadDay = false
        var undecided: Set<Int> = []
        let weekdays = WorkingCalendar(years: Set(WorkingCalendar.possibleYears))
        for row in rows {
            let day = Self.day(row["day"])
            let working = Self.working(row["working"])
            let name = row["name"]
            if row["day"].isEmpty {
                errors.add(row, "day", "is required")
            } else if let day {
                errors.checkUnique(row, "day", day.key)
            } else {
                errors.add(row, "day", "\(row["day"]) is not a day from \(WorkingCalendar.possibleYears.lowerBound) to "
                           + "\(WorkingCalendar.possibleYears.upperBound) written yyyy-MM-dd (e.g. 2027-01-01)")
            }
            if working == nil {
                errors.add(row, "working", row["working"].isEmpty ? "is required: 是 (a working day) or 否 (a day off)"
                                                                  : "\(row["working"]) is neither 是 (a working day) nor 否 (a day off); true and false are taken too")
            }
            if name.isEmpty { errors.add(row, "name", "is required (e.g. 元旦, 春节调休)") }
            if name.count > maximumName { errors.add(row, "name", "must be at most \(maximumName) characters") }
            guard let day else { unreadDay = true; continue }
            if firstRow[day.year] == nil { firstRow[day.year] = row }
            guard let working else { undecided.insert(day.year); continue }
            // A weekday said to be working is what it is anyway: most likely 是 was meant as "yes, a holiday".
            if working, Self.isWeekday(day.key, weekdays), let date = Day.beijing(day.key) {
                errors.add(row, "working", "\(day.key) is a \(Self.weekdayName(date)), a working day anyway: 是 changes nothing. A holiday is 否 (a day off)")
            }
            years[day.year, default: []].append(WorkingCalendar.Exception(day: day.key, working: working, name: name))
        }
        // A year replaces what was held for it: a file with only a December 调休 of next year's schedule would
        // otherwise wipe out that year's holidays. Every real year has weekday holidays (the Spring Festival).
        for (year, row) in firstRow.sorted(by: { $0.key < $1.key }) where !unreadDay && !undecided.contains(year)
            && !(years[year] ?? []).contains(where: { !$0.working && Self.isWeekday($0.day, weekdays) }) {
            errors.add(row, "day", "the file holds \(year) but no weekday holiday of it: a file replaces whole years, so list every holiday and "
                       + "adjusted working day of \(year) (a 调休 day of the next year's schedule that falls in December belongs with them)")
        }
        try errors.finish()
        return years.mapValues { $0.sorted { $0.day < $1.day } }
    }

    struct Day {
        var year: Int
        var key: String

        /// Noon of the day in Beijing.
        static func beijing(_ key: String) -> Date? {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            return formatter.date(from: key + " 12:00")
        }
    }

    /// `2027-01-01`, as Excel in Chinese writes it in a CSV (`2027/1/1`), or an Excel date cell (a day number
    /// counted from 1899-12-30, which is what an .xlsx holds for a date).
    static func day(_ text: String) -> Day? {
        var parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" }).map(String.init)
        if parts.count == 1, let serial = Int(text), let date = Self.excelDay(serial) { parts = date }
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), WorkingCalendar.possibleYears.contains(year) else { return nil }
        let key = String(format: "%04d-%02d-%02d", year, month, day)
        return WorkingCalendar.isDay(key) ? Day(year: year, key: key) : nil
    }

    /// The year, month and day of an Excel day number within the possible years.
    private static func excelDay(_ serial: Int) -> [String]? {
        guard (36_526...73_415).contains(serial) else { return nil }  // 2000-01-01 … 2100-12-31
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let epoch = DateComponents(calendar: calendar, year: 1899, month: 12, day: 30).date
        guard let epoch, let date = calendar.date(byAdding: .day, value: serial, to: epoch) else { return nil }
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = c.year, let month = c.month, let day = c.day else { return nil }
        return [String(year), String(month), String(day)]
    }

    static func working(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "是", "true": true
        case "否", "false": false
        default: nil
        }
    }

    private static func isWeekday(_ key: String, _ weekdays: WorkingCalendar) -> Bool {
        Day.beijing(key).map { (try? weekdays.isWorkingDay($0)) == true } ?? false
    }

    private static func weekdayName(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
        return ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][calendar.component(.weekday, from: date) - 1]
    }
}
