import Catalogue
import Demo
import Core
import Foundation
import Identity
import Logging
import PostgresNIO
import Store

/// One PostgreSQL cluster per test run (embedded in a temporary folder, or TEST_DATABASE_URL), two
/// template databases made once (migrated; migrated and seeded with the demo data), and a fresh
/// database per test cloned from one of them, so tests run in parallel and never share rows.
public enum TestDatabase {
    public enum Template: String, Sendable {
        /// Migrated, no rows.
        case empty = "spokes_template_empty"
        /// Migrated and seeded with seed/identity.json (bcrypt cost lowered for speed).
        case demo = "spokes_template_demo"
    }

    /// The package's root folder, found from this file's path so tests run from anywhere.
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public static let logger: Logger = {
        var logger = Logger(label: "spokes.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    /// Sign-in rules for tests: bcrypt at its minimum cost so hashing takes microseconds.
    public static var signInPolicy: SignInPolicy {
        var policy = SignInPolicy()
        policy.bcryptCost = 4
        return policy
    }

    public static func seedFile(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/seed/" + name))
    }

    public static let demoPurchaseCatalogue = try! Data(contentsOf: URL(fileURLWithPath: packageRoot + "/seed/purchase-catalogue.csv"))

    public static let demoSeed: IdentitySeed = try! IdentitySeed.load(from: packageRoot + "/seed/identity.json")

    /// Runs `body` against a database of its own, dropped afterwards.
    public static func with<T: Sendable>(_ template: Template = .demo, _ body: @Sendable (Database) async throws -> T) async throws -> T {
        try await with(template) { database, _ in try await body(database) }
    }

    /// Like `with`, also handing over the database's client configuration (for the PostgreSQL programs).
    public static func with<T: Sendable>(_ template: Template = .demo,
                                         _ body: @Sendable (Database, PostgresClient.Configuration) async throws -> T) async throws -> T {
        let server = try await shared.value
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await server.admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template.rawValue)"), logger: logger)
        var configuration = server.configuration
        configuration.database = name
        configuration.options.maximumConnections = 4
        let result: Result<T, any Error>
        do {
            result = .success(try await Database.with(configuration, logger: logger) { try await body($0, configuration) })
        } catch {
            result = .failure(error)
        }
        _ = try? await server.admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        return try result.get()
    }

    struct Server: Sendable {
        /// Connected to the maintenance database, to create and drop test databases.
        let admin: PostgresClient
        /// Where test databases live (its `database` is replaced per test).
        let configuration: PostgresClient.Configuration
    }

    static let shared = Task<Server, any Error> {
        let configuration: PostgresClient.Configuration
        if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
            configuration = try PostgresClient.Configuration.parse(url: url)
        } else {
            let folder = NSTemporaryDirectory() + "spokes-tests-\(getpid())"
            let cluster = EmbeddedPostgres(dataDirectory: folder, durable: false, logger: logger)
            try cluster.start()
            TestClusterCleanup.register(cluster)
            configuration = cluster.clientConfiguration(database: "postgres")
        }
        var adminConfiguration = configuration
        if adminConfiguration.database == nil { adminConfiguration.database = "postgres" }
        let admin = PostgresClient(configuration: adminConfiguration, backgroundLogger: logger)
        Task.detached { await admin.run() }

        for template in [Template.empty, .demo] {
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(template.rawValue) WITH (FORCE)"), logger: logger)
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(template.rawValue)"), logger: logger)
            var templateConfiguration = configuration
            templateConfiguration.database = template.rawValue
            try await Database.with(templateConfiguration, logger: logger) { database in
                try await Migrator(database: database).migrate()
                if template == .demo { _ = try await DemoData.load(into: database, from: packageRoot + "/seed", policy: signInPolicy) }
            }
        }
        return Server(admin: admin, configuration: configuration)
    }
}

/// Stops the test cluster and removes its folder when the test process exits.
enum TestClusterCleanup {
    nonisolated(unsafe) static var cluster: EmbeddedPostgres?

    static func register(_ cluster: EmbeddedPostgres) {
        self.cluster = cluster
        atexit {
            guard let cluster = TestClusterCleanup.cluster else { return }
            try? cluster.stop(immediate: true)
            try? FileManager.default.removeItem(atPath: cluster.dataDirectory)
        }
    }
}
