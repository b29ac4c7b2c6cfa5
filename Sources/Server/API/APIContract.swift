import Core
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Yams

/// What Contracts/openapi.yaml says a caller may send, checked before the generated layer decodes anything,
/// so every problem with a request's shape is a 422 that names the field as the contract names it and says
/// what was expected: a type, a whole number, one of the enum's values, a date-time, a value in the declared
/// range, a required property. The generated layer would stop at the first problem with a bare decoding error
/// (no field for a query parameter, a 400 for a fraction in an integer); here every field is reported at once
/// (at most 20). Only a body that is not JSON at all is left to the decoder (400).
///
/// The same reading of the contract renames the fields services report (`price`, `milestones[2].share`) to the
/// contract's names (`priceFen`, `milestones[2].sharePercent`), so the API speaks one vocabulary (`contractName`).
struct APIContract: Sendable {
    /// A number's declared bounds.
    struct Range: Sendable, Equatable {
        var minimum: Double?
        var maximum: Double?

        func contains(_ value: Double) -> Bool {
            value.isFinite && (minimum.map { value >= $0 } ?? true) && (maximum.map { value <= $0 } ?? true)
        }

        var isBounded: Bool { minimum != nil && maximum != nil }

        static func text(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }

    /// What the contract says of a value.
    indirect enum Shape: Sendable {
        case integer(Range)
        case number(Range)
        /// A string, with the values its enum allows and its format (`date-time`, `date`, `uuid`), if any.
        case string(allowed: [String]?, format: String?)
        case boolean
        case object(properties: [String: Shape], required: Set<String>, additional: Shape?)
        case array(Shape)
        /// Anything (a schema without a type).
        case any
    }

    struct Parameter: Sendable {
        var name: String
        var location: String
        var required: Bool
        var shape: Shape
        /// A string parameter's `pattern` (ECMA, anchored as written) and length bounds: checked here, since a query
        /// parameter left empty or malformed was otherwise read by handlers as no filter at all (the fuzzer found
        /// `?jurisdiction=` and `?after=` taken on the service-site list).
        var pattern: String? = nil
        var minLength: Int? = nil
        var maxLength: Int? = nil
    }

    struct Operation: Sendable {
        var parameters: [Parameter] = []
        /// The JSON body's schema, if the operation takes one.
        var body: Shape?
        /// What a body that is a list is called in field names (`milestones[2].title`).
        var bodyName = "body"
        /// Whether a caller must be signed in: then an anonymous call is answered 401 by the handler first.
        var needsSignIn = true
    }

    /// The name fields of list bodies go by, since the contract gives a list body no name of its own. A start-up
    /// check makes a new list body fail until it is named here.
    static let listBodyNames = ["setMilestones": "milestones"]

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
                          let location = parameter["in"] as? String, ["query", "path"].contains(location) else { continue }
                    let schema = resolver.resolve(parameter["schema"]) ?? [:]
                    let pattern = schema["pattern"] as? String
                    if let pattern, (try? Regex(pattern)) == nil {
                        throw StartupError(description: "operation \(id): the pattern of parameter \(name) does not compile: \(pattern)")
                    }
                    result.parameters.append(Parameter(name: name, location: location, required: parameter["required"] as? Bool ?? false,
                                                       shape: resolver.shape(parameter["schema"]), pattern: pattern,
                                                       minLength: schema["minLength"] as? Int, maxLength: schema["maxLength"] as? Int))
                }
                if let body = resolver.resolve(operation["requestBody"]),
                   let json = (body["content"] as? [String: Any])?["application/json"] as? [String: Any] {
                    let shape = resolver.shape(json["schema"])
                    result.body = shape
                    if case .array = shape {
                        guard let name = Self.listBodyNames[id] else {
                            throw StartupError(description: "operation \(id) takes a list: name it in APIContract.listBodyNames")
                        }
                        result.bodyName = name
                    }
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
            case .integer(let range), .number(let range): range.isBounded ? [] : [path.isEmpty ? "body" : path]
            case .object(let properties, _, let additional):
                properties.flatMap { walk($0.value, Self.member(path, $0.key)) } + (additional.map { walk($0, path + ".*") } ?? [])
            case .array(let element): walk(element, path + "[]")
            case .string, .boolean, .any: []
            }
        }
        return operations.flatMap { id, operation in
            operation.parameters.flatMap { walk($0.shape, $0.name) }.map { "\(id): \($0)" }
                + (operation.body.map { walk($0, "") } ?? []).map { "\(id): \($0)" }
        }.sorted()
    }

    // MARK: Checking a request

    /// The problems of a call's parameters and JSON body (at most 20), each naming its field.
    func problems(operationID: String, query: String?, pathParameters: [String: Substring], body: Data?) -> [FieldError] {
        guard let operation = operations[operationID] else { return [] }
        var errors: [FieldError] = []
        let queryItems = URLComponents(string: "?" + (query ?? ""))?.queryItems ?? []
        for parameter in operation.parameters {
            let texts: [String] = switch parameter.location {
            case "query": queryItems.filter { $0.name == parameter.name }.map { $0.value ?? "" }
            case "path": pathParameters[parameter.name].map { [String($0)] } ?? []
            default: []
            }
            if texts.isEmpty && parameter.required && parameter.location == "query" {
                errors.append(FieldError(parameter.name, "is required"))
            }
            for text in texts where !Self.accepts(text, parameter.shape) {
                errors.append(FieldError(parameter.name, Self.expected(parameter.shape, name: parameter.name)))
            }
            for text in texts where Self.accepts(text, parameter.shape) && !Self.fits(text, parameter) {
                if text.isEmpty {
                    errors.append(FieldError(parameter.name, "is empty"))
                } else if let pattern = parameter.pattern {
                    errors.append(FieldError(parameter.name, "does not have the form the contract gives it: \(pattern)"))
                } else {
                    errors.append(FieldError(parameter.name, "must be from \(parameter.minLength ?? 0) to \(parameter.maxLength ?? Int.max) characters"))
                }
            }
        }
        // A body that is not JSON at all is the decoder's to report (400).
        if let shape = operation.body, let body, !body.isEmpty, let value = try? JSONDecoder().decode(JSONValue.self, from: body) {
            Self.check(value, against: shape, at: "", name: nil, root: operation.bodyName, into: &errors)
        }
        return Array(errors.prefix(20))
    }

    /// Whether a string parameter's text has the length and the pattern the contract gives it.
    private static func fits(_ text: String, _ parameter: Parameter) -> Bool {
        if let minimum = parameter.minLength, text.count < minimum { return false }
        if let maximum = parameter.maxLength, text.count > maximum { return false }
        guard let pattern = parameter.pattern, let regex = try? Regex(pattern) else { return true }
        // ECMA patterns match anywhere unless anchored; the contract's are anchored where they mean the whole value.
        return (try? regex.firstMatch(in: text)) != nil
    }

    /// Whether a parameter's text is what its schema takes, as the generated layer would read it.
    private static func accepts(_ text: String, _ shape: Shape) -> Bool {
        switch shape {
        case .integer(let range): Int64(text).map { range.contains(Double($0)) } ?? false
        case .number(let range): Double(text).map(range.contains) ?? false
        case .boolean: text == "true" || text == "false"
        case .string(let allowed?, _): allowed.contains(text)
        case .string(nil, "date-time"): (try? FormatStyleDateTranscoder().decode(text)) != nil
        case .string, .any, .object, .array: true
        }
    }

    private static func check(_ value: JSONValue, against shape: Shape, at path: String, name: String?, root: String,
                              into errors: inout [FieldError]) {
        let field = path.isEmpty ? root : path
        func refuse() { errors.append(FieldError(field, expected(shape, name: name))) }
        switch (shape, value) {
        case (.any, _):
            return
        case (.integer(let range), .integer(let number)):
            if !range.contains(Double(number)) { refuse() }
        case (.number(let range), .integer(let number)):
            if !range.contains(Double(number)) { refuse() }
        case (.number(let range), .number(let number)):
            if !range.contains(number) { refuse() }
        case (.boolean, .boolean):
            return
        case (.string(let allowed, let format), .string(let text)):
            if let allowed, !allowed.contains(text) { refuse() }
            if format == "date-time", (try? FormatStyleDateTranscoder().decode(text)) == nil { refuse() }
        case (.object(let properties, let required, let additional), .object(let members)):
            for key in required.sorted() where members[key] == nil {
                errors.append(FieldError(member(path, key), "is required"))
            }
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                guard let memberShape = properties[key] ?? additional else { continue }
                check(member, against: memberShape, at: Self.member(path, key), name: key, root: root, into: &errors)
            }
        case (.array(let element), .array(let items)):
            for (index, item) in items.enumerated() {
                check(item, against: element, at: "\(path.isEmpty ? root : path)[\(index)]", name: name, root: root, into: &errors)
            }
        case (_, .null):
            errors.append(FieldError(field, "must be left out rather than sent as null"))
        default:
            refuse()
        }
    }

    /// What a value of `shape` must be, in words a client can act on. `name` is the field's own name: an
    /// integer named `…Fen` is an amount in fen.
    static func expected(_ shape: Shape, name: String?) -> Message {
        let fen = name?.hasSuffix("Fen") == true
        switch shape {
        case .integer(let range):
            guard let low = range.minimum, let high = range.maximum else { return fen ? "must be a whole number of fen" : "must be a whole number" }
            let (from, to) = (Range.text(low), Range.text(high))
            return fen ? "must be a whole number of fen from \(from) to \(to)" : "must be a whole number from \(from) to \(to)"
        case .number(let range):
            switch (range.minimum, range.maximum) {
            case let (low?, high?): return "must be a number from \(Range.text(low)) to \(Range.text(high))"
            case let (low?, nil): return "must be a number of at least \(Range.text(low))"
            case let (nil, high?): return "must be a number of at most \(Range.text(high))"
            case (nil, nil): return "must be a finite number"
            }
        case .string(let allowed?, _):
            return "must be one of: \(allowed.joined(separator: ", "))"
        case .string(nil, "date-time"):
            return "must be a date and time such as 2026-11-01T09:00:00Z"
        case .string(nil, "date"):
            return "must be a day as yyyy-MM-dd"
        case .string(nil, "uuid"):
            return "must be a UUID"
        case .string:
            return "must be text"
        case .boolean:
            return "must be true or false"
        case .object:
            return "must be an object"
        case .array:
            return "must be a list"
        case .any:
            return "has a value that is not allowed"
        }
    }

    static func member(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: Names

    /// Words a service uses for a field that the contract spells otherwise, beyond a unit the contract adds
    /// (`price` for `priceFen`): tried only where the contract has no field of the service's name.
    static let aliases = ["file": "content"]
    /// Units the contract appends to a service's name for the same field.
    static let units = ["Fen", "Percent", "Id", "Ids"]

    /// The contract's name for a field a service reported for `operationID` (`prices[2].price` →
    /// `prices[2].priceFen`): each name along the path that the body's schema lacks becomes the schema's own
    /// (the name with its unit, or an alias). What the body does not describe (a query parameter, a rule of
    /// the record) keeps its name.
    func contractName(_ field: String, operationID: String) -> String {
        guard let operation = operations[operationID], let body = operation.body else { return field }
        var shape: Shape? = body
        var result = ""
        var rest = Substring(field)
        // A list body's items are named after the body (`milestones[2]`), whatever the service calls the list.
        if case .array = body, let bracket = rest.firstIndex(of: "["), !rest[..<bracket].contains(".") {
            result = operation.bodyName
            rest = rest[bracket...]
        }
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { return result + rest }
                result += rest[...close]
                rest = rest[rest.index(after: close)...]
                if case .array(let element)? = shape { shape = element } else { shape = nil }
                continue
            }
            if rest.first == "." {
                result += "."
                rest = rest.dropFirst()
            }
            let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
            let name = String(rest[..<end])
            rest = rest[end...]
            guard case .object(let properties, _, let additional)? = shape else {
                result += name
                shape = nil
                continue
            }
            let candidates = [name] + Self.units.map { name + $0 } + [Self.aliases[name]].compactMap { $0 }
            if let known = candidates.first(where: { properties[$0] != nil }) {
                result += known
                shape = properties[known]
            } else {
                result += name
                shape = additional
            }
        }
        return result
    }

    // MARK: Reading the contract

    /// Follows `$ref`s within the document and reduces schemas to shapes.
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
            guard depth < 30, let schema = resolve(value) else { return .any }
            // allOf (the contract's only combination): every member's properties and requirements apply.
            if let members = schema["allOf"] as? [Any] {
                var properties: [String: Shape] = [:]
                var required: Set<String> = []
                for member in members {
                    if case .object(let more, let needed, _) = shape(member, depth: depth + 1) {
                        properties.merge(more) { first, _ in first }
                        required.formUnion(needed)
                    }
                }
                return .object(properties: properties, required: required, additional: nil)
            }
            let types: [String] = (schema["type"] as? String).map { [$0] } ?? (schema["type"] as? [String] ?? [])
            let range = Range(minimum: Self.double(schema["minimum"]), maximum: Self.double(schema["maximum"]))
            if types.contains("integer") { return .integer(range) }
            if types.contains("number") { return .number(range) }
            if types.contains("boolean") { return .boolean }
            if types.contains("string") {
                return .string(allowed: (schema["enum"] as? [Any])?.map { "\($0)" }, format: schema["format"] as? String)
            }
            if types.contains("array") { return .array(shape(schema["items"], depth: depth + 1)) }
            if types.contains("object") || schema["properties"] != nil {
                let properties = (schema["properties"] as? [String: Any] ?? [:]).mapValues { shape($0, depth: depth + 1) }
                let additional = schema["additionalProperties"].flatMap { $0 is Bool ? nil : shape($0, depth: depth + 1) }
                return .object(properties: properties, required: Set(schema["required"] as? [String] ?? []), additional: additional)
            }
            return .any
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

/// A JSON value as Foundation's decoder reads it, so a number is whole exactly when the generated decoder
/// would take it for an integer.
enum JSONValue: Decodable {
    case null
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .boolean(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}

/// Before the generated layer decodes anything: a visitor calling an operation the contract keeps for
/// signed-in callers hears 401 (authentication first, whatever the body holds), and a call that does not fit
/// the contract is refused with 422 naming each field. After the handler: the fields a service names are
/// renamed to the contract's names, and a decoding problem the check above did not foresee still names its field.
struct APIContractMiddleware: ServerMiddleware {
    let contract: APIContract

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        guard let operation = contract.operations[operationID] else { return try await next(request, body, metadata) }
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
        let problems = contract.problems(operationID: operationID, query: query, pathParameters: metadata.pathParameters, body: bytes)
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        do {
            return try await next(request, forward, metadata)
        } catch var error as ServerError {
            if let domain = error.underlyingError as? DomainError {
                error.underlyingError = renamed(domain, operationID)
            } else if error.operationInput == nil, let decoding = error.underlyingError as? DecodingError,
                      let field = Problem.field(decoding, root: operation.bodyName) {
                error.underlyingError = DomainError.invalid([field])
            }
            throw error
        } catch let domain as DomainError {
            throw renamed(domain, operationID)
        }
    }

    private func renamed(_ error: DomainError, _ operationID: String) -> DomainError {
        var error = error
        error.fields = error.fields.map { FieldError(contract.contractName($0.field, operationID: operationID), $0.message) }
        return error
    }
}
