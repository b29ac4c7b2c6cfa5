import Core
import Foundation
import HTTPTypes
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body, as browsers send forms.
struct FormData: Sendable {
    private var fields: [(String, String)] = []

    init(_ body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields.append((name, value))
        }
    }

    private static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    subscript(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    /// Every value of a repeated field (check boxes).
    func values(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }

    /// Every field by its name (a repeated field by its first value): a form as typed, to draw again when refused.
    var typed: [String: String] { Dictionary(fields, uniquingKeysWith: { first, _ in first }) }
}

extension FormData {
    /// The url-encoded form a browser posted, read up to the context's upload limit.
    static func read(_ request: Request, _ context: AppRequestContext) async throws -> FormData {
        var request = request
        return FormData(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
    }
}

extension AppRequestContext {
    /// The UUID in the path parameter `key`; anything else is a page that does not exist.
    func pathID(_ key: String = "id") throws -> UUID {
        guard let text = parameters.get(key), let id = UUID(uuidString: text) else { throw DomainError.notFound("no such page") }
        return id
    }
}

extension DomainError {
    /// Whether a form answers this refusal by drawing itself again with what was typed (a 422 or a 409), rather
    /// than the error page; and the status it answers with.
    var refusesForm: Bool { [.invalid, .conflict].contains(kind) }
    var formStatus: HTTPResponse.Status { kind == .invalid ? .unprocessableContent : .conflict }
}
