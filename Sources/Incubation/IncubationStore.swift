import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of stage policies and placements, and nothing else.
struct IncubationStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Stage policies

    func policies() async throws -> [StagePolicy] {
        var result: [StagePolicy] = []
        let decoder = JSONDecoder()
        for try await (stage, entry, graduation, months, updated) in try await connection.query("""
            SELECT stage, entry_rules::text, graduation_rules::text, maximum_stay_months, updated_at FROM incubation.stage_policies
            """, logger: logger).decode((String, String, String, Int, Date).self) {
            guard let stage = IncubationStage(rawValue: stage) else { continue }
            result.append(StagePolicy(stage: stage, entryRules: try decoder.decode([StageRule].self, from: Data(entry.utf8)),
                                      graduationRules: try decoder.decode([StageRule].self, from: Data(graduation.utf8)),
                                      maximumStayMonths: months, updatedAt: updated))
        }
        return result.sorted { $0.stage < $1.stage }
    }

    func update(_ policy: StagePolicy, by userID: UUID, at date: Date) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await connection.query("""
            UPDATE incubation.stage_policies SET entry_rules = \(String(decoding: try encoder.encode(policy.entryRules), as: UTF8.self))::jsonb,
                graduation_rules = \(String(decoding: try encoder.encode(policy.graduationRules), as: UTF8.self))::jsonb,
                maximum_stay_months = \(policy.maximumStayMonths), updated_at = \(date), updated_by = \(userID)
            WHERE stage = \(policy.stage.rawValue)
            """, logger: logger)
    }

    // MARK: Placements

    private static let columns = "id, organisation_id, stage, entered_at, left_at, reason, overridden, failed_rules, moved_by"

    /// Every stay of an organisation, oldest first.
    func placements(of organisationID: UUID) async throws -> [Placement] {
        try await placements("""
            SELECT \(unescaped: Self.columns) FROM incubation.placements WHERE organisation_id = \(organisationID) ORDER BY entered_at, id
            """)
    }

    /// The organisation's current stay, locked: two moves of one organisation go one after the other.
    func currentForUpdate(of organisationID: UUID) async throws -> Placement? {
        try await placements("""
            SELECT \(unescaped: Self.columns) FROM incubation.placements WHERE organisation_id = \(organisationID) AND left_at IS NULL FOR UPDATE
            """).first
    }

    /// Every current stay (the board).
    func current() async throws -> [Placement] {
        try await placements("SELECT \(unescaped: Self.columns) FROM incubation.placements WHERE left_at IS NULL ORDER BY stage, entered_at")
    }

    /// Every stay (the funnel counts entries and exits per stage and year).
    func all() async throws -> [Placement] {
        try await placements("SELECT \(unescaped: Self.columns) FROM incubation.placements ORDER BY entered_at")
    }

    private func placements(_ query: PostgresQuery) async throws -> [Placement] {
        var result: [Placement] = []
        for try await (id, organisation, stage, entered, left, reason, overridden, failed, movedBy) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, String, Date, Date?, String, Bool, [String], UUID).self) {
            result.append(Placement(id: id, organisationID: organisation, stage: IncubationStage(rawValue: stage) ?? .nursery, enteredAt: entered,
                                    leftAt: left, reason: reason, overridden: overridden, failedRules: failed, movedBy: movedBy))
        }
        return result
    }

    func insert(_ p: Placement) async throws {
        try await connection.query("""
            INSERT INTO incubation.placements (id, organisation_id, stage, entered_at, reason, overridden, failed_rules, moved_by)
            VALUES (\(p.id), \(p.organisationID), \(p.stage.rawValue), \(p.enteredAt), \(p.reason), \(p.overridden), \(p.failedRules), \(p.movedBy))
            """, logger: logger)
    }

    func close(_ placementID: UUID, at date: Date) async throws {
        try await connection.query("UPDATE incubation.placements SET left_at = \(date) WHERE id = \(placementID)", logger: logger)
    }
}

/// The SQL of capacity assessments.
extension IncubationStore {
    func assessments(of organisationIDs: [UUID]) async throws -> [CapacityAssessment] {
        var result: [CapacityAssessment] = []
        for try await (id, organisation, day, scores, note) in try await connection.query("""
            SELECT id, organisation_id, assessed_on::text, scores::text, note FROM incubation.assessments
            WHERE organisation_id = ANY(\(organisationIDs)) ORDER BY organisation_id, assessed_on
            """, logger: logger).decode((UUID, UUID, String, String, String).self) {
            let raw = try JSONDecoder().decode([String: Int].self, from: Data(scores.utf8))
            var decoded: [CapacityElement: Int] = [:]
            for (key, value) in raw { if let element = CapacityElement(rawValue: key) { decoded[element] = value } }
            result.append(CapacityAssessment(id: id, organisationID: organisation, assessedOn: day, scores: decoded, note: note))
        }
        return result
    }

    func insert(_ a: CapacityAssessment, by userID: UUID, at date: Date) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let scores = Dictionary(uniqueKeysWithValues: a.scores.map { ($0.key.rawValue, $0.value) })
        try await connection.query("""
            INSERT INTO incubation.assessments (id, organisation_id, assessed_on, scores, note, assessor_id, recorded_at)
            VALUES (\(a.id), \(a.organisationID), \(a.assessedOn)::date, \(String(decoding: try encoder.encode(scores), as: UTF8.self))::jsonb,
                    \(a.note), \(userID), \(date))
            """, logger: logger)
    }
}

/// The SQL of mentors and support sessions.
extension IncubationStore {
    func mentors() async throws -> [Mentor] {
        var result: [Mentor] = []
        for try await (id, name, expertise, affiliation) in try await connection.query(
            "SELECT id, name, expertise, affiliation FROM incubation.mentors ORDER BY name, id", logger: logger).decode((UUID, String, String, String).self) {
            result.append(Mentor(id: id, name: name, expertise: expertise, affiliation: affiliation))
        }
        return result
    }

    func insert(_ m: Mentor, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO incubation.mentors (id, name, expertise, affiliation, created_at) VALUES (\(m.id), \(m.name), \(m.expertise), \(m.affiliation), \(date))
            """, logger: logger)
    }

    func sessions(of organisationID: UUID) async throws -> [SupportSession] {
        var result: [SupportSession] = []
        for try await (id, mentor, held, minutes, kind, topic) in try await connection.query("""
            SELECT id, mentor_id, held_on::text, minutes, kind, topic FROM incubation.sessions WHERE organisation_id = \(organisationID) ORDER BY held_on, id
            """, logger: logger).decode((UUID, UUID?, String, Int, String, String).self) {
            result.append(SupportSession(id: id, organisationID: organisationID, mentorID: mentor, heldOn: held, minutes: minutes,
                                         kind: SupportSession.Kind(rawValue: kind) ?? .mentoring, topic: topic))
        }
        return result
    }

    func insert(_ s: SupportSession, by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO incubation.sessions (id, organisation_id, mentor_id, held_on, minutes, kind, topic, recorded_by, recorded_at)
            VALUES (\(s.id), \(s.organisationID), \(s.mentorID), \(s.heldOn)::date, \(s.minutes), \(s.kind.rawValue), \(s.topic), \(userID), \(date))
            """, logger: logger)
    }
}
