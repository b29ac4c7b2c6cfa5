import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of programmes, applications and reviews, and nothing else.
struct ProgrammeStore {
    let connection: PostgresConnection
    let logger: Logger

    func programmes() async throws -> [Programme] {
        try await programmes("""
            SELECT id, name, stage, intake_opens::text, intake_closes::text, capacity, rubric::text FROM incubation.programmes
            ORDER BY intake_opens DESC, id
            """)
    }

    func programme(id: UUID) async throws -> Programme? {
        try await programmes("""
            SELECT id, name, stage, intake_opens::text, intake_closes::text, capacity, rubric::text FROM incubation.programmes WHERE id = \(id)
            """).first
    }

    private func programmes(_ query: PostgresQuery) async throws -> [Programme] {
        var result: [Programme] = []
        for try await (id, name, stage, opens, closes, capacity, rubric) in try await connection.query(query, logger: logger)
            .decode((UUID, String, String, String, String, Int, String).self) {
            result.append(Programme(id: id, name: name, stage: IncubationStage(rawValue: stage) ?? .nursery, intakeOpens: opens, intakeCloses: closes,
                                    capacity: capacity, rubric: try JSONDecoder().decode([RubricItem].self, from: Data(rubric.utf8))))
        }
        return result
    }

    func insert(_ p: Programme, by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO incubation.programmes (id, name, stage, intake_opens, intake_closes, capacity, rubric, created_at, created_by)
            VALUES (\(p.id), \(p.name), \(p.stage.rawValue), \(p.intakeOpens)::date, \(p.intakeCloses)::date, \(p.capacity),
                    \(String(decoding: try JSONEncoder().encode(p.rubric), as: UTF8.self))::jsonb, \(date), \(userID))
            """, logger: logger)
    }

    // MARK: Applications

    private static let columns = "id, programme_id, organisation_id, idea, team_size, needs, status, submitted_at, decision_reason, decided_at"

    func applications(programmeID: UUID) async throws -> [Application] {
        try await applications("SELECT \(unescaped: Self.columns) FROM incubation.applications WHERE programme_id = \(programmeID) ORDER BY submitted_at, id")
    }

    /// One application, locked for update unless only read.
    func application(id: UUID, forUpdate: Bool = true) async throws -> Application? {
        try await applications("""
            SELECT \(unescaped: Self.columns) FROM incubation.applications WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """).first
    }

    /// An application, locked, with its programme; not found otherwise.
    func lockedApplication(_ id: UUID) async throws -> (Application, Programme) {
        guard let application = try await application(id: id), let programme = try await programme(id: application.programmeID) else {
            throw DomainError.notFound("no application has id \(id.lowercased)")
        }
        return (application, programme)
    }

    private func applications(_ query: PostgresQuery) async throws -> [Application] {
        var result: [Application] = []
        for try await (id, programme, organisation, idea, teamSize, needs, status, submitted, reason, decided) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID, String, Int, String, String, Date, String?, Date?).self) {
            result.append(Application(id: id, programmeID: programme, organisationID: organisation,
                                      form: ApplicationForm(idea: idea, teamSize: teamSize, needs: needs),
                                      status: ApplicationStatus(rawValue: status) ?? .submitted, submittedAt: submitted, decisionReason: reason,
                                      decidedAt: decided, reviews: []))
        }
        guard !result.isEmpty else { return result }
        let reviews = try await reviews(of: result.map(\.id))
        for index in result.indices { result[index].reviews = reviews[result[index].id] ?? [] }
        return result
    }

    private func reviews(of applicationIDs: [UUID]) async throws -> [UUID: [Review]] {
        var result: [UUID: [Review]] = [:]
        for try await (application, reviewer, name, points, comment, submitted) in try await connection.query("""
            SELECT application_id, reviewer_id, reviewer_name, points::text, comment, submitted_at FROM incubation.reviews
            WHERE application_id = ANY(\(applicationIDs)) ORDER BY submitted_at
            """, logger: logger).decode((UUID, UUID, String, String, String, Date).self) {
            result[application, default: []].append(Review(reviewerID: reviewer, reviewerName: name,
                                                           points: try JSONDecoder().decode([String: Int].self, from: Data(points.utf8)),
                                                           comment: comment, submittedAt: submitted))
        }
        return result
    }

    func insert(_ a: Application) async throws {
        try await connection.query("""
            INSERT INTO incubation.applications (id, programme_id, organisation_id, idea, team_size, needs, status, submitted_at)
            VALUES (\(a.id), \(a.programmeID), \(a.organisationID), \(a.form.idea), \(a.form.teamSize), \(a.form.needs), \(a.status.rawValue), \(a.submittedAt))
            """, logger: logger)
    }

    func decide(_ a: Application, by userID: UUID) async throws {
        try await connection.query("""
            UPDATE incubation.applications SET status = \(a.status.rawValue), decision_reason = \(a.decisionReason), decided_at = \(a.decidedAt),
                decided_by = \(userID)
            WHERE id = \(a.id)
            """, logger: logger)
    }

    func insert(_ r: Review, applicationID: UUID) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await connection.query("""
            INSERT INTO incubation.reviews (application_id, reviewer_id, reviewer_name, points, comment, submitted_at)
            VALUES (\(applicationID), \(r.reviewerID), \(r.reviewerName), \(String(decoding: try encoder.encode(r.points), as: UTF8.self))::jsonb,
                    \(r.comment), \(r.submittedAt))
            """, logger: logger)
    }

    /// Admitted applications of a programme, locked: admissions against the capacity go one at a time.
    func admittedCount(programmeID: UUID) async throws -> Int {
        _ = try await connection.query("SELECT id FROM incubation.programmes WHERE id = \(programmeID) FOR UPDATE", logger: logger).collect()
        let rows = try await connection.query("""
            SELECT count(*)::int FROM incubation.applications WHERE programme_id = \(programmeID) AND status = 'admitted'
            """, logger: logger).collect()
        return try rows[0].decode(Int.self)
    }
}

// MARK: Reviewers

extension ProgrammeStore {
    func seat(_ reviewerID: UUID, on programmeID: UUID, by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO incubation.programme_reviewers (programme_id, reviewer_id, seated_by, seated_at)
            VALUES (\(programmeID), \(reviewerID), \(userID), \(date)) ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    func unseat(_ reviewerID: UUID, from programmeID: UUID) async throws {
        try await connection.query("DELETE FROM incubation.programme_reviewers WHERE programme_id = \(programmeID) AND reviewer_id = \(reviewerID)",
                                   logger: logger)
    }

    /// The programme's seated reviewers, by name.
    func reviewers(of programmeID: UUID) async throws -> [ProgrammeReviewer] {
        var result: [ProgrammeReviewer] = []
        for try await (id, name, at) in try await connection.query("""
            SELECT r.reviewer_id, u.display_name, r.seated_at FROM incubation.programme_reviewers r JOIN identity.users u ON u.id = r.reviewer_id
            WHERE r.programme_id = \(programmeID) ORDER BY u.display_name, r.reviewer_id
            """, logger: logger).decode((UUID, String, Date).self) {
            result.append(ProgrammeReviewer(userID: id, displayName: name, seatedAt: at))
        }
        return result
    }
}
