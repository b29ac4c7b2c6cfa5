import Logging
import ServiceLifecycle
import Synchronization

/// A stop announced before it happens (issue 28). On SIGTERM SwiftNIO's quiescing closes the listening socket and every
/// connection with no request in progress at once, including one just accepted whose request it has not read yet: a
/// proxy sending to the instance at that instant sees its request reset, and does not resend a POST (the proxy scenario
/// of Tests/Live/faults.py measured 1–2 a restart). So, shut down before the server, this service first reports the
/// instance not ready (`/health/ready` 503) and keeps serving for `delay` (SPOKES_SHUTDOWN_DRAIN_SECONDS), so that a
/// balancer probing readiness stops sending before the server quiesces. A balancer that does not probe (nginx without
/// its commercial health checks) must be told first: docs/operations/production.md, "Restarting an instance".
public final class ShutdownDrain: Service, Sendable {
    private let draining = Atomic<Bool>(false)
    let delay: Duration
    let logger: Logger

    public init(delay: Duration, logger: Logger) {
        self.delay = delay
        self.logger = logger
    }

    /// Whether a stop has begun: readiness then answers 503.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// The stop begins: readiness answers 503 from now on.
    public func begin() { draining.store(true, ordering: .relaxed) }

    public func run() async throws {
        // Suspends until the stop begins (a cancellation ends it the same way).
        try? await gracefulShutdown()
        begin()
        guard delay > .zero else { return }
        logger.notice("stopping: reported not ready; still answering for \(delay) before closing connections")
        try? await Task.sleep(for: delay)
    }
}
