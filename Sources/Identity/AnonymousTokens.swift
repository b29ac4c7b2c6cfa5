import Core
import Crypto
import Foundation
import Logging
import PostgresNIO
import Store

/// Form tokens for the anonymous forms (the satisfaction survey, residents' voice). The server issues
/// one with every form; a caller cannot make one up, send one twice, or keep one for long.
///
/// - A token carries the device it was issued to (the device cookie's id, or a new one), a random nonce
///   and the second it was issued, signed with HMAC-SHA256 (truncated to 128 bits) under a server key
///   together with its scope: which form it belongs to (`survey/<contract id>`, `voice`). Changed,
///   made up, or taken from another form's scope: refused as forged (422).
/// - It lives `lifetime` (a day): older ones are refused as expired (422).
/// - Its use is recorded (`identity.anonymous_token_uses`, primary key its SHA-256) in the same
///   transaction as the answer it carries: a second use, even in parallel, is refused (409), and a
///   refused answer (over a ceiling) leaves the token unused.
///
/// So each counted voice costs a form fetched from the server, and what one address can add is bounded
/// by the ceilings per address, which the services check and fill under a lock.
public struct AnonymousTokens: Sendable {
    /// How long a form's token may be used after it was issued.
    public static let lifetime: TimeInterval = 24 * 60 * 60
    /// The name of the field (form and JSON) that carries the token; refusals name it.
    public static let field = "deviceToken"

    /// Kept as bytes: swift-crypto's SymmetricKey is not Sendable.
    private let key: Data

    /// `key` must hold at least 32 random bytes, the same on every instance of the server.
    public init(key: Data) {
        precondition(key.count >= 32, "an anonymous-token key needs at least 32 random bytes")
        self.key = key
    }

    /// A key of its own for one process (tests, the demo loader, one-shot commands).
    public static func random() -> AnonymousTokens {
        AnonymousTokens(key: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    private static let version: UInt8 = 1
    private static let payloadLength = 1 + 16 + 16 + 8
    private static let tagLength = 16

    /// A new token for a form of `scope`, for `device` (a new device when nil).
    public func issue(scope: String, device: UUID?, at now: Date) -> IssuedAnonymousToken {
        let device = device ?? UUID()
        var payload = Data([Self.version])
        payload += withUnsafeBytes(of: device.uuid) { Data($0) }
        var generator = SystemRandomNumberGenerator()
        payload += Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let seconds = UInt64(max(0, now.timeIntervalSince1970.rounded(.down)))
        payload += withUnsafeBytes(of: seconds.bigEndian) { Data($0) }
        return IssuedAnonymousToken(token: Self.base64URL(payload) + "." + Self.base64URL(tag(payload, scope: scope)), device: device)
    }

    /// The token's content if this server issued it for `scope` and it has not expired; it is not yet used up
    /// (that is `redeem`, inside the transaction of what it carries).
    public func verify(_ token: String, scope: String, at now: Date) throws -> AnonymousToken {
        guard !token.isEmpty else {
            throw DomainError.invalid([FieldError(Self.field, "is missing: the form carries one; reload the page (API: GET the survey first)")])
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 200, parts.count == 2, let payload = Self.data(base64URL: parts[0]), let sent = Self.data(base64URL: parts[1]),
              payload.count == Self.payloadLength, payload.first == Self.version, sent.count == Self.tagLength,
              Self.constantTimeEqual(sent, tag(payload, scope: scope)) else {
            throw DomainError.invalid([FieldError(Self.field, "is not a token this server issued for this form; reload the page to get a new one")])
        }
        let bytes = [UInt8](payload)
        let device = UUID(uuid: (bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                                 bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15], bytes[16]))
        let seconds = bytes[33...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(seconds))
        guard now.timeIntervalSince(issuedAt) <= Self.lifetime else {
            throw DomainError.invalid([FieldError(Self.field, "has expired (a form's token lasts a day); reload the page to get a new one")])
        }
        return AnonymousToken(device: device, issuedAt: issuedAt, useKey: SHA256.hash(data: payload).hexString)
    }

    /// Records the token's use in the caller's transaction; refuses a token used before (or by a
    /// transaction running now that commits first).
    public func redeem(_ token: AnonymousToken, on connection: PostgresConnection, logger: Logger, at now: Date) async throws {
        guard try await IdentityStore(connection: connection, logger: logger).recordTokenUse(hash: token.useKey, at: now) else {
            throw Self.usedError
        }
    }

    /// The refusal of a token sent a second time.
    public static let usedError = DomainError(.conflict, "This form was sent already: each form counts once. Reload the page for a new one.",
                                              fields: [FieldError(field, "was used already")])

    /// Whether `error` is a refusal of the form's token (forged, expired, missing or used), for pages that say so beside the form.
    public static func isTokenRefusal(_ error: DomainError) -> Bool {
        error.fields.contains { $0.field == field }
    }

    private func tag(_ payload: Data, scope: String) -> Data {
        var message = Data("spokes anonymous form token\u{0}".utf8)
        message += Data(scope.utf8) + Data([0]) + payload
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))).prefix(Self.tagLength)
    }

    private static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func data(base64URL text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// A token handed out with a form, and the device it names (to set as the device cookie when new).
public struct IssuedAnonymousToken: Sendable, Equatable {
    public let token: String
    public let device: UUID
}

/// A verified token: the device it was issued to, when, and the key its single use is recorded under.
public struct AnonymousToken: Sendable, Equatable {
    public let device: UUID
    public let issuedAt: Date
    let useKey: String

    /// The device as stored (hashed) beside an answer: the lowercased UUID, as the device cookie holds it.
    public var deviceKey: String { device.uuidString.lowercased() }
}
