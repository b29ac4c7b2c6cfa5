import Core
import Crypto
import Foundation
import Logging
import PostgresNIO

/// One numbered SQL file under `Sources/Store/Migrations`, e.g. `0002_identity.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    public var checksum: String { SHA256.hash(data: Data(sql.utf8)).hexString }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migrations shipped with this build, in order.
    public static func bundled() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError(description: "the Migrations folder is missing from the Store bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        return try files.map { file in
            guard let version = Int(file.prefix(while: \.isNumber)) else {
                throw MigrationError(description: "migration \(file) does not start with its number")
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: String(file.dropLast(4)), sql: sql)
        }.sorted { $0.version < $1.version }
    }
}

public struct MigrationError: Error, CustomStringConvertible {
    public let description: String
}

/// What the database holds compared with what this build ships.
public struct MigrationStatus: Sendable, Equatable {
    public var applied: [Int]
    public var pending: [Int]
    /// Applied in the database but unknown to this build: the database is newer than the code.
    public var unknown: [Int]
    /// Applied migrations whose file has changed since (an applied migration must never be edited).
    public var altered: [Int]

    public var isCurrent: Bool { pending.isEmpty && unknown.isEmpty && altered.isEmpty }
}

/// Applies migrations in order, each in its own transaction, under an advisory lock so that two
/// instances starting together never apply one twice.
public struct Migrator: Sendable {
    /// An arbitrary constant that names the migration lock among the cluster's advisory locks.
    static let lockKey: Int64 = 0x5370_6f6b_6573  // "Spokes"

    let database: Database
    let migrations: [Migration]

    public init(database: Database, migrations: [Migration]? = nil) throws {
        self.database = database
        self.migrations = try migrations ?? Migration.bundled()
    }

    public func status() async throws -> MigrationStatus {
        try await database.read { connection in try await status(on: connection) }
    }

    /// Applies every pending migration for an instance of `mode`; returns the versions applied. A database is marked
    /// with the mode of the instance that first migrates it (one migrated before the mark existed: production), and an
    /// instance of the other mode is refused before anything changes (`InstanceModeError`).
    @discardableResult
    public func migrate(mode: InstanceMode = .production) async throws -> [Int] {
        let logger = database.logger
        return try await database.read { connection in
            // Migrations may build indexes on large tables: no request deadline applies to them.
            try await connection.query("SET statement_timeout = 0", logger: logger)
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let status = try await status(on: connection)
                guard status.unknown.isEmpty else {
                    throw MigrationError(description: "the database has migrations \(status.unknown) that this build does not know; run a newer Spokes")
                }
                guard status.altered.isEmpty else {
                    throw MigrationError(description: "applied migrations \(status.altered) were edited afterwards; add a new migration instead")
                }
                let held = try await InstanceRecord.mode(on: connection, logger: logger)
                // A database with migrations but no mark predates training mode: it held real data.
                let marked = held ?? (status.applied.isEmpty ? mode : .production)
                guard marked == mode else { throw InstanceModeError(database: marked, instance: mode) }
                var applied: [Int] = []
                for migration in migrations where status.pending.contains(migration.version) {
                    logger.info("applying migration \(migration.name)")
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        for statement in SQLSplitter.statements(in: migration.sql) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query("""
                            INSERT INTO public.schema_migrations (version, name, checksum, applied_at)
                            VALUES (\(migration.version), \(migration.name), \(migration.checksum), now())
                            """, logger: logger)
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw MigrationError(description: "migration \(migration.name) failed: \(String(reflecting: error))")
                    }
                    applied.append(migration.version)
                }
                if held == nil, migrations.contains(where: { $0.name == "0053_instance_mode" }) {
                    try await InstanceRecord.mark(marked, on: connection, logger: logger)
                }
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                try await connection.query("RESET statement_timeout", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                _ = try? await connection.query("RESET statement_timeout", logger: logger)
                throw error
            }
        }
    }

    private func status(on connection: PostgresConnection) async throws -> MigrationStatus {
        let logger = database.logger
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS public.schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL)
            """, logger: logger)
        var recorded: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM public.schema_migrations", logger: logger
        ).decode((Int, String).self) {
            recorded[version] = checksum
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0.checksum) })
        return MigrationStatus(
            applied: recorded.keys.sorted(),
            pending: known.keys.filter { recorded[$0] == nil }.sorted(),
            unknown: recorded.keys.filter { known[$0] == nil }.sorted(),
            altered: recorded.compactMap { version, checksum in
                known[version].map { $0 == checksum ? nil : version } ?? nil
            }.sorted()
        )
    }
}

/// Splits a SQL file into statements: postgres-nio sends one statement per query. Semicolons inside
/// quotes, quoted identifiers, comments and dollar-quoted bodies ($$ … $$) do not split.
enum SQLSplitter {
    static func statements(in sql: String) -> [String] {
        let characters = Array(sql)
        var statements: [String] = []
        var current = ""
        var index = 0
        func peek(_ offset: Int) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        while index < characters.count {
            let character = characters[index]
            if character == "-" && peek(1) == "-" {  // line comment
                while index < characters.count && characters[index] != "\n" { index += 1 }
                continue
            }
            if character == "/" && peek(1) == "*" {  // block comment
                index += 2
                while index < characters.count && !(characters[index] == "*" && peek(1) == "/") { index += 1 }
                index += 2
                continue
            }
            if character == "'" || character == "\"" {  // quoted literal or identifier
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == character {
                        if peek(1) == character { index += 1; current.append(character) } else { break }
                    }
                    index += 1
                }
                index += 1
                continue
            }
            if character == "$", let tagEnd = characters[(index + 1)...].firstIndex(of: "$"),
               characters[(index + 1)..<tagEnd].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                let tag = String(characters[index...tagEnd])  // "$$" or "$body$"
                current += tag
                index = tagEnd + 1
                let rest = String(characters[index...])
                if let close = rest.range(of: tag) {
                    let body = rest[..<close.upperBound]
                    current += body
                    index += body.count
                } else {
                    current += rest
                    index = characters.count
                }
                continue
            }
            if character == ";" {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
                index += 1
                continue
            }
            current.append(character)
            index += 1
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
