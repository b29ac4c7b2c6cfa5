import Core
import Foundation
import Hummingbird
import Identity

/// Finds who is acting: a bearer token under /api, the session cookie elsewhere. A request with
/// neither goes on anonymously; the policy decides what an anonymous request may see.
/// It sits outside the error middleware (so error pages know the user) and so answers its own
/// refusals: a bad bearer token is a 401 problem; a session that cannot be read is no session.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let identity: IdentityService
    /// The words of its own refusals, in the request's language.
    let localisation: Localisation

    static let sessionCookie = "spokes_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if request.uri.path.hasPrefix("/api/") {
            if let header = request.headers[.authorization] {
                do {
                    guard header.lowercased().hasPrefix("bearer "),
                          let (actor, tokenID) = try await identity.actor(forToken: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
                        throw DomainError.unauthenticated("The bearer token is not valid: it is unknown, expired or revoked.")
                    }
                    context.actor = actor
                    context.tokenID = tokenID
                } catch {
                    let problem = Problem.from(error)
                    if problem.status >= 500 { context.logger.error("authentication failed", metadata: ["error": "\(error)"]) }
                    return problem.response(in: context.language, localisation)
                }
            }
        } else if let secret = request.cookies[Self.sessionCookie]?.value, !secret.isEmpty {
            do {
                if let actor = try await identity.actor(forSession: secret) {
                    context.actor = actor
                    context.sessionSecret = secret
                }
            } catch {
                context.logger.error("session lookup failed", metadata: ["error": "\(error)"])
            }
        }
        return try await next(request, context)
    }
}
