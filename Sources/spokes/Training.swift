import ArgumentParser
import Core
import Foundation
import Identity
import Server
import Store

/// Training mode on the command line (issue 27): the instance's mode, the class's clock, and `spokes clock`.
extension Settings {
    /// `--training` or SPOKES_MODE (production or training). A build made with SPOKES_NO_TRAINING=1 refuses training.
    func mode(_ options: CommonOptions) throws -> InstanceMode {
        let text = reader.string(forKey: "spokes.mode", default: "production")
        guard let mode = InstanceMode(rawValue: text) else { throw ValidationError("SPOKES_MODE is production or training, not \(text)") }
        #if SPOKES_NO_TRAINING
        if mode == .training { throw ValidationError("this build of Spokes has training mode disabled (built with SPOKES_NO_TRAINING)") }
        #endif
        return mode
    }

    /// SPOKES_TRAINING_RATE, when set: 0 to 86,400 class seconds per real second.
    func trainingRate() throws -> Double? {
        guard let text = reader.string(forKey: "spokes.training.rate"), !text.isEmpty else { return nil }
        guard let rate = Double(text), TrainingTime.isValid(rate: rate) else {
            throw ValidationError("SPOKES_TRAINING_RATE must be 0 (stands still) to 86400 (a day a second); got \(text)")
        }
        return rate
    }

    /// SPOKES_TRAINING_START, when set: the day (yyyy-MM-dd, Beijing) a class's clock starts at, 09:00 (the office
    /// opens). Read only when the clock first starts; then it must not be before today (`startTrainingClock`).
    func trainingStart() throws -> (day: String, at: Date)? {
        guard let text = reader.string(forKey: "spokes.training.start"), !text.isEmpty else { return nil }
        guard let day = WorkingCalendar().date(fromDayKey: text) else { throw ValidationError("SPOKES_TRAINING_START must be a day, yyyy-MM-dd; got \(text)") }
        return (text, day.addingTimeInterval(9 * 3_600))
    }

    /// The class's clock as the database holds it, started (first start) or set to a new rate (SPOKES_TRAINING_RATE
    /// changed), never moved back.
    func startTrainingClock(on database: Database) async throws -> TrainingTime {
        let rate = try trainingRate()
        let start = try trainingStart()
        return try await InstanceRecord.changeTrainingTime(of: database) { held in
            let now = Date()
            guard let held else {
                // The class's time never runs before the records seeded in real time.
                if let start, start.day < WorkingCalendar().dayKey(now) {
                    throw ValidationError("SPOKES_TRAINING_START must be today or later (a class's time never runs before the records seeded in real time); got \(start.day)")
                }
                return TrainingTime(realAnchor: now, virtualAnchor: max(start?.at ?? now, now), rate: rate ?? 1_440)
            }
            if let rate, rate != held.rate { return held.running(at: rate, from: now) }
            return held
        }
    }

    /// The instance clock of a command in `mode`: the class's clock on a training database (started if need be), the
    /// real one otherwise. The database must already be migrated in this mode.
    func instanceClock(_ mode: InstanceMode, database: Database) async throws -> any SpokesClock {
        guard mode == .training else { return SystemClock() }
        return TrainingClock(try await startTrainingClock(on: database))
    }
}

extension WorkingCalendar {
    /// Midnight in Beijing of a yyyy-MM-dd day; nil for anything else.
    func date(fromDayKey text: String) -> Date? {
        guard text.count == 10, text.allSatisfy({ $0.isNumber || $0 == "-" }) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: WorkingCalendar.timeZoneIdentifier) ?? .gmt
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              dayKey(date) == text else { return nil }
        return date
    }
}

/// `spokes clock show` and `spokes clock advance 2d`: a training class's time from the command line.
struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clock", abstract: "Show or move a training class's clock (training instances only).",
                                                    subcommands: [Show.self, Advance.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The database's mode and, for a training class, its time and rate.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let settings = try await Settings.load(common)
            let line = try await settings.withDatabase { database in
                guard let mode = try await InstanceRecord.mode(of: database) else { return "not migrated yet: no mode" }
                guard mode == .training else { return "mode \(mode.rawValue): real time" }
                guard let time = try await InstanceRecord.trainingTime(of: database) else {
                    return "mode training: the class's clock has not started (it starts at the first spokes serve --training)"
                }
                return "mode training: \(ClockCommand.text(time.time(at: Date()))) (rate ×\(time.rate))"
            }
            print(line)
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a training class's clock ahead by a span: 45s, 90m, 36h, 2d or 1w (at most 366d).",
                                                        discussion: "Every instance of the class reads the new time within a second; its workers then do what fell due.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The span: a whole number and s, m, h, d or w.") var span: String

        func validate() throws {
            guard TrainingTime.span(span) != nil else { throw ValidationError("the span is a whole number and s, m, h, d or w, from 1s to 366d (e.g. 2d); got \(span)") }
        }

        func run() async throws {
            let settings = try await Settings.load(common)
            let seconds = TrainingTime.span(span) ?? 0
            var configuration = AppConfiguration()
            configuration.ocdsPrefix = try settings.ocdsPrefix()
            let sealer = try settings.bidSealer()
            let policy = settings.signInPolicy
            let time = try await settings.withDatabase { [configuration] database in
                try await InstanceRecord.require(.training, of: database)
                guard let held = try await InstanceRecord.trainingTime(of: database) else {
                    throw ValidationError("the class's clock has not started: start the training instance (spokes serve --training) first")
                }
                // What changed is published at the time it changed, before the clock moves past it.
                let clock = TrainingClock(held)
                _ = try await AppDependencies(database: database, identity: IdentityService(database: database, clock: clock, policy: policy),
                                              clock: clock, sealer: sealer, configuration: configuration).transparency.sync()
                return try await InstanceRecord.changeTrainingTime(of: database) { held in
                    guard let held else { throw ValidationError("the class's clock has not started: start the training instance (spokes serve --training) first") }
                    return held.advanced(by: seconds, at: Date())
                }
            }
            print("training time now \(ClockCommand.text(time.virtualAnchor))")
        }
    }

    static func text(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: WorkingCalendar.timeZoneIdentifier) ?? .gmt))
    }
}
