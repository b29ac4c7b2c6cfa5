import Foundation
import NIOSSL
import PostgresNIO

/// Where the database is: an external server named by a postgres:// URL, or the embedded cluster.
public enum DatabaseLocation: Sendable, Equatable {
    case url(String)
    case embedded(dataDirectory: String)

    /// `DATABASE_URL` when set, otherwise the embedded cluster under `dataDirectory`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                       dataDirectory: String) -> DatabaseLocation {
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .url(url) }
        return .embedded(dataDirectory: dataDirectory)
    }
}

public struct DatabaseURLError: Error, CustomStringConvertible {
    public let description: String
}

extension PostgresClient.Configuration {
    /// Parses postgres://user:password@host:port/database?sslmode=disable|prefer|require.
    /// A host of the form `%2Fpath%2Fto%2Fdir` (or `?host=/dir`) is a Unix socket folder, as in libpq.
    public static func parse(url text: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text),
              ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw DatabaseURLError(description: "DATABASE_URL must look like postgres://user:password@host:5432/database, not \(text)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { a, _ in a }
        let username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        let database = String(components.path.drop(while: { $0 == "/" })).removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        let host = (query["host"] ?? components.host?.removingPercentEncoding ?? "localhost")
        let port = components.port ?? 5432

        var configuration: PostgresClient.Configuration
        if host.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch query["sslmode"] ?? "prefer" {
            case "disable": tls = .disable
            case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
            default: tls = .prefer(.makeClientConfiguration())
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        return configuration
    }
}
