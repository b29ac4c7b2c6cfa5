import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of awards, complaints and the contract drafts they become, and nothing else.
struct AwardStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Awards

    private static let awardColumns = """
        id, tender_id, lot_id, bid_id, supplier_id, value_fen, recommended_bid_id, reason, decided_at, contract_ready_at
        """

    func awards(of tenderID: UUID) async throws -> [Award] { try await awards(of: [tenderID], decidedOnly: false) }

    /// The awards of these tenders (only of decided ones when `decidedOnly`: awarded, complete or unsuccessful, or cancelled
    /// after they were awarded, whose awards were public and now stand cancelled), by decision time.
    func awards(of tenderIDs: [UUID], decidedOnly: Bool) async throws -> [Award] {
        var result: [Award] = []
        for try await (id, tender, lot, bid, supplier, value, recommended, reason, decided, ready) in try await connection.query("""
            SELECT \(unescaped: Self.awardColumns) FROM tendering.awards a WHERE tender_id = ANY(\(tenderIDs))
              AND (NOT \(decidedOnly) OR EXISTS (SELECT 1 FROM tendering.tenders t WHERE t.id = a.tender_id
                                                    AND (t.status IN ('awarded', 'complete', 'unsuccessful')
                                                         OR (t.status = 'cancelled' AND t.awarded_at IS NOT NULL))))
            ORDER BY decided_at, id
            """, logger: logger).decode((UUID, UUID, UUID, UUID?, UUID?, Int64?, UUID?, String, Date, Date?).self) {
            result.append(Award(id: id, tenderID: tender, lotID: lot, bidID: bid, supplierID: supplier, value: value.map { Money(minorUnits: $0) },
                                recommendedBidID: recommended, reason: reason, decidedAt: decided, contractReadyAt: ready))
        }
        return result
    }

    /// Awarded or complete tenders with an award to a bid whose lot had one opened bid, or whose price (an award's value is
    /// its bid's opened price) is at most `percentOfTop` % of the lot's highest opened price. Read from the counts each lot
    /// keeps (migration 0048), so that no reading aggregates every opened bid. Newest first, as the tender list.
    func tendersWithAwardsToCheck(percentOfTop: Int) async throws -> [UUID] {
        var result: [UUID] = []
        for try await id in try await connection.query("""
            SELECT DISTINCT a.tender_id FROM tendering.awards a
            JOIN tendering.lots l ON l.id = a.lot_id
            JOIN tendering.tenders t ON t.id = a.tender_id AND t.status IN ('awarded', 'complete')
            WHERE a.bid_id IS NOT NULL AND (l.opened_bids = 1 OR 100 * a.value_fen::numeric <= \(percentOfTop) * l.top_opened_price_fen)
            ORDER BY a.tender_id DESC
            """, logger: logger).decode(UUID.self) {
            result.append(id)
        }
        return result
    }

    /// What each supplier won of each buyer's awarded value in a year (of `timeZone`), over the awards of awarded or
    /// complete tenders, for the suppliers that won at least `shareBasisPoints` of it among at least `minimumAwards` awards.
    func supplierShares(timeZone: String, minimumAwards: Int, shareBasisPoints: Int) async throws -> [SupplierShare] {
        var result: [SupplierShare] = []
        for try await (buyer, year, supplier, won, total, count) in try await connection.query("""
            WITH won AS (
                SELECT t.buyer_id, extract(year FROM a.decided_at AT TIME ZONE \(timeZone))::integer AS year, a.supplier_id,
                       sum(a.value_fen) AS won, count(*) AS awards
                FROM tendering.awards a JOIN tendering.tenders t ON t.id = a.tender_id AND t.status IN ('awarded', 'complete')
                WHERE a.supplier_id IS NOT NULL GROUP BY 1, 2, 3),
            shares AS (
                SELECT *, sum(won) OVER buyer_year AS total, sum(awards) OVER buyer_year AS buyer_awards
                FROM won WINDOW buyer_year AS (PARTITION BY buyer_id, year))
            SELECT buyer_id, year, supplier_id, won::text, total::text, buyer_awards::integer FROM shares
            WHERE buyer_awards >= \(minimumAwards) AND won * 10000 >= \(shareBasisPoints) * total
            ORDER BY buyer_id, year, supplier_id
            """, logger: logger).decode((UUID, Int, UUID, String, String, Int).self) {
            // Sums of stored awards may pass Int64: read as text into Int128, so that no sum can trap.
            guard let won = Int128(won), let total = Int128(total) else { continue }
            result.append(SupplierShare(buyerID: buyer, year: year, supplierID: supplier, won: won, buyerTotal: total, buyerAwards: count))
        }
        return result
    }

    /// The buyer whose tender an award decided.
    func buyerID(ofAward awardID: UUID) async throws -> UUID? {
        for try await buyer in try await connection.query("""
            SELECT t.buyer_id FROM tendering.awards a JOIN tendering.tenders t ON t.id = a.tender_id WHERE a.id = \(awardID)
            """, logger: logger).decode(UUID.self) { return buyer }
        return nil
    }

    /// What an organisation won in tenders awarded or complete (a decision is public from then), with
    /// each award's tender reference and lot number, oldest first.
    func awards(wonBy supplierID: UUID) async throws -> [(award: Award, reference: String, lot: Int)] {
        var result: [(award: Award, reference: String, lot: Int)] = []
        for try await (id, tender, lot, bid, value, recommended, reason, decided, ready, reference, number) in try await connection.query("""
            SELECT a.id, a.tender_id, a.lot_id, a.bid_id, a.value_fen, a.recommended_bid_id, a.reason, a.decided_at, a.contract_ready_at, t.reference, l.number
            FROM tendering.awards a JOIN tendering.tenders t ON t.id = a.tender_id JOIN tendering.lots l ON l.id = a.lot_id
            WHERE a.supplier_id = \(supplierID) AND t.status IN ('awarded', 'complete') ORDER BY a.decided_at, a.id
            """, logger: logger).decode((UUID, UUID, UUID, UUID?, Int64?, UUID?, String, Date, Date?, String, Int).self) {
            result.append((Award(id: id, tenderID: tender, lotID: lot, bidID: bid, supplierID: supplierID, value: value.map { Money(minorUnits: $0) },
                                 recommendedBidID: recommended, reason: reason, decidedAt: decided, contractReadyAt: ready), reference, number))
        }
        return result
    }

    func insert(_ award: Award, by userID: UUID) async throws {
        try await connection.query("""
            INSERT INTO tendering.awards (id, tender_id, lot_id, bid_id, supplier_id, value_fen, recommended_bid_id, reason, decided_by, decided_at)
            VALUES (\(award.id), \(award.tenderID), \(award.lotID), \(award.bidID), \(award.supplierID), \(award.value?.minorUnits),
                    \(award.recommendedBidID), \(award.reason), \(userID), \(award.decidedAt))
            """, logger: logger)
    }

    /// The tender's awards become contract drafts.
    func markContractReady(tenderID: UUID, at date: Date) async throws {
        try await connection.query("""
            UPDATE tendering.awards SET contract_ready_at = \(date) WHERE tender_id = \(tenderID) AND bid_id IS NOT NULL
            """, logger: logger)
    }

    /// Awards ready for a contract, oldest first, after the cursor.
    /// Awards ready for a contract. The list (no `awardID`) leaves out awards that have one already (Delivery's
    /// table, read here so that a page of drafts is a page of work); one award by id is found either way.
    func contractDrafts(after: UUID?, limit: Int, awardID: UUID? = nil) async throws -> [ContractDraft] {
        var result: [ContractDraft] = []
        for try await (id, tender, reference, lot, number, title, line, buyer, supplier, value, standstill, ready) in try await connection.query("""
            SELECT a.id, a.tender_id, t.reference, a.lot_id, l.number, l.title, l.purchase_line_id, t.buyer_id, a.supplier_id, a.value_fen,
                   t.standstill_end, a.contract_ready_at
            FROM tendering.awards a JOIN tendering.tenders t ON t.id = a.tender_id JOIN tendering.lots l ON l.id = a.lot_id
            WHERE a.contract_ready_at IS NOT NULL AND (\(after)::uuid IS NULL OR a.id > \(after))
              AND (\(awardID)::uuid IS NULL OR a.id = \(awardID))
              AND (\(awardID)::uuid IS NOT NULL OR NOT EXISTS (SELECT 1 FROM delivery.contracts c WHERE c.award_id = a.id))
            ORDER BY a.id LIMIT \(limit)
            """, logger: logger).decode((UUID, UUID, String, UUID, Int, String, UUID, UUID, UUID, Int64, Date, Date).self) {
            result.append(ContractDraft(awardID: id, tenderID: tender, tenderReference: reference, lotID: lot, lotNumber: number, lotTitle: title,
                                        purchaseLineID: line, buyerID: buyer, supplierID: supplier, value: Money(minorUnits: value),
                                        standstillEnd: standstill, readyAt: ready))
        }
        return result
    }

    // MARK: Complaints

    private static let complaintColumns = """
        id, tender_id, lot_id, complainant_id, status, text, filed_at, answer, answered_at, escalation, escalated_at, outcome, decision, resolved_at
        """

    func complaints(of tenderID: UUID) async throws -> [Complaint] {
        try await complaints("SELECT \(unescaped: Self.complaintColumns) FROM tendering.complaints WHERE tender_id = \(tenderID) ORDER BY filed_at, id")
    }

    func complaint(id: UUID) async throws -> Complaint? {
        try await complaints("SELECT \(unescaped: Self.complaintColumns) FROM tendering.complaints WHERE id = \(id) FOR UPDATE").first
    }

    private func complaints(_ query: PostgresQuery) async throws -> [Complaint] {
        var result: [Complaint] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, tender, lot, complainant, status, text, filed, answer, answered, escalation, escalated, outcome, decision, resolved) = try row.decode(
                (UUID, UUID, UUID?, UUID, String, String, Date, String?, Date?, String?, Date?, String?, String?, Date?).self)
            result.append(Complaint(id: id, tenderID: tender, lotID: lot, complainantID: complainant, status: ComplaintStatus(rawValue: status) ?? .claim,
                                    text: text, filedAt: filed, answer: answer, answeredAt: answered, escalation: escalation, escalatedAt: escalated,
                                    outcome: outcome.flatMap(ComplaintOutcome.init(rawValue:)), decision: decision, resolvedAt: resolved))
        }
        return result
    }

    func insert(_ c: Complaint) async throws {
        try await connection.query("""
            INSERT INTO tendering.complaints (id, tender_id, lot_id, complainant_id, status, text, filed_at)
            VALUES (\(c.id), \(c.tenderID), \(c.lotID), \(c.complainantID), \(c.status.rawValue), \(c.text), \(c.filedAt))
            """, logger: logger)
    }

    func update(_ c: Complaint) async throws {
        try await connection.query("""
            UPDATE tendering.complaints SET status = \(c.status.rawValue), answer = \(c.answer), answered_at = \(c.answeredAt),
                escalation = \(c.escalation), escalated_at = \(c.escalatedAt), outcome = \(c.outcome?.rawValue), decision = \(c.decision),
                resolved_at = \(c.resolvedAt)
            WHERE id = \(c.id)
            """, logger: logger)
    }

    /// Asks the worker to look at an awarded tender again (a complaint changed).
    func rearm(tenderID: UUID, at date: Date) async throws {
        try await connection.query("""
            UPDATE tendering.tenders SET next_event_at = \(date) WHERE id = \(tenderID) AND status = 'awarded'
            """, logger: logger)
    }
}
