import ArgumentParser
import Configuration
import Core
import Foundation
import Hummingbird
import Identity
import Logging
import Metrics
import PostgresNIO
import Prometheus
import Server
import ServiceLifecycle
import Store

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web pages and the JSON API (starting and migrating the embedded database if needed).",
        discussion: SettingsCatalogue.help)

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on.") var host: String?
    @Option(help: "Port to listen on.") var port: Int?
    @Option(name: .customLong("web-dir"), help: "Folder with templates/, static/ and locales/.") var webDirectory: String?
    @Option(name: .customLong("public-url"), help: "The site's public address for links in feeds, OCDS packages and QR codes (SPOKES_PUBLIC_URL).")
    var publicURL: String?
    @Option(name: .customLong("metrics-port"), help: "Serve /metrics on this port of its own (SPOKES_METRICS_PORT); the application's port then serves them only with SPOKES_METRICS_TOKEN.")
    var metricsPort: Int?

    func run() async throws {
        let settings = try await Settings.load(common, flags: [
            "spokes.host": host.map(ConfigContent.string), "spokes.port": port.map(ConfigContent.int),
            "spokes.web.dir": webDirectory.map(ConfigContent.string), "spokes.public.url": publicURL.map(ConfigContent.string),
            "spokes.metrics.port": metricsPort.map(ConfigContent.int),
        ])
        let logger = settings.logger
        var configuration = AppConfiguration()
        configuration.host = settings.reader.string(forKey: "spokes.host", default: "127.0.0.1")
        configuration.port = settings.reader.int(forKey: "spokes.port", default: 8080)
        configuration.webDirectory = settings.reader.string(forKey: "spokes.web.dir", default: "Web")
        configuration.contractsDirectory = settings.reader.string(forKey: "spokes.contracts.dir", default: "Contracts")
        configuration.secureCookies = settings.reader.bool(forKey: "spokes.secure.cookies", default: false)
        configuration.countersignThreshold = .yuan(Int64(settings.reader.int(forKey: "spokes.countersign.threshold.yuan", default: 100_000)))
        configuration.ocdsPrefix = try settings.ocdsPrefix()
        let publicURL = settings.reader.string(forKey: "spokes.public.url", default: "")
        if !publicURL.isEmpty {
            guard let url = AppConfiguration.publicURL(publicURL) else {
                throw ValidationError("SPOKES_PUBLIC_URL must be http(s)://host[:port] with no path, e.g. https://spokes.example.gov.cn; got \(publicURL)")
            }
            configuration.publicURL = url
        }
        let token = settings.reader.string(forKey: "spokes.metrics.token", default: "")
        configuration.metricsToken = token.isEmpty ? nil : token
        let deadline = settings.reader.int(forKey: "spokes.request.deadline.seconds", default: 30)
        guard (1...3_600).contains(deadline) else { throw ValidationError("SPOKES_REQUEST_DEADLINE_SECONDS must be 1 to 3600; got \(deadline)") }
        configuration.requestDeadline = .seconds(deadline)
        let cacheMB = settings.reader.int(forKey: "spokes.public.cache.mb", default: 32)
        guard (0...4_096).contains(cacheMB) else { throw ValidationError("SPOKES_PUBLIC_CACHE_MB must be 0 (off) to 4096; got \(cacheMB)") }
        configuration.publicCacheBytes = cacheMB << 20
        let metricsPort = settings.reader.int(forKey: "spokes.metrics.port", default: 0)
        // Training (issue 27): the class's clock, started from the database once it is migrated (below); the public cache is
        // off, as a trainer's move of the clock changes pages that no audited event announces.
        let mode = try settings.mode(common)
        let training: TrainingClock? = mode == .training ? TrainingClock(TrainingTime(realAnchor: Date(), virtualAnchor: .distantPast, rate: 0)) : nil
        if mode == .training {
            _ = try settings.trainingRate()
            _ = try settings.trainingStart()
            configuration.publicCacheBytes = 0
        }
        configuration.trustedProxies = Set(settings.reader.string(forKey: "spokes.trusted.proxies", default: "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })

        var (clientConfiguration, startedCluster) = try await settings.prepareDatabase()
        // A statement may run as long as a request may wait (RequestDeadline); then PostgreSQL ends it.
        clientConfiguration.options.additionalStartupParameters.append(("statement_timeout", "\(deadline)s"))
        defer { if startedCluster { try? settings.embedded?.stop() } }
        PoolUse.record(maximum: clientConfiguration.options.maximumConnections)

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        // The public's reads on a streaming replica, when there is one (ARCHITECTURE.md, "A replica for the public").
        let replicaURL = settings.reader.string(forKey: "database.replica.url", default: "")
        let maximumLag = settings.reader.int(forKey: "spokes.replica.max.lag.ms", default: 1_000)
        guard (0...600_000).contains(maximumLag) else { throw ValidationError("SPOKES_REPLICA_MAX_LAG_MS must be 0 to 600000; got \(maximumLag)") }
        var replicaServices: [any Service] = []
        var replica: Replica?
        if !replicaURL.isEmpty {
            var replicaConfiguration: PostgresClient.Configuration
            do { replicaConfiguration = try PostgresClient.Configuration.parse(url: replicaURL) } catch {
                throw ValidationError("DATABASE_REPLICA_URL must look like postgres://user:password@host:5432/database, not \(replicaURL)")
            }
            replicaConfiguration.options.additionalStartupParameters.append(("statement_timeout", "\(deadline)s"))
            let replicaClient = PostgresClient(configuration: replicaConfiguration, backgroundLogger: logger)
            let replicaProbe = PostgresClient(configuration: DatabaseHealth.probeConfiguration(replicaConfiguration), backgroundLogger: logger)
            replica = Replica(client: replicaClient, maximumLag: .milliseconds(maximumLag), logger: logger)
            replicaServices = [replicaClient, replicaProbe,
                               PeriodicService.replicaMonitor(replica!, primary: Database(client: client, logger: logger), probe: replicaProbe, logger: logger)]
        }
        if let training {
            // The class's clock is read before any worker runs, so nothing is ever stamped with another time: the
            // database is migrated (a production one refused) and the clock started on a client of its own.
            training.update(try await Database.with(clientConfiguration, logger: logger) { database in
                try await Migrator(database: database).migrate(mode: .training)
                return try await settings.startTrainingClock(on: database)
            })
            logger.notice("training mode: the class's clock reads \(ClockCommand.text(training.now())), ×\(training.rate)")
        } else {
            // A training class's database is refused before any worker touches it (migrating refuses it again).
            try await Database.with(clientConfiguration, logger: logger) { try await InstanceRecord.require(.production, of: $0) }
        }
        let database = Database(client: client, logger: logger, replica: replica)
        let migrator = try Migrator(database: database)
        let sealer = try settings.bidSealer()
        // The anonymous forms' tokens are signed with a key from the bid master secret, so every instance accepts every instance's.
        let clock: any SpokesClock = training ?? SystemClock()
        let identity = IdentityService(database: database, clock: clock, policy: settings.signInPolicy,
                                       anonymousTokenKey: sealer.derivedKey(for: "spokes anonymous form tokens v1"))
        var dependencies = AppDependencies(database: database, identity: identity, clock: clock, sealer: sealer,
                                           configuration: configuration, metrics: registry)
        let drainSeconds = settings.reader.int(forKey: "spokes.shutdown.drain.seconds", default: 0)
        guard (0...60).contains(drainSeconds) else { throw ValidationError("SPOKES_SHUTDOWN_DRAIN_SECONDS must be 0 to 60; got \(drainSeconds)") }
        let drain = ShutdownDrain(delay: .seconds(drainSeconds), logger: logger)
        dependencies.drain = drain
        let housekeeping = PeriodicService.housekeeping(identity: identity, logger: logger)
        let tenderWorker = PeriodicService.tenderWorker(dependencies.tenderWorker, logger: logger)
        let probeClient = PostgresClient(configuration: DatabaseHealth.probeConfiguration(clientConfiguration), backgroundLogger: logger)
        let probe = PeriodicService.databaseProbe(dependencies.health, database: Database(client: probeClient, logger: logger), logger: logger)
        let releases = ReleasePublisher(transparency: dependencies.transparency, database: database, logger: logger)
        let publicChanges = PublicChangeListener(cache: dependencies.publicCache, database: database, logger: logger)
        var services: [any Service] = [client, probeClient, housekeeping, tenderWorker, releases, publicChanges, probe] + replicaServices
        services.append(OperationsMetrics.sampler(database: database, clock: clock, logger: logger))
        if let training { services.append(PeriodicService.trainingClock(training, database: database, logger: logger)) }
        if metricsPort > 0 {
            services.append(HealthController.metricsApplication(registry, host: configuration.host, port: metricsPort, logger: logger))
        }
        // Migrate before taking requests; a database newer than this build stops start-up here.
        let application = try await buildApplication(dependencies, services: services, logger: logger) {
            let applied = try await migrator.migrate(mode: mode)
            if !applied.isEmpty { logger.info("applied migrations \(applied)") }

        }
        // The drain is stopped before the application (a group stops its services last first): reported not ready and still
        // serving for the drain's delay, then the server quiesces (ShutdownDrain).
        try await ServiceGroup(configuration: .init(services: [application, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}
