import Core
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Yams

/// Every `minimum` and `maximum` that Contracts/openapi.yaml declares for what a caller sends (request
/// bodies, query and path parameters), enforced before the operation's handler decodes anything: the
/// contract is the one place a range is written, and a range it declares cannot go unenforced. The
/// generated layer checks types only; this refuses out-of-range and non-finite numbers with 422, naming
/// each field, so no caller's number reaches a rule that could trap on it.
struct ContractRanges: Sendable {
    /// A number's declared bounds.
    struct Range: Sendable, Equatable {
        var minimum: Double?
        var maximum: Double?

        func contains(_ value: Double) -> Bool {
            value.isFinite && (minimum.map { value >= $0 } ?? true) && (maximum.map { value <= $0 } ?? true)
        }

        var sentence: String {
            switch (minimum, maximum) {
            case let (low?, high?): "must be a number from \(Self.text(low)) to \(Self.text(high))"
            case let (low?, nil): "must be a number of at least \(Self.text(low))"
            case let (nil, high?): "must be a number of at most \(Self.text(high))"
            case (nil, nil): "must be a finite number"
            }
        }

        private static func text(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }

    /// What the contract says of a value, as far as numbers go.
    indirect enum Shape: Sendable {
        case number(Range)
        case object(properties: [String: Shape], additional: Shape?)
        case array(Shape)
        /// Strings, booleans and anything without a number inside.
        case other
    }

    struct Parameter: Sendable {
        var name: String
        var location: String
        var range: Range
    }

    struct Operation: Sendable {
        var parameters: [Parameter] = []
        var body: Shape = .other
        /// Whether a caller must be signed in: then an anonymous call is answered 401 by the handler first.
        var needsSignIn = true
    }

    let operations: [String: Operation]

    init(yaml: String) throws {
        guard let document = try Yams.load(yaml: yaml) as? [String: Any] else {
            throw StartupError(description: "the API contract is not a YAML mapping")
        }
        let resolver = Resolver(document: document)
        let globalSecurity = document["security"] as? [Any] ?? []
        var operations: [String: Operation] = [:]
        for (_, item) in document["paths"] as? [String: Any] ?? [:] {
            guard let pathItem = item as? [String: Any] else { continue }
            let shared = pathItem["parameters"] as? [Any] ?? []
            for (method, value) in pathItem where ["get", "put", "post", "delete", "patch"].contains(method) {
                guard let operation = value as? [String: Any], let id = operation["operationId"] as? String else { continue }
                var result = Operation()
                for parameter in shared + (operation["parameters"] as? [Any] ?? []) {
                    guard let parameter = resolver.resolve(parameter), let name = parameter["name"] as? String,
                          let location = parameter["in"] as? String,
                          case .number(let range) = resolver.shape(parameter["schema"]) else { continue }
                    result.parameters.append(Parameter(name: name, location: location, range: range))
                }
                if let body = resolver.resolve(operation["requestBody"]),
                   let json = (body["content"] as? [String: Any])?["application/json"] as? [String: Any] {
                    result.body = resolver.shape(json["schema"])
                }
                // `security: []` or an empty requirement among the alternatives lets visitors in.
                let security = operation["security"] as? [Any] ?? globalSecurity
                result.needsSignIn = !security.isEmpty && !security.contains { ($0 as? [String: Any])?.isEmpty == true }
                operations[id] = result
            }
        }
        self.operations = operations
    }

    /// Every number a caller sends that lacks a minimum or a maximum, as `operationId: field`: the test that
    /// keeps this list empty is what makes a new field without a range fail CI.
    var unbounded: [String] {
        func walk(_ shape: Shape, _ path: String) -> [String] {
            switch shape {
            case .number(let range): range.minimum == nil || range.maximum == nil ? [path.isEmpty ? "body" : path] : []
            case .object(let properties, let additional):
                properties.flatMap { walk($0.value, path.isEmpty ? $0.key : "\(path).\($0.key)") } + (additional.map { walk($0, path + ".*") } ?? [])
            case .array(let element): walk(element, path + "[]")
            case .other: []
            }
        }
        return operations.flatMap { id, operation in
            operation.parameters.filter { $0.range.minimum == nil || $0.range.maximum == nil }.map { "\(id): \($0.name)" }
                + walk(operation.body, "").map { "\(id): \($0)" }
        }.sorted()
    }

    /// The fields of a call that lie outside their declared ranges (at most 20).
    func problems(operationID: String, query: String?, pathParameters: [String: Substring], body: Data?) -> [FieldError] {
        guard let operation = operations[operationID] else { return [] }
        var errors: [FieldError] = []
        let queryItems = URLComponents(string: "?" + (query ?? ""))?.queryItems ?? []
        for parameter in operation.parameters {
            let texts: [String] = switch parameter.location {
            case "query": queryItems.filter { $0.name == parameter.name }.compactMap(\.value)
            case "path": pathParameters[parameter.name].map { [String($0)] } ?? []
            default: []
            }
            for text in texts {
                // Text that is no number at all is the decoder's to refuse; a number out of range, or one
                // written as inf or nan, is refused here.
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else { continue }
                if !parameter.range.contains(value) { errors.append(FieldError(parameter.name, parameter.range.sentence)) }
            }
        }
        // Unreadable JSON is the decoder's to report (400).
        if let body, !body.isEmpty, let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) {
            Self.check(value, against: operation.body, at: "", into: &errors)
        }
        return Array(errors.prefix(20))
    }

    private static func check(_ value: Any, against shape: Shape, at path: String, into errors: inout [FieldError]) {
        switch (shape, value) {
        case (.number(let range), let number as NSNumber):
            if !range.contains(number.doubleValue) { errors.append(FieldError(path.isEmpty ? "body" : path, range.sentence)) }
        case (.object(let properties, let additional), let object as [String: Any]):
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                guard let memberShape = properties[key] ?? additional else { continue }
                check(member, against: memberShape, at: path.isEmpty ? key : "\(path).\(key)", into: &errors)
            }
        case (.array(let element), let array as [Any]):
            for (index, member) in array.enumerated() {
                check(member, against: element, at: path.isEmpty ? "\(index)" : "\(path).\(index)", into: &errors)
            }
        default:
            return
        }
    }

    /// Follows `$ref`s within the document and reduces schemas to their numbers.
    private struct Resolver {
        let document: [String: Any]

        func resolve(_ value: Any?) -> [String: Any]? {
            guard var object = value as? [String: Any] else { return nil }
            var hops = 0
            while let reference = object["$ref"] as? String, reference.hasPrefix("#/"), hops < 20 {
                var target: Any? = document
                for part in reference.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(part)] }
                guard let next = target as? [String: Any] else { return nil }
                object = next
                hops += 1
            }
            return object
        }

        func shape(_ value: Any?, depth: Int = 0) -> Shape {
            guard depth < 30, let schema = resolve(value) else { return .other }
            // Alternatives and combinations: every member's numbers apply to the fields it names.
            let members = ["allOf", "oneOf", "anyOf"].flatMap { schema[$0] as? [Any] ?? [] }
            if !members.isEmpty {
                var properties: [String: Shape] = [:]
                var additional: Shape?
                var items: Shape?
                var number: Range?
                for member in members {
                    switch shape(member, depth: depth + 1) {
                    case .object(let more, let extra):
                        properties.merge(more) { first, _ in first }
                        additional = additional ?? extra
                    case .array(let element): items = items ?? element
                    case .number(let range): number = number ?? range
                    case .other: break
                    }
                }
                if let number { return .number(number) }
                if let items { return .array(items) }
                return properties.isEmpty && additional == nil ? .other : .object(properties: properties, additional: additional)
            }
            let types: [String] = (schema["type"] as? String).map { [$0] } ?? (schema["type"] as? [String] ?? [])
            if types.contains("integer") || types.contains("number") {
                return .number(Range(minimum: Self.double(schema["minimum"]), maximum: Self.double(schema["maximum"])))
            }
            if types.contains("array") { return .array(shape(schema["items"], depth: depth + 1)) }
            let properties = (schema["properties"] as? [String: Any] ?? [:]).mapValues { shape($0, depth: depth + 1) }
                .filter { if case .other = $0.value { false } else { true } }
            let additional = schema["additionalProperties"].flatMap { $0 is Bool ? nil : shape($0, depth: depth + 1) }
            if properties.isEmpty, additional == nil || { if case .other = additional! { true } else { false } }() { return .other }
            return .object(properties: properties, additional: additional)
        }

        private static func double(_ value: Any?) -> Double? {
            switch value {
            case let int as Int: Double(int)
            case let double as Double: double
            case let text as String: Double(text)
            default: nil
            }
        }
    }
}

/// Before the generated layer decodes anything: a visitor calling an operation the contract keeps for
/// signed-in callers hears 401 (authentication first, whatever the body holds), and a call whose numbers lie
/// outside the contract's ranges is refused with 422.
struct ContractRangeMiddleware: ServerMiddleware {
    let ranges: ContractRanges

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        guard let operation = ranges.operations[operationID] else { return try await next(request, body, metadata) }
        if operation.needsSignIn && OpenAPIContextMiddleware.current?.actor == nil {
            throw DomainError.unauthenticated("Send a bearer token: POST /api/v1/auth/token gives one.")
        }
        var bytes: Data?
        var forward = body
        if let body, request.headerFields[.contentType]?.lowercased().hasPrefix("application/json") == true {
            // Bodies were already limited (and collected) by BodyLimitMiddleware; read once, pass on the same bytes.
            let data = try await Data(collecting: body, upTo: BodyLimitMiddleware.jsonLimit)
            bytes = data
            forward = HTTPBody(data)
        }
        let query = request.path.flatMap { path in path.firstIndex(of: "?").map { String(path[path.index(after: $0)...]) } }
        let problems = ranges.problems(operationID: operationID, query: query, pathParameters: metadata.pathParameters, body: bytes)
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        return try await next(request, forward, metadata)
    }
}
