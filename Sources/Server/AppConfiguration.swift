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
    /// Reverse proxies whose X-Forwarded-For is believed (SPOKES_TRUSTED_PROXIES, comma-separated addresses).
    public var trustedProxies: Set<String> = []

    /// How long /insights and the red flags reuse their last reading (tests read afresh with zero).
    public var summaryLifetime: Duration = .seconds(60)
    public init() {}
}
