import Identity
import Logging
import ServiceLifecycle

/// Runs beside the server: every few minutes removes expired sessions and stale sign-in failures.
/// Every instance may run it; the deletes are idempotent.
public struct HousekeepingService: Service {
    let identity: IdentityService
    let interval: Duration
    let logger: Logger

    public init(identity: IdentityService, interval: Duration = .seconds(600), logger: Logger) {
        self.identity = identity
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Stops at once on shutdown: the sleep is cancelled, which ends the loop.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let removed = try await identity.purgeExpired()
                    if removed > 0 { logger.debug("housekeeping removed \(removed) expired rows") }
                } catch {
                    logger.warning("housekeeping failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
