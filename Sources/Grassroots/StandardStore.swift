import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of the site standards and inspections, and nothing else.
struct StandardStore {
    let connection: PostgresConnection
    let logger: Logger

    private static let columns = """
        s.id, s.jurisdiction_id, s.jurisdiction_code, s.jurisdiction_path, s.tier, s.updated_at,
        v.version, v.title_zh, v.title_en, v.requirements::text, v.meets_mark, v.basic_mark, v.created_at, v.created_by
        """

    /// Standards with their current version: `$1` a jurisdiction whose subtree is wanted, `$2` a tier.
    func standards(jurisdictionID: UUID?, tier: SiteTier?) async throws -> [SiteStandard] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM grassroots.standards s
            JOIN grassroots.standard_versions v ON v.standard_id = s.id AND v.version = s.current_version
            WHERE ($1::uuid IS NULL OR s.jurisdiction_path @> ARRAY[$1::uuid]) AND ($2::text IS NULL OR s.tier = $2)
            ORDER BY s.jurisdiction_code, array_position(ARRAY['county_centre', 'town_centre', 'village_station'], s.tier)
            """)
        query.binds.append(jurisdictionID)
        query.binds.append(tier?.rawValue)
        return try await standards(query)
    }

    func standard(id: UUID, forUpdate: Bool = false) async throws -> SiteStandard? {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM grassroots.standards s
            JOIN grassroots.standard_versions v ON v.standard_id = s.id AND v.version = s.current_version
            WHERE s.id = $1
            """ + (forUpdate ? " FOR UPDATE OF s" : ""))
        query.binds.append(id)
        return try await standards(query).first
    }

    /// The standard of a tier kept by the nearest of the jurisdictions on `path` (its last element the nearest).
    func standard(for tier: SiteTier, on path: [UUID]) async throws -> SiteStandard? {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM grassroots.standards s
            JOIN grassroots.standard_versions v ON v.standard_id = s.id AND v.version = s.current_version
            WHERE s.tier = $1 AND s.jurisdiction_id = ANY($2) ORDER BY array_position($2, s.jurisdiction_id) DESC LIMIT 1
            """)
        query.binds.append(tier.rawValue)
        query.binds.append(path)
        return try await standards(query).first
    }

    func versions(of standardID: UUID) async throws -> [StandardVersion] {
        var result: [StandardVersion] = []
        for try await row in try await connection.query("""
            SELECT v.version, s.jurisdiction_code, s.tier, v.title_zh, v.title_en, v.requirements::text, v.meets_mark, v.basic_mark, v.created_at, v.created_by
            FROM grassroots.standard_versions v JOIN grassroots.standards s ON s.id = v.standard_id
            WHERE v.standard_id = \(standardID) ORDER BY v.version DESC
            """, logger: logger) {
            let (version, code, tier, titleZh, titleEn, requirements, meets, basic, at, by) =
                try row.decode((Int, String, String, String, String, String, Int, Int, Date, UUID).self)
            result.append(StandardVersion(version: version, content: StandardContent(
                jurisdictionCode: code, tier: SiteTier(rawValue: tier) ?? .villageStation, titleZh: titleZh, titleEn: titleEn,
                requirements: Self.decode(requirements), meetsMark: meets, basicMark: basic), createdAt: at, createdBy: by))
        }
        return result
    }

    func version(_ version: Int, of standardID: UUID) async throws -> StandardVersion? {
        try await versions(of: standardID).first { $0.version == version }
    }

    func insert(_ standard: SiteStandard) async throws {
        let c = standard.content
        try await connection.query("""
            INSERT INTO grassroots.standards (id, jurisdiction_id, jurisdiction_code, jurisdiction_path, tier, current_version, updated_at)
            VALUES (\(standard.id), \(standard.jurisdictionID), \(c.jurisdictionCode), \(standard.jurisdictionPath), \(c.tier.rawValue),
                    \(standard.current.version), \(standard.updatedAt))
            """, logger: logger)
        try await insertVersion(standard.current, of: standard.id)
    }

    func revise(_ standard: SiteStandard) async throws {
        try await insertVersion(standard.current, of: standard.id)
        try await connection.query("""
            UPDATE grassroots.standards SET current_version = \(standard.current.version), updated_at = \(standard.updatedAt) WHERE id = \(standard.id)
            """, logger: logger)
    }

    private func insertVersion(_ version: StandardVersion, of id: UUID) async throws {
        let c = version.content
        try await connection.query("""
            INSERT INTO grassroots.standard_versions (standard_id, version, title_zh, title_en, requirements, meets_mark, basic_mark, created_at, created_by)
            VALUES (\(id), \(version.version), \(c.titleZh), \(c.titleEn), \(try Self.json(c.requirements))::jsonb, \(c.meetsMark), \(c.basicMark),
                    \(version.createdAt), \(version.createdBy))
            """, logger: logger)
    }

    // MARK: Inspections

    func insert(_ inspection: Inspection, files: [(InspectionEvidence, Data)]) async throws {
        let i = inspection
        try await connection.query("""
            INSERT INTO grassroots.inspections (id, site_id, standard_id, standard_version, inspected_on, inspector_id, inspector_org, scores, points,
                total_points, score, grade, notes, recorded_at)
            VALUES (\(i.id), \(i.siteID), \(i.standardID), \(i.standardVersion), \(i.inspectedOn)::date, \(i.inspectorID), \(i.inspectorOrganisationID),
                    \(try Self.json(i.scores))::jsonb, \(i.points), \(i.totalPoints), \(i.score), \(i.grade.rawValue), \(i.notes), \(i.recordedAt))
            """, logger: logger)
        for (e, data) in files {
            try await connection.query("""
                INSERT INTO grassroots.inspection_evidence (id, inspection_id, requirement_code, filename, kind, size, sha256, content)
                VALUES (\(e.id), \(e.inspectionID), \(e.requirementCode), \(e.filename), \(e.kind.rawValue), \(e.size), \(e.sha256), \(ByteBuffer(bytes: data)))
                """, logger: logger)
        }
    }

    private static let inspectionColumns = """
        i.id, i.site_id, i.standard_id, i.standard_version, i.inspected_on::text, i.inspector_id, i.inspector_org, i.scores::text, i.points,
        i.total_points, i.score, i.grade, i.notes, i.recorded_at
        """

    /// A site's inspections, newest first (by the day inspected, then the moment recorded).
    func inspections(siteID: UUID, limit: Int) async throws -> [Inspection] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.inspectionColumns) FROM grassroots.inspections i WHERE i.site_id = $1
            ORDER BY i.inspected_on DESC, i.recorded_at DESC LIMIT $2
            """)
        query.binds.append(siteID)
        query.binds.append(limit)
        return try await inspections(query)
    }

    func inspection(id: UUID) async throws -> Inspection? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.inspectionColumns) FROM grassroots.inspections i WHERE i.id = $1")
        query.binds.append(id)
        return try await inspections(query).first
    }

    /// Whether the site has been inspected at all (the demo inspects each site once).
    func isInspected(siteID: UUID) async throws -> Bool {
        for try await count in try await connection.query("SELECT count(*)::integer FROM grassroots.inspections WHERE site_id = \(siteID)",
                                                          logger: logger).decode(Int.self) { return count > 0 }
        return false
    }

    private func inspections(_ query: PostgresQuery) async throws -> [Inspection] {
        var result: [Inspection] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, site, standard, version, on, inspector, organisation, scores, points, total, score, grade, notes, at) =
                try row.decode((UUID, UUID, UUID, Int, String, UUID, UUID, String, Int, Int, Int, String, String, Date).self)
            result.append(Inspection(id: id, siteID: site, standardID: standard, standardVersion: version, inspectedOn: on, inspectorID: inspector,
                                     inspectorOrganisationID: organisation,
                                     scores: (try? JSONDecoder().decode([RequirementScore].self, from: Data(scores.utf8))) ?? [],
                                     points: points, totalPoints: total, score: score, grade: SiteGrade(rawValue: grade) ?? .below, notes: notes,
                                     recordedAt: at, evidence: []))
        }
        guard !result.isEmpty else { return result }
        var evidence: [UUID: [InspectionEvidence]] = [:]
        for try await row in try await connection.query("""
            SELECT id, inspection_id, requirement_code, filename, kind, size, sha256 FROM grassroots.inspection_evidence
            WHERE inspection_id = ANY(\(result.map(\.id))) ORDER BY id
            """, logger: logger) {
            let (id, inspection, code, filename, kind, size, sha) = try row.decode((UUID, UUID, String, String, String, Int, String).self)
            evidence[inspection, default: []].append(InspectionEvidence(id: id, inspectionID: inspection, requirementCode: code, filename: filename,
                                                                        kind: FileKind(rawValue: kind) ?? .pdf, size: size, sha256: sha))
        }
        return result.map { var i = $0; i.evidence = evidence[i.id] ?? []; return i }
    }

    /// An evidence file with its bytes and the site of its inspection.
    func evidenceFile(id: UUID) async throws -> (InspectionEvidence, siteID: UUID, Data)? {
        for try await row in try await connection.query("""
            SELECT e.id, e.inspection_id, e.requirement_code, e.filename, e.kind, e.size, e.sha256, i.site_id, e.content
            FROM grassroots.inspection_evidence e JOIN grassroots.inspections i ON i.id = e.inspection_id WHERE e.id = \(id)
            """, logger: logger) {
            let (id, inspection, code, filename, kind, size, sha, site, content) =
                try row.decode((UUID, UUID, String, String, String, Int, String, UUID, ByteBuffer).self)
            return (InspectionEvidence(id: id, inspectionID: inspection, requirementCode: code, filename: filename, kind: FileKind(rawValue: kind) ?? .pdf,
                                       size: size, sha256: sha), site, Data(buffer: content))
        }
        return nil
    }

    // MARK: Summary

    /// Per tier under a jurisdiction (everywhere when nil): the sites, and the grades of each site's latest inspection.
    func standings(jurisdictionID: UUID?) async throws -> [TierStanding] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT s.tier, count(*)::integer, count(l.grade)::integer,
                   count(*) FILTER (WHERE l.grade = 'meets')::integer, count(*) FILTER (WHERE l.grade = 'basic')::integer,
                   count(*) FILTER (WHERE l.grade = 'below')::integer
            FROM grassroots.sites s
            LEFT JOIN LATERAL (SELECT i.grade FROM grassroots.inspections i WHERE i.site_id = s.id
                               ORDER BY i.inspected_on DESC, i.recorded_at DESC LIMIT 1) l ON true
            WHERE ($1::uuid IS NULL OR s.jurisdiction_path @> ARRAY[$1::uuid])
            GROUP BY s.tier
            """)
        query.binds.append(jurisdictionID)
        var found: [SiteTier: TierStanding] = [:]
        for try await (tier, sites, inspected, meets, basic, below) in try await connection.query(query, logger: logger)
            .decode((String, Int, Int, Int, Int, Int).self) {
            if let tier = SiteTier(rawValue: tier) {
                found[tier] = TierStanding(tier: tier, sites: sites, inspected: inspected, meets: meets, basic: basic, below: below)
            }
        }
        return SiteTier.allCases.map { found[$0] ?? TierStanding(tier: $0, sites: 0, inspected: 0, meets: 0, basic: 0, below: 0) }
    }

    /// The latest grade of each of these sites (a list page's column), by the day inspected, then the moment recorded.
    func latestGrades(siteIDs: [UUID]) async throws -> [UUID: LatestGrade] {
        var grades: [UUID: LatestGrade] = [:]
        for try await (site, grade, score, day) in try await connection.query("""
            SELECT DISTINCT ON (site_id) site_id, grade, score, to_char(inspected_on, 'YYYY-MM-DD') FROM grassroots.inspections
            WHERE site_id = ANY(\(siteIDs)) ORDER BY site_id, inspected_on DESC, recorded_at DESC
            """, logger: logger).decode((UUID, String, Int, String).self) {
            guard let grade = SiteGrade(rawValue: grade) else { continue }
            grades[site] = LatestGrade(grade: grade, score: score, inspectedOn: day)
        }
        return grades
    }

    // MARK: Rows

    private func standards(_ query: PostgresQuery) async throws -> [SiteStandard] {
        var result: [SiteStandard] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, jurisdictionID, code, path, tier, updatedAt, version, titleZh, titleEn, requirements, meets, basic, createdAt, createdBy) =
                try row.decode((UUID, UUID, String, [UUID], String, Date, Int, String, String, String, Int, Int, Date, UUID).self)
            let content = StandardContent(jurisdictionCode: code, tier: SiteTier(rawValue: tier) ?? .villageStation, titleZh: titleZh, titleEn: titleEn,
                                          requirements: Self.decode(requirements), meetsMark: meets, basicMark: basic)
            result.append(SiteStandard(id: id, jurisdictionID: jurisdictionID, jurisdictionPath: path,
                                       current: StandardVersion(version: version, content: content, createdAt: createdAt, createdBy: createdBy),
                                       updatedAt: updatedAt))
        }
        return result
    }

    private static func decode(_ text: String) -> [Requirement] {
        (try? JSONDecoder().decode([Requirement].self, from: Data(text.utf8))) ?? []
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
