import Core
import Crypto
import Foundation
import Store

/// What a bidder offers for one lot. Sealed until the tendering deadline.
public struct BidContent: Codable, Sendable, Equatable {
    public var price: Money
    public var proposal: String
    /// Documents of the bidder's library the bid cites (registration, rating, proposal files…).
    public var documents: [UUID]
    public init(price: Money, proposal: String, documents: [UUID] = []) {
        self.price = price
        self.proposal = proposal
        self.documents = documents
    }

    public var problems: [FieldError] {
        var check = Validator()
        // Even where a tender lets bids exceed the budget, no price passes the purchase-line ceiling.
        check.money(price, "price")
        check.check(price.currency == "CNY", "price", "must be in yuan (CNY)")
        _ = check.text(proposal, "proposal", max: 50_000)
        check.check(documents.count <= SupplierDocument.maximumPerBid, "documents", "a bid cites at most \(SupplierDocument.maximumPerBid) documents")
        check.check(Set(documents).count == documents.count, "documents", "cites a document twice")
        return check.errors
    }
}

public enum BidStatus: String, Codable, Sendable {
    case submitted
    /// The terms changed after the bid was made: it counts only once its bidder confirms it.
    case needsConfirmation = "needs_confirmation"
    case withdrawn
}

/// What the bidder keeps: proof that this bid was received at this time, checkable later.
public struct BidReceipt: Codable, Sendable, Equatable {
    /// SHA-256 (hex) over the tender, lot, bidder, version, time and the sealed content with its salt.
    public var commitment: String
    public var bidID: UUID
    public var tenderID: UUID
    public var lotID: UUID
    public var version: Int
    public var action: Action
    public var submittedAt: Date

    public enum Action: String, Codable, Sendable { case submitted, replaced, confirmed, withdrawn }
}

/// A bid as its own bidder sees it before the deadline.
public struct OwnBid: Sendable, Equatable {
    public var id: UUID
    public var lotID: UUID
    public var status: BidStatus
    /// Nil once withdrawn: withdrawing destroys the sealed content.
    public var content: BidContent?
    public var receipt: BidReceipt
}

/// A bid after opening: what everyone may learn (bidder, price) and the proposal for those who read it.
public struct OpenedBid: Sendable, Equatable {
    public var id: UUID
    public var lotID: UUID
    public var bidderID: UUID
    public var price: Money
    /// Nil for those who may not read proposals (the public sees bidder and price).
    public var proposal: String?
    public var submittedAt: Date
    public var commitment: String
    /// The documents the bid cites, with the digests it was sealed with (empty for those who may not read proposals).
    public var documents: [DocumentReference] = []
}

/// What checking a receipt tells its holder.
public struct ReceiptCheck: Sendable, Equatable {
    public var receipt: BidReceipt
    public var tenderReference: String
    public var lotNumber: Int
    /// The latest version of the bid (not replaced, confirmed again or withdrawn since).
    public var isCurrent: Bool
    /// After opening: whether the opened content hashes to this commitment (nil before opening).
    public var matchesOpenedBid: Bool?
}

/// The sealed payload: a random salt keeps the commitment from revealing a guessable price.
struct SealedPayload: Codable, Equatable {
    var salt: String
    var priceFen: Int64
    var proposal: String
    /// Nil (and absent from the JSON) when the bid cites none, so payloads without documents keep their form.
    var documents: [DocumentReference]?

    /// `references` are the cited documents with their digests, in the order the bid lists them.
    init(_ content: BidContent, references: [DocumentReference] = []) {
        var generator = SystemRandomNumberGenerator()
        salt = Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
        priceFen = content.price.minorUnits
        proposal = content.proposal
        documents = references.isEmpty ? nil : references
    }

    var content: BidContent {
        BidContent(price: Money(minorUnits: priceFen), proposal: proposal, documents: (documents ?? []).map(\.id))
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(self)
    }

    /// The commitment of a receipt: everything the bid is, bound to when and by whom it was made.
    static func commitment(payload: Data, tender: UUID, lot: UUID, bidder: UUID, version: Int, at date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let header = ["spokes-bid-v1", tender.lowercased, lot.lowercased, bidder.lowercased, String(version), String(millis), ""].joined(separator: "\n")
        var hasher = SHA256()
        hasher.update(data: Data(header.utf8))
        hasher.update(data: payload)
        return hasher.finalize().hexString
    }
}
