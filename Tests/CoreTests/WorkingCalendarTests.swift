import Core
import Foundation
import Testing

@Suite("Working-day calendar")
struct WorkingCalendarTests {
    let national = WorkingCalendar(exceptions: [
        .init(day: "2026-10-01", working: false, name: "国庆节"), .init(day: "2026-10-02", working: false, name: "国庆节"),
        .init(day: "2026-10-05", working: false, name: "国庆节"), .init(day: "2026-10-06", working: false, name: "国庆节"),
        .init(day: "2026-10-07", working: false, name: "国庆节"), .init(day: "2026-10-10", working: true, name: "国庆节调休"),
    ])

    func beijing(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.date(from: text)!
    }

    @Test("a deadline is 17:00 Beijing time on the n-th working day after the start day, skipping weekends")
    func weekends() {
        let calendar = WorkingCalendar()
        // Thursday morning + 3 working days: Friday, Monday, Tuesday.
        #expect(calendar.describe(calendar.close(ofWorkingDay: 3, after: beijing("2026-11-05 09:30"))) == "2026-11-10 17:00")
        // Published late on Friday: Saturday and Sunday do not count.
        #expect(calendar.describe(calendar.close(ofWorkingDay: 1, after: beijing("2026-11-06 23:59"))) == "2026-11-09 17:00")
        #expect(calendar.workingDays(from: beijing("2026-11-05 09:30"), to: beijing("2026-11-10 17:00")) == 3)
    }

    @Test("holidays are skipped and make-up working days count")
    func holidays() {
        // From Wednesday 30 September: 1–7 October are holidays (3, 4 weekend), Friday 9 and Saturday 10 work.
        #expect(national.describe(national.close(ofWorkingDay: 1, after: beijing("2026-09-30 10:00"))) == "2026-10-08 17:00")
        #expect(national.describe(national.close(ofWorkingDay: 3, after: beijing("2026-09-30 10:00"))) == "2026-10-10 17:00")
        #expect(!national.isWorkingDay(beijing("2026-10-05 12:00")))
        #expect(national.isWorkingDay(beijing("2026-10-10 12:00")))
        #expect(!WorkingCalendar().isWorkingDay(beijing("2026-10-10 12:00")))
    }

    @Test("days are checked as real dates")
    func days() {
        #expect(WorkingCalendar.isDay("2026-02-28"))
        #expect(!WorkingCalendar.isDay("2026-02-30"))
        #expect(!WorkingCalendar.isDay("2026-2-3"))
        #expect(!WorkingCalendar.isDay("yesterday"))
    }
}
