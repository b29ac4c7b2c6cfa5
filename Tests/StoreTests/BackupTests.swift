import Foundation
import PostgresNIO
@testable import Store
import Synchronization
import TestSupport
import Testing

@Suite("Backup and restore")
struct BackupTests {
    /// Every table's row count and a digest of its rows in a fixed order, by table name.
    static func fingerprint(_ database: Database) async throws -> [String: String] {
        try await database.read { connection in
            var tables: [String] = []
            for try await name in try await connection.query("""
                SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
                """, logger: database.logger).decode(String.self) { tables.append(name) }
            var prints: [String: String] = [:]
            for table in tables {
                let rows = try await connection.query(PostgresQuery(unsafeSQL:
                    "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) t"),
                    logger: database.logger)
                for try await value in rows.decode(String.self) { prints[table] = value }
            }
            return prints
        }
    }

    static func temporaryFile() -> String {
        NSTemporaryDirectory() + "spokes-backup-\(UUID().uuidString).dump"
    }

    @Test("a restore gives back every row of every table, and the audit chains verify")
    func roundTrip() async throws {
        try await TestDatabase.with(.demo) { database, configuration in
            let before = try await Self.fingerprint(database)
            #expect(before.count > 30)
            #expect(before["audit.events"]?.hasPrefix("0:") == false)
            let file = Self.temporaryFile()
            defer { try? FileManager.default.removeItem(atPath: file) }
            let backup = DatabaseBackup(configuration: configuration, logger: database.logger)
            try backup.backup(to: file)

            // Change the live database afterwards: the restore must give back the state at backup time.
            _ = try await database.read { try await $0.query("DELETE FROM audit.chain_heads", logger: database.logger) }

            let target = "restored_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await backup.restore(from: file, into: target)
            var restoredConfiguration = configuration
            restoredConfiguration.database = target
            let (after, report) = try await Database.with(restoredConfiguration, logger: database.logger) { restored in
                (try await Self.fingerprint(restored), try await AuditVerifier(database: restored).verify())
            }
            try await backup.maintenance { try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(target) WITH (FORCE)"), logger: database.logger) }

            #expect(after == before)
            #expect(report.isIntact)
            #expect(report.events > 0)
        }
    }

    @Test("a file that is not a backup is refused before any database is created")
    func notABackup() async throws {
        try await TestDatabase.with(.empty) { database, configuration in
            let file = Self.temporaryFile()
            try Data("SELECT 1;".utf8).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let target = "restored_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let backup = DatabaseBackup(configuration: configuration, logger: database.logger)
            await #expect(throws: DatabaseBackup.Failure.self) { try await backup.restore(from: file, into: target) }
            #expect(try await Self.databaseExists(target, backup) == false)
        }
    }

    @Test("replacing a database that is in use is refused and changes nothing")
    func replaceInUse() async throws {
        try await TestDatabase.with(.demo) { database, configuration in
            let before = try await Self.fingerprint(database)
            let file = Self.temporaryFile()
            defer { try? FileManager.default.removeItem(atPath: file) }
            let backup = DatabaseBackup(configuration: configuration, logger: database.logger)
            try backup.backup(to: file)
            // This test's own pool holds connections to the database, as a running server would.
            _ = try await database.read { try await $0.query("SELECT 1", logger: database.logger) }
            let error = await #expect(throws: DatabaseBackup.Failure.self) {
                _ = try await database.client.withConnection { _ in try await backup.replace(from: file, stamp: "inuse") }
            }
            #expect(error?.description.contains("Stop every server") == true)
            #expect(try await Self.databaseExists(configuration.database! + "_restoring_inuse", backup) == false)
            #expect(try await Self.fingerprint(database) == before)
        }
    }

    static func databaseExists(_ name: String, _ backup: DatabaseBackup) async throws -> Bool {
        let found = Mutex(false)
        try await backup.maintenance { connection in
            let rows = try await connection.query("SELECT count(*) FROM pg_database WHERE datname = \(name)", logger: backup.logger)
            for try await count in rows.decode(Int.self) { found.withLock { $0 = count > 0 } }
        }
        return found.withLock { $0 }
    }
}
