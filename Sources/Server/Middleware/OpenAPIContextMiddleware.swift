import Hummingbird

/// The generated API handlers do not receive the Hummingbird context, so it travels in a task-local.
struct OpenAPIContextMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    @TaskLocal static var current: AppRequestContext?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await Self.$current.withValue(context) { try await next(request, context) }
    }
}
