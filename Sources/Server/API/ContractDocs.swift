import Foundation
import Hummingbird
import Yams

/// The API contract as a page (`/api/docs`, issue 28): every operation by tag, with its parameters, body and answers,
/// read from Contracts/openapi.yaml when the server starts. Rendered by Spokes itself, so it works without the network
/// (no documentation viewer from a CDN). The contract's own words are English; the page's chrome follows the reader.
struct ContractDocsPage {
    struct Tag {
        let name: String
        let description: String
        let operations: [Operation]
    }

    struct Operation {
        let anchor: String
        let method: String
        let path: String
        let summary: String
        let description: String
        let signIn: Bool
        let parameters: [Parameter]
        let hasParameters: Bool
        let body: String?
        let responses: [Answer]
    }

    struct Parameter {
        let name: String
        let location: String
        let required: Bool
        let type: String
    }

    struct Answer {
        let code: String
        let description: String
    }

    let title: String
    let version: String
    let description: String
    let tags: [Tag]
    let problemTypes: String

    /// Reads the contract; nil when it is not the OpenAPI document Spokes ships (start-up then fails).
    init?(yaml: String) {
        guard let root = (try? Yams.load(yaml: yaml)) as? [String: Any], let info = root["info"] as? [String: Any],
              let paths = root["paths"] as? [String: Any] else { return nil }
        let secured = (root["security"] as? [Any])?.isEmpty == false
        let components = root["components"] as? [String: Any] ?? [:]
        let sharedResponses = components["responses"] as? [String: Any] ?? [:]
        let sharedParameters = components["parameters"] as? [String: Any] ?? [:]
        /// A parameter as written, or the shared one its $ref names.
        func resolved(_ parameter: Any) -> [String: Any]? {
            guard let parameter = parameter as? [String: Any] else { return nil }
            guard let reference = parameter["$ref"] as? String else { return parameter }
            return sharedParameters[String(reference.split(separator: "/").last ?? "")] as? [String: Any]
        }
        var byTag: [String: [Operation]] = [:]
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard let item = item as? [String: Any] else { continue }
            let shared = item["parameters"] as? [Any] ?? []
            for method in ["get", "put", "post", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let parameters = (shared + (operation["parameters"] as? [Any] ?? [])).compactMap(resolved).map { p in
                    Parameter(name: p["name"] as? String ?? "", location: p["in"] as? String ?? "", required: p["required"] as? Bool ?? false,
                              type: Self.typeName(p["schema"]))
                }
                let body = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]).flatMap { content in
                    content.sorted { $0.key < $1.key }.map { "\($0.key): \(Self.typeName(($0.value as? [String: Any])?["schema"]))" }.joined(separator: "; ")
                }
                let responses = (operation["responses"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { code, answer -> Answer in
                    var answer = answer as? [String: Any] ?? [:]
                    if let reference = answer["$ref"] as? String, let shared = sharedResponses[String(reference.split(separator: "/").last ?? "")] as? [String: Any] {
                        answer = shared
                    }
                    return Answer(code: code, description: (answer["description"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
                }
                let id = operation["operationId"] as? String ?? "\(method)\(path)"
                let tag = (operation["tags"] as? [String])?.first ?? "other"
                byTag[tag, default: []].append(Operation(
                    anchor: id, method: method.uppercased(), path: "/api/v1" + path, summary: operation["summary"] as? String ?? id,
                    description: (operation["description"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                    signIn: operation["security"].map { ($0 as? [Any])?.isEmpty == false } ?? secured, parameters: parameters,
                    hasParameters: !parameters.isEmpty, body: body,
                    responses: responses))
            }
        }
        let declared = (root["tags"] as? [[String: Any]] ?? []).compactMap { tag -> (String, String)? in
            (tag["name"] as? String).map { ($0, tag["description"] as? String ?? "") }
        }
        let names = declared.map(\.0) + byTag.keys.filter { name in !declared.contains { $0.0 == name } }.sorted()
        let descriptions = Dictionary(declared, uniquingKeysWith: { first, _ in first })
        tags = names.compactMap { name in byTag[name].map { Tag(name: name, description: descriptions[name] ?? "", operations: $0) } }
        title = info["title"] as? String ?? "API"
        version = info["version"] as? String ?? ""
        description = (info["description"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let schemas = components["schemas"] as? [String: Any] ?? [:]
        problemTypes = ((schemas["ProblemType"] as? [String: Any])?["description"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A schema as a short name: its $ref's last part, `array of …`, or its type.
    static func typeName(_ schema: Any?) -> String {
        guard let schema = schema as? [String: Any] else { return "" }
        if let reference = schema["$ref"] as? String { return String(reference.split(separator: "/").last ?? "") }
        if let type = schema["type"] as? String {
            if type == "array" { return "array of " + typeName(schema["items"]) }
            return [type, schema["format"] as? String].compactMap { $0 }.joined(separator: ", ")
        }
        return ""
    }
}
