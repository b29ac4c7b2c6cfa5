import Core
import Foundation
import Logging
import PostgresNIO

/// A bid row as stored: sealed content until opening.
struct StoredBid: Sendable {
    var id: UUID
    var tenderID: UUID
    var lotID: UUID
    var bidderID: UUID
    var status: BidStatus
    var version: Int
    var termsVersion: Int
    var sealed: Data?
    var commitment: String
    var submittedAt: Date
}

/// The SQL of bids, their receipts and idempotency keys, and nothing else.
struct BidStore {
    let connection: PostgresConnection
    let logger: Logger

    private static let columns = "id, tender_id, lot_id, bidder_id, status, version, terms_version, sealed, commitment, submitted_at"

    /// Holds, to the end of the transaction, the right to write this bidder's bid on this lot.
    func lockBidder(lotID: UUID, bidderID: UUID) async throws {
        let key = "bid:\(lotID.lowercased):\(bidderID.lowercased)"
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
    }

    func bid(lotID: UUID, bidderID: UUID) async throws -> StoredBid? {
        try await bids("SELECT \(unescaped: Self.columns) FROM tendering.bids WHERE lot_id = \(lotID) AND bidder_id = \(bidderID) FOR UPDATE").first
    }

    func bid(id: UUID) async throws -> StoredBid? {
        try await bids("SELECT \(unescaped: Self.columns) FROM tendering.bids WHERE id = \(id)").first
    }

    func bids(tenderID: UUID, bidderID: UUID) async throws -> [StoredBid] {
        try await bids("SELECT \(unescaped: Self.columns) FROM tendering.bids WHERE tender_id = \(tenderID) AND bidder_id = \(bidderID) ORDER BY lot_id")
    }

    /// Every bid of a tender, locked (opening, a change of terms).
    func bidsForUpdate(tenderID: UUID) async throws -> [StoredBid] {
        try await bids("SELECT \(unescaped: Self.columns) FROM tendering.bids WHERE tender_id = \(tenderID) ORDER BY lot_id, submitted_at FOR UPDATE")
    }

    private func bids(_ query: PostgresQuery) async throws -> [StoredBid] {
        var result: [StoredBid] = []
        for try await (id, tender, lot, bidder, status, version, termsVersion, sealed, commitment, submitted) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID, UUID, String, Int, Int, ByteBuffer?, String, Date).self) {
            result.append(StoredBid(id: id, tenderID: tender, lotID: lot, bidderID: bidder, status: BidStatus(rawValue: status) ?? .withdrawn,
                                    version: version, termsVersion: termsVersion, sealed: sealed.map { Data(buffer: $0) },
                                    commitment: commitment, submittedAt: submitted))
        }
        return result
    }

    func insert(_ bid: StoredBid) async throws {
        try await connection.query("""
            INSERT INTO tendering.bids (id, tender_id, lot_id, bidder_id, status, version, terms_version, sealed, commitment, submitted_at)
            VALUES (\(bid.id), \(bid.tenderID), \(bid.lotID), \(bid.bidderID), \(bid.status.rawValue), \(bid.version), \(bid.termsVersion),
                    \(bid.sealed.map { ByteBuffer(data: $0) }), \(bid.commitment), \(bid.submittedAt))
            """, logger: logger)
    }

    func update(_ bid: StoredBid) async throws {
        try await connection.query("""
            UPDATE tendering.bids SET status = \(bid.status.rawValue), version = \(bid.version), terms_version = \(bid.termsVersion),
                sealed = \(bid.sealed.map { ByteBuffer(data: $0) }), commitment = \(bid.commitment), submitted_at = \(bid.submittedAt)
            WHERE id = \(bid.id)
            """, logger: logger)
    }

    /// Every submitted bid of the tender made under older terms now waits for its bidder's confirmation.
    func requireConfirmation(tenderID: UUID, termsVersion: Int) async throws -> Int {
        try await connection.query("""
            UPDATE tendering.bids SET status = 'needs_confirmation'
            WHERE tender_id = \(tenderID) AND status = 'submitted' AND terms_version < \(termsVersion) RETURNING id
            """, logger: logger).collect().count
    }

    func setOpened(bidID: UUID, price: Money, payload: String) async throws {
        try await connection.query("""
            UPDATE tendering.bids SET opened_price_fen = \(price.minorUnits), opened_payload = \(payload)::jsonb WHERE id = \(bidID)
            """, logger: logger)
    }

    /// The opened bids of these tenders as the public sees them (bidder and price, no proposal; sealed
    /// bids never show), by tender, lot and price.
    func publicOpenedBids(tenderIDs: [UUID]) async throws -> [(tender: UUID, bid: OpenedBid)] {
        var result: [(tender: UUID, bid: OpenedBid)] = []
        for try await (tender, id, lot, bidder, price, submitted, commitment) in try await connection.query("""
            SELECT tender_id, id, lot_id, bidder_id, opened_price_fen, submitted_at, commitment FROM tendering.bids
            WHERE tender_id = ANY(\(tenderIDs)) AND opened_price_fen IS NOT NULL ORDER BY tender_id, lot_id, opened_price_fen, submitted_at
            """, logger: logger).decode((UUID, UUID, UUID, UUID, Int64, Date, String).self) {
            result.append((tender, OpenedBid(id: id, lotID: lot, bidderID: bidder, price: Money(minorUnits: price), proposal: nil,
                                             submittedAt: submitted, commitment: commitment)))
        }
        return result
    }

    /// The opened bids of a tender, by lot and price.
    func openedBids(tenderID: UUID) async throws -> [OpenedBid] {
        var result: [OpenedBid] = []
        for try await (id, lot, bidder, price, proposal, submitted, commitment, documents) in try await connection.query("""
            SELECT id, lot_id, bidder_id, opened_price_fen, opened_payload->>'proposal', submitted_at, commitment, opened_payload->>'documents'
            FROM tendering.bids
            WHERE tender_id = \(tenderID) AND opened_price_fen IS NOT NULL ORDER BY lot_id, opened_price_fen, submitted_at
            """, logger: logger).decode((UUID, UUID, UUID, Int64, String, Date, String, String?).self) {
            result.append(OpenedBid(id: id, lotID: lot, bidderID: bidder, price: Money(minorUnits: price), proposal: proposal,
                                    submittedAt: submitted, commitment: commitment,
                                    documents: try documents.map { try JSONDecoder().decode([DocumentReference].self, from: Data($0.utf8)) } ?? []))
        }
        return result
    }

    /// The opened payload (with its salt) of a bid, to check a commitment against.
    func openedPayload(bidID: UUID) async throws -> String? {
        for try await payload in try await connection.query(
            "SELECT opened_payload::text FROM tendering.bids WHERE id = \(bidID) AND opened_payload IS NOT NULL", logger: logger).decode(String.self) {
            return payload
        }
        return nil
    }

    // MARK: Receipts

    func insert(_ receipt: BidReceipt) async throws {
        try await connection.query("""
            INSERT INTO tendering.bid_receipts (commitment, bid_id, version, action, submitted_at)
            VALUES (\(receipt.commitment), \(receipt.bidID), \(receipt.version), \(receipt.action.rawValue), \(receipt.submittedAt))
            """, logger: logger)
    }

    func receipt(commitment: String) async throws -> BidReceipt? {
        for try await (commitment, bid, tender, lot, version, action, submitted) in try await connection.query("""
            SELECT r.commitment, r.bid_id, b.tender_id, b.lot_id, r.version, r.action, r.submitted_at
            FROM tendering.bid_receipts r JOIN tendering.bids b ON b.id = r.bid_id WHERE r.commitment = \(commitment)
            """, logger: logger).decode((String, UUID, UUID, UUID, Int, String, Date).self) {
            return BidReceipt(commitment: commitment, bidID: bid, tenderID: tender, lotID: lot, version: version,
                              action: BidReceipt.Action(rawValue: action) ?? .submitted, submittedAt: submitted)
        }
        return nil
    }

    // MARK: Idempotency keys

    /// Claims `key` for this bidder; when a request holds it already (waiting for that request to
    /// finish first), returns what it recorded instead.
    func claim(key: String, bidderID: UUID, mac: String, at date: Date) async throws -> (mac: String, commitment: String?)? {
        let inserted = try await connection.query("""
            INSERT INTO tendering.bid_requests (bidder_id, key, request_mac, created_at) VALUES (\(bidderID), \(key), \(mac), \(date))
            ON CONFLICT DO NOTHING RETURNING key
            """, logger: logger).collect()
        if !inserted.isEmpty { return nil }
        for try await (mac, commitment) in try await connection.query(
            "SELECT request_mac, commitment FROM tendering.bid_requests WHERE bidder_id = \(bidderID) AND key = \(key)", logger: logger)
            .decode((String, String?).self) {
            return (mac, commitment)
        }
        return nil
    }

    func complete(key: String, bidderID: UUID, commitment: String) async throws {
        try await connection.query(
            "UPDATE tendering.bid_requests SET commitment = \(commitment) WHERE bidder_id = \(bidderID) AND key = \(key)", logger: logger)
    }
}
