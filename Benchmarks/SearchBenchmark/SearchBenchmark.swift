import Catalogue
import Core
import Foundation
import Identity
import Logging
import PostgresNIO
import Store

// Catalogue search on generated items (10,000 by default), through the same service method that the
// page and the API call. A throw-away embedded cluster; names are composed in SQL from a vocabulary of
// service words so they read like a real catalogue's. Goal (issue 3): p95 ≤ 20 ms.
// Writes Benchmarks/results/<date>-search.md and prints the same table.

@main
struct SearchBenchmark {
    struct Measured: Sendable {
        var name: String
        var samples: [Double]  // milliseconds
        var rows: Int
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func main() async throws { try await run() }

    /// Off the main actor: the database closures run on the client's executors.
    nonisolated static func run() async throws {
        let itemCount = Int(ProcessInfo.processInfo.environment["BENCH_ITEMS"] ?? "") ?? 10_000
        let rounds = Int(ProcessInfo.processInfo.environment["BENCH_ROUNDS"] ?? "") ?? 100
        let logger: Logger = {
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            return logger
        }()

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let explain = ProcessInfo.processInfo.environment["BENCH_EXPLAIN"] != nil
        let folder = NSTemporaryDirectory() + "spokes-bench-\(getpid())"
        let cluster = EmbeddedPostgres(dataDirectory: folder, durable: false, logger: logger)
        try cluster.start()
        defer {
            try? cluster.stop(immediate: true)
            if !explain { try? FileManager.default.removeItem(atPath: folder) }
        }
        try await cluster.createDatabaseIfMissing("bench", logger: logger)
        // BENCH_EXPLAIN=1: PostgreSQL logs the plan of every statement over 10 ms to server.log in the
        // cluster folder, which is then kept (how the slow searches of ARCHITECTURE.md were found).
        if explain {
            try await Database.with(cluster.clientConfiguration(database: "bench"), logger: logger) { database in
                for setting in ["session_preload_libraries = 'auto_explain'", "auto_explain.log_min_duration = 10",
                                "auto_explain.log_analyze = on", "auto_explain.log_buffers = on"] {
                    try await database.client.query(PostgresQuery(unsafeSQL: "ALTER DATABASE bench SET \(setting)"), logger: logger)
                }
            }
            print("plans of slow statements: \(folder)/server.log")
        }

        let queries: [(String, ItemSearch)] = [
            ("养老 (two characters)", ItemSearch(text: "养老")),
            ("残疾人康复 (five characters)", ItemSearch(text: "残疾人康复")),
            ("服务 (in most names)", ItemSearch(text: "服务")),
            ("elderly", ItemSearch(text: "elderly")),
            ("allowance", ItemSearch(text: "allowance")),
            ("elderley (misspelt)", ItemSearch(text: "elderley")),
            ("on the spot, no text", ItemSearch(onTheSpot: true)),
            ("养老 accepted at community", ItemSearch(text: "养老", tier: .community)),
        ]


        let (measured, version) = try await Database.with(cluster.clientConfiguration(database: "bench"), logger: logger) { database -> ([Measured], String) in
            try await Migrator(database: database).migrate()
            var policy = SignInPolicy()
            policy.bcryptCost = 4
            let identity = IdentityService(database: database, policy: policy)
            _ = try await identity.seed(try IdentitySeed.load(from: root + "/seed/identity.json"))
            let office = try await identity.organisations(kind: .department, limit: 1)[0]
            let (department, list) = (office.id, office.jurisdictionID)
            let items = ServiceItemService(database: database, identity: identity)

            try await database.transaction { connection in
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO catalogue.items (id, code, department_id, jurisdiction_id, published_version, created_at)
                    SELECT gen_random_uuid(), chr(65 + (n / 1000) / 26) || chr(65 + (n / 1000) % 26) || '-' || lpad((n % 1000)::text, 3, '0'),
                           '\(department)', '\(list)', 1, now()
                    FROM generate_series(0, \(itemCount - 1)) n
                    """), logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: """
                    WITH w AS (SELECT
                        ARRAY['居家','社区','老年人','残疾人','青少年','困难家庭','退役军人','就业','医疗','住房','文化','法律'] AS who,
                        ARRAY['养老','助餐','康复','托管','培训','救助','补贴','登记','认定','咨询','调解','评估'] AS what,
                        ARRAY['服务','申请','补贴发放','资格认定','备案','审核确认'] AS how,
                        ARRAY['Home','Community','Elderly','Disabled','Youth','Family','Veteran','Job','Medical','Housing','Culture','Legal'] AS who_en,
                        ARRAY['care','meals','rehabilitation','childcare','training','assistance','allowance','registration','recognition','advice','mediation','assessment'] AS what_en,
                        ARRAY['service','application','payment','eligibility','filing','review'] AS how_en),
                    numbered AS (SELECT id, row_number() OVER (ORDER BY code) - 1 AS n FROM catalogue.items)
                    INSERT INTO catalogue.item_versions (item_id, version, name_zh, name_en, legal_basis, conditions, procedure, result,
                        time_limit_days, on_the_spot, channel, fees, accept_tier, approve_tier, handle_tier, accept_days, approve_days,
                        material_ids, published_at, published_by)
                    SELECT id, 1,
                           who[1 + n % 12] || what[1 + (n / 12) % 12] || how[1 + (n / 144) % 6] || CASE WHEN n >= 864 THEN '（' || n / 864 || '）' ELSE '' END,
                           who_en[1 + n % 12] || ' ' || what_en[1 + (n / 12) % 12] || ' ' || how_en[1 + (n / 144) % 6] || CASE WHEN n >= 864 THEN ' ' || n / 864 ELSE '' END,
                           '《示例条例》', '本区居民', ARRAY['受理','审核','办结'], '办结', CASE WHEN n % 7 = 0 THEN 0 ELSE 10 END, n % 7 = 0, 'both', '不收费',
                           (ARRAY['district','street','community'])[1 + n % 3], 'district', 'street', 2, 5, ARRAY[]::uuid[], now(),
                           '00000000-0000-7000-8000-000000000000'
                    FROM numbered, w
                    """), logger: logger)
                try await connection.query("ANALYZE", logger: logger)
            }
            var version = ""
            for try await text in try await database.client.query("SHOW server_version", logger: logger).decode(String.self) { version = text }

            var measured: [Measured] = []
            for (name, search) in queries {
                for _ in 0..<5 { _ = try await items.search(search) }  // warm the pool, the plan cache and the buffers
                var samples: [Double] = []
                var rows = 0
                for _ in 0..<rounds {
                    let start = ContinuousClock.now
                    rows = try await items.search(search).count
                    let elapsed = ContinuousClock.now - start
                    samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                }
                measured.append(Measured(name: name, samples: samples.sorted(), rows: rows))
            }
            return (measured, version)
        }

        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        let all = measured.flatMap(\.samples).sorted()
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        var text = """
            # Catalogue search benchmark, \(ISO8601DateFormatter().string(from: Date()).prefix(10))

            - Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(String(format: "%.0f", memory)) GiB; PostgreSQL \(version) (embedded, fsync off)
            - Build: \(build); command: `make bench-search` (`BENCH_ITEMS=\(itemCount) BENCH_ROUNDS=\(rounds)`)
            - What: `ServiceItemService.search` (the method behind `/catalogue?q=` and `GET /api/v1/catalogue/items`) on \(itemCount) published items,
              \(rounds) sequential calls per query after 5 warm-up calls; time from call to decoded rows (limit 50).

            | query | rows | p50 ms | p95 ms | p99 ms | max ms |
            |---|---|---|---|---|---|

            """
        for m in measured {
            text += String(format: "| %@ | %d | %.2f | %.2f | %.2f | %.2f |\n", m.name, m.rows, percentile(m.samples, 0.5), percentile(m.samples, 0.95),
                           percentile(m.samples, 0.99), m.samples.last!)
        }
        text += String(format: "| **all queries** | | %.2f | **%.2f** | %.2f | %.2f |\n", percentile(all, 0.5), percentile(all, 0.95), percentile(all, 0.99), all.last!)
        text += "\nGoal: p95 ≤ 20 ms. Result: \(percentile(all, 0.95) <= 20 ? "met" : "missed").\n"
        print(text)
        let results = root + "/Benchmarks/results"
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        let name = "\(results)/\(ISO8601DateFormatter().string(from: Date()).prefix(10))-search-\(build).md"
        try text.write(toFile: name, atomically: true, encoding: .utf8)
        print("written to \(name)")

    }
}
