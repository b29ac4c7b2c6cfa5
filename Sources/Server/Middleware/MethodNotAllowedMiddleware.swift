import Hummingbird

/// The API's paths and the methods the contract declares on each, read from openapi.yaml.
struct ContractPaths: Sendable {
    /// A path's segments, nil where the contract has a parameter, and its methods in upper case.
    let routes: [(segments: [String?], methods: [String])]

    /// Reads `paths:` of the contract (our own file, written two spaces per level), under `prefix`.
    init(yaml: String, prefix: String) {
        var routes: [(segments: [String?], methods: [String])] = []
        let methods: Set<Substring> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                let path = prefix + line.dropFirst(2).dropLast()
                routes.append((path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }, []))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let name = line.dropFirst(4).split(separator: ":").first,
                      methods.contains(name), !routes.isEmpty {
                routes[routes.count - 1].methods.append(name.uppercased())
            } else if !line.hasPrefix(" ") && !line.isEmpty && !routes.isEmpty && !line.hasPrefix("paths:") {
                break  // past the paths
            }
        }
        self.routes = routes
    }

    /// The methods declared on the path `path` matches, or nil when it matches none. A literal
    /// segment wins over a parameter (`/items/import` over `/items/{id}`), as in the router.
    func methods(for path: String) -> [String]? {
        let parts = path.split(separator: "/")
        let matching = routes.filter { route in
            route.segments.count == parts.count && zip(route.segments, parts).allSatisfy { $0 == nil || $0! == $1 }
        }
        func literals(_ route: (segments: [String?], methods: [String])) -> [Bool] { route.segments.map { $0 != nil } }
        guard let best = matching.max(by: { literals($0).lexicographicallyPrecedes(literals($1)) { !$0 && $1 } }) else { return nil }
        return matching.filter { literals($0) == literals(best) }.flatMap(\.methods)
    }
}

/// A request with a method the contract does not declare on a path it declares is 405 with `Allow`,
/// not the router's 404: the path exists.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let paths: ContractPaths

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            if let methods = paths.methods(for: request.uri.path), !methods.contains(request.method.rawValue) {
                throw Problem.methodNotAllowed(request.method.rawValue, allow: methods)
            }
            throw error
        }
    }
}
