import Logging
import PostgresNIO
import ServiceLifecycle
import Store
import Transparency

/// Publishes OCDS releases as soon as a public change commits: the change's transaction queues it and
/// notifies `spokes_public_change` (migration 0026), and the publisher wakes and syncs. A sync every
/// `catchUp` (ten seconds) as well catches up whatever a lost listening connection missed. Wake-ups that arrive
/// while a sync runs collapse into one more sync.
public struct ReleasePublisher: Service {
    static let channel = "spokes_public_change"
    let transparency: TransparencyService
    let database: Database
    let logger: Logger
    let catchUp: Duration

    public init(transparency: TransparencyService, database: Database, logger: Logger, catchUp: Duration = .seconds(10)) {
        self.transparency = transparency
        self.database = database
        self.logger = logger
        self.catchUp = catchUp
    }

    public func run() async throws {
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        wake.yield()
                        try? await Task.sleep(for: catchUp)
                    }
                }
                group.addTask { await database.listen(on: Self.channel, logger: logger) { wake.yield() } }
                group.addTask {
                    for await _ in wakeups {
                        do {
                            let appended = try await transparency.sync()
                            if appended > 0 { logger.info("OCDS releases: \(appended) appended") }
                        } catch {
                            logger.warning("OCDS releases failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
