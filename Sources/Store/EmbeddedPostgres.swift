import Crypto
import Foundation
import Logging
import PostgresNIO

/// A private PostgreSQL cluster under a folder of the project (default `.data/postgres`),
/// reachable only through a Unix socket, so it never clashes with another server on the machine.
///
/// `initdb` refuses to run as root, so when root the server programs run as the `postgres` system
/// user, who is given the data folder.
public struct EmbeddedPostgres: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let dataDirectory: String
    public let port = 5432
    public let superuser = "spokes"
    /// Test clusters trade durability for speed (no fsync); development clusters do not.
    public let durable: Bool
    let logger: Logger

    public init(dataDirectory: String, durable: Bool = true, logger: Logger = Logger(label: "spokes.postgres")) {
        self.dataDirectory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        self.durable = durable
        self.logger = logger
    }

    /// The socket lives in the data folder unless that path is too long for a Unix socket
    /// (about 107 bytes), in which case a short folder under /tmp named after the data folder is used.
    public var socketDirectory: String {
        if dataDirectory.utf8.count + 16 < 100 { return dataDirectory }
        let digest = SHA256.hash(data: Data(dataDirectory.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        return "/tmp/spokes-\(digest)"
    }

    public var isInitialised: Bool {
        FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION")
    }

    public func clientConfiguration(database: String) -> PostgresClient.Configuration {
        PostgresClient.Configuration(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                                     username: superuser, password: nil, database: database)
    }

    /// A libpq connection string for psql, pg_dump and pgbench.
    public func connectionArguments(database: String) -> [String] {
        ["-h", socketDirectory, "-p", String(port), "-U", superuser, database]
    }

    // MARK: Lifecycle

    /// Creates the cluster on first use. Local connections are trusted: the socket is reachable only
    /// through the data folder (mode 0700) or a folder named after it.
    public func initialise() throws {
        guard !isInitialised else { return }
        let bin = try Self.binDirectory()
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try prepareOwnership()
        logger.info("initialising PostgreSQL cluster", metadata: ["folder": "\(dataDirectory)"])
        try run(bin + "/initdb", ["-D", dataDirectory, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        var settings = """

            # Spokes embedded cluster
            listen_addresses = ''
            port = \(port)
            unix_socket_directories = '\(socketDirectory)'
            max_connections = 200
            shared_buffers = 128MB

            """
        if !durable {
            // Tests run many databases at once, each with a pool of its own.
            settings += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 500\n"
        }
        let conf = dataDirectory + "/postgresql.conf"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: conf))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
        try prepareOwnership()
    }

    public var isRunning: Bool {
        guard let bin = try? Self.binDirectory(), isInitialised else { return false }
        return (try? run(bin + "/pg_ctl", ["-D", dataDirectory, "status"], quiet: true)) != nil
    }

    /// Starts the cluster (initialising it first). Returns false when it was already running,
    /// so that the caller knows it is not the one to stop it.
    @discardableResult
    public func start() throws -> Bool {
        try initialise()
        if isRunning { return false }
        let bin = try Self.binDirectory()
        if socketDirectory != dataDirectory {
            try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
            try prepareOwnership(of: socketDirectory)
        }
        logger.info("starting PostgreSQL", metadata: ["socket": "\(socketDirectory)"])
        try run(bin + "/pg_ctl", ["-D", dataDirectory, "-l", dataDirectory + "/server.log", "-w", "-t", "60", "start"])
        return true
    }

    /// Stops the cluster. `immediate` skips the shutdown checkpoint (for throw-away test clusters).
    public func stop(immediate: Bool = false) throws {
        guard isRunning else { return }
        let bin = try Self.binDirectory()
        logger.info("stopping PostgreSQL")
        try run(bin + "/pg_ctl", ["-D", dataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "stop"])
    }

    /// Creates `name` unless it exists.
    public func createDatabaseIfMissing(_ name: String, logger: Logger) async throws {
        try await Database.with(clientConfiguration(database: "postgres"), logger: logger) { database in
            var exists = false
            for try await _ in try await database.client.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger) {
                exists = true
            }
            if !exists {
                try await database.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.quoted(name))"), logger: logger)
            }
        }
    }

    public static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Programs and users

    /// The folder of the PostgreSQL server programs: the newest /usr/lib/postgresql/N/bin, or the PATH.
    public static func binDirectory() throws -> String {
        let fm = FileManager.default
        let versions = ((try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where fm.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb") {
            return "/usr/lib/postgresql/\(version)/bin"
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where fm.isExecutableFile(atPath: "\(folder)/initdb") && fm.isExecutableFile(atPath: "\(folder)/pg_ctl") {
            return String(folder)
        }
        throw Failure(description: """
            The PostgreSQL server programs (initdb, pg_ctl) are not installed. \
            Install them with: apt-get install -y postgresql postgresql-contrib \
            (or set DATABASE_URL to use an existing server).
            """)
    }

    static var isRoot: Bool { getuid() == 0 }

    /// When root, hands the folder to the `postgres` user and makes sure that user can reach it.
    private func prepareOwnership(of folder: String? = nil) throws {
        guard Self.isRoot else { return }
        let folder = folder ?? dataDirectory
        guard getpwnam("postgres") != nil else {
            throw Failure(description: "Running as root needs the 'postgres' system user (it comes with: apt-get install -y postgresql).")
        }
        try run("/bin/chown", ["-R", "postgres:postgres", folder])
        try run("/bin/chmod", ["0700", folder])
        // The postgres user must be able to pass through every parent folder.
        var parent = URL(fileURLWithPath: folder).deletingLastPathComponent()
        while parent.path != "/" {
            if (try? run("/usr/sbin/runuser", ["-u", "postgres", "--", "test", "-x", parent.path], quiet: true)) == nil {
                logger.notice("allowing the postgres user to pass through \(parent.path) (chmod o+x)")
                try run("/bin/chmod", ["o+x", parent.path])
            }
            parent = parent.deletingLastPathComponent()
        }
    }

    /// Runs a program (as the postgres user when root) and throws with its output when it fails.
    @discardableResult
    private func run(_ program: String, _ arguments: [String], quiet: Bool = false) throws -> String {
        let asPostgres = Self.isRoot && !program.hasPrefix("/bin/") && !program.hasPrefix("/usr/sbin/")
        let command = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        let (status, text) = try Self.spawn(command)
        guard status == 0 else {
            if quiet { throw Failure(description: text) }
            var message = "\((program as NSString).lastPathComponent) failed (exit \(status)): \(text)"
            if let log = try? String(contentsOfFile: dataDirectory + "/server.log", encoding: .utf8) {
                message += "\nLast lines of \(dataDirectory)/server.log:\n" + log.split(separator: "\n").suffix(10).joined(separator: "\n")
            }
            throw Failure(description: message)
        }
        return text
    }

    /// posix_spawn and waitpid for the direct child only. Foundation's Process is not used: once
    /// `pg_ctl start` leaves the server running in the background, its waitUntilExit never returns.
    /// Output goes to a file rather than a pipe, which the server would inherit and hold open.
    static func spawn(_ command: [String]) throws -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "spokes-run-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // Exited normally when the low 7 bits are 0; the exit code is the next byte.
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }
}
