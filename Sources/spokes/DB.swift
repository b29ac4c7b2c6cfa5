import ArgumentParser
import Foundation
import Store

struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the embedded PostgreSQL cluster.",
        subcommands: [Start.self, Stop.self, Status.self, Psql.self, Backup.self, Restore.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Initialise (first time) and start the embedded cluster.")
        @OptionGroup var common: CommonOptions
        func run() async throws {
            let settings = try await Settings.load(common)
            guard let cluster = settings.embedded else { throw UserFacingError(description: "DATABASE_URL is set: there is no embedded cluster to start.") }
            let started = try cluster.start()
            try await cluster.createDatabaseIfMissing(Settings.embeddedDatabase, logger: settings.logger)
            print(started ? "Started PostgreSQL in \(cluster.dataDirectory) (socket \(cluster.socketDirectory))."
                          : "PostgreSQL is already running in \(cluster.dataDirectory).")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster.")
        @OptionGroup var common: CommonOptions
        func run() async throws {
            let settings = try await Settings.load(common)
            guard let cluster = settings.embedded else { throw UserFacingError(description: "DATABASE_URL is set: there is no embedded cluster to stop.") }
            try cluster.stop()
            print("PostgreSQL in \(cluster.dataDirectory) is stopped.")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the embedded cluster is running (exit 3 when not).")
        @OptionGroup var common: CommonOptions
        func run() async throws {
            let settings = try await Settings.load(common)
            guard let cluster = settings.embedded else { print("Using DATABASE_URL (no embedded cluster)."); return }
            if cluster.isRunning {
                print("running: \(cluster.dataDirectory), socket \(cluster.socketDirectory)/.s.PGSQL.\(cluster.port)")
            } else {
                print(cluster.isInitialised ? "stopped: \(cluster.dataDirectory)" : "not created yet: \(cluster.dataDirectory)")
                throw ExitCode(3)
            }
        }
    }

    struct Psql: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open psql on the database (arguments after -- go to psql).")
        @OptionGroup var common: CommonOptions
        @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
        func run() async throws {
            let settings = try await Settings.load(common)
            var command: [String]
            switch settings.location {
            case .url(let url):
                command = ["psql", url]
            case .embedded:
                let cluster = settings.embedded!
                guard cluster.isRunning else { throw UserFacingError(description: "The embedded cluster is not running: start it with `spokes db start`.") }
                command = ["psql"] + cluster.connectionArguments(database: Settings.embeddedDatabase)
            }
            command += arguments.drop { $0 == "--" }
            // Replace this process, so psql owns the terminal.
            let argv = command.map { strdup($0) } + [nil]
            execvp("psql", argv)
            throw UserFacingError(description: "could not start psql (install it with: apt-get install -y postgresql-client)")
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the whole database to FILE (pg_dump custom format). Keep the bid secret with it: sealed bids need it.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The file to write.") var file: String

        func run() async throws {
            let settings = try await Settings.load(common)
            try await settings.withConfiguration { configuration in
                try DatabaseBackup(configuration: configuration, logger: settings.logger).backup(to: file)
            }
            print("Backed up to \(file).")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database with the backup in FILE. Stop the server first; the database replaced is kept under another name.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "A file written by spokes db backup.") var file: String

        func run() async throws {
            let settings = try await Settings.load(common)
            let stamp = String(Int(Date().timeIntervalSince1970))
            let report = try await settings.withConfiguration { configuration in
                let backup = DatabaseBackup(configuration: configuration, logger: settings.logger)
                let kept = try await backup.replace(from: file, stamp: stamp)
                print("Restored \(file). The database it replaced is kept as \(kept); drop it when you no longer need it.")
                return try await Database.with(configuration, logger: settings.logger) { try await AuditVerifier(database: $0).verify() }
            }
            print("Checked \(report.chains) audit chains with \(report.events) events: \(report.isIntact ? "every chain is intact" : "\(report.failures.count) failures; run spokes audit verify").")
            if !report.isIntact { throw ExitCode(1) }
        }
    }
}
