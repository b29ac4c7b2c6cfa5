import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of delivery: contracts, milestones, reports, evidence, sign-offs.
struct DeliveryStore {
    let connection: PostgresConnection
    let logger: Logger

    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    private func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    func nextReference(year: Int) async throws -> String {
        let rows = try await connection.query("SELECT nextval('delivery.contract_reference')", logger: logger).collect()
        return String(format: "HT-%04d-%04d", year, try rows[0].decode(Int.self))
    }

    // MARK: Contracts

    func insert(_ c: Contract) async throws {
        try await connection.query("""
            INSERT INTO delivery.contracts (id, reference, award_id, tender_id, lot_id, buyer_id, supplier_id, purchase_line_id, title, value_fen,
                starts_on, ends_on, term_justification, terms, status, created_by, created_at, survey_token)
            VALUES (\(c.id), \(c.reference), \(c.awardID), \(c.tenderID), \(c.lotID), \(c.buyerID), \(c.supplierID), \(c.purchaseLineID), \(c.title),
                \(c.value.minorUnits), \(c.startsOn)::date, \(c.endsOn)::date, \(c.termJustification), \(c.terms), \(c.status.rawValue), \(c.createdBy), \(c.createdAt),
                \(c.surveyToken))
            """, logger: logger)
    }

    func update(_ c: Contract) async throws {
        try await connection.query("""
            UPDATE delivery.contracts SET starts_on = \(c.startsOn)::date, ends_on = \(c.endsOn)::date, term_justification = \(c.termJustification),
                terms = \(c.terms), status = \(c.status.rawValue), buyer_signed_by = \(c.buyerSignedBy), buyer_signed_at = \(c.buyerSignedAt),
                supplier_signed_by = \(c.supplierSignedBy), supplier_signed_at = \(c.supplierSignedAt), signed_at = \(c.signedAt),
                published_at = \(c.publishedAt), commitment_id = \(c.commitmentID), closed_at = \(c.closedAt), closing_reason = \(c.closingReason)
            WHERE id = \(c.id)
            """, logger: logger)
    }

    private static let contractColumns = """
        id, reference, award_id, tender_id, lot_id, buyer_id, supplier_id, purchase_line_id, title, value_fen, starts_on::text, ends_on::text,
        term_justification, terms, status, buyer_signed_by, buyer_signed_at, supplier_signed_by, supplier_signed_at, signed_at, published_at,
        commitment_id, closed_at, closing_reason, created_by, created_at, survey_token
        """

    func contract(id: UUID, forUpdate: Bool = false) async throws -> Contract? {
        try await contracts("""
            SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """).first
    }

    func contract(surveyToken: String) async throws -> Contract? {
        try await contracts("SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE survey_token = \(surveyToken)").first
    }

    func contract(reference: String) async throws -> Contract? {
        try await contracts("SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE reference = \(reference)").first
    }

    func contract(awardID: UUID) async throws -> Contract? {
        try await contracts("SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE award_id = \(awardID)").first
    }

    /// Newest first, after the keyset cursor: the organisation's (as buyer or supplier), or published ones for
    /// everybody else; narrowed by the filters of `filter`.
    func contracts(of organisationID: UUID?, after: UUID?, limit: Int, filter: ContractFilter = .init()) async throws -> [Contract] {
        try await contracts(Self.listQuery(of: organisationID, after: after, limit: limit, filter: filter))
    }

    /// The list's SQL, apart so that a test can EXPLAIN exactly what runs. The year is the budget year: that of
    /// the purchase line the contract spends.
    static func listQuery(of organisationID: UUID?, after: UUID?, limit: Int, filter: ContractFilter = .init()) -> PostgresQuery {
        // Two statements (the same filters) rather than one with a CASE, so that each keeps its own index plan.
        if let organisationID {
            return """
                SELECT \(unescaped: contractColumns) FROM delivery.contracts
                WHERE (buyer_id = \(organisationID) OR supplier_id = \(organisationID))
                  AND (\(after)::uuid IS NULL OR id < \(after))
                  AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
                  AND (\(filter.tenderID)::uuid IS NULL OR tender_id = \(filter.tenderID))
                  AND (\(filter.supplierID)::uuid IS NULL OR supplier_id = \(filter.supplierID))
                  AND (\(filter.year)::integer IS NULL OR purchase_line_id IN (SELECT id FROM tendering.purchase_lines WHERE year = \(filter.year)))
                ORDER BY id DESC LIMIT \(limit)
                """
        }
        return """
            SELECT \(unescaped: contractColumns) FROM delivery.contracts
            WHERE published_at IS NOT NULL
              AND (\(after)::uuid IS NULL OR id < \(after))
              AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
              AND (\(filter.tenderID)::uuid IS NULL OR tender_id = \(filter.tenderID))
              AND (\(filter.supplierID)::uuid IS NULL OR supplier_id = \(filter.supplierID))
              AND (\(filter.year)::integer IS NULL OR purchase_line_id IN (SELECT id FROM tendering.purchase_lines WHERE year = \(filter.year)))
            ORDER BY id DESC LIMIT \(limit)
            """
    }

    func publishedContracts(awardIDs: [UUID]) async throws -> [Contract] {
        try await contracts("""
            SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE award_id = ANY(\(awardIDs)) AND published_at IS NOT NULL ORDER BY id
            """)
    }

    func contracts(awardIDs: [UUID]) async throws -> [Contract] {
        try await contracts("SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE award_id = ANY(\(awardIDs)) ORDER BY id")
    }

    func contracts(ids: [UUID]) async throws -> [Contract] {
        try await contracts("SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE id = ANY(\(ids)) ORDER BY id DESC")
    }

    /// Signed contracts published, or still unpublished at `now`, more than `days` days after signing.
    func signedContracts(publishedLaterThan days: Int, now: Date) async throws -> [Contract] {
        try await contracts("""
            SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts
            WHERE signed_at IS NOT NULL AND coalesce(published_at, \(now)) > signed_at + make_interval(days => \(days)::integer) ORDER BY id
            """)
    }

    func unpublished() async throws -> [Contract] {
        try await contracts("""
            SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE signed_at IS NOT NULL AND published_at IS NULL ORDER BY signed_at
            """)
    }

    private func contracts(_ query: PostgresQuery) async throws -> [Contract] {
        var result: [Contract] = []
        for try await row in try await connection.query(query, logger: logger) {
            let r = try row.decode((UUID, String, UUID, UUID, UUID, UUID, UUID, UUID, String, Int64, String, String, String?, String, String,
                                    UUID?, Date?, UUID?, Date?, Date?, Date?, UUID?, Date?, String?, UUID, Date, String?).self)
            result.append(Contract(id: r.0, reference: r.1, awardID: r.2, tenderID: r.3, lotID: r.4, buyerID: r.5, supplierID: r.6, purchaseLineID: r.7,
                                   title: r.8, value: Money(minorUnits: r.9), startsOn: r.10, endsOn: r.11, termJustification: r.12, terms: r.13,
                                   status: ContractStatus(rawValue: r.14)!, buyerSignedBy: r.15, buyerSignedAt: r.16, supplierSignedBy: r.17,
                                   supplierSignedAt: r.18, signedAt: r.19, publishedAt: r.20, commitmentID: r.21, closedAt: r.22, closingReason: r.23,
                                   createdBy: r.24, createdAt: r.25, surveyToken: r.26))
        }
        return result
    }

    // MARK: Milestones

    func replaceMilestones(of contractID: UUID, with milestones: [Milestone]) async throws {
        try await connection.query("DELETE FROM delivery.milestones WHERE contract_id = \(contractID)", logger: logger)
        for m in milestones {
            try await connection.query("""
                INSERT INTO delivery.milestones (id, contract_id, number, title, due_on, deliverables, share_bp, metrics, status)
                VALUES (\(m.id), \(m.contractID), \(m.number), \(m.title), \(m.dueOn)::date, \(m.deliverables), \(m.shareBasisPoints),
                    \(try json(m.metrics))::jsonb, \(m.status.rawValue))
                """, logger: logger)
        }
    }

    func setStatus(milestoneID: UUID, _ status: MilestoneStatus) async throws {
        try await connection.query("UPDATE delivery.milestones SET status = \(status.rawValue) WHERE id = \(milestoneID)", logger: logger)
    }

    func milestones(of contractIDs: [UUID]) async throws -> [Milestone] {
        var result: [Milestone] = []
        for try await (id, contract, number, title, due, deliverables, share, metrics, status) in try await connection.query("""
            SELECT id, contract_id, number, title, due_on::text, deliverables, share_bp, metrics::text, status
            FROM delivery.milestones WHERE contract_id = ANY(\(contractIDs)) ORDER BY contract_id, number
            """, logger: logger).decode((UUID, UUID, Int, String, String, String, Int, String, String).self) {
            result.append(Milestone(id: id, contractID: contract, number: number, title: title, dueOn: due, deliverables: deliverables,
                                    shareBasisPoints: share, metrics: try decoder.decode([OutcomeMetric].self, from: Data(metrics.utf8)),
                                    status: MilestoneStatus(rawValue: status)!))
        }
        return result
    }

    /// When each decided milestone of these contracts was decided: its standing final sign-off's date (the countersignature's
    /// where one was required), for OCDS's `dateMet`. A sign-off still waiting for its countersignature decides nothing yet.
    func decidedOn(contractIDs: [UUID]) async throws -> [UUID: Date] {
        var result: [UUID: Date] = [:]
        for try await (milestone, decided) in try await connection.query("""
            SELECT DISTINCT ON (milestone_id) milestone_id, coalesce(countersigned_at, signed_at) FROM delivery.signoffs
            WHERE contract_id = ANY(\(contractIDs)) AND decision <> 'more_evidence' AND (NOT countersign_required OR countersigned_at IS NOT NULL)
            ORDER BY milestone_id, seq DESC
            """, logger: logger).decode((UUID, Date).self) {
            result[milestone] = decided
        }
        return result
    }

    // MARK: Reports and evidence

    func insert(_ r: Report, files: [(Evidence, Data)]) async throws {
        try await connection.query("""
            INSERT INTO delivery.reports (id, milestone_id, contract_id, version, results, beneficiaries, narrative, submitted_by, submitted_at)
            VALUES (\(r.id), \(r.milestoneID), \(r.contractID), \(r.version), \(try json(r.results))::jsonb, \(r.beneficiaries), \(r.narrative),
                \(r.submittedBy), \(r.submittedAt))
            """, logger: logger)
        for (e, data) in files {
            try await connection.query("""
                INSERT INTO delivery.evidence (id, report_id, filename, kind, size, sha256, obtained_how, obtained_on, content)
                VALUES (\(e.id), \(e.reportID), \(e.filename), \(e.kind.rawValue), \(e.size), \(e.sha256), \(e.obtainedHow), \(e.obtainedOn)::date,
                    \(ByteBuffer(bytes: data)))
                """, logger: logger)
        }
    }

    /// The contract's reports, each milestone's newest version first, with their evidence (without bytes).
    func reports(of contractID: UUID) async throws -> [Report] {
        var evidence: [UUID: [Evidence]] = [:]
        for try await (id, report, filename, kind, size, sha, how, on) in try await connection.query("""
            SELECT e.id, e.report_id, e.filename, e.kind, e.size, e.sha256, e.obtained_how, e.obtained_on::text
            FROM delivery.evidence e JOIN delivery.reports r ON r.id = e.report_id WHERE r.contract_id = \(contractID) ORDER BY e.id
            """, logger: logger).decode((UUID, UUID, String, String, Int, String, String, String).self) {
            evidence[report, default: []].append(Evidence(id: id, reportID: report, filename: filename, kind: FileKind(rawValue: kind)!, size: size,
                                                          sha256: sha, obtainedHow: how, obtainedOn: on))
        }
        var result: [Report] = []
        for try await (id, milestone, version, results, beneficiaries, narrative, by, at) in try await connection.query("""
            SELECT r.id, r.milestone_id, r.version, r.results::text, r.beneficiaries, r.narrative, r.submitted_by, r.submitted_at
            FROM delivery.reports r JOIN delivery.milestones m ON m.id = r.milestone_id
            WHERE r.contract_id = \(contractID) ORDER BY m.number, r.version DESC
            """, logger: logger).decode((UUID, UUID, Int, String, Int, String, UUID, Date).self) {
            result.append(Report(id: id, milestoneID: milestone, contractID: contractID, version: version,
                                 results: try decoder.decode([String: Int].self, from: Data(results.utf8)), beneficiaries: beneficiaries,
                                 narrative: narrative, submittedBy: by, submittedAt: at, evidence: evidence[id] ?? []))
        }
        return result
    }

    func evidenceFile(id: UUID) async throws -> (evidence: Evidence, contractID: UUID, data: Data)? {
        for try await (id, report, contract, filename, kind, size, sha, how, on, content) in try await connection.query("""
            SELECT e.id, e.report_id, r.contract_id, e.filename, e.kind, e.size, e.sha256, e.obtained_how, e.obtained_on::text, e.content
            FROM delivery.evidence e JOIN delivery.reports r ON r.id = e.report_id WHERE e.id = \(id)
            """, logger: logger).decode((UUID, UUID, UUID, String, String, Int, String, String, String, ByteBuffer).self) {
            return (Evidence(id: id, reportID: report, filename: filename, kind: FileKind(rawValue: kind)!, size: size, sha256: sha,
                             obtainedHow: how, obtainedOn: on), contract, Data(buffer: content))
        }
        return nil
    }

    // MARK: Sign-offs

    func insert(_ s: SignOff) async throws {
        try await connection.query("""
            INSERT INTO delivery.signoffs (id, milestone_id, report_id, contract_id, decision, verified, verified_beneficiaries, reasons, evaluator_id,
                evaluator_name, signed_at, countersign_required, supersedes, platform_figures)
            VALUES (\(s.id), \(s.milestoneID), \(s.reportID), \(s.contractID), \(s.decision.rawValue), \(try json(s.verified))::jsonb,
                \(s.verifiedBeneficiaries), \(s.reasons), \(s.evaluatorID), \(s.evaluatorName), \(s.signedAt), \(s.countersignRequired), \(s.supersedes),
                \(try json(s.platformFigures))::jsonb)
            """, logger: logger)
    }

    func countersign(_ id: UUID, by userID: UUID, name: String, at date: Date) async throws {
        try await connection.query("""
            UPDATE delivery.signoffs SET countersigned_by = \(userID), countersigner_name = \(name), countersigned_at = \(date) WHERE id = \(id)
            """, logger: logger)
    }

    /// Every sign-off of the contract, oldest first.
    func signOffs(of contractID: UUID) async throws -> [SignOff] { try await signOffs(of: [contractID]) }

    func signOffs(of contractIDs: [UUID]) async throws -> [SignOff] {
        var result: [SignOff] = []
        for try await row in try await connection.query("""
            SELECT id, milestone_id, report_id, decision, verified::text, verified_beneficiaries, reasons, evaluator_id, evaluator_name, signed_at,
                   countersign_required, countersigned_by, countersigner_name, countersigned_at, supersedes, contract_id, platform_figures::text
            FROM delivery.signoffs WHERE contract_id = ANY(\(contractIDs)) ORDER BY seq
            """, logger: logger) {
            let (id, milestone, report, decision, verified, beneficiaries, reasons, evaluator, name, at, required, by, byName, byAt, supersedes, contractID, figures) =
                try row.decode((UUID, UUID, UUID, String, String, Int, String, UUID, String, Date, Bool, UUID?, String?, Date?, UUID?, UUID, String).self)
            result.append(SignOff(id: id, milestoneID: milestone, reportID: report, contractID: contractID, decision: SignOffDecision(rawValue: decision)!,
                                  verified: try decoder.decode([String: Int].self, from: Data(verified.utf8)), verifiedBeneficiaries: beneficiaries,
                                  reasons: reasons, evaluatorID: evaluator, evaluatorName: name, signedAt: at, countersignRequired: required,
                                  countersignedBy: by, countersignerName: byName, countersignedAt: byAt, supersedes: supersedes,
                                  platformFigures: try decoder.decode([String: Int].self, from: Data(figures.utf8))))
        }
        return result
    }

    func contractID(ofMilestone id: UUID) async throws -> UUID? {
        for try await contract in try await connection.query("SELECT contract_id FROM delivery.milestones WHERE id = \(id)", logger: logger).decode(UUID.self) {
            return contract
        }
        return nil
    }

    func milestoneID(ofSignOff id: UUID) async throws -> UUID? {
        for try await milestone in try await connection.query("SELECT milestone_id FROM delivery.signoffs WHERE id = \(id)", logger: logger).decode(UUID.self) {
            return milestone
        }
        return nil
    }

    /// Reported milestones of running contracts the evaluator is assigned to, and the latest sign-offs
    /// there still waiting for a second signature (not the evaluator's own).
    func awaitingSignOff(assignedTo evaluatorID: UUID) async throws -> [SignOffTask] {
        var result: [SignOffTask] = []
        for try await (contract, reference, milestone, number, title, signOff, since) in try await connection.query("""
            SELECT c.id, c.reference, m.id, m.number, m.title, NULL::uuid, (SELECT max(submitted_at) FROM delivery.reports r WHERE r.milestone_id = m.id)
            FROM delivery.milestones m JOIN delivery.contracts c ON c.id = m.contract_id
            WHERE m.status = 'reported' AND c.status = 'signed' AND c.id IN (SELECT e.contract_id FROM delivery.engagements e JOIN delivery.assignments a ON a.engagement_id = e.id
                                                                                            WHERE e.ended_at IS NULL AND a.evaluator_id = \(evaluatorID))
              AND NOT EXISTS (SELECT 1 FROM delivery.signoffs s WHERE s.milestone_id = m.id AND s.countersign_required AND s.countersigned_at IS NULL
                              AND s.seq = (SELECT max(seq) FROM delivery.signoffs x WHERE x.milestone_id = m.id))
            UNION ALL
            SELECT c.id, c.reference, m.id, m.number, m.title, s.id, s.signed_at
            FROM delivery.signoffs s JOIN delivery.milestones m ON m.id = s.milestone_id JOIN delivery.contracts c ON c.id = s.contract_id
            WHERE s.countersign_required AND s.countersigned_at IS NULL AND c.status = 'signed' AND c.id IN (SELECT e.contract_id FROM delivery.engagements e JOIN delivery.assignments a ON a.engagement_id = e.id
                                                                                            WHERE e.ended_at IS NULL AND a.evaluator_id = \(evaluatorID))
              AND s.evaluator_id <> \(evaluatorID)
              AND s.seq = (SELECT max(seq) FROM delivery.signoffs x WHERE x.milestone_id = m.id)
            ORDER BY 7
            """, logger: logger).decode((UUID, String, UUID, Int, String, UUID?, Date).self) {
            result.append(SignOffTask(contractID: contract, contractReference: reference, milestoneID: milestone, milestoneNumber: number,
                                      milestoneTitle: title, signOffID: signOff, since: since))
        }
        return result
    }

    // MARK: Evaluations

    func insert(_ e: PerformanceEvaluation) async throws {
        try await connection.query("""
            INSERT INTO delivery.evaluations (id, contract_id, phase, indicators, score_hundredths, grade, summary, evaluator_id, evaluator_name, evaluated_at)
            VALUES (\(e.id), \(e.contractID), \(e.phase.rawValue), \(try json(e.indicators))::jsonb, \(e.score.hundredths), \(e.grade), \(e.summary),
                \(e.evaluatorID), \(e.evaluatorName), \(e.evaluatedAt))
            """, logger: logger)
    }

    func evaluations(of contractIDs: [UUID], phase: EvaluationPhase? = nil) async throws -> [PerformanceEvaluation] {
        var result: [PerformanceEvaluation] = []
        for try await (id, contract, phaseText, indicators, score, grade, summary, evaluator, name, at) in try await connection.query("""
            SELECT id, contract_id, phase, indicators::text, score_hundredths, grade, summary, evaluator_id, evaluator_name, evaluated_at
            FROM delivery.evaluations WHERE contract_id = ANY(\(contractIDs)) AND (\(phase?.rawValue)::text IS NULL OR phase = \(phase?.rawValue))
            ORDER BY evaluated_at, id
            """, logger: logger).decode((UUID, UUID, String, String, Int, String, String, UUID, String, Date).self) {
            result.append(PerformanceEvaluation(id: id, contractID: contract, phase: EvaluationPhase(rawValue: phaseText)!,
                                                indicators: try decoder.decode([Indicator].self, from: Data(indicators.utf8)),
                                                score: Points(hundredths: score), grade: grade, summary: summary, evaluatorID: evaluator,
                                                evaluatorName: name, evaluatedAt: at))
        }
        return result
    }

    /// The final (事后) grades of the suppliers' contracts, newest first, with the contract's reference.
    func finalGrades(of supplierIDs: [UUID]) async throws -> [(supplierID: UUID, reference: String, grade: String, at: Date)] {
        var result: [(UUID, String, String, Date)] = []
        for try await row in try await connection.query("""
            SELECT c.supplier_id, c.reference, e.grade, e.evaluated_at FROM delivery.evaluations e JOIN delivery.contracts c ON c.id = e.contract_id
            WHERE e.phase = 'ex_post' AND c.supplier_id = ANY(\(supplierIDs)) ORDER BY e.evaluated_at DESC
            """, logger: logger).decode((UUID, String, String, Date).self) {
            result.append(row)
        }
        return result.map { (supplierID: $0.0, reference: $0.1, grade: $0.2, at: $0.3) }
    }

    // MARK: Survey

    /// Serialises answers from one address to one contract's survey (a transaction-scoped advisory lock,
    /// class 1_900_103 of the two-key space), so that the count checked next is the count kept. Its own
    /// statement: the count's snapshot is taken after the lock is held and sees every answer committed before.
    func lockSurveyAnswers(contractID: UUID, client: String) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(1900103, hashtext(\(contractID.lowercased + "/" + client)))", logger: logger)
    }

    func insertAnswer(id: UUID, contractID: UUID, rating: Int, comment: String, device: String, client: String, at date: Date) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO delivery.survey_answers (id, contract_id, rating, comment, device_hash, client_hash, answered_at)
            VALUES (\(id), \(contractID), \(rating), \(comment), \(device), \(client), \(date))
            ON CONFLICT (contract_id, device_hash) DO NOTHING RETURNING id
            """, logger: logger).collect()
        return !rows.isEmpty
    }

    func answers(contractID: UUID, client: String, since: Date) async throws -> Int {
        let rows = try await connection.query("""
            SELECT count(*) FROM delivery.survey_answers WHERE contract_id = \(contractID) AND client_hash = \(client) AND answered_at > \(since)
            """, logger: logger).collect()
        return try rows[0].decode(Int.self)
    }

    /// The ratings of many contracts (no comments), for statistics.
    func ratings(contractIDs: [UUID]) async throws -> [UUID: [Int]] {
        var result: [UUID: [Int]] = [:]
        for try await (contract, rating) in try await connection.query("""
            SELECT contract_id, rating FROM delivery.survey_answers WHERE contract_id = ANY(\(contractIDs))
            """, logger: logger).decode((UUID, Int).self) {
            result[contract, default: []].append(rating)
        }
        return result
    }

    func ratings(contractID: UUID) async throws -> (ratings: [Int], comments: [String]) {
        var ratings: [Int] = [], comments: [String] = []
        for try await (rating, comment) in try await connection.query("""
            SELECT rating, comment FROM delivery.survey_answers WHERE contract_id = \(contractID) ORDER BY answered_at DESC
            """, logger: logger).decode((Int, String).self) {
            ratings.append(rating)
            if !comment.isEmpty && comments.count < 20 { comments.append(comment) }
        }
        return (ratings, comments)
    }

    // MARK: Amendments

    func insert(_ a: Amendment) async throws {
        try await connection.query("""
            INSERT INTO delivery.amendments (id, contract_id, number, reason, before, after, status, proposed_by, proposed_at,
                buyer_signed_by, buyer_signed_at, supplier_signed_by, supplier_signed_at)
            VALUES (\(a.id), \(a.contractID), \(a.number), \(a.reason), \(try json(a.before))::jsonb, \(try json(a.after))::jsonb, \(a.status.rawValue),
                \(a.proposedBy), \(a.proposedAt), \(a.buyerSignedBy), \(a.buyerSignedAt), \(a.supplierSignedBy), \(a.supplierSignedAt))
            """, logger: logger)
    }

    func update(_ a: Amendment) async throws {
        try await connection.query("""
            UPDATE delivery.amendments SET status = \(a.status.rawValue), buyer_signed_by = \(a.buyerSignedBy), buyer_signed_at = \(a.buyerSignedAt),
                supplier_signed_by = \(a.supplierSignedBy), supplier_signed_at = \(a.supplierSignedAt), closed_at = \(a.closedAt)
            WHERE id = \(a.id)
            """, logger: logger)
    }

    func amendments(of contractID: UUID) async throws -> [Amendment] { try await amendments(of: [contractID]) }

    func amendments(of contractIDs: [UUID]) async throws -> [Amendment] {
        var result: [Amendment] = []
        for try await (id, contractID, number, reason, before, after, status, by, at, bBy, bAt, sBy, sAt, closed) in try await connection.query("""
            SELECT id, contract_id, number, reason, before::text, after::text, status, proposed_by, proposed_at, buyer_signed_by, buyer_signed_at,
                   supplier_signed_by, supplier_signed_at, closed_at
            FROM delivery.amendments WHERE contract_id = ANY(\(contractIDs)) ORDER BY contract_id, number
            """, logger: logger).decode((UUID, UUID, Int, String, String, String, String, UUID, Date, UUID?, Date?, UUID?, Date?, Date?).self) {
            result.append(Amendment(id: id, contractID: contractID, number: number, reason: reason,
                                    before: try decoder.decode(Amendment.Terms.self, from: Data(before.utf8)),
                                    after: try decoder.decode(Amendment.Terms.self, from: Data(after.utf8)),
                                    status: Amendment.Status(rawValue: status)!, proposedBy: by, proposedAt: at, buyerSignedBy: bBy, buyerSignedAt: bAt,
                                    supplierSignedBy: sBy, supplierSignedAt: sAt, closedAt: closed))
        }
        return result
    }
}

// MARK: Engagements of evaluation institutions

extension DeliveryStore {
    func insert(_ e: Engagement) async throws {
        try await connection.query("""
            INSERT INTO delivery.engagements (id, contract_id, institution_id, starts_on, ends_on, fee_fen, engaged_by, engaged_at)
            VALUES (\(e.id), \(e.contractID), \(e.institutionID), \(e.startsOn)::date, \(e.endsOn)::date, \(e.fee?.minorUnits), \(e.engagedBy), \(e.engagedAt))
            """, logger: logger)
    }

    func end(engagementID: UUID, by userID: UUID, at date: Date) async throws {
        try await connection.query("UPDATE delivery.engagements SET ended_by = \(userID), ended_at = \(date) WHERE id = \(engagementID)", logger: logger)
    }

    func assign(_ evaluatorID: UUID, to engagementID: UUID, by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO delivery.assignments (engagement_id, evaluator_id, assigned_by, assigned_at)
            VALUES (\(engagementID), \(evaluatorID), \(userID), \(date)) ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    func unassign(_ evaluatorID: UUID, from engagementID: UUID) async throws {
        try await connection.query("DELETE FROM delivery.assignments WHERE engagement_id = \(engagementID) AND evaluator_id = \(evaluatorID)", logger: logger)
    }

    func engagement(id: UUID, forUpdate: Bool = false) async throws -> Engagement? {
        try await engagements("WHERE e.id = \(id)", lock: forUpdate).first
    }

    /// A contract's engagements, the open one last.
    func engagements(ofContract contractID: UUID) async throws -> [Engagement] {
        try await engagements("WHERE e.contract_id = \(contractID)")
    }

    /// An institution's engagements, newest first, with the contracts' references and titles.
    func engagements(ofInstitution institutionID: UUID) async throws -> [EngagementWork] {
        let found = try await engagements("WHERE e.institution_id = \(institutionID)").reversed()
        let contracts = Dictionary(uniqueKeysWithValues: try await contracts("""
            SELECT \(unescaped: Self.contractColumns) FROM delivery.contracts WHERE id = ANY(\(found.map(\.contractID)))
            """).map { ($0.id, $0) })
        return found.compactMap { e in
            contracts[e.contractID].map { EngagementWork(engagement: e, contractReference: $0.reference, contractTitle: $0.title) }
        }
    }

    /// The evaluators assigned under the contract's open engagement: who may sign it off.
    func assignedEvaluators(ofContract contractID: UUID) async throws -> Set<UUID> {
        var result: Set<UUID> = []
        for try await id in try await connection.query("""
            SELECT a.evaluator_id FROM delivery.assignments a JOIN delivery.engagements e ON e.id = a.engagement_id
            WHERE e.contract_id = \(contractID) AND e.ended_at IS NULL
            """, logger: logger).decode(UUID.self) {
            result.insert(id)
        }
        return result
    }

    private func engagements(_ condition: PostgresQuery, lock: Bool = false) async throws -> [Engagement] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT e.id, e.contract_id, e.institution_id, e.starts_on::text, e.ends_on::text, e.fee_fen, e.engaged_by, e.engaged_at, e.ended_at
            FROM delivery.engagements e
            """)
        query.sql += " " + condition.sql + " ORDER BY e.engaged_at, e.id" + (lock ? " FOR UPDATE" : "")
        query.binds = condition.binds
        var result: [Engagement] = []
        for try await (id, contract, institution, startsOn, endsOn, fee, by, at, ended) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID, String, String, Int64?, UUID, Date, Date?).self) {
            result.append(Engagement(id: id, contractID: contract, institutionID: institution, startsOn: startsOn, endsOn: endsOn,
                                     fee: fee.map { Money(minorUnits: $0) }, engagedBy: by, engagedAt: at, endedAt: ended, evaluators: []))
        }
        guard !result.isEmpty else { return [] }
        var evaluators: [UUID: [AssignedEvaluator]] = [:]
        for try await (engagement, user, name, at) in try await connection.query("""
            SELECT a.engagement_id, a.evaluator_id, u.display_name, a.assigned_at
            FROM delivery.assignments a JOIN identity.users u ON u.id = a.evaluator_id
            WHERE a.engagement_id = ANY(\(result.map(\.id))) ORDER BY a.assigned_at, u.display_name
            """, logger: logger).decode((UUID, UUID, String, Date).self) {
            evaluators[engagement, default: []].append(AssignedEvaluator(userID: user, displayName: name, assignedAt: at))
        }
        return result.map { var e = $0; e.evaluators = evaluators[e.id] ?? []; return e }
    }
}
