import Catalogue
import Core
import Delivery
import Foundation
import Grassroots
import Hummingbird
import Identity
import Incubation
import Logging
import OpenAPIHummingbird
import Payments
import Prometheus
import ServiceLifecycle
import Store
import Tendering
import Transparency

/// What the web layer needs from the rest of Spokes.
public struct AppDependencies: Sendable {
    public var database: Database
    public var identity: IdentityService
    public var purchaseCatalogue: PurchaseCatalogueService
    public var serviceItems: ServiceItemService
    public var negativeList: NegativeListService
    public var purchaseLists: PurchaseListService
    public var tenders: TenderService
    /// The working calendar (holidays and 调休 a year at a time) every deadline is counted on.
    public var calendar: CalendarService
    public var bids: BidService
    public var tenderWorker: TenderWorker
    public var evaluations: EvaluationService
    public var awards: AwardService
    public var suppliers: SupplierService
    public var incubation: IncubationService
    public var programmes: ProgrammeService
    public var ledger: LedgerService
    public var seedGrants: SeedGrantService
    public var contractPayments: ContractPaymentService
    public var contracts: ContractService
    public var transparency: TransparencyService
    public var voice: VoiceService
    public var monitoring: MonitoringService
    public var paymentWorklists: PaymentWorklists
    /// The service sites of the three-tier network (issue 23).
    public var sites: SiteService
    /// Service requests (办件) at the sites, across the tiers (issue 23).
    public var requests: RequestService
    public var configuration: AppConfiguration
    /// The one clock every service reads (the home page's budget year too).
    public var clock: any SpokesClock
    public var metrics: PrometheusCollectorRegistry
    /// The instance's clock as a training class's trainer sees and moves it (issue 27).
    public var training: TrainingService
    /// Whether the database answers (probed by `PeriodicService.databaseProbe` when serving).
    public var health = DatabaseHealth()
    /// The stop that drops no request, when serving (nil in tests that drive the router).
    public var drain: ShutdownDrain?
    /// Rendered public answers for anonymous visitors, emptied by `PublicChangeListener` on every audited change.
    public var publicCache: PublicCache

    /// The services of every module on one database, with one clock.
    public init(database: Database, identity: IdentityService, clock: any SpokesClock = SystemClock(), sealer: BidSealer,
                configuration: AppConfiguration, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.database = database
        self.identity = identity
        self.purchaseCatalogue = PurchaseCatalogueService(database: database, clock: clock)
        self.serviceItems = ServiceItemService(database: database, identity: identity, clock: clock)
        self.negativeList = NegativeListService(database: database, identity: identity, clock: clock)
        self.purchaseLists = PurchaseListService(database: database, identity: identity, catalogue: purchaseCatalogue, clock: clock)
        self.tenders = TenderService(database: database, identity: identity, clock: clock)
        self.calendar = CalendarService(database: database, clock: clock)
        self.ledger = LedgerService(database: database, purchaseLists: purchaseLists, clock: clock)
        self.awards = AwardService(database: database, identity: identity, clock: clock)
        self.contractPayments = ContractPaymentService(database: database, ledger: ledger, clock: clock)
        self.contracts = ContractService(database: database, identity: identity, awards: awards, funding: contractPayments,
                                         records: ContractSiteRecords(logger: database.logger), clock: clock,
                                         countersignThreshold: configuration.countersignThreshold)
        // Delivered contracts' final grades count in incubation rules and in later tenders' evaluations.
        self.incubation = IncubationService(database: database, identity: identity, delivery: DeliveredGrades(contracts: contracts), clock: clock)
        self.programmes = ProgrammeService(database: database, identity: identity, incubation: incubation, clock: clock)
        self.seedGrants = SeedGrantService(database: database, identity: identity, ledger: ledger, clock: clock)
        self.bids = BidService(database: database, identity: identity, sealer: sealer, incubation: incubation, clock: clock)
        self.tenderWorker = TenderWorker(tenders: tenders, bids: bids)
        self.evaluations = EvaluationService(database: database, identity: identity, performance: DeliveryPerformanceRecords(contracts: contracts), clock: clock)
        self.suppliers = SupplierService(database: database, identity: identity, sealer: sealer, clock: clock)
        self.transparency = TransparencyService(database: database, identity: identity, tenders: tenders, bids: bids, awards: awards, lists: purchaseLists,
                                                contracts: contracts, payments: contractPayments, prefix: configuration.ocdsPrefix,
                                                publicBase: configuration.publicBase, clock: clock,
                                                summaryLifetime: configuration.summaryLifetime)
        self.voice = VoiceService(database: database, identity: identity, lists: purchaseLists, tenders: tenders, clock: clock)
        self.monitoring = MonitoringService(database: database, identity: identity, clock: clock)
        self.paymentWorklists = PaymentWorklists(contracts: contracts, payments: contractPayments)
        self.sites = SiteService(database: database, identity: identity, catalogue: serviceItems, contracts: DeliverySiteContracts(contracts: contracts),
                                 clock: clock)
        let calendar = self.calendar
        self.requests = RequestService(database: database, identity: identity, catalogue: serviceItems, sites: sites,
                                       sealer: ApplicantSealer(key: sealer.derivedKey(for: "spokes applicants v1")),
                                       calendar: { try await calendar.calendar() }, clock: clock)
        self.configuration = configuration
        self.publicCache = PublicCache(capacity: configuration.publicCacheBytes, lifetime: configuration.publicCacheLifetime)
        self.clock = clock
        self.training = TrainingService(database: database, training: clock as? TrainingClock, clock: clock, tenders: tenders,
                                        transparency: transparency)
        self.metrics = metrics
    }
}

/// Delivery's final grades as incubation reads them (Incubation does not depend on Delivery).
struct DeliveredGrades: DeliveryRecords {
    let contracts: ContractService
    func deliveredGrades(of organisationID: UUID) async throws -> [String] {
        try await contracts.grades(of: [organisationID])[organisationID]?.map(\.grade) ?? []
    }
}

/// The routes and middleware of Spokes. Tests drive this router directly.
public func buildRouter(_ dependencies: AppDependencies) async throws -> Router<AppRequestContext> {
    let configuration = dependencies.configuration
    let views = try await Views(directory: configuration.webDirectory, secureCookies: configuration.secureCookies,
                                training: dependencies.training.training)
    let router = Router(context: AppRequestContext.self)
    let contract = configuration.contractsDirectory + "/openapi.yaml"
    guard let specification = FileManager.default.contents(atPath: contract) else {
        throw StartupError(description: "missing API contract at \(contract)")
    }
    let readings = try ContractReadings.reading(String(decoding: specification, as: UTF8.self), prefix: "/api/v1")

    // Outermost first. Headers, logs and metrics see every response. Language, the user and the CSRF
    // token are found before the error middleware, so error pages are in the right language, with
    // the user's menu. Inside it, anything thrown becomes a problem (API) or a page.
    router.add(middleware: SecurityHeadersMiddleware(secure: configuration.secureCookies))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ClientAddressMiddleware(trustedProxies: configuration.trustedProxies))
    router.add(middleware: LanguageMiddleware())
    router.add(middleware: AuthenticationMiddleware(identity: dependencies.identity, localisation: views.localisation))
    router.add(middleware: CSRFTokenMiddleware(secureCookies: configuration.secureCookies))
    router.add(middleware: PublicCacheMiddleware(cache: dependencies.publicCache))
    if let replica = dependencies.database.replica { router.add(middleware: ReplicaReadsMiddleware(replica: replica)) }
    router.add(middleware: ErrorMiddleware(views: views))
    router.add(middleware: DatabaseUnavailableMiddleware(health: dependencies.health))
    router.add(middleware: MethodNotAllowedMiddleware(paths: readings.paths))
    router.add(middleware: BodyLimitMiddleware())
    router.add(middleware: CSRFCheckMiddleware())
    router.add(middleware: StaticFilesMiddleware(configuration.webDirectory + "/static", urlBasePath: "/static"))

    HealthController(database: dependencies.database, health: dependencies.health, metrics: dependencies.metrics, metricsToken: configuration.metricsToken,
                     drain: dependencies.drain).register(on: router)
    PublicController(identity: dependencies.identity, calendar: dependencies.calendar,
                     worklist: HomeWorklist(tenders: dependencies.tenders, lists: dependencies.purchaseLists, contracts: dependencies.contracts,
                                            payments: dependencies.paymentWorklists, seedGrants: dependencies.seedGrants,
                                            evaluations: dependencies.evaluations, incubation: dependencies.incubation,
                                            transparency: dependencies.transparency, monitoring: dependencies.monitoring, voice: dependencies.voice,
                                            requests: dependencies.requests, clock: dependencies.clock, identity: dependencies.identity),
                     journey: JourneySection(incubation: dependencies.incubation, awards: dependencies.awards, suppliers: dependencies.suppliers,
                                             contracts: dependencies.contracts, views: views),
                     views: views).register(on: router)
    AuthController(identity: dependencies.identity, views: views, secureCookies: configuration.secureCookies).register(on: router)
    JoinController(identity: dependencies.identity, views: views, secureCookies: configuration.secureCookies).register(on: router)
    DirectoryController(directory: SupplierDirectory(database: dependencies.database, identity: dependencies.identity), suppliers: dependencies.suppliers,
                        identity: dependencies.identity, catalogue: dependencies.purchaseCatalogue, views: views).register(on: router)
    AdminController(identity: dependencies.identity, calendar: dependencies.calendar, views: views).register(on: router)
    CatalogueController(purchaseCatalogue: dependencies.purchaseCatalogue, items: dependencies.serviceItems,
                        negativeList: dependencies.negativeList, identity: dependencies.identity, views: views).register(on: router)
    PurchaseListController(lists: dependencies.purchaseLists, identity: dependencies.identity, views: views).register(on: router)
    TenderController(tenders: dependencies.tenders, bids: dependencies.bids, suppliers: dependencies.suppliers, lists: dependencies.purchaseLists,
                     identity: dependencies.identity, views: views, publicBase: configuration.publicBase).register(on: router)
    EvaluationController(tenders: dependencies.tenders, bids: dependencies.bids, evaluations: dependencies.evaluations, awards: dependencies.awards,
                         suppliers: dependencies.suppliers, identity: dependencies.identity, views: views).register(on: router)
    IncubatorController(incubation: dependencies.incubation, identity: dependencies.identity, seedGrants: dependencies.seedGrants,
                        purchaseLists: dependencies.purchaseLists, ledger: dependencies.ledger, views: views, clock: dependencies.clock).register(on: router)
    ProgrammeController(programmes: dependencies.programmes, incubation: dependencies.incubation, identity: dependencies.identity, views: views)
        .register(on: router)
    PaymentsController(seedGrants: dependencies.seedGrants, worklists: dependencies.paymentWorklists, identity: dependencies.identity, views: views,
                       clock: dependencies.clock).register(on: router)
    ContractController(contracts: dependencies.contracts, payments: dependencies.contractPayments, awards: dependencies.awards,
                       identity: dependencies.identity, views: views).register(on: router)
    EngagementController(contracts: dependencies.contracts, views: views).register(on: router)
    try OCDSController(transparency: dependencies.transparency, catalogue: dependencies.purchaseCatalogue, publicBase: configuration.publicBase,
                       contractsDirectory: configuration.contractsDirectory).register(on: router)
    // The dashboards' rows, shared by the page, its CSV and the API.
    let insightRows = InsightRows(transparency: dependencies.transparency, catalogue: dependencies.purchaseCatalogue, incubation: dependencies.incubation,
                                  requests: dependencies.requests, standards: dependencies.sites.standards, identity: dependencies.identity,
                                  localisation: views.localisation, networkFigures: Recent(lifetime: configuration.summaryLifetime))
    InsightsController(rows: insightRows, incubation: dependencies.incubation, views: views).register(on: router)
    VoiceController(voice: dependencies.voice, identity: dependencies.identity, views: views, secureCookies: configuration.secureCookies).register(on: router)
    OversightController(transparency: dependencies.transparency, monitoring: dependencies.monitoring, identity: dependencies.identity, views: views)
        .register(on: router)
    SurveyController(contracts: dependencies.contracts, views: views, secureCookies: configuration.secureCookies, publicBase: configuration.publicBase).register(on: router)
    SupplierController(suppliers: dependencies.suppliers, bids: dependencies.bids, views: views).register(on: router)
    CatalogueEditorController(items: dependencies.serviceItems, identity: dependencies.identity, views: views).register(on: router)
    SiteController(sites: dependencies.sites, requests: dependencies.requests, standards: dependencies.sites.standards, identity: dependencies.identity, items: dependencies.serviceItems, views: views).register(on: router)
    RequestController(requests: dependencies.requests, sites: dependencies.sites, items: dependencies.serviceItems, identity: dependencies.identity,
                      views: views).register(on: router)
    TrainingController(training: dependencies.training, views: views).register(on: router)
    // Grassroots: standards (issue 23 item 2)
    StandardsController(standards: dependencies.sites.standards, sites: dependencies.sites, identity: dependencies.identity, views: views,
                        clock: dependencies.clock).register(on: router)

    router.get("/api/v1/openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(data: specification)))
    }
    // The contract as a page, rendered here from the same file (no viewer fetched from a CDN).
    guard let docs = readings.docs else {
        throw StartupError(description: "the API contract at \(contract) is not an OpenAPI document Spokes can read")
    }
    router.get("/api/docs") { request, context in
        views.page("api/docs", title: views.text("apiDocs_title", context), model: docs, request: request, context: context)
    }
    let api = router.group("/api/v1").add(middleware: OpenAPIContextMiddleware())
    try APIHandler(identity: dependencies.identity, purchaseCatalogue: dependencies.purchaseCatalogue,
                   serviceItems: dependencies.serviceItems, negativeList: dependencies.negativeList, purchaseLists: dependencies.purchaseLists,
                   tenders: dependencies.tenders, bids: dependencies.bids, evaluations: dependencies.evaluations,
                   awards: dependencies.awards, suppliers: dependencies.suppliers, incubation: dependencies.incubation,
                   programmes: dependencies.programmes, ledger: dependencies.ledger, seedGrants: dependencies.seedGrants,
                   contracts: dependencies.contracts, contractPayments: dependencies.contractPayments, calendar: dependencies.calendar,
                   sites: dependencies.sites, requests: dependencies.requests,
                   oversight: OversightServices(transparency: dependencies.transparency, monitoring: dependencies.monitoring, voice: dependencies.voice,
                                                worklists: dependencies.paymentWorklists, insightRows: insightRows,
                                                directory: SupplierDirectory(database: dependencies.database, identity: dependencies.identity)),
                   training: dependencies.training)
        // Compact, unsorted JSON and a lock-free date transcoder: what a list response spent its time on.
        .registerHandlers(on: api, configuration: .init(dateTranscoder: FormatStyleDateTranscoder(), jsonEncodingOptions: []),
                          middlewares: [APIContractMiddleware(contract: readings.contract),
                                        ContentDispositionMiddleware()])
    return router
}

/// The whole application: the router served on the configured address, with the given services
/// (the database client among them) run and shut down alongside it, and `prepare` (migrations)
/// run once they are up but before the first request is accepted.
public func buildApplication(_ dependencies: AppDependencies, services: [any Service], logger: Logger,
                             prepare: @escaping @Sendable () async throws -> Void) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(dependencies)
    // Every request answers within its deadline, whatever the handler is waiting for (RequestDeadline).
    var application = Application(
        responder: RequestDeadline(base: router.buildResponder(), limit: dependencies.configuration.requestDeadline,
                                   localisation: try Localisation(directory: dependencies.configuration.webDirectory + "/locales")),
        configuration: .init(address: .hostname(dependencies.configuration.host, port: dependencies.configuration.port),
                             serverName: "Spokes"),
        logger: logger)
    for service in services { application.addServices(service) }
    application.beforeServerStarts(perform: prepare)
    return application
}
