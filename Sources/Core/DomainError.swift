/// An error a user can act on. The web layer turns it into problem+json (API) or a page (HTML);
/// its `kind` is a stable identifier that clients may rely on.
public struct DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case badRequest = "bad-request"
        case unauthenticated
        case forbidden
        case notFound = "not-found"
        case conflict
        case invalid = "validation"
        case locked
        case rateLimited = "rate-limited"
        /// A request or file over its size limit (413).
        case tooLarge = "too-large"
        /// The database (or another part the request needs) is not answering (503).
        case unavailable
    }

    public var kind: Kind
    /// What went wrong, in words rendered in the reader's language where it is shown.
    public var detail: Message
    public var fields: [FieldError]
    /// Seconds after which a locked or rate-limited request may be tried again.
    public var retryAfter: Int?

    public init(_ kind: Kind, _ detail: Message, fields: [FieldError] = [], retryAfter: Int? = nil) {
        self.kind = kind
        self.detail = detail
        self.fields = fields
        self.retryAfter = retryAfter
    }

    public var description: String {
        ([detail.english] + fields.map { "\($0.field): \($0.message.english)" }).joined(separator: "; ")
    }

    public static func badRequest(_ detail: Message) -> Self { .init(.badRequest, detail) }
    public static func unauthenticated(_ detail: Message) -> Self { .init(.unauthenticated, detail) }
    public static func forbidden(_ detail: Message) -> Self { .init(.forbidden, detail) }
    public static func notFound(_ detail: Message) -> Self { .init(.notFound, detail) }
    public static func conflict(_ detail: Message) -> Self { .init(.conflict, detail) }
    public static func invalid(_ fields: [FieldError]) -> Self {
        .init(.invalid, "Some fields are not valid.", fields: fields)
    }
}

/// One field's problem: the field as the caller named it, and what is wrong with it.
public struct FieldError: Equatable, Sendable {
    public var field: String
    public var message: Message
    public init(_ field: String, _ message: Message) {
        self.field = field
        self.message = message
    }
}

/// Collects every field error of an input before refusing it, so the user fixes all at once.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []
    public init() {}

    public mutating func check(_ condition: Bool, _ field: String, _ message: Message) {
        if !condition { errors.append(FieldError(field, message)) }
    }

    /// Returns the trimmed text, recording an error when it is empty or too long.
    public mutating func text(_ value: String?, _ field: String, max: Int = 200, required: Bool = true) -> String {
        let text = value?.trimmingSpaces ?? ""
        if required && text.isEmpty { errors.append(FieldError(field, "is required")) }
        if text.count > max { errors.append(FieldError(field, "must be at most \(max) characters")) }
        return text
    }

    public func finish() throws(DomainError) {
        if !errors.isEmpty { throw DomainError.invalid(errors) }
    }
}
