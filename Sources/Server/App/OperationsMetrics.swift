import Core
import Foundation
import Logging
import Metrics
import PostgresNIO
import Store

/// The operators' gauges (issue 28), sampled every 15 seconds: what waits in the transparency outbox and how old its
/// oldest change is, how far the tender worker is behind the oldest tender due to open, the database's connections by
/// state, and the process's memory, open files and start time (Prometheus' process_* names). The counters are kept where
/// things happen: `spokes_changes_total{action}` (committed audited changes: bids, payments, awards…),
/// `spokes_refusals_total{type}`, `spokes_server_errors_total{type}`, `spokes_sign_in_failures_total{reason}`,
/// `spokes_worker_runs_total{worker,outcome}`.
public enum OperationsMetrics {
    static let started = Date()

    public static func sampler(database: Database, clock: any SpokesClock, logger: Logger) -> PeriodicService {
        PeriodicService(name: "metrics sampler", interval: .seconds(15), logger: logger) {
            try await sample(database, now: clock.now())
            return 0
        }
    }

    /// `now`: the instance's clock (a training class's runs ahead of the database's).
    public static func sample(_ database: Database, now: Date = Date()) async throws {
        try await database.read { connection in
            for try await (pending, oldest) in try await connection.query("""
                SELECT count(*)::bigint, coalesce(extract(epoch FROM \(now) - min(e.occurred_at)), 0)::float8
                FROM transparency.pending p LEFT JOIN audit.events e ON e.id = p.event_id
                """, logger: database.logger).decode((Int64, Double).self) {
                Gauge(label: "spokes_outbox_pending").record(pending)
                Gauge(label: "spokes_outbox_oldest_age_seconds").record(oldest)
            }
            for try await lag in try await connection.query("""
                SELECT coalesce(extract(epoch FROM \(now) - min(tender_end)), 0)::float8 FROM tendering.tenders
                WHERE status = 'tendering' AND tender_end <= \(now)
                """, logger: database.logger).decode(Double.self) {
                Gauge(label: "spokes_tender_worker_lag_seconds").record(lag)
            }
            var states: [String: Int64] = ["active": 0, "idle": 0, "idle in transaction": 0]
            for try await (state, count) in try await connection.query("""
                SELECT coalesce(state, 'unknown'), count(*)::bigint FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1
                """, logger: database.logger).decode((String, Int64).self) {
                states[state] = count
            }
            for (state, count) in states { Gauge(label: "spokes_database_connections", dimensions: [("state", state)]).record(count) }
        }
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8), let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int64($0) }) {
            Gauge(label: "process_resident_memory_bytes").record(pages * pageSize)
        }
        if let files = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            Gauge(label: "process_open_fds").record(files.count)
        }
        Gauge(label: "process_start_time_seconds").record(started.timeIntervalSince1970)
    }
}
