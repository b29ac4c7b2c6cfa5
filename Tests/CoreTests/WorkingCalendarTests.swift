import Core
import Foundation
import Testing

@Suite("Working-day calendar")
struct WorkingCalendarTests {
    let national = WorkingCalendar(exceptions: [
        .init(day: "2026-10-01", working: false, name: "国庆节"), .init(day: "2026-10-02", working: false, name: "国庆节"),
        .init(day: "2026-10-05", working: false, name: "国庆节"), .init(day: "2026-10-06", working: false, name: "国庆节"),
        .init(day: "2026-10-07", working: false, name: "国庆节"), .init(day: "2026-10-10", working: true, name: "国庆节调休"),
    ], years: [2026])

    func beijing(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.date(from: text)!
    }

    @Test("a deadline is 17:00 Beijing time on the n-th working day after the start day, skipping weekends")
    func weekends() throws {
        let calendar = WorkingCalendar(years: [2026])
        // Thursday morning + 3 working days: Friday, Monday, Tuesday.
        #expect(calendar.describe(try calendar.close(ofWorkingDay: 3, after: beijing("2026-11-05 09:30"))) == "2026-11-10 17:00")
        // Published late on Friday: Saturday and Sunday do not count.
        #expect(calendar.describe(try calendar.close(ofWorkingDay: 1, after: beijing("2026-11-06 23:59"))) == "2026-11-09 17:00")
        #expect(try calendar.workingDays(from: beijing("2026-11-05 09:30"), to: beijing("2026-11-10 17:00")) == 3)
    }

    @Test("holidays are skipped and make-up working days count")
    func holidays() throws {
        // From Wednesday 30 September: 1–7 October are holidays (3, 4 weekend), Friday 9 and Saturday 10 work.
        #expect(national.describe(try national.close(ofWorkingDay: 1, after: beijing("2026-09-30 10:00"))) == "2026-10-08 17:00")
        #expect(national.describe(try national.close(ofWorkingDay: 3, after: beijing("2026-09-30 10:00"))) == "2026-10-10 17:00")
        #expect(try !national.isWorkingDay(beijing("2026-10-05 12:00")))
        #expect(try national.isWorkingDay(beijing("2026-10-10 12:00")))
        #expect(try !WorkingCalendar(years: [2026]).isWorkingDay(beijing("2026-10-10 12:00")))
    }

    @Test("a period that would count through a year not held is refused, naming the year; one that stops short of it is not")
    func yearsNotHeld() throws {
        // Enquiries ending Wednesday 9 December 2026: 16 working days end on 31 December; the 17th would be New Year's Day.
        #expect(national.describe(try national.close(ofWorkingDay: 16, after: beijing("2026-12-09 17:00"))) == "2026-12-31 17:00")
        #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { try national.close(ofWorkingDay: 17, after: beijing("2026-12-09 17:00")) }
        #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { try national.workingDays(from: beijing("2026-12-30 10:00"), to: beijing("2027-01-05 10:00")) }
        #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { try national.isWorkingDay(beijing("2027-01-01 12:00")) }
        // An empty calendar holds no year: no deadline at all, not a calendar of weekdays only.
        #expect(throws: WorkingCalendar.YearNotHeld(year: 2026)) { try WorkingCalendar().close(ofWorkingDay: 1, after: beijing("2026-11-05 09:30")) }
        #expect(try national.close(ofWorkingDay: 0, after: beijing("2026-12-31 10:00")) == beijing("2026-12-31 17:00"), "no day counted, none needed")
        #expect(WorkingCalendar.YearNotHeld(year: 2027).description
                == "the working calendar for 2027 has not been loaded; an administrator loads it at /admin/calendar")
    }

    @Test("administrators are told which year to load: the current one when missing, next year from 1 October (Beijing)")
    func yearToLoad() {
        #expect(national.yearToLoad(at: beijing("2026-09-30 23:59")) == nil)
        #expect(national.yearToLoad(at: beijing("2026-10-01 00:00")) == 2027)
        #expect(national.yearToLoad(at: beijing("2026-12-31 12:00")) == 2027)
        #expect(national.yearToLoad(at: beijing("2027-02-01 12:00")) == 2027, "the current year missing is the most urgent")
        #expect(WorkingCalendar(years: [2026, 2027]).yearToLoad(at: beijing("2026-11-01 12:00")) == nil)
    }

    @Test("days are checked as real dates")
    func days() {
        #expect(WorkingCalendar.isDay("2026-02-28"))
        #expect(!WorkingCalendar.isDay("2026-02-30"))
        #expect(!WorkingCalendar.isDay("2026-2-3"))
        #expect(!WorkingCalendar.isDay("yesterday"))
    }
}
