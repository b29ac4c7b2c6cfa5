// swift-tools-version: 6.2
import PackageDescription

// Dependencies point one way: spokes → Server → domain modules → Store, Core.
let package = Package(
    name: "spokes",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spokes", targets: ["spokes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-algorithms", from: "1.2.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Identifiers, money, credit codes, roles and the access policy. Pure Swift, no I/O.
        .target(
            name: "Core",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            // The expected answers of the policy, as a table for reviewers and the live permissions matrix.
            exclude: ["Policy.table.md"]
        ),
        // PostgreSQL: the embedded cluster, the client, migrations, transactions, the audit chain.
        .target(
            name: "Store",
            dependencies: [
                "Core",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Migrations")]
        ),
        // Jurisdictions, organisations, users, sessions and API tokens.
        .target(
            name: "Identity",
            dependencies: [
                "Core", "Store", "Tabular",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Spreadsheets in and out: CSV (and XLSX) as tables, mapped to columns with row and column errors.
        .target(
            name: "Tabular",
            dependencies: ["Core", .product(name: "SwiftCSV", package: "SwiftCSV"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // Service catalogue: service items, tier authorities, materials, the guiding purchase catalogue.
        .target(
            name: "Catalogue",
            dependencies: ["Core", "Store", "Tabular", "Identity", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // Purchase lists, tenders, questions, sealed bids, opening; the worker that moves tenders on time.
        .target(
            name: "Tendering",
            dependencies: ["Core", "Store", "Tabular", "Identity", "Catalogue", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Contracts from awards, milestones with outcome metrics, reports with evidence, evaluator sign-off.
        .target(
            name: "Delivery",
            dependencies: ["Core", "Store", "Identity", "Tendering", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The ledger of budget lines, rate cards, the payment calculation, claims and recoveries.
        .target(
            name: "Payments",
            dependencies: ["Core", "Store", "Identity", "Tendering", "Delivery", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // OCDS releases of what is public, appended when it changes; packages, records and the bulk export.
        .target(
            name: "Transparency",
            dependencies: ["Core", "Store", "Identity", "Tendering", "Delivery", "Payments", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "Algorithms", package: "swift-algorithms")]
        ),
        // The relay incubation pipeline: stage policies, placements, moves, alerts.
        .target(
            name: "Incubation",
            dependencies: ["Core", "Store", "Identity", "Tendering", "Payments", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // The three-tier service network (DOMAIN §6): service sites (issue 23).
        .target(
            name: "Grassroots",
            // Delivery: the contracts' metrics verified against the sites' records (ContractSiteRecords)
            dependencies: ["Core", "Store", "Tabular", "Identity", "Catalogue", "Delivery", .product(name: "PostgresNIO", package: "postgres-nio"),
                           // Sealing applicants' data (AES-GCM) and the SHA-256 of inspection evidence
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Demo",
            dependencies: ["Core", "Store", "Identity", "Catalogue", "Tendering", "Incubation", "Delivery", "Payments", "Transparency", "Grassroots",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // Generated from Contracts/openapi.yaml (symlinked); never edited by hand.
        .target(
            name: "SpokesAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The Hummingbird application: API handlers, HTML controllers, middleware.
        .target(
            name: "Server",
            dependencies: [
                "Core", "Store", "Identity", "Catalogue", "Tendering", "Incubation", "Delivery", "Payments", "Transparency", "Grassroots", "Tabular", "SpokesAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The command line: thin, parses arguments and calls into the modules.
        .executableTarget(
            name: "spokes",
            dependencies: [
                "Core", "Store", "Identity", "Catalogue", "Tendering", "Delivery", "Payments", "Transparency", "Grassroots", "Demo", "Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            // A production build without training mode (issue 27): SPOKES_NO_TRAINING=1 swift build -c release.
            swiftSettings: Context.environment["SPOKES_NO_TRAINING"] == "1" ? [.define("SPOKES_NO_TRAINING")] : []
        ),
        // Benchmarks, run by `make bench-search` and `make bench-bids`; each writes a dated Markdown file to Benchmarks/results/.
        .executableTarget(
            name: "SearchBenchmark",
            dependencies: ["Core", "Store", "Identity", "Catalogue", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Benchmarks/SearchBenchmark"
        ),
        .executableTarget(
            name: "BidBurstBenchmark",
            dependencies: ["Core", "Store", "Identity", "Catalogue", "Tendering", "Demo", "Server",
                           .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Benchmarks/BidBurstBenchmark"
        ),
        // Shared test helpers: one cluster per run, a migrated template, a database per test.
        .target(
            name: "TestSupport",
            dependencies: ["Core", "Store", "Identity", "Catalogue", "Tendering", "Incubation", "Delivery", "Payments", "Demo",
                           .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "TestSupport"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CatalogueTests", dependencies: ["Catalogue", "Identity", "TestSupport"]),
        .testTarget(name: "TenderingTests", dependencies: ["Tendering", "Catalogue", "Identity", "Incubation", "Delivery", "Payments", "Grassroots", "Demo", "TestSupport"]),
        .testTarget(name: "PaymentsTests", dependencies: ["Payments", "Delivery", "Tendering", "Identity", "TestSupport"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", "Payments", "Tendering", "Identity", "TestSupport"]),
        .testTarget(name: "TransparencyTests", dependencies: ["Transparency", "Delivery", "Payments", "Tendering", "Identity", "Grassroots", "Demo", "TestSupport"]),
        .testTarget(name: "GrassrootsTests", dependencies: ["Grassroots", "Delivery", "Catalogue", "Identity", "Tabular", "Tendering", "Demo", "TestSupport"]),
        .testTarget(name: "IncubationTests", dependencies: ["Incubation", "Payments", "Catalogue", "Tendering", "Identity", "TestSupport"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "TestSupport", "Incubation", "Tendering", "Delivery", "Payments", "Transparency", "Grassroots", "Identity", "Core", "Tabular",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
