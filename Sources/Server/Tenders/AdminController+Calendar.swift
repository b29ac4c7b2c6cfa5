import Core
import Foundation
import Hummingbird
import Tabular
import Tendering

/// The working-calendar page of the admin area: the years held with their days, the warning when the
/// next is due, and the form that loads a file. A refused file is listed row by row; nothing changed.
extension AdminController {
    func calendarPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try calendar.authorizeKeeper(context.actor)
        return try await renderCalendar(request, context, outcome: .none)
    }

    func importCalendar(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try calendar.authorizeKeeper(actor)
        var filename = ""
        do {
            let file = try await MultipartForm.spreadsheet(request, context).file
            filename = file.filename ?? ""
            let report = try await calendar.importFile(by: actor, file.data)
            return try await renderCalendar(request, context, outcome: .loaded(filename: filename, report))
        } catch let error as DomainError where error.kind == .invalid {
            return try await renderCalendar(request, context, outcome: .refused(filename: filename, error.fields), status: .unprocessableContent)
        }
    }

    private func renderCalendar(_ request: Request, _ context: AppRequestContext, outcome: CalendarPage.Outcome,
                                status: HTTPResponse.Status = .ok) async throws -> Response {
        let model = CalendarPage.model(years: try await calendar.years(), yearToLoad: try await calendar.yearToLoad(for: context.actor),
                                       outcome: outcome, language: context.language, say: { views.text($0, context) },
                                       message: { views.say($0, context) })
        return views.page("tenders/admin-calendar", title: views.text("calendar_title", context), model: model, status: status, request: request, context: context)
    }
}

/// What the calendar page shows, as typed template data built without HTTP.
struct CalendarPage {
    enum Outcome {
        case none
        case loaded(filename: String, CalendarImportReport)
        case refused(filename: String, [FieldError])
    }

    struct Year {
        let year: Int
        let loadedAt: String
        let dayCount: Int
        let days: [Day]
    }

    struct Day {
        let day: String
        let weekday: String
        let kind: String
        let working: Bool
        let name: String
    }

    struct Loaded {
        let year: Int
        let days: Int
        let change: String
    }

    struct RowError {
        let row: String
        let column: String
        let message: String
    }

    let years: [Year]
    /// The sentence warning that a year is missing (nil when none is due).
    let warning: String?
    let filename: String
    let report: [Loaded]
    let errors: [RowError]

    static func model(years: [CalendarYear], yearToLoad: Int?, outcome: Outcome, language: Language, say: (String) -> String,
                      message: (Message) -> String) -> CalendarPage {
        let format = WorkingCalendar()
        let rows = years.reversed().map { year in
            Year(year: year.year, loadedAt: format.describe(year.loadedAt), dayCount: year.days.count, days: year.days.map { day in
                Day(day: day.day, weekday: weekday(of: day.day).map { say("weekday_\($0)") } ?? "",
                    kind: say(day.working ? "calendar_workday" : "calendar_dayOff"), working: day.working, name: day.name)
            })
        }
        let warning = yearToLoad.map { Views.fill(say("calendar_warning"), [String($0)]) }
        switch outcome {
        case .none:
            return CalendarPage(years: rows, warning: warning, filename: "", report: [], errors: [])
        case .loaded(let filename, let report):
            return CalendarPage(years: rows, warning: warning, filename: filename,
                                report: report.years.map { Loaded(year: $0.year, days: $0.days, change: say("calendar_change_\($0.change.rawValue)")) },
                                errors: [])
        case .refused(let filename, let fields):
            return CalendarPage(years: rows, warning: warning, filename: filename, report: [], errors: fields.map { field in
                let (row, key) = CatalogueController.split(field.field)
                // The column as the reader's language names it in the file.
                let column = CalendarService.format.columns.first { $0.key == key }.map { language == .zh ? $0.zh : $0.en } ?? key
                return RowError(row: row, column: column, message: message(field.message))
            })
        }
    }

    /// 0 (Sunday) to 6 (Saturday) for a day written yyyy-MM-dd.
    static func weekday(of day: String) -> Int? {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else { return nil }
        return calendar.component(.weekday, from: date) - 1
    }
}
