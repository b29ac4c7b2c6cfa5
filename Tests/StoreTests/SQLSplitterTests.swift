@testable import Store
import Testing

@Suite("SQL statement splitter")
struct SQLSplitterTests {
    @Test("splits on semicolons but not inside quotes, comments or dollar-quoted bodies")
    func splits() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'a;b');
            /* block; comment */
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no; way'; END;
            $$;
            CREATE TABLE "odd;name" (y int);
            SELECT $tag$ ; $tag$
            """
        let statements = SQLSplitter.statements(in: sql)
        #expect(statements.count == 4)
        #expect(statements[0] == "CREATE TABLE a (x text DEFAULT 'a;b')")
        #expect(statements[1].hasPrefix("CREATE FUNCTION f()") && statements[1].hasSuffix("$$"))
        #expect(statements[2] == "CREATE TABLE \"odd;name\" (y int)")
        #expect(statements[3] == "SELECT $tag$ ; $tag$")
    }

    @Test("the shipped migrations split into statements that each end where they should")
    func shippedMigrations() throws {
        let migrations = try Migration.bundled()
        #expect(migrations.map(\.version) == Array(1...migrations.count))
        for migration in migrations {
            let statements = SQLSplitter.statements(in: migration.sql)
            #expect(!statements.isEmpty)
            #expect(statements.allSatisfy { !$0.hasSuffix(";") })
        }
    }
}
