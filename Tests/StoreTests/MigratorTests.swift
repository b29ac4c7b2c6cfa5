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
            for statement in schemas.map({ "DROP SCHEMA \($0) CASCADE" }) + ["DROP TABLE public.schema_migrations"] {
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
