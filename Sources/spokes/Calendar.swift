import ArgumentParser
import Core
import Foundation
import Store
import Tendering

struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Keep the working calendar: the public holidays and adjusted working days (调休) deadlines are counted on.",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load whole years from a CSV or XLSX file (Contracts/imports/calendar.md).",
            discussion: """
                Each year a row's day falls in is replaced by the file's rows of that year, atomically and audited (as the
                platform). Any error in any row and nothing changes: every error is printed by row and column, exit 1.
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The CSV or XLSX file.") var file: String

        func run() async throws {
            let settings = try await Settings.load(common)
            let mode = try settings.mode(common)
            guard let data = FileManager.default.contents(atPath: file) else { throw UserFacingError(description: "cannot read \(file)") }
            do {
                let report = try await settings.withDatabase { database in
                    try await Migrator(database: database).migrate(mode: mode)
                    return try await CalendarService(database: database).importFile(by: .system, data)
                }
                for year in report.years { print("\(year.year): \(year.change.rawValue), \(year.days) days listed.") }
            } catch let error as DomainError where error.kind == .invalid {
                print("\(file): \(error.detail)")
                for field in error.fields { print("  \(field.field): \(field.message)") }
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say which years are held and how many days each lists.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let settings = try await Settings.load(common)
            let years = try await settings.withDatabase { try await CalendarService(database: $0).years() }
            if years.isEmpty { print("No year is held: every deadline is refused until one is loaded.") }
            for year in years {
                let off = year.days.filter { !$0.working }.count
                print("\(year.year): \(year.days.count) days listed (\(off) off, \(year.days.count - off) working), loaded \(WorkingCalendar().describe(year.loadedAt)) Beijing time.")
            }
        }
    }
}
