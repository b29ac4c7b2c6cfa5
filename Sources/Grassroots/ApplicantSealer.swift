import Crypto
import Foundation

/// Seals an applicant's personal data (PIPL): AES-GCM under a key the server derives from its master secret, bound
/// to the case, so neither a database dump nor a row moved to another case reveals a name, an ID number or a phone.
public struct ApplicantSealer: Sendable {
    /// Kept as bytes: swift-crypto's SymmetricKey is not Sendable.
    private let key: Data

    /// `key` must hold 32 bytes (the server passes `BidSealer.derivedKey(for: "spokes applicants v1")`).
    public init(key: Data) {
        precondition(key.count == 32, "an applicant key is 32 bytes")
        self.key = key
    }

    /// A sealer with a fresh random key (tests).
    public static func random() -> ApplicantSealer { ApplicantSealer(key: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }) }

    /// The applicant sealed for the case `request` (public for the generated province, which writes cases by COPY).
    public func seal(_ applicant: Applicant, request: UUID) throws -> Data {
        try AES.GCM.seal(try JSONEncoder().encode(applicant), using: SymmetricKey(data: key), authenticating: Data(request.lowercased.utf8)).combined!
    }

    public func open(_ sealed: Data, request: UUID) throws -> Applicant {
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: SymmetricKey(data: key), authenticating: Data(request.lowercased.utf8))
        return try JSONDecoder().decode(Applicant.self, from: plain)
    }
}
