import Core
import Identity
import Logging
import Metrics
import ServiceLifecycle
import Store
import Tendering

/// Background work beside the server: runs `work` every `interval` until shutdown. Every instance
/// may run each of these; the work itself is safe to run twice (idempotent or claimed with SKIP LOCKED).
public struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    /// Returns how many things it did, for the log.
    let work: @Sendable () async throws -> Int

    public func run() async throws {
        // Stops at once on shutdown: the sleep is cancelled, which ends the loop.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let done = try await work()
                    if done > 0 { logger.info("\(name): \(done) done") }
                    Counter(label: "spokes_worker_runs_total", dimensions: [("worker", name), ("outcome", "ok")]).increment()
                } catch {
                    logger.warning("\(name) failed", metadata: ["error": "\(error)"])
                    Counter(label: "spokes_worker_runs_total", dimensions: [("worker", name), ("outcome", "failed")]).increment()
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Every ten minutes, removes expired sessions and stale sign-in failures.
    public static func housekeeping(identity: IdentityService, logger: Logger) -> PeriodicService {
        PeriodicService(name: "housekeeping", interval: .seconds(600), logger: logger) { try await identity.purgeExpired() }
    }

    /// Every second, a training instance takes the class's time line from the database: a trainer's move of the clock
    /// (on another instance, or with `spokes clock advance`) shows here within a second.
    public static func trainingClock(_ clock: TrainingClock, database: Database, logger: Logger) -> PeriodicService {
        PeriodicService(name: "training clock", interval: .seconds(1), logger: logger) {
            if let time = try await InstanceRecord.trainingTime(of: database) { clock.update(time) }
            return 0
        }
    }

    /// Every second, moves the tenders whose deadlines have passed and opens their bids.
    public static func tenderWorker(_ worker: TenderWorker, logger: Logger) -> PeriodicService {
        PeriodicService(name: "tender worker", interval: .seconds(1), logger: logger) { try await worker.runDue() }
    }
}
