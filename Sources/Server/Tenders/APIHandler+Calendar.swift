import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI
import Tendering

/// The working calendar: the years held (public), their file, and loading years (administrators).
extension APIHandler {
    func listCalendarYears(_ input: Operations.ListCalendarYears.Input) async throws -> Operations.ListCalendarYears.Output {
        .ok(.init(body: .json(try await calendar.years().map(Components.Schemas.CalendarYear.init))))
    }

    func importCalendar(_ input: Operations.ImportCalendar.Input) async throws -> Operations.ImportCalendar.Output {
        let actor = try signedIn()
        // Either kind of file; the bytes themselves say which it is.
        let body: HTTPBody
        switch input.body {
        case .csv(let csv): body = csv
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let xlsx): body = xlsx
        }
        let report = try await calendar.importFile(by: actor, try await Self.collect(body))
        return .ok(.init(body: .json(.init(years: report.years.map {
            .init(year: $0.year, days: $0.days, change: .init(rawValue: $0.change.rawValue) ?? .unchanged)
        }))))
    }

    func exportCalendar(_ input: Operations.ExportCalendar.Input) async throws -> Operations.ExportCalendar.Output {
        switch input.query.format ?? .csv {
        case .csv:
            .ok(.init(body: .csv(HTTPBody(try await calendar.export(as: .csv)))))
        case .xlsx:
            .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(HTTPBody(try await calendar.export(as: .xlsx)))))
        }
    }
}

extension Components.Schemas.CalendarYear {
    init(_ y: CalendarYear) {
        self.init(year: y.year, loadedAt: y.loadedAt, days: y.days.map { .init(day: $0.day, working: $0.working, name: $0.name) })
    }
}
