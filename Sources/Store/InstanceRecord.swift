import Core
import Foundation
import Logging
import PostgresNIO

/// A database of one mode opened by an instance of the other: training data never mixes with real data (DOMAIN §8).
public struct InstanceModeError: Error, CustomStringConvertible {
    public let database: InstanceMode
    public let instance: InstanceMode

    public var description: String {
        switch database {
        case .production:
            "this database holds real purchasing (it was first migrated by a production instance); a training instance never opens it. Give the class a database of its own (another --data-dir or DATABASE_URL)."
        case .training:
            "this database is a training class's (it was first migrated by a training instance); a production instance never opens it. Start with --training (or SPOKES_MODE=training), or use the production database."
        }
    }
}

/// The mark of a database's mode and a training class's clock (`public.spokes_instance`): SQL kept here.
public enum InstanceRecord {
    /// The mode the database is marked with; nil before the mark (a fresh database, or one not yet at migration 53).
    static func mode(on connection: PostgresConnection, logger: Logger) async throws -> InstanceMode? {
        let exists = try await connection.query("SELECT to_regclass('public.spokes_instance') IS NOT NULL", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard exists else { return nil }
        let text = try await connection.query("SELECT mode FROM public.spokes_instance", logger: logger).collect().first?.decode(String.self)
        return text.flatMap(InstanceMode.init(rawValue:))
    }

    static func mark(_ mode: InstanceMode, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO public.spokes_instance (mode, marked_at) VALUES (\(mode.rawValue), now()) ON CONFLICT (singleton) DO NOTHING
            """, logger: logger)
    }

    /// The mode the database is marked with (nil before its first migration).
    public static func mode(of database: Database) async throws -> InstanceMode? {
        try await database.read { connection in try await mode(on: connection, logger: database.logger) }
    }

    /// Refuses a database of the other mode (and one not yet marked, which a command that does not migrate must not
    /// touch in training mode).
    public static func require(_ mode: InstanceMode, of database: Database) async throws {
        let held = try await Self.mode(of: database) ?? .production
        guard held == mode else { throw InstanceModeError(database: held, instance: mode) }
    }

    /// The class's time line, nil until a training instance first starts it.
    public static func trainingTime(of database: Database) async throws -> TrainingTime? {
        try await database.read { connection in
            let rows = try await connection.query("""
                SELECT clock_real_anchor, clock_virtual_anchor, clock_rate, clock_version FROM public.spokes_instance WHERE clock_rate IS NOT NULL
                """, logger: database.logger).collect()
            guard let (real, virtual, rate, version) = try rows.first?.decode((Date, Date, Double, Int64).self) else { return nil }
            return TrainingTime(realAnchor: real, virtualAnchor: virtual, rate: rate, version: version)
        }
    }

    /// Changes the class's time line under a row lock, so two trainers advancing at once both count:
    /// `change` gets the held line (nil before the first start) and returns the new one.
    @discardableResult
    public static func changeTrainingTime(of database: Database,
                                          _ change: @Sendable (TrainingTime?) throws -> TrainingTime) async throws -> TrainingTime {
        try await database.transaction { connection in
            let rows = try await connection.query("""
                SELECT mode, clock_real_anchor, clock_virtual_anchor, clock_rate, clock_version FROM public.spokes_instance FOR UPDATE
                """, logger: database.logger).collect()
            guard let row = rows.first else { throw InstanceModeError(database: .production, instance: .training) }
            let (mode, real, virtual, rate, version) = try row.decode((String, Date?, Date?, Double?, Int64).self)
            guard mode == InstanceMode.training.rawValue else { throw InstanceModeError(database: .production, instance: .training) }
            let held = real.flatMap { real in virtual.flatMap { virtual in
                rate.map { TrainingTime(realAnchor: real, virtualAnchor: virtual, rate: $0, version: version) } } }
            var next = try change(held)
            next.version = version + 1
            try await connection.query("""
                UPDATE public.spokes_instance SET clock_real_anchor = \(next.realAnchor), clock_virtual_anchor = \(next.virtualAnchor),
                    clock_rate = \(next.rate), clock_version = \(next.version)
                """, logger: database.logger)
            return next
        }
    }
}
