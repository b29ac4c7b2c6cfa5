import Core
import Foundation
import Hummingbird

/// The per-request context: who is acting, in which language, with which CSRF token.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user (a session cookie for pages, a bearer token for the API).
    public var actor: Actor?
    /// The session cookie's secret, to end the session at sign-out.
    public var sessionSecret: String?
    /// The id of the bearer token the request carries.
    public var tokenID: UUID?
    public var language: Language = .zh
    /// The CSRF token that this page's forms must send back.
    public var csrfToken: String = ""

    /// Forms may carry a supplier's document (10 MB at most) with room for the form around it.
    public var maxUploadSize: Int { 11 * 1024 * 1024 }

    /// The client's IP address, when the connection has one (limits on anonymous forms count by it).
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The signed-in user, or `unauthenticated` (pages send the browser to sign in, then back).
    public func signedIn() throws -> Actor {
        guard let actor else { throw DomainError.unauthenticated("Sign in first.") }
        return actor
    }
}
