import Foundation
import Logging
import PostgresNIO

/// Backs a database up to one file with pg_dump (custom format) and restores it with pg_restore.
///
/// A restore never writes over the live database: it loads the file into a new database in one
/// transaction, and only when that succeeded swaps the names, keeping the old database under a
/// name of its own until somebody drops it. A file that fails halfway changes nothing.
public struct DatabaseBackup: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where the database is; its `database` names the one backed up or replaced.
    public let configuration: PostgresClient.Configuration
    public let logger: Logger

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    var databaseName: String { configuration.database ?? configuration.username }

    /// Writes the whole database (schema, rows, the audit chains) to `file`.
    public func backup(to file: String) throws {
        try run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file=\(file)",
                            "--dbname=\(Self.conninfo(configuration, database: databaseName))"])
    }

    /// Loads `file` into the new database `target`, which must not exist yet. Nothing is left
    /// behind when it fails: the load is one transaction, and the new database is dropped.
    public func restore(from file: String, into target: String) async throws {
        try checkArchive(file)
        try await maintenance { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(EmbeddedPostgres.quoted(target))"), logger: logger)
        }
        do {
            try run("pg_restore", ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                                   "--dbname=\(Self.conninfo(configuration, database: target))", file])
        } catch {
            try? await maintenance { admin in
                try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(EmbeddedPostgres.quoted(target))"), logger: logger)
            }
            throw error
        }
    }

    /// Restores `file` in place of the configured database. The database it replaces is kept,
    /// renamed; its new name is returned. Refused while anything (a running server) is connected.
    public func replace(from file: String, stamp: String) async throws -> String {
        let incoming = "\(databaseName)_restoring_\(stamp)", kept = "\(databaseName)_before_restore_\(stamp)"
        try await restore(from: file, into: incoming)
        do {
            try await maintenance { admin in
                try await admin.query(PostgresQuery(unsafeSQL:
                    "ALTER DATABASE \(EmbeddedPostgres.quoted(databaseName)) RENAME TO \(EmbeddedPostgres.quoted(kept))"), logger: logger)
                try await admin.query(PostgresQuery(unsafeSQL:
                    "ALTER DATABASE \(EmbeddedPostgres.quoted(incoming)) RENAME TO \(EmbeddedPostgres.quoted(databaseName))"), logger: logger)
            }
        } catch {
            try? await maintenance { admin in
                try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(EmbeddedPostgres.quoted(incoming))"), logger: logger)
            }
            let message = (error as? PSQLError)?.serverInfo?[.message] ?? "\(error)"
            throw Failure(description: "could not put the restored database in place (\(message)). Stop every server using \(databaseName) and try again; nothing was changed.")
        }
        return kept
    }

    /// pg_restore reads the archive's table of contents: a file that is not a backup is refused
    /// before anything is created.
    func checkArchive(_ file: String) throws {
        guard FileManager.default.isReadableFile(atPath: file) else { throw Failure(description: "cannot read \(file)") }
        do {
            try run("pg_restore", ["--list", file])
        } catch {
            throw Failure(description: "\(file) is not a backup made by spokes db backup (pg_dump custom format)")
        }
    }

    /// Runs `body` on the server's maintenance database (`postgres`), where databases are created and renamed.
    func maintenance(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        var admin = configuration
        admin.database = "postgres"
        try await Database.with(admin, logger: logger) { database in
            try await database.read { try await body($0) }
        }
    }

    private func run(_ program: String, _ arguments: [String]) throws {
        let path = try EmbeddedPostgres.binDirectory() + "/" + program
        // The password goes through the environment, never the command line that `ps` shows.
        if let password = configuration.password { setenv("PGPASSWORD", password, 1) }
        let (status, output) = try EmbeddedPostgres.spawn([path] + arguments)
        guard status == 0 else { throw Failure(description: "\(program) failed (exit \(status)): \(output)") }
    }

    /// A libpq keyword/value connection string for the PostgreSQL programs (without the password).
    static func conninfo(_ configuration: PostgresClient.Configuration, database: String) -> String {
        var pairs: [(String, String)] = []
        if let socket = configuration.unixSocketPath {
            let url = URL(fileURLWithPath: socket)
            pairs.append(("host", url.deletingLastPathComponent().path))
            pairs.append(("port", String(url.lastPathComponent.split(separator: ".").last ?? "5432")))
        } else {
            pairs.append(("host", configuration.host ?? "localhost"))
            pairs.append(("port", String(configuration.port ?? 5432)))
        }
        pairs.append(("user", configuration.username))
        pairs.append(("dbname", database))
        return pairs.map { key, value in
            "\(key)='\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'"
        }.joined(separator: " ")
    }
}
