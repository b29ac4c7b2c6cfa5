import Core
import Foundation

/// How the web layer is set up. The command line fills it from flags, the environment and `.env`.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The folder holding templates/, static/ and locales/.
    public var webDirectory = "Web"
    /// The folder holding openapi.yaml, served at /api/v1/openapi.yaml.
    public var contractsDirectory = "Contracts"
    /// Mark cookies Secure and send HSTS: set when Spokes is served behind TLS.
    public var secureCookies = false
    /// A milestone sign-off that makes more than this payable needs a second evaluator (SPOKES_COUNTERSIGN_THRESHOLD_YUAN).
    public var countersignThreshold = Money.yuan(100_000)
    /// The publisher's OCDS prefix: ocids are ocds-<prefix>-<tender reference> (SPOKES_OCDS_PREFIX).
    public var ocdsPrefix = "spokes"
    /// The site's public address, as links outside a page need it (the Atom feed, OCDS package URIs, the
    /// survey's QR code): SPOKES_PUBLIC_URL, e.g. `https://spokes.lixia.gov.cn`. Never the request's Host
    /// header, which any client sets (a feed or a printed QR code pointing elsewhere). Nil: the bound address.
    public var publicURL: String?
    /// `publicURL`, or http:// and the address Spokes listens on.
    public var publicBase: String { publicURL ?? "http://\(host):\(port)" }

    /// A public address as given: http or https, a host, an optional port and nothing else; nil otherwise.
    public static func publicURL(_ text: String) -> String? {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URLComponents(string: trimmed), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil,
              trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && !"<>\"'\\".unicodeScalars.contains($0) }) else { return nil }
        return trimmed
    }

    /// Reverse proxies whose X-Forwarded-For is believed (SPOKES_TRUSTED_PROXIES, comma-separated addresses).
    public var trustedProxies: Set<String> = []

    /// `/metrics` on the application's port answers only with `Authorization: Bearer <this>`
    /// (SPOKES_METRICS_TOKEN); without it, only the separate metrics port (`--metrics-port`) serves them.
    /// Route names, counts and timings tell an attacker what is used and what is slow.
    public var metricsToken: String?

    /// How long a request may take to its response's head before it is cancelled and answered 503
    /// (SPOKES_REQUEST_DEADLINE_SECONDS); the server's database statements time out at the same limit.
    public var requestDeadline: Duration = .seconds(30)

    /// How long /insights and the red flags reuse their last reading (tests read afresh with zero).
    public var summaryLifetime: Duration = .seconds(60)

    /// The bytes of rendered answers kept for visitors who are not signed in (SPOKES_PUBLIC_CACHE_MB; zero turns the
    /// cache off, as the tests do unless they test it). Counted in the server's memory goal.
    public var publicCacheBytes = 32 << 20
    /// The longest an answer is kept: a change that no audited event announces (time passing) shows within this.
    public var publicCacheLifetime: Duration = .seconds(60)
    public init() {}
}
