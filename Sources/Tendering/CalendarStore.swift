import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of the working calendar (the years held and their holidays and adjusted working days), and nothing else.
struct CalendarStore {
    let connection: PostgresConnection
    let logger: Logger

    /// The calendar as held now, in one query: what every deadline is counted on.
    func calendar() async throws -> WorkingCalendar {
        var years: Set<Int> = []
        var exceptions: [WorkingCalendar.Exception] = []
        for try await (year, day, working, name) in try await connection.query("""
            SELECT y.year, d.day::text, d.working, d.name
            FROM tendering.calendar_years y LEFT JOIN tendering.calendar_days d ON d.year = y.year
            ORDER BY y.year, d.day
            """, logger: logger).decode((Int, String?, Bool?, String?).self) {
            years.insert(year)
            if let day, let working, let name { exceptions.append(WorkingCalendar.Exception(day: day, working: working, name: name)) }
        }
        return WorkingCalendar(exceptions: exceptions, years: years)
    }

    /// Every year held, oldest first, with its days in order.
    func years() async throws -> [CalendarYear] {
        var years: [CalendarYear] = []
        for try await (id, year, loadedAt, loadedBy, day, working, name) in try await connection.query("""
            SELECT y.id, y.year, y.loaded_at, y.loaded_by, d.day::text, d.working, d.name
            FROM tendering.calendar_years y LEFT JOIN tendering.calendar_days d ON d.year = y.year
            ORDER BY y.year, d.day
            """, logger: logger).decode((UUID, Int, Date, UUID, String?, Bool?, String?).self) {
            if years.last?.year != year {
                years.append(CalendarYear(id: id, year: year, days: [], loadedAt: loadedAt, loadedBy: loadedBy))
            }
            if let day, let working, let name {
                years[years.count - 1].days.append(WorkingCalendar.Exception(day: day, working: working, name: name))
            }
        }
        return years
    }

    /// Serialises imports: two at once would each replace a year the other is replacing.
    func lockForImport() async throws {
        try await connection.query("LOCK TABLE tendering.calendar_years IN SHARE ROW EXCLUSIVE MODE", logger: logger)
    }

    /// Holds the year with exactly its days, replacing whatever it held; who loaded it when is kept on the year.
    func replace(_ year: CalendarYear) async throws {
        try await connection.query("""
            INSERT INTO tendering.calendar_years (id, year, loaded_at, loaded_by)
            VALUES (\(year.id), \(year.year), \(year.loadedAt), \(year.loadedBy))
            ON CONFLICT (year) DO UPDATE SET loaded_at = EXCLUDED.loaded_at, loaded_by = EXCLUDED.loaded_by
            """, logger: logger)
        try await connection.query("DELETE FROM tendering.calendar_days WHERE year = \(year.year)", logger: logger)
        guard !year.days.isEmpty else { return }
        try await connection.query("""
            INSERT INTO tendering.calendar_days (day, working, name)
            SELECT * FROM unnest(\(year.days.map(\.day))::date[], \(year.days.map(\.working))::boolean[], \(year.days.map(\.name))::text[])
            """, logger: logger)
    }
}
