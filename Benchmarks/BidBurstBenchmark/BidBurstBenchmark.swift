import Catalogue
import Core
import Demo
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import NIOCore
import PostgresNIO
import Server
import Store
import Tendering

// The bid burst of issue 4: 500 organisations submit 2,000 sealed bids into 20 tenders over the
// 60 seconds before their deadline, through the HTTP API of a running server (PUT
// /api/v1/tenders/{id}/lots/{lot}/bid with an Idempotency-Key), paced evenly over 64 connections.
// Then the same 2,000 bids are replaced as fast as the connections go, and 100 more arrive just
// after the deadline. The worker opens the bids and the benchmark checks that every acknowledged
// bid is stored exactly as last acknowledged and that none was taken at or after the deadline.
// Goal: no loss, p99 ≤ 100 ms. Writes Benchmarks/results/<date>-bid-burst-<config>.md.

/// Real time shifted, so that the demo tenders' deadline (a 17:00 of a past working day) falls
/// a chosen number of seconds from now.
final class OffsetClock: SpokesClock {
    let offset: TimeInterval
    init(offset: TimeInterval) { self.offset = offset }
    func now() -> Date { Date().addingTimeInterval(offset) }
}

struct Bid: Sendable {
    var token: String
    var tenderID: UUID
    var lotID: UUID
    var bidder: UUID
    var priceFen: Int64
    var key: String
}

struct Outcome: Sendable {
    var bid: Bid
    var status: Int
    var milliseconds: Double
    var commitment: String?
}

@main
struct BidBurstBenchmark {
    static let organisations = 500
    static let tenderCount = 20
    static let bidsPerOrganisation = 4
    static let connections = 64
    static let burstSeconds = 60.0

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func main() async throws { try await run() }

    nonisolated static func run() async throws {
        let logger: Logger = {
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            return logger
        }()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let folder = NSTemporaryDirectory() + "spokes-bid-bench-\(getpid())"
        let cluster = EmbeddedPostgres(dataDirectory: folder, durable: true, logger: logger)
        try cluster.start()
        defer {
            try? cluster.stop(immediate: true)
            try? FileManager.default.removeItem(atPath: folder)
        }
        try await cluster.createDatabaseIfMissing("bench", logger: logger)
        try await Database.with(cluster.clientConfiguration(database: "bench"), logger: logger) { database in
            try await Migrator(database: database).migrate()
            var policy = SignInPolicy()
            policy.bcryptCost = 4
            _ = try await DemoData.load(into: database, from: root + "/seed", policy: policy)
            try await burst(database, policy: policy, root: root, logger: logger)
        }
    }

    nonisolated static func burst(_ database: Database, policy: SignInPolicy, root: String, logger: Logger) async throws {
        let setupStart = ContinuousClock.now
        let identity = IdentityService(database: database, policy: policy)
        let password = "bench-password-2026"
        // 500 rated social organisations with a supplier each, and an API token each.
        var tokens: [(UUID, String)] = []
        for n in 0..<organisations {
            let code = try CreditCode.completing(String(format: "5237010250%07d", 100_000 + n)).value
            let organisation = try await identity.createOrganisation(by: .system, NewOrganisation(
                kind: "social_organisation", nameZh: "压测社会工作服务中心\(n)", nameEn: "Load test social work centre \(n)",
                creditCode: code, jurisdictionCode: "370102"))
            _ = try await identity.loadRating(organisationID: organisation.id, NewRating(level: 4, awardedOn: "2024-06-30"))
            _ = try await identity.createUser(by: .system, NewUser(username: "bidder\(n)", displayName: "投标人\(n)", password: password,
                                                                organisationID: organisation.id, roles: ["supplier"]))
            tokens.append((organisation.id, try await identity.issueToken(username: "bidder\(n)", password: password, name: "bench").token))
        }
        // 20 one-lot tenders of the Lixia finance office, published on Monday 2 November 2026 09:00:
        // the tendering deadline is Thursday 12 November, 17:00 (Beijing).
        let publishedAt = Date(timeIntervalSince1970: 1_793_581_200)
        let setupClock = ManualClock(publishedAt)
        let tenders = TenderService(database: database, identity: identity, clock: setupClock)
        let finance = try await identity.signIn(username: "finance", password: try IdentitySeed.load(from: root + "/seed/identity.json").demoPassword)
        let lines = try await PurchaseListService(database: database, identity: identity, catalogue: PurchaseCatalogueService(database: database))
            .lines(PurchaseLineQuery(year: 2026, buyerID: finance.organisationID, limit: 100))
        var published: [Tender] = []
        for line in lines.prefix(tenderCount) {
            let terms = TenderTerms(title: "压测：\(line.content.title)", description: "投标压力测试", eligibility: Eligibility(minimumRating: 3),
                                    lots: [LotTerms(purchaseLineID: line.id, title: line.content.title, budget: line.content.budget)])
            let draft = try await tenders.createDraft(by: finance, buyerID: finance.organisationID, terms)
            published.append(try await tenders.publish(by: finance, tenderID: draft.id))
        }
        let deadline = published[0].periods!.tenderEnd
        // Each organisation bids on 4 tenders; bids are spread evenly across the tenders.
        var bids: [Bid] = []
        for (index, (bidder, token)) in tokens.enumerated() {
            for k in 0..<bidsPerOrganisation {
                let tender = published[(index * bidsPerOrganisation + k) % tenderCount]
                let budget = tender.lots[0].budget.minorUnits
                bids.append(Bid(token: token, tenderID: tender.id, lotID: tender.lots[0].id, bidder: bidder,
                                priceFen: budget - Int64((index * 7 + k * 13) % 997 + 1) * 100, key: "burst-\(index)-\(k)"))
            }
        }
        bids.shuffle()
        let burstBids = bids
        let burstTenders = published
        let setup = ContinuousClock.now - setupStart

        // The server, on a clock whose deadline comes 75 s from now: 60 s of paced bids, then the replacements.
        let clock = OffsetClock(offset: deadline.timeIntervalSinceNow - (burstSeconds + 15))
        let sealer = BidSealer.random()
        var configuration = AppConfiguration()
        configuration.webDirectory = root + "/Web"
        configuration.contractsDirectory = root + "/Contracts"
        let dependencies = AppDependencies(database: database, identity: identity, clock: clock, sealer: sealer, configuration: configuration)
        let router = try await buildRouter(dependencies)
        var serverLogger = logger
        serverLogger.logLevel = .error
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: serverLogger)

        let report = try await app.test(.live) { client -> String in
            let port = client.port!
            let paced = try await send(burstBids, port: port, pacedOver: burstSeconds)
            // The same bids again, replaced at new prices, as fast as 64 connections go.
            let replacements = burstBids.map { bid in
                var replaced = bid
                replaced.priceFen -= 100
                replaced.key += "-replaced"
                return replaced
            }
            let flatOutStart = ContinuousClock.now
            let flatOut = try await send(replacements, port: port, pacedOver: nil)
            let flatOutDuration = ContinuousClock.now - flatOutStart
            // Wait for the deadline; then 100 late bids, every one of which must be refused.
            let untilDeadline = deadline.timeIntervalSince(clock.now())
            if untilDeadline > 0 { try await Task.sleep(for: .milliseconds(Int(untilDeadline * 1000) + 5)) }
            let late = try await send(Array(burstBids.prefix(100)).map { var b = $0; b.key += "-late"; b.priceFen -= 200; return b }, port: port, pacedOver: nil)
            // The worker opens the bids; then the store is compared with what was acknowledged.
            try await dependencies.tenderWorker.runDue()
            let check = try await verify(database, acknowledged: paced + flatOut, late: late, deadline: deadline, tenders: burstTenders, sealer: sealer,
                                         identity: identity)
            return write(paced: paced, flatOut: flatOut, flatOutSeconds: Double(flatOutDuration.components.seconds)
                         + Double(flatOutDuration.components.attoseconds) / 1e18, late: late, check: check, setup: setup, database: database)
        }
        print(report)
    }

    /// Sends `bids` over 64 connections: paced (bid i leaves at i × span ÷ count) or flat out.
    nonisolated static func send(_ bids: [Bid], port: Int, pacedOver span: Double?) async throws -> [Outcome] {
        let start = ContinuousClock.now
        let perConnection = (bids.count + connections - 1) / connections
        return try await withThrowingTaskGroup(of: [Outcome].self) { group in
            for c in 0..<connections {
                let mine = Array(bids.enumerated().filter { $0.offset % connections == c })
                guard !mine.isEmpty else { continue }
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        var outcomes: [Outcome] = []
                        outcomes.reserveCapacity(perConnection)
                        for (index, bid) in mine {
                            if let span {
                                let due = start + .milliseconds(Int(Double(index) * span * 1000 / Double(bids.count)))
                                if ContinuousClock.now < due { try await Task.sleep(until: due) }
                            }
                            var headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(bid.token)"]
                            headers[HTTPField.Name("Idempotency-Key")!] = bid.key
                            let body = #"{"priceFen": \#(bid.priceFen), "proposal": "压测投标：服务方案、团队与绩效目标。"}"#
                            let sent = ContinuousClock.now
                            let response = try await client.put("/api/v1/tenders/\(bid.tenderID.lowercased)/lots/\(bid.lotID.lowercased)/bid",
                                                                headers: headers, body: ByteBuffer(string: body))
                            let elapsed = ContinuousClock.now - sent
                            var commitment: String?
                            if response.status == .ok, let body = response.body,
                               let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] {
                                commitment = json["commitment"] as? String
                            }
                            outcomes.append(Outcome(bid: bid, status: response.status.code,
                                                    milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
                                                    commitment: commitment))
                        }
                        return outcomes
                    }
                }
            }
            var all: [Outcome] = []
            for try await outcomes in group { all += outcomes }
            return all
        }
    }

    struct Check: Sendable {
        var storedBids = 0
        var openedBids = 0
        var matchingLastAcknowledged = 0
        var receiptsFound = 0
        var acknowledged = 0
        var atOrAfterDeadline = 0
        var lateAccepted = 0
    }

    nonisolated static func verify(_ database: Database, acknowledged: [Outcome], late: [Outcome], deadline: Date, tenders: [Tender],
                                   sealer: BidSealer, identity: IdentityService) async throws -> Check {
        var check = Check()
        let ok = acknowledged.filter { $0.status == 200 }
        check.acknowledged = ok.count
        check.lateAccepted = late.filter { $0.status == 200 }.count
        // What each bidder last had acknowledged per lot (the replacement when both were acknowledged).
        var last: [String: Int64] = [:]
        for outcome in ok { last["\(outcome.bid.bidder)|\(outcome.bid.lotID)"] = min(last["\(outcome.bid.bidder)|\(outcome.bid.lotID)"] ?? .max, outcome.bid.priceFen) }
        let ids = tenders.map(\.id)
        check = try await database.read { [last, check] connection in
            var check = check
            for try await (bidder, lot, price, submitted) in try await connection.query("""
                SELECT bidder_id, lot_id, opened_price_fen, submitted_at FROM tendering.bids WHERE tender_id = ANY(\(ids))
                """, logger: database.logger).decode((UUID, UUID, Int64?, Date).self) {
                check.storedBids += 1
                if price != nil { check.openedBids += 1 }
                if submitted >= deadline { check.atOrAfterDeadline += 1 }
                if let price, last["\(bidder)|\(lot)"] == price { check.matchingLastAcknowledged += 1 }
            }
            let commitments = ok.compactMap(\.commitment)
            for try await count in try await connection.query("""
                SELECT count(*)::int FROM tendering.bid_receipts WHERE commitment = ANY(\(commitments))
                """, logger: database.logger).decode(Int.self) {
                check.receiptsFound = count
            }
            return check
        }
        return check
    }

    nonisolated static func write(paced: [Outcome], flatOut: [Outcome], flatOutSeconds: Double, late: [Outcome], check: Check, setup: Duration,
                                  database: Database) -> String {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        func row(_ name: String, _ outcomes: [Outcome], seconds: Double?) -> String {
            let sorted = outcomes.map(\.milliseconds).sorted()
            let statuses = Dictionary(grouping: outcomes, by: \.status).map { "\($0.key): \($0.value.count)" }.sorted().joined(separator: ", ")
            let rate = seconds.map { String(format: "%.0f", Double(outcomes.count) / $0) } ?? "—"
            return String(format: "| %@ | %d | %@ | %@ | %.1f | %.1f | %.1f | %.1f |\n", name, outcomes.count, statuses, rate,
                          percentile(sorted, 0.5), percentile(sorted, 0.95), percentile(sorted, 0.99), sorted.last ?? 0)
        }
        let pacedSorted = paced.map(\.milliseconds).sorted()
        let noLoss = check.openedBids == organisations * bidsPerOrganisation && check.matchingLastAcknowledged == check.openedBids
            && check.receiptsFound == check.acknowledged && check.atOrAfterDeadline == 0 && check.lateAccepted == 0
            && check.acknowledged == paced.count + flatOut.count
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        let p99 = percentile(pacedSorted, 0.99)
        var text = """
            # Bid burst benchmark, \(ISO8601DateFormatter().string(from: Date()).prefix(10))

            - Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(String(format: "%.0f", memory)) GiB; embedded PostgreSQL 15 (fsync on), server and client in one process
            - Build: \(build); command: `make bench-bids`; set-up (500 organisations, users, tokens, 20 tenders): \(setup.components.seconds) s
            - What: `PUT /api/v1/tenders/{id}/lots/{lot}/bid` with bearer tokens and Idempotency-Keys over \(connections) keep-alive connections:
              2,000 bids from 500 organisations into 20 one-lot tenders, paced evenly over the \(Int(burstSeconds)) s before the deadline; then the
              same 2,000 replaced at new prices as fast as the connections go; then 100 bids just after the deadline. Latency is from
              sending a request to its whole response (sealing with AES-GCM, the receipt and the audit event included).

            | phase | requests | statuses | per second | p50 ms | p95 ms | p99 ms | max ms |
            |---|---|---|---|---|---|---|---|

            """
        text += row("paced burst (60 s)", paced, seconds: burstSeconds)
        text += row("flat-out replacements", flatOut, seconds: flatOutSeconds)
        text += row("after the deadline", late, seconds: nil)
        text += """

            After opening: \(check.storedBids) bids stored, \(check.openedBids) opened, \(check.matchingLastAcknowledged) at exactly the price last
            acknowledged to their bidder; \(check.receiptsFound) of \(check.acknowledged) acknowledged receipts on record; \(check.atOrAfterDeadline) stored
            with a time at or after the deadline; \(check.lateAccepted) of \(late.count) late bids accepted.

            Goal: every acknowledged bid stored, none after the deadline, p99 ≤ 100 ms. Result: \(noLoss && p99 <= 100 ? "met" : "NOT met")
            (no loss: \(noLoss ? "yes" : "NO"); paced p99 \(String(format: "%.1f", p99)) ms).

            """
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("results")
        let file = folder.appendingPathComponent("\(ISO8601DateFormatter().string(from: Date()).prefix(10))-bid-burst-\(build).md")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? text.write(to: file, atomically: true, encoding: .utf8)
        return text + "\nWritten to \(file.path)\n"
    }
}
