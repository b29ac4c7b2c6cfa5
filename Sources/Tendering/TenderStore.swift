import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of tenders, their lots, questions and the working-day calendar, and nothing else.
struct TenderStore {
    let connection: PostgresConnection
    let logger: Logger

    private static let columns = """
        id, reference, buyer_id, status, terms::text, terms_version, created_at, published_at, enquiry_end, tender_end,
        evaluation_end, opened_at, awarded_at, standstill_end, cancellation_reason, cancellation_note, cancelled_at
        """

    // MARK: Tenders

    func nextReference(year: Int) async throws -> String {
        let rows = try await connection.query("SELECT nextval('tendering.tender_reference')", logger: logger).collect()
        return String(format: "ZB-%04d-%04d", year, try rows[0].decode(Int.self))
    }

    func tender(id: UUID, lock: RowLock? = nil) async throws -> Tender? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM tendering.tenders WHERE id = $1 \(lock?.rawValue ?? "")")
        query.binds.append(id)
        return try await tenders(query).first
    }

    func tenders(ids: [UUID]) async throws -> [Tender] {
        try await tenders("SELECT \(unescaped: Self.columns) FROM tendering.tenders WHERE id = ANY(\(ids)) ORDER BY id DESC")
    }

    /// Newest first; drafts only when a buyer is named (the caller decides who may see them).
    func tenders(_ q: TenderQuery, includeDrafts: Bool) async throws -> [Tender] {
        try await tenders(Self.listQuery(q, includeDrafts: includeDrafts))
    }

    /// The list's SQL, apart so that a test can EXPLAIN exactly what runs.
    static func listQuery(_ q: TenderQuery, includeDrafts: Bool) -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(columns) FROM tendering.tenders
            WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR buyer_id = $2) AND ($3::uuid IS NULL OR id < $3)
              AND ($4 OR status <> 'draft')
              AND ($6::text IS NULL OR (search_grams @> catalogue.grams($7)
                   AND (reference ILIKE $6 OR (terms::jsonb ->> 'title') ILIKE $6 OR (terms::jsonb ->> 'description') ILIKE $6)))
              AND ($8::integer IS NULL OR EXISTS (SELECT 1 FROM tendering.lots l JOIN tendering.purchase_lines p ON p.id = l.purchase_line_id
                                                  WHERE l.tender_id = tenders.id AND p.year = $8))
              AND ($9::uuid IS NULL OR EXISTS (SELECT 1 FROM tendering.lots l WHERE l.tender_id = tenders.id AND l.purchase_line_id = $9))
            ORDER BY id DESC LIMIT $5
            """)
        query.binds.append(q.status?.rawValue)
        query.binds.append(q.buyerID)
        query.binds.append(q.before)
        query.binds.append(includeDrafts)
        query.binds.append(q.limit)
        // The words as a LIKE pattern, their own % and _ taken literally.
        let words = q.text?.trimmingCharacters(in: .whitespaces)
        query.binds.append(words.flatMap { $0.isEmpty ? nil : "%" + $0.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" })
        query.binds.append(words.flatMap { $0.isEmpty ? nil : $0 })
        query.binds.append(q.year)
        query.binds.append(q.purchaseLineID)
        return query
    }

    private func tenders(_ query: PostgresQuery) async throws -> [Tender] {
        var result: [Tender] = []
        let decoder = JSONDecoder()
        for try await row in try await connection.query(query, logger: logger) {
            let (id, reference, buyer, status, terms, version, created, published, enquiryEnd, tenderEnd, evaluationEnd, opened, awarded,
                 standstillEnd, reason, note, cancelledAt) = try row.decode(
                (UUID, String, UUID, String, String, Int, Date, Date?, Date?, Date?, Date?, Date?, Date?, Date?, String?, String?, Date?).self)
            var periods: TenderPeriods?
            if let published, let enquiryEnd, let tenderEnd, let evaluationEnd {
                periods = TenderPeriods(publishedAt: published, enquiryEnd: enquiryEnd, tenderEnd: tenderEnd, evaluationEnd: evaluationEnd,
                                        openedAt: opened, awardedAt: awarded, standstillEnd: standstillEnd)
            }
            var cancellation: Cancellation?
            if let reason = reason.flatMap(CancellationReason.init(rawValue:)), let cancelledAt {
                cancellation = Cancellation(reason: reason, note: note ?? "", at: cancelledAt)
            }
            result.append(Tender(id: id, reference: reference, buyerID: buyer, status: TenderStatus(rawValue: status) ?? .draft,
                                 terms: try decoder.decode(TenderTerms.self, from: Data(terms.utf8)), termsVersion: version, lots: [],
                                 periods: periods, cancellation: cancellation, createdAt: created))
        }
        guard !result.isEmpty else { return result }
        let lots = try await lots(of: result.map(\.id))
        for index in result.indices {
            result[index].lots = lots[result[index].id] ?? []
            result[index].terms.lots = result[index].lots.map { LotTerms(purchaseLineID: $0.purchaseLineID, title: $0.title, budget: $0.budget) }
        }
        return result
    }

    private func lots(of tenderIDs: [UUID]) async throws -> [UUID: [Lot]] {
        var result: [UUID: [Lot]] = [:]
        for try await (tender, id, number, line, title, budget, status) in try await connection.query("""
            SELECT tender_id, id, number, purchase_line_id, title, budget_fen, status FROM tendering.lots
            WHERE tender_id = ANY(\(tenderIDs)) ORDER BY tender_id, number
            """, logger: logger).decode((UUID, UUID, Int, UUID, String, Int64, String).self) {
            result[tender, default: []].append(Lot(id: id, number: number, purchaseLineID: line, title: title,
                                                   budget: Money(minorUnits: budget), status: LotStatus(rawValue: status) ?? .active))
        }
        return result
    }

    /// The terms as stored: the lots are rows of their own.
    private func termsJSON(_ terms: TenderTerms) throws -> String {
        var terms = terms
        terms.lots = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(terms), as: UTF8.self)
    }

    func insert(_ tender: Tender, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO tendering.tenders (id, reference, buyer_id, status, terms, terms_version, created_at, updated_at)
            VALUES (\(tender.id), \(tender.reference), \(tender.buyerID), \(tender.status.rawValue), \(try termsJSON(tender.terms))::jsonb,
                    \(tender.termsVersion), \(date), \(date))
            """, logger: logger)
        try await insertLots(tender.lots, of: tender.id)
    }

    /// Writes everything that changes over a tender's life; `nextEventAt` tells the worker when to look again.
    func update(_ tender: Tender, nextEventAt: Date?, at date: Date) async throws {
        let p = tender.periods
        try await connection.query("""
            UPDATE tendering.tenders SET status = \(tender.status.rawValue), terms = \(try termsJSON(tender.terms))::jsonb,
                terms_version = \(tender.termsVersion), published_at = \(p?.publishedAt), enquiry_end = \(p?.enquiryEnd),
                tender_end = \(p?.tenderEnd), evaluation_end = \(p?.evaluationEnd), opened_at = \(p?.openedAt), awarded_at = \(p?.awardedAt),
                standstill_end = \(p?.standstillEnd), cancellation_reason = \(tender.cancellation?.reason.rawValue),
                cancellation_note = \(tender.cancellation?.note), cancelled_at = \(tender.cancellation?.at),
                next_event_at = \(nextEventAt), updated_at = \(date)
            WHERE id = \(tender.id)
            """, logger: logger)
    }

    func replaceLots(_ lots: [Lot], of tenderID: UUID) async throws {
        try await connection.query("DELETE FROM tendering.lots WHERE tender_id = \(tenderID)", logger: logger)
        try await insertLots(lots, of: tenderID)
    }

    private func insertLots(_ lots: [Lot], of tenderID: UUID) async throws {
        for lot in lots {
            try await connection.query("""
                INSERT INTO tendering.lots (id, tender_id, number, purchase_line_id, title, budget_fen, status)
                VALUES (\(lot.id), \(tenderID), \(lot.number), \(lot.purchaseLineID), \(lot.title), \(lot.budget.minorUnits), \(lot.status.rawValue))
                """, logger: logger)
        }
    }

    func updateLot(_ lot: Lot) async throws {
        try await connection.query("""
            UPDATE tendering.lots SET title = \(lot.title), budget_fen = \(lot.budget.minorUnits), status = \(lot.status.rawValue)
            WHERE id = \(lot.id)
            """, logger: logger)
    }

    /// What live tenders other than `tenderID` have put up for tender of each of these purchase lines
    /// already, in fen (lines no tender holds are absent).
    func committedBudgets(lineIDs: [UUID], except tenderID: UUID?) async throws -> [UUID: Int64] {
        var result: [UUID: Int64] = [:]
        for try await (line, fen) in try await connection.query("""
            SELECT l.purchase_line_id, sum(l.budget_fen)::bigint FROM tendering.lots l JOIN tendering.tenders t ON t.id = l.tender_id
            WHERE l.purchase_line_id = ANY(\(lineIDs)) AND t.id IS DISTINCT FROM \(tenderID)
              AND t.status NOT IN ('cancelled', 'unsuccessful') AND l.status NOT IN ('cancelled', 'unsuccessful')
            GROUP BY l.purchase_line_id
            """, logger: logger).decode((UUID, Int64).self) { result[line] = fen }
        return result
    }

    /// The lots that take up these lines, with their tenders' reference and status (drafts only when asked).
    func lotsTakingUp(_ lineIDs: [UUID], includeDraftsOf buyerID: UUID?) async throws -> [LineLot] {
        var result: [LineLot] = []
        for try await (line, tender, reference, status, lot, number, lotStatus, budget) in try await connection.query("""
            SELECT l.purchase_line_id, t.id, t.reference, t.status, l.id, l.number, l.status, l.budget_fen
            FROM tendering.lots l JOIN tendering.tenders t ON t.id = l.tender_id
            WHERE l.purchase_line_id = ANY(\(lineIDs)) AND (t.status <> 'draft' OR t.buyer_id = \(buyerID))
            ORDER BY t.id, l.number
            """, logger: logger).decode((UUID, UUID, String, String, UUID, Int, String, Int64).self) {
            result.append(LineLot(purchaseLineID: line, tenderID: tender, tenderReference: reference, tenderStatus: TenderStatus(rawValue: status) ?? .draft,
                                  lotID: lot, number: number, status: LotStatus(rawValue: lotStatus) ?? .active, budget: Money(minorUnits: budget)))
        }
        return result
    }

    /// The tenders that put these purchase lines up for tender, with the line each lot takes up (by the lots' index).
    func tenderIDs(takingUp lineIDs: [UUID]) async throws -> [(line: UUID, tender: UUID)] {
        var result: [(line: UUID, tender: UUID)] = []
        for try await (line, tender) in try await connection.query("""
            SELECT purchase_line_id, tender_id FROM tendering.lots WHERE purchase_line_id = ANY(\(lineIDs)) ORDER BY tender_id
            """, logger: logger).decode((UUID, UUID).self) { result.append((line, tender)) }
        return result
    }

    /// The tender whose deadline has come, locked for this transaction; tenders other instances
    /// hold are skipped, so no tender is moved twice.
    func claimDue(at now: Date) async throws -> Tender? {
        try await tenders("""
            SELECT \(unescaped: Self.columns) FROM tendering.tenders WHERE next_event_at <= \(now)
            ORDER BY next_event_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """).first
    }

    // MARK: Questions

    func questions(of tenderID: UUID) async throws -> [Question] {
        try await questions("""
            SELECT id, tender_id, lot_id, text, asked_at, answer, answered_at FROM tendering.questions
            WHERE tender_id = \(tenderID) ORDER BY asked_at, id
            """)
    }

    func questions(ofTenders tenderIDs: [UUID]) async throws -> [Question] {
        try await questions("""
            SELECT id, tender_id, lot_id, text, asked_at, answer, answered_at FROM tendering.questions
            WHERE tender_id = ANY(\(tenderIDs)) ORDER BY tender_id, asked_at, id
            """)
    }

    func question(id: UUID) async throws -> Question? {
        try await questions("""
            SELECT id, tender_id, lot_id, text, asked_at, answer, answered_at FROM tendering.questions WHERE id = \(id) FOR UPDATE
            """).first
    }

    private func questions(_ query: PostgresQuery) async throws -> [Question] {
        var result: [Question] = []
        for try await (id, tender, lot, text, asked, answer, answered) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID?, String, Date, String?, Date?).self) {
            result.append(Question(id: id, tenderID: tender, lotID: lot, text: text, askedAt: asked, answer: answer, answeredAt: answered))
        }
        return result
    }

    func insert(_ question: Question, askerID: UUID) async throws {
        try await connection.query("""
            INSERT INTO tendering.questions (id, tender_id, lot_id, asker_id, text, asked_at)
            VALUES (\(question.id), \(question.tenderID), \(question.lotID), \(askerID), \(question.text), \(question.askedAt))
            """, logger: logger)
    }

    func answer(_ question: Question, by userID: UUID) async throws {
        try await connection.query("""
            UPDATE tendering.questions SET answer = \(question.answer), answered_at = \(question.answeredAt), answered_by = \(userID)
            WHERE id = \(question.id)
            """, logger: logger)
    }
}

/// How a read locks the tender row: writers of a tender take it for update; bids take it for share,
/// so they wait while the worker opens the tender and then see it closed.
enum RowLock: String {
    case forUpdate = "FOR UPDATE"
    case forShare = "FOR SHARE"
}
