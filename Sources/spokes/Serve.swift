import ArgumentParser
import Foundation
import Hummingbird
import Identity
import Logging
import Metrics
import PostgresNIO
import Prometheus
import Server
import Store

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web pages and the JSON API (starting and migrating the embedded database if needed).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on.") var host: String?
    @Option(help: "Port to listen on.") var port: Int?
    @Option(name: .customLong("web-dir"), help: "Folder with templates/, static/ and locales/.") var webDirectory: String?

    func run() async throws {
        let settings = try await Settings.load(common)
        let logger = settings.logger
        var configuration = AppConfiguration()
        configuration.host = host ?? settings.reader.string(forKey: "spokes.host", default: "127.0.0.1")
        configuration.port = port ?? settings.reader.int(forKey: "spokes.port", default: 8080)
        configuration.webDirectory = webDirectory ?? settings.reader.string(forKey: "spokes.web.dir", default: "Web")
        configuration.contractsDirectory = settings.reader.string(forKey: "spokes.contracts.dir", default: "Contracts")
        configuration.secureCookies = settings.reader.bool(forKey: "spokes.secure.cookies", default: false)
        configuration.countersignThreshold = .yuan(Int64(settings.reader.int(forKey: "spokes.countersign.threshold.yuan", default: 100_000)))
        configuration.ocdsPrefix = try settings.ocdsPrefix()
        configuration.trustedProxies = Set(settings.reader.string(forKey: "spokes.trusted.proxies", default: "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })

        let (clientConfiguration, startedCluster) = try await settings.prepareDatabase()
        defer { if startedCluster { try? settings.embedded?.stop() } }

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        let database = Database(client: client, logger: logger)
        let migrator = try Migrator(database: database)
        let identity = IdentityService(database: database, policy: settings.signInPolicy)
        let dependencies = AppDependencies(database: database, identity: identity, sealer: try settings.bidSealer(),
                                           configuration: configuration, metrics: registry)
        let housekeeping = PeriodicService.housekeeping(identity: identity, logger: logger)
        let tenderWorker = PeriodicService.tenderWorker(dependencies.tenderWorker, logger: logger)
        let probeClient = PostgresClient(configuration: DatabaseHealth.probeConfiguration(clientConfiguration), backgroundLogger: logger)
        let probe = PeriodicService.databaseProbe(dependencies.health, database: Database(client: probeClient, logger: logger), logger: logger)
        let releases = ReleasePublisher(transparency: dependencies.transparency, database: database, logger: logger)
        // Migrate before taking requests; a database newer than this build stops start-up here.
        let application = try await buildApplication(dependencies, services: [client, probeClient, housekeeping, tenderWorker, releases, probe], logger: logger) {
            let applied = try await migrator.migrate()
            if !applied.isEmpty { logger.info("applied migrations \(applied)") }
        }
        try await application.runService()
    }
}
