import Crypto
import Foundation

/// Seals bids: AES-GCM under a key per tender, derived with HKDF-SHA256 from one master secret.
/// The master secret never enters the database, so the database alone (a dump, a replica, an
/// administrator with SQL) cannot read a bid before the worker opens it.
public struct BidSealer: Sendable {
    /// Kept as bytes: swift-crypto's SymmetricKey is not Sendable.
    private let master: Data

    /// `masterSecret` must hold at least 32 random bytes.
    public init(masterSecret: Data) throws {
        guard masterSecret.count >= 32 else { throw SealError.weakSecret }
        master = masterSecret
    }

    /// A sealer with a fresh random secret (tests, benchmarks).
    public static func random() -> BidSealer { try! BidSealer(masterSecret: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }) }

    /// The master secret at `path`, created there (readable by its owner only) when missing.
    public static func loadOrCreate(at path: String) throws -> BidSealer {
        if let data = FileManager.default.contents(atPath: path) {
            guard let secret = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw SealError.unreadableSecret(path)
            }
            return try BidSealer(masterSecret: secret)
        }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data((secret.base64EncodedString() + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else { throw SealError.unreadableSecret(path) }
        return try BidSealer(masterSecret: secret)
    }

    /// A key for another purpose (the anonymous forms' tokens), derived with HKDF from the same master
    /// secret under its own label: one backed-up secret, the same on every instance, serves both.
    public func derivedKey(for purpose: String) -> Data {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: master), info: Data(purpose.utf8), outputByteCount: 32)
            .withUnsafeBytes { Data($0) }
    }

    func key(for tenderID: UUID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: master), salt: Data(tenderID.lowercased.utf8),
                               info: Data("spokes bids v1".utf8), outputByteCount: 32)
    }

    /// The ciphertext is bound to its bid and version: it cannot be moved to another row or replayed.
    private func binding(_ bidID: UUID, _ version: Int) -> Data { Data("\(bidID.lowercased)/\(version)".utf8) }

    func seal(_ plaintext: Data, tender: UUID, bid: UUID, version: Int) throws -> Data {
        try AES.GCM.seal(plaintext, using: key(for: tender), authenticating: binding(bid, version)).combined!
    }

    func open(_ sealed: Data, tender: UUID, bid: UUID, version: Int) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key(for: tender), authenticating: binding(bid, version))
    }

    /// Suppliers' documents are sealed under a key per organisation, bound to the document: a bid's
    /// attachments are as unreadable as its price to anyone with only the database.
    private func documentKey(for organisationID: UUID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: master), salt: Data(organisationID.lowercased.utf8),
                               info: Data("spokes documents v1".utf8), outputByteCount: 32)
    }

    func seal(document plaintext: Data, organisation: UUID, id: UUID) throws -> Data {
        try AES.GCM.seal(plaintext, using: documentKey(for: organisation), authenticating: Data(id.lowercased.utf8)).combined!
    }

    func open(document sealed: Data, organisation: UUID, id: UUID) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: documentKey(for: organisation), authenticating: Data(id.lowercased.utf8))
    }

    /// A keyed digest of a request, to recognise a retry without storing anything that reveals a price.
    func mac(_ data: Data, tender: UUID) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: data, using: key(for: tender))).hexString
    }

    public enum SealError: Error, CustomStringConvertible {
        case weakSecret
        case unreadableSecret(String)
        public var description: String {
            switch self {
            case .weakSecret: "the bid master secret must be at least 32 bytes (base64 of 32 random bytes)"
            case .unreadableSecret(let path): "the bid master secret at \(path) is not base64; restore it from backup (without it no sealed bid can be opened)"
            }
        }
    }
}
