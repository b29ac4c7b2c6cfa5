import ArgumentParser
import Configuration
import Core
import Foundation
import Identity
import Logging
import PostgresNIO
import Store
import Tendering

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Folder of the embedded PostgreSQL cluster (default .data/postgres).")
    var dataDirectory: String?
    @Option(name: .customLong("log-format"), help: "text (lines for people, the default) or json (one object a line); or LOG_FORMAT.")
    var logFormat: String?
    @Flag(help: "Training mode (SPOKES_MODE=training): a class's instance, with a faster clock, on a database of its own.")
    var training = false
}

/// Settings resolved in one order, by swift-configuration: command-line flag, then environment, then `.env`, then
/// default. A command's flags enter as the first provider (`flags`, keyed like the environment: `--port` is
/// `spokes.port`, i.e. SPOKES_PORT), so every setting is read in one place, by its key, with its one default.
struct Settings {
    let reader: ConfigReader
    let dataDirectory: String
    let location: DatabaseLocation
    let logger: Logger

    static func load(_ options: CommonOptions, flags: [String: ConfigContent?] = [:]) async throws -> Settings {
        var given = flags
        given["spokes.data.dir"] = options.dataDirectory.map(ConfigContent.string)
        given["log.format"] = options.logFormat.map(ConfigContent.string)
        if options.training { given["spokes.mode"] = .string("training") }
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for case let (key, content?) in given { values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(content, isSecret: false) }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: values),
            EnvironmentVariablesProvider(),
            try await EnvironmentVariablesProvider(environmentFilePath: ".env", allowMissing: true),
        ])
        let format = reader.string(forKey: "log.format", default: "text")
        guard ["text", "json"].contains(format) else { throw ValidationError("the log format is text or json, not \(format)") }
        LoggingSystem.bootstrapOnce(level: Logger.Level(rawValue: reader.string(forKey: "log.level", default: "info")) ?? .info, json: format == "json")
        let dataDirectory = reader.string(forKey: "spokes.data.dir", default: ".data/postgres")
        let url = reader.string(forKey: "database.url")
        let location: DatabaseLocation = (url?.isEmpty == false) ? .url(url!) : .embedded(dataDirectory: dataDirectory)
        return Settings(reader: reader, dataDirectory: dataDirectory, location: location, logger: Logger(label: "spokes"))
    }

    /// SPOKES_OCDS_PREFIX, letters and digits (default "spokes").
    func ocdsPrefix() throws -> String {
        let prefix = reader.string(forKey: "spokes.ocds.prefix", default: "spokes")
        guard prefix.count <= 20, !prefix.isEmpty, prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ValidationError("SPOKES_OCDS_PREFIX must be letters and digits, e.g. a1b2c3")
        }
        return prefix
    }

    var embedded: EmbeddedPostgres? {
        if case .embedded(let folder) = location { return EmbeddedPostgres(dataDirectory: folder, logger: logger) }
        return nil
    }

    /// The name of the embedded cluster's database.
    static let embeddedDatabase = "spokes"

    /// The client configuration, starting the embedded cluster first when there is no DATABASE_URL.
    /// Returns whether this call started the cluster, so the caller stops only what it started.
    func prepareDatabase() async throws -> (PostgresClient.Configuration, startedCluster: Bool) {
        switch location {
        case .url(let url):
            return (try PostgresClient.Configuration.parse(url: url), false)
        case .embedded:
            let cluster = embedded!
            let started = try cluster.start()
            try await cluster.createDatabaseIfMissing(Self.embeddedDatabase, logger: logger)
            return (cluster.clientConfiguration(database: Self.embeddedDatabase), started)
        }
    }

    var signInPolicy: SignInPolicy {
        var policy = SignInPolicy()
        policy.bcryptCost = UInt8(reader.int(forKey: "spokes.bcrypt.cost", default: 10))
        return policy
    }

    /// The sealer of bids: its master secret from SPOKES_BID_SECRET (base64 of 32 random bytes), or
    /// from the file SPOKES_BID_SECRET_FILE (default .data/bid-master.key), generated there on first run.
    /// Without the same secret no sealed bid can be opened: back it up with the database.
    func bidSealer() throws -> BidSealer {
        if let secret = reader.string(forKey: "spokes.bid.secret"), !secret.isEmpty {
            guard let data = Data(base64Encoded: secret) else { throw UserFacingError(description: "SPOKES_BID_SECRET is not base64") }
            return try BidSealer(masterSecret: data)
        }
        return try BidSealer.loadOrCreate(at: reader.string(forKey: "spokes.bid.secret.file", default: ".data/bid-master.key"))
    }

    /// Runs `body` with a live database, then shuts the client (and a cluster it started) down.
    func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        try await withConfiguration { try await Database.with($0, logger: logger, body) }
    }

    /// Runs `body` with the database's client configuration, starting the embedded cluster for it
    /// when it was not running (and stopping it again afterwards).
    func withConfiguration<T: Sendable>(_ body: (PostgresClient.Configuration) async throws -> T) async throws -> T {
        let (configuration, started) = try await prepareDatabase()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(configuration))
        } catch {
            result = .failure(error)
        }
        if started { try? embedded?.stop() }
        return try result.get()
    }
}

extension LoggingSystem {
    nonisolated(unsafe) private static var bootstrapped = false

    /// Text lines for people (the default), or one JSON object a line for a log collector (LOG_FORMAT=json).
    static func bootstrapOnce(level: Logger.Level, json: Bool) {
        guard !bootstrapped else { return }
        bootstrapped = true
        bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// A failure the user can fix, printed without a stack of Swift types.
struct UserFacingError: Error, CustomStringConvertible {
    let description: String
}
