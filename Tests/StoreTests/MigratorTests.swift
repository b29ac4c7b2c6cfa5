import Core
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite("Migrations")
struct MigratorTests {
    @Test("a migrated database is current, and migrating again applies nothing")
    func rerun() async throws {
        try await TestDatabase.with(.empty) { database in
            let migrator = try Migrator(database: database)
            let before = try await migrator.status()
            #expect(before.isCurrent)
            #expect(before.applied == (try Migration.bundled()).map(\.version))
            #expect(try await migrator.migrate() == [])
        }
    }

    @Test("a fresh database gets every migration in order, and they are recorded")
    func fresh() async throws {
        try await TestDatabase.with(.empty) { database in
            // Empty the database back to nothing (every schema the migrations made), then migrate from scratch.
            var schemas: [String] = []
            for try await name in try await database.client.query("""
                SELECT nspname FROM pg_namespace
                WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
                """, logger: database.logger).decode(String.self) {
                schemas.append(name)
            }
            #expect(schemas.contains("identity") && schemas.contains("audit"))
            for statement in schemas.map({ "DROP SCHEMA \($0) CASCADE" }) + ["DROP TABLE public.schema_migrations", "DROP TABLE public.spokes_instance"] {
                try await database.client.query(PostgresQuery(unsafeSQL: statement), logger: database.logger)
            }
            let migrator = try Migrator(database: database)
            #expect(try await migrator.status().pending == (try Migration.bundled()).map(\.version))
            #expect(try await migrator.migrate() == (try Migration.bundled()).map(\.version))
            #expect(try await migrator.status().isCurrent)
        }
    }

    @Test("a database with a migration this build does not know is refused")
    func unknownMigration() async throws {
        try await TestDatabase.with(.empty) { database in
            try await database.client.query("""
                INSERT INTO public.schema_migrations (version, name, checksum, applied_at) VALUES (9999, '9999_future', 'x', now())
                """, logger: database.logger)
            let migrator = try Migrator(database: database)
            #expect(try await migrator.status().unknown == [9999])
            await #expect(throws: MigrationError.self) { try await migrator.migrate() }
        }
    }

    @Test("an applied migration that was edited afterwards is reported and refused")
    func alteredMigration() async throws {
        try await TestDatabase.with(.empty) { database in
            try await database.client.query("UPDATE public.schema_migrations SET checksum = 'edited' WHERE version = 1",
                                            logger: database.logger)
            let migrator = try Migrator(database: database)
            #expect(try await migrator.status().altered == [1])
            await #expect(throws: MigrationError.self) { try await migrator.migrate() }
        }
    }

    @Test("two migrators at once apply each migration exactly once")
    func concurrent() async throws {
        try await TestDatabase.with(.empty) { database in
            try await database.client.query("DROP SCHEMA identity CASCADE", logger: database.logger)
            try await database.client.query("DELETE FROM public.schema_migrations WHERE version = 2", logger: database.logger)
            async let first = try Migrator(database: database).migrate()
            async let second = try Migrator(database: database).migrate()
            let applied = try await first + second
            #expect(applied == [2])
        }
    }
}

/// Training data never mixes with real data (issue 27, DOMAIN §8): a database is marked with the mode of the instance
/// that first migrates it, and an instance of the other mode is refused before anything changes.
@Suite("Instance mode")
struct InstanceModeTests {
    /// Empties the database back to nothing, as a fresh cluster's.
    static func empty(_ database: Database) async throws {
        var schemas: [String] = []
        for try await name in try await database.client.query("""
            SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
            """, logger: database.logger).decode(String.self) { schemas.append(name) }
        for statement in schemas.map({ "DROP SCHEMA \($0) CASCADE" }) + ["DROP TABLE public.schema_migrations", "DROP TABLE IF EXISTS public.spokes_instance"] {
            try await database.client.query(PostgresQuery(unsafeSQL: statement), logger: database.logger)
        }
    }

    @Test("a fresh database takes the mode of the instance that first migrates it", arguments: InstanceMode.allCases)
    func marked(_ mode: InstanceMode) async throws {
        try await TestDatabase.with(.empty) { database in
            try await Self.empty(database)
            #expect(try await InstanceRecord.mode(of: database) == nil)
            try await Migrator(database: database).migrate(mode: mode)
            #expect(try await InstanceRecord.mode(of: database) == mode)
        }
    }

    @Test("a training instance refuses a production database, and a production instance a training one; nothing changes",
          arguments: [(InstanceMode.production, InstanceMode.training), (.training, .production)])
    func refused(_ first: InstanceMode, _ second: InstanceMode) async throws {
        try await TestDatabase.with(.empty) { database in
            try await Self.empty(database)
            try await Migrator(database: database).migrate(mode: first)
            #expect(try await InstanceRecord.mode(of: database) == first)
            // A newer build's migration, which the refused instance must not apply.
            let newer = try Migration.bundled() + [Migration(version: 9_000, name: "9000_newer", sql: "CREATE TABLE public.newer (x integer)")]
            let error = await #expect(throws: InstanceModeError.self) { try await Migrator(database: database, migrations: newer).migrate(mode: second) }
            #expect(error?.database == first && error?.instance == second)
            #expect(try await Migrator(database: database, migrations: newer).status().pending == [9_000])
            #expect(try await InstanceRecord.mode(of: database) == first)
            await #expect(throws: InstanceModeError.self) { try await InstanceRecord.require(second, of: database) }
            try await InstanceRecord.require(first, of: database)
        }
    }

    @Test("a database migrated before the mark existed held real data: a training instance refuses it, a production one marks it")
    func unmarked() async throws {
        try await TestDatabase.with(.empty) { database in
            try await Self.empty(database)
            let before = try Migration.bundled().filter { $0.version < 53 }
            try await Migrator(database: database, migrations: before).migrate(mode: .training)
            #expect(try await InstanceRecord.mode(of: database) == nil)
            await #expect(throws: InstanceModeError.self) { try await Migrator(database: database).migrate(mode: .training) }
            #expect(try await InstanceRecord.mode(of: database) == nil)
            try await Migrator(database: database).migrate(mode: .production)
            #expect(try await InstanceRecord.mode(of: database) == .production)
        }
    }

    @Test("a production database holds no class clock: moving one is refused")
    func noClockInProduction() async throws {
        try await TestDatabase.with(.empty) { database in
            await #expect(throws: InstanceModeError.self) {
                try await InstanceRecord.changeTrainingTime(of: database) { _ in TrainingTime(realAnchor: Date(), virtualAnchor: Date(), rate: 0) }
            }
            let held = try await InstanceRecord.trainingTime(of: database)
            #expect(held == nil)
        }
    }
}
