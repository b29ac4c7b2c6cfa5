import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tabular
import Tendering
import TestSupport
import Testing

/// The working calendar as data (issue 21, finding 3): administrators load whole years; a deadline in a year
/// not held is refused, naming the year; readers and the worker never fail on one.
@Suite("Working calendar kept by administrators")
struct CalendarTests {
    let beijing = TestCalendar.beijing

    func service(_ database: Database, _ clock: any SpokesClock = SystemClock()) -> CalendarService {
        CalendarService(database: database, clock: clock)
    }

    func trail(_ database: Database, year: CalendarYear) async throws -> [String] {
        try await database.read { try await AuditLog.trail(of: AuditEntity("calendar_year", year.id), on: $0, logger: database.logger) }.map(\.action)
    }

    @Test("2026 ships held, as migration 0011 wrote it; no later year is held")
    func shipped() async throws {
        try await TestDatabase.with(.empty) { database in
            let years = try await service(database).years()
            #expect(years.map(\.year) == [2026])
            #expect(years[0].days.count == 25)
            #expect(years[0].days.first == WorkingCalendar.Exception(day: "2026-01-01", working: false, name: "元旦"))
            #expect(years[0].days.contains(WorkingCalendar.Exception(day: "2026-10-10", working: true, name: "国庆节调休")))
            let calendar = try await service(database).calendar()
            #expect(calendar.years == [2026])
            #expect(try !calendar.isWorkingDay(beijing("2026-10-01 12:00")))
        }
    }

    @Test("a valid file loads its year, audited; the same file again and the export change nothing")
    func load() async throws {
        try await TestDatabase.with(.empty) { database in
            let calendar = service(database)
            let report = try await TestCalendar.load2027(database)
            #expect(report.years == [.init(year: 2027, days: 8, change: .added)])
            let years = try await calendar.years()
            #expect(years.map(\.year) == [2026, 2027])
            #expect(years[1].days.first == WorkingCalendar.Exception(day: "2027-01-01", working: false, name: "元旦（测试）"))
            #expect(years[1].loadedBy == Actor.systemID)
            #expect(try await trail(database, year: years[1]) == ["calendar_year.loaded"])
            #expect(try await TestCalendar.load2027(database).years == [.init(year: 2027, days: 8, change: .unchanged)])
            // The export holds every year in the import format; importing it back changes nothing and audits nothing.
            for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
                let exported = try await calendar.export(as: kind)
                #expect(try await calendar.importFile(by: .system, exported).years.map(\.change) == [.unchanged, .unchanged], "\(kind)")
            }
            #expect(try await trail(database, year: years[1]) == ["calendar_year.loaded"])
            // The calendar counts on it: New Year's Day is a day off, the Saturday 20 February a working day.
            let held = try await calendar.calendar()
            #expect(try !held.isWorkingDay(beijing("2027-01-01 12:00")))
            #expect(try held.isWorkingDay(beijing("2027-02-20 12:00")))
        }
    }

    @Test("a year in a file replaces what was held for it, whole, and leaves other years alone")
    func replace() async throws {
        try await TestDatabase.with(.empty) { database in
            let calendar = service(database)
            try await TestCalendar.load2027(database)
            // English headers, an Excel date cell (day 46388 is 2027-01-01), a date as Excel in Chinese writes it, TRUE/FALSE.
            let file = "day,working,name\n46388,false,New Year\n2027/2/9,FALSE,Spring Festival\n"
            #expect(try await calendar.importFile(by: .system, Data(file.utf8)).years == [.init(year: 2027, days: 2, change: .replaced)])
            let years = try await calendar.years()
            #expect(years.map(\.year) == [2026, 2027])
            #expect(years[0].days.count == 25, "2026 is not in the file: left alone")
            #expect(years[1].days == [.init(day: "2027-01-01", working: false, name: "New Year"), .init(day: "2027-02-09", working: false, name: "Spring Festival")])
            #expect(try await trail(database, year: years[1]) == ["calendar_year.loaded", "calendar_year.replaced"])
            #expect(try await calendar.calendar().isWorkingDay(beijing("2027-02-20 12:00")) == false, "the Saturday is no longer a working day")
        }
    }

    @Test("the demo's provisional year stands in only while a year is missing: it never replaces a year an administrator loaded")
    func provisional() async throws {
        try await TestDatabase.with(.empty) { database in
            let calendar = service(database)
            let provisional = try Data(contentsOf: URL(fileURLWithPath: TestDatabase.packageRoot + "/seed/calendar-provisional.csv"))
            try await TestCalendar.load2027(database)
            let loaded = try await calendar.years()
            #expect(try await calendar.importFile(by: .system, provisional, keepingHeld: true).years.map(\.change) == [.unchanged])
            #expect(try await calendar.years() == loaded)
            #expect(try await trail(database, year: loaded[1]) == ["calendar_year.loaded"])
        }
        try await TestDatabase.with(.empty) { database in
            let calendar = service(database)
            let provisional = try Data(contentsOf: URL(fileURLWithPath: TestDatabase.packageRoot + "/seed/calendar-provisional.csv"))
            #expect(try await calendar.importFile(by: .system, provisional, keepingHeld: true).years == [.init(year: 2027, days: 13, change: .added)])
            // New Year's Day off; the Spring Festival's weekend days made up on the Tuesday and Wednesday after it.
            let held = try await calendar.calendar()
            #expect(try !held.isWorkingDay(beijing("2027-01-01 12:00")) && !held.isWorkingDay(beijing("2027-02-10 12:00")))
            #expect(try held.isWorkingDay(beijing("2027-02-11 12:00")))
        }
    }

    @Test("a file with bad rows is refused whole, each problem by row and column, and nothing changes")
    func badRows() async throws {
        try await TestDatabase.with(.empty) { database in
            let calendar = service(database)
            let before = try await calendar.years()
            let file = """
                日期,是否上班,名称
                2027-02-30,否,春节
                2027-01-01,也许,元旦
                2027-01-01,否,元旦
                2027-01-04,是,元旦调休
                ,否,
                2027-02-08,否,\(String(repeating: "节", count: 51))
                2028-12-30,是,元旦调休
                1999-12-31,否,千禧
                """
            let refused = await #expect(throws: DomainError.self) { try await calendar.importFile(by: .system, Data(file.utf8)) }
            #expect(refused?.kind == .invalid)
            #expect(refused?.detail == "The file has 8 error(s); nothing was changed.")
            // Row 8, a Saturday made working in a later year, is fine; which years are whole is judged once every day reads.
            #expect(refused?.fields == [
                FieldError("rows[2].day", "2027-02-30 is not a day from 2000 to 2100 written yyyy-MM-dd (e.g. 2027-01-01)"),
                FieldError("rows[3].working", "也许 is neither 是 (a working day) nor 否 (a day off); true and false are taken too"),
                FieldError("rows[4].day", "2027-01-01 is in the file twice (first in row 3)"),
                FieldError("rows[5].working", "2027-01-04 is a Monday, a working day anyway: 是 changes nothing. A holiday is 否 (a day off)"),
                FieldError("rows[6].day", "is required"),
                FieldError("rows[6].name", "is required (e.g. 元旦, 春节调休)"),
                FieldError("rows[7].name", "must be at most 50 characters"),
                FieldError("rows[9].day", "1999-12-31 is not a day from 2000 to 2100 written yyyy-MM-dd (e.g. 2027-01-01)"),
            ])
            #expect(try await calendar.years() == before, "nothing changed")
        }
    }

    @Test("a year without a weekday holiday is refused: a December 调休 of next year's schedule alone would wipe out its year")
    func wholeYears() async throws {
        try await TestDatabase.with(.empty) { database in
            let calendar = service(database)
            let file = "日期,是否上班,名称\n2026-12-26,是,元旦调休\n2027-01-01,否,元旦\n"
            let refused = await #expect(throws: DomainError.self) { try await calendar.importFile(by: .system, Data(file.utf8)) }
            #expect(refused?.fields == [FieldError("rows[2].day", "the file holds 2026 but no weekday holiday of it: a file replaces whole years, so list every "
                                                   + "holiday and adjusted working day of 2026 (a 调休 day of the next year's schedule that falls in December belongs with them)")])
            let counts = try await calendar.years().map { $0.days.count }
            #expect(counts == [25], "2026 kept its 25 days; 2027 not loaded")
        }
    }

    @Test("only the platform's administrators load the calendar; a refused caller changes nothing")
    func keepers() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            for username in ["finance", "overseer", "ngo"] {
                await #expect(throws: DomainError.forbidden("only the platform's administrators load the working calendar")) {
                    try await service(database).importFile(by: try await world.actor(username), Data(TestCalendar.year2027.utf8))
                }
            }
            #expect(try await service(database).years().map(\.year) == [2026])
            let admin = try await world.actor("admin")
            #expect(try await service(database).importFile(by: admin, Data(TestCalendar.year2027.utf8)).years.map(\.change) == [.added])
            #expect(try await service(database).years().last?.loadedBy == admin.userID)
        }
    }

    @Test("the year to load: an administrator is told from 1 October while next year is missing; nobody else is")
    func reminder() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let admin = try await world.actor("admin")
            let september = ManualClock(beijing("2026-09-30 23:59"))
            #expect(try await service(database, september).yearToLoad(for: admin) == nil)
            let october = ManualClock(beijing("2026-10-01 00:00"))
            #expect(try await service(database, october).yearToLoad(for: admin) == 2027)
            #expect(try await service(database, october).yearToLoad(for: try await world.actor("finance")) == nil)
            #expect(try await service(database, october).yearToLoad(for: nil) == nil)
            try await TestCalendar.load2027(database)
            #expect(try await service(database, october).yearToLoad(for: admin) == nil)
        }
    }

    // MARK: Deadlines

    /// `TenderWorld.tenderInEvaluation` scored by its panel, and the buyer's award of its second bid (the first is flagged).
    func scored(_ t: TenderWorld) async throws -> (Tender, award: @Sendable () async throws -> Void) {
        let tender = try await t.tenderInEvaluation()
        try await t.scoreAll(tender)
        let finance = try await t.world.actor("finance")
        let ranking = try #require(try await t.evaluations.evaluation(tenderID: tender.id, by: finance).rankings?.first)
        return (tender, {
            _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: ranking.bids[1].bidID,
                                          reason: "第一名报价异常低且未作书面说明，授予第二名。")
        })
    }

    @Test("New Year's Day: published 5 December with 17 tendering days, refused without 2027; with it, closing on Monday 4 January")
    func newYearsDay() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database, start: beijing("2026-12-05 10:00"))
            let finance = try await t.world.actor("finance")
            var terms = t.terms(try await t.lines(["LX2026-01"]))
            terms.tenderingDays = 17
            let draft = try await t.tenders.createDraft(by: finance, buyerID: finance.organisationID, terms)
            await #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { _ = try await t.tenders.publish(by: finance, tenderID: draft.id) }
            #expect(WorkingCalendar.YearNotHeld(year: 2027).description
                    == "the working calendar for 2027 has not been loaded; an administrator loads it at /admin/calendar")
            #expect(try await t.tenders.tender(id: draft.id, by: finance).status == .draft, "nothing published")

            try await TestCalendar.load2027(database)
            let tender = try await t.tenders.publish(by: finance, tenderID: draft.id)
            let periods = try #require(tender.periods)
            let calendar = WorkingCalendar()
            #expect(calendar.describe(periods.enquiryEnd) == "2026-12-09 17:00")
            // 10–11, 14–18, 21–25, 28–31 December are 16 working days; 1 January is New Year's Day.
            #expect(calendar.describe(periods.tenderEnd) == "2027-01-04 17:00")
            #expect(calendar.describe(periods.evaluationEnd) == "2027-01-11 17:00")
        }
    }

    @Test("changing a published tender's terms is refused when its new deadline would count through a year not held")
    func changedTerms() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database, start: beijing("2026-12-07 09:00"))
            let finance = try await t.world.actor("finance")
            let tender = try await t.publishedTender(["LX2026-01"])
            var terms = tender.terms
            terms.tenderingDays = 20
            await #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { _ = try await t.tenders.updateTerms(by: finance, tenderID: tender.id, terms) }
            #expect(try await t.tenders.tender(id: tender.id, by: nil) == tender, "unchanged")
        }
    }

    @Test("the award that would start a standstill running into a year not held is refused; loaded, it counts New Year's Day off")
    func standstill() async throws {
        try await TestDatabase.with { database in
            // Published Monday 14 December: bids open Thursday 24 December, 17:00.
            let t = TenderWorld(database, start: beijing("2026-12-14 09:00"))
            let (tender, award) = try await scored(t)
            try await t.move(to: beijing("2026-12-28 10:00"))
            await #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { try await award() }
            #expect(try await t.awards.awards(tenderID: tender.id, by: try await t.world.actor("finance")).isEmpty, "nothing awarded")
            try await TestCalendar.load2027(database)
            try await award()
            #expect(WorkingCalendar().describe(try #require(try await t.tenders.tender(id: tender.id, by: nil).periods?.standstillEnd)) == "2027-01-05 17:00")
        }
    }

    @Test("answering a complaint is refused when its escalation window would run into a year not held; the worker never fails on one")
    func complaints() async throws {
        try await TestDatabase.with { database in
            // Published Monday 7 December: bids open Thursday 17 December; awarded Monday 21 December, standstill until Monday 28 December.
            let t = TenderWorld(database, start: beijing("2026-12-07 09:00"))
            let (tender, award) = try await scored(t)
            let finance = try await t.world.actor("finance")
            try await t.move(to: beijing("2026-12-21 10:00"))
            try await award()
            let harmony = try await t.world.actor("harmony")
            let complaint = try await t.awards.file(by: harmony, tenderID: tender.id, lotID: nil, text: "评审不公，请复核评分。")
            // Answered Tuesday 29 December: three working days to escalate would reach into 2027.
            try await t.move(to: beijing("2026-12-29 10:00"))
            await #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) {
                _ = try await t.awards.answer(by: finance, complaintID: complaint.id, text: "已复核，评分无误。")
            }
            #expect(try await t.awards.complaints(tenderID: tender.id, by: nil)[0].status == .claim)
            try await TestCalendar.load2027(database)
            _ = try await t.awards.answer(by: finance, complaintID: complaint.id, text: "已复核，评分无误。")
            // Until Monday 4 January, 17:00 (New Year's Day off). Records answered before a year went missing: the
            // worker neither fails nor lapses the complaint by a guess, and the tender waits.
            try await TestCalendar.forget(2027, database)
            await #expect(throws: WorkingCalendar.YearNotHeld(year: 2027), "the window cannot be counted: escalating says why") {
                _ = try await t.awards.escalate(by: harmony, complaintID: complaint.id, text: "不服，请监督部门处理。")
            }
            try await t.move(to: beijing("2027-01-05 10:00"))
            #expect(try await t.awards.complaints(tenderID: tender.id, by: nil)[0].status == .answered)
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .awarded)
            try await TestCalendar.load2027(database)
            try await t.move(to: beijing("2027-01-05 11:01"))
            #expect(try await t.awards.complaints(tenderID: tender.id, by: nil)[0].outcome == .lapsed)
            #expect(try await t.tenders.tender(id: tender.id, by: nil).status == .complete)
        }
    }
}
