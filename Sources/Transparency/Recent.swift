/// The last result of an expensive reading (the dashboards, the red flags), reused for `lifetime`.
/// One reading runs at a time: a burst of requests waits for the one under way instead of starting
/// its own, so a busy public page cannot multiply the work on the database. It keeps the whole reading;
/// what each actor may see of it is decided afterwards, on every request.
public actor Recent<Value: Sendable> {
    let lifetime: Duration
    private var last: (value: Value, at: ContinuousClock.Instant)?
    private var running: Task<Value, any Error>?

    public init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    public func value(_ read: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let last, ContinuousClock.now - last.at < lifetime { return last.value }
        if let running { return try await running.value }
        let task = Task { try await read() }
        running = task
        defer { running = nil }
        let value = try await task.value
        last = (value, .now)
        return value
    }
}
