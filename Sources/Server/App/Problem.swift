import Core
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import PostgresNIO

/// An error as the user sees it: an HTTP status, a stable type and a human explanation. Its words stay
/// messages until the response is written, in the language the request asked for.
struct Problem: Error {
    var type: String
    var title: String
    var status: Int
    var detail: Message
    var errors: [FieldError]?
    var retryAfter: Int?
    /// The methods a path takes, sent as `Allow` with a 405.
    var allow: [String]?

    init(_ kind: DomainError.Kind, status: HTTPResponse.Status, detail: Message, errors: [FieldError]? = nil, retryAfter: Int? = nil) {
        self.type = "urn:spokes:problem:\(kind.rawValue)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.errors = errors?.isEmpty == false ? errors : nil
        self.retryAfter = retryAfter
    }

    var httpStatus: HTTPResponse.Status { .init(code: status) }

    /// Every error a request can end in, mapped once: domain errors keep their meaning, errors in
    /// reading the request are the client's (4xx), and anything else is ours (500, details logged only).
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let domain as DomainError:
            return Problem(domain)
        case let missing as WorkingCalendar.YearNotHeld:
            // A deadline the calendar cannot count: the platform is waiting for an administrator, not for the client.
            return Problem(.conflict, status: .conflict, detail: "the working calendar for \(missing.year) has not been loaded; an administrator loads it at /admin/calendar.")
                .with(type: "urn:spokes:problem:calendar-not-loaded")
        case let server as ServerError where "\(server.underlyingError)".hasPrefix("Response content type not acceptable"):
            // The operation answers in a type the request's Accept header does not take (a CSV export asked for as JSON).
            // The runtime's sentence names the type: "…, content type: text/csv, accepted: application/json".
            let type = server.causeDescription.components(separatedBy: "content type: ").last?.components(separatedBy: ",").first ?? "another type"
            return Problem(.badRequest, status: .notAcceptable,
                           detail: "This operation answers in \(type), which the Accept header does not allow; send an Accept header that allows it (or */*).")
        case let server as ServerError:
            // The generated API layer wraps errors. With no decoded input, the request itself was bad.
            if server.operationInput == nil {
                if let decoding = server.underlyingError as? DecodingError { return Problem(decoding) }
                if server.underlyingError is DomainError || server.underlyingError is Problem { return from(server.underlyingError) }
                return Problem(.badRequest, status: .badRequest, detail: .verbatim(server.causeDescription))
            }
            return from(server.underlyingError)
        case let decoding as DecodingError:
            return Problem(decoding)
        case let error where isDatabaseUnreachable(error):
            return Problem(.unavailable, status: .serviceUnavailable,
                           detail: "The database is not answering; nothing was done. Try again in a few seconds.", retryAfter: 5)
        case let psql as PSQLError where ["23505", "40001", "40P01"].contains(psql.sqlState ?? ""):
            // The same request twice at once: a unique key (a reference, one contract per award, one bid per
            // lot) or a serialisation conflict stopped the second. Nothing it did was kept; what holds now is
            // the first's work, which the client may read and, if still needed, try again.
            return Problem(.conflict, status: .conflict,
                           detail: "Another request changed the same record at the same moment; nothing was done by this one. Reload and try again if still needed.")
        case let psql as PSQLError where psql.sqlState == "57014":
            // statement_timeout: the request's database work ran past its deadline and was cancelled.
            return Problem(.unavailable, status: .serviceUnavailable,
                           detail: "This took longer than the time a request may take; nothing was done. Try again in a moment.", retryAfter: 5)
        case let psql as PSQLError where psql.sqlState?.hasPrefix("22") == true:
            // A data exception: a value PostgreSQL cannot hold (a NUL character, a number out of range).
            // Whatever the transaction wrote is rolled back; the request is what was wrong.
            let detail: Message = switch psql.sqlState {
            case "22021": "Text may not contain NUL characters or invalid UTF-8."
            case "22003": "A number is out of range."
            default: "A value cannot be stored as sent."
            }
            return Problem(.badRequest, status: .badRequest, detail: detail)
        case let http as HTTPError:
            let kind: DomainError.Kind = switch http.status.code {
            case 401: .unauthenticated
            case 403: .forbidden
            case 404: .notFound
            case 409: .conflict
            case 413: .tooLarge
            case 422: .invalid
            default: .badRequest
            }
            if http.status.code >= 500 { return .internal }
            // Hummingbird's own refusals carry no words but an unknown path's 404: say that one in the reader's language.
            let detail: Message = http.body.map(Message.verbatim) ?? (http.status.code == 404 ? "no such page" : .verbatim(http.status.reasonPhrase))
            return Problem(kind, status: http.status, detail: detail)
        default:
            return .internal
        }
    }

    /// A method the API contract does not declare on a path it does declare.
    static func methodNotAllowed(_ method: String, allow: [String]) -> Problem {
        var problem = Problem(.badRequest, status: .methodNotAllowed,
                              detail: "\(method) is not taken here; this path takes \(allow.joined(separator: ", ")).")
            .with(type: "urn:spokes:problem:method-not-allowed")
        problem.allow = allow
        return problem
    }

    /// The database went away (or cannot be reached): the client may try again, which 503 says.
    static func isDatabaseUnreachable(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError {
            // 57P01–57P03: the server is shutting down or starting; class 08: the connection failed.
            if let state = psql.sqlState, state.hasPrefix("57P") || state.hasPrefix("08") { return true }
            return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown].contains(psql.code)
        }
        // postgres-nio's pool error type is not public; its name is all there is to match.
        return String(describing: Swift.type(of: error)) == "ConnectionPoolError"
    }

    static let `internal` = Problem(.badRequest, status: .internalServerError,
                                    detail: "Something went wrong on our side; it has been logged.")
        .with(type: "urn:spokes:problem:internal")

    private func with(type: String) -> Problem {
        var copy = self
        copy.type = type
        return copy
    }

    init(_ error: DomainError) {
        let status: HTTPResponse.Status = switch error.kind {
        case .badRequest: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .invalid: .unprocessableContent
        case .locked: .tooManyRequests
        case .rateLimited: .tooManyRequests
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        }
        self.init(error.kind, status: status, detail: error.detail, errors: error.fields, retryAfter: error.retryAfter)
    }

    /// Unreadable JSON is a bad request (400); readable JSON with a missing or mistyped field is a
    /// validation problem (422) that names the field.
    init(_ error: DecodingError) {
        if let field = Self.field(error, root: "body") {
            self.init(.invalid, status: .unprocessableContent, detail: "Some fields are not valid.", errors: [field])
        } else {
            self.init(.badRequest, status: .badRequest, detail: "The request body is not valid JSON.")
        }
    }

    /// The field a decoding error is about, named as the contract names it (`prices[2].priceFen`; items of a
    /// list body after `root`), with what was expected; nil when the JSON itself could not be read.
    static func field(_ error: DecodingError, root: String) -> FieldError? {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { path, key in
                if let index = key.intValue { return "\(path.isEmpty ? root : path)[\(index)]" }
                return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
            }
        }
        func named(_ keys: [any CodingKey]) -> String { keys.isEmpty ? root : path(keys) }
        return switch error {
        case .keyNotFound(let key, let context): FieldError(path(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context): FieldError(named(context.codingPath), expected(type))
        case .valueNotFound(let type, let context): FieldError(named(context.codingPath), expected(type))
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            FieldError(path(context.codingPath), "has a value that is not allowed")
        default: nil
        }
    }

    private static func expected(_ type: Any.Type) -> Message {
        switch "\(type)" {
        case let name where name.contains("String"): "must be text"
        case let name where name.contains("Int"): "must be a whole number"
        case let name where name.contains("Double") || name.contains("Float"): "must be a number"
        case let name where name.contains("Bool"): "must be true or false"
        case let name where name.contains("Array"): "must be a list"
        default: "must be an object"
        }
    }

    /// What a problem+json body holds, its words in one language.
    private struct Body: Encodable {
        struct Field: Encodable {
            var field: String
            var message: String
        }
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [Field]?
    }

    /// The problem as an `application/problem+json` response, its detail and field messages in `language`.
    func response(in language: Language, _ localisation: Localisation) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The title is the status's short name: the HTTP reason phrase in English, the error pages' own words in Chinese.
        let said = localisation.text("error_\(status)", language)
        let body = Body(type: type, title: language == .en || said == "error_\(status)" ? title : said, status: status, detail: localisation.say(detail, language),
                        errors: errors?.map { Body.Field(field: $0.field, message: localisation.say($0.message, language)) })
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json", .contentLanguage: language.rawValue]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        if let allow { headers[.allow] = allow.joined(separator: ", ") }
        return Response(status: httpStatus, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
