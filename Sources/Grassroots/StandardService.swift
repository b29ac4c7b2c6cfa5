import Core
import Crypto
import Foundation
import Identity
import PostgresNIO
import Store

/// The standards of the service sites and the inspections that grade them (DOMAIN §6, seed 003; issue 23 item 2).
/// A county's offices keep one standard per site tier (`.keepSiteStandards`): each revision is a new version, and an
/// inspection scores every requirement of the version in force, the measurable ones from the site's record, the
/// others as the inspector found them, with evidence files kept with their SHA-256. The inspectors are the offices of
/// the jurisdiction whose standard grades the site, or one above it (`.inspectSites`): the county inspects its towns'
/// and villages' sites, never a town its own. Everyone reads standards, grades and the summary; the evidence files
/// (photos may show staff and residents) only those who read the site's staff. Standards are audited on their own
/// chain (`site-standard`), inspections on the site's (`site.inspected`).
public struct StandardService: Sendable {
    let database: Database
    let identity: IdentityService
    let sites: SiteService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, sites: SiteService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.sites = sites
        self.clock = clock
    }

    func store(_ connection: PostgresConnection) -> StandardStore { StandardStore(connection: connection, logger: database.logger) }

    /// A site's grade history: at most this many inspections a page.
    public static let historySizes = 1...100

    // MARK: Standards

    /// The standards of a jurisdiction and those below it (every one when nil), of one tier or all.
    public func standards(jurisdictionCode: String?, tier: SiteTier?) async throws -> [SiteStandard] {
        let jurisdiction = try await filterJurisdiction(jurisdictionCode)
        return try await database.read { try await store($0).standards(jurisdictionID: jurisdiction?.id, tier: tier) }
    }

    public func standard(id: UUID) async throws -> SiteStandard {
        guard let standard = try await database.read({ try await store($0).standard(id: id) }) else {
            throw DomainError.notFound("no site standard has id \(id.lowercased)")
        }
        return standard
    }

    /// Every version of a standard, newest first.
    public func versions(of id: UUID) async throws -> [StandardVersion] {
        _ = try await standard(id: id)
        return try await database.read { try await store($0).versions(of: id) }
    }

    public func view(_ standard: SiteStandard, for actor: Actor?) -> StandardView {
        StandardView(standard: standard, mayEdit: Policy.decide(actor, .keepSiteStandards, standard.resource) == .allow,
                     mayInspect: Policy.decide(actor, .inspectSites, standard.resource) == .allow)
    }

    /// Whether the actor keeps standards anywhere (the new-standard link and form).
    public func mayKeep(_ actor: Actor?) -> Bool {
        guard let actor else { return false }
        return Policy.decide(actor, .keepSiteStandards, Resource(jurisdictionPath: actor.jurisdictionPath)) == .allow
    }

    /// Refuses those who keep no standard anywhere (the new-standard page).
    public func authorizeKeeper(_ actor: Actor?) throws {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        try Policy.authorize(actor, .keepSiteStandards, Resource(jurisdictionPath: actor.jurisdictionPath))
    }

    /// Of these jurisdictions, the counties whose standards the actor keeps (a form offers only these).
    public func kept(_ jurisdictions: [Jurisdiction], by actor: Actor?) -> [Jurisdiction] {
        jurisdictions.filter { $0.tier == .district && Policy.decide(actor, .keepSiteStandards, Resource(jurisdictionPath: $0.path)) == .allow }
    }

    /// The standard, for its edit form: refused to those who may not keep it.
    public func standardToEdit(id: UUID, by actor: Actor?) async throws -> SiteStandard {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        let standard = try await standard(id: id)
        try Policy.authorize(actor, .keepSiteStandards, standard.resource)
        return standard
    }

    /// Sets a county's standard for a site tier: version 1. A county holds one standard per tier; a change is a revision.
    public func create(by actor: Actor, _ content: StandardContent) async throws -> SiteStandard {
        let content = content.trimmed
        let jurisdiction = try await placed(content, by: actor)
        if !content.problems.isEmpty { throw DomainError.invalid(content.problems) }
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await connection.query("LOCK TABLE grassroots.standards IN SHARE ROW EXCLUSIVE MODE", logger: database.logger)
            if let held = try await store.standards(jurisdictionID: jurisdiction.id, tier: content.tier).first(where: { $0.jurisdictionID == jurisdiction.id }) {
                throw DomainError(.conflict, "\(jurisdiction.nameZh) has a standard for the \(content.tier) already (version \(held.current.version)); revise it instead",
                                  fields: [FieldError("tier", "\(jurisdiction.nameZh) has a standard for the \(content.tier) already")])
            }
            let standard = SiteStandard(id: UUID.v7(at: now), jurisdictionID: jurisdiction.id, jurisdictionPath: jurisdiction.path,
                                        current: StandardVersion(version: 1, content: content, createdAt: now, createdBy: actor.userID), updatedAt: now)
            try await store.insert(standard)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "site-standard.created",
                                      entity: AuditEntity("site-standard", standard.id), before: nil as StandardContent?, after: content, at: now)
            return standard
        }
    }

    /// Revises a standard: a new version, which later inspections score against (earlier grades stand). Its county
    /// and tier stay; the same content again changes nothing.
    public func revise(by actor: Actor, id: UUID, _ content: StandardContent) async throws -> SiteStandard {
        let before = try await standard(id: id)
        try Policy.authorize(actor, .keepSiteStandards, before.resource)
        let content = content.trimmed
        var problems = content.problems
        if content.jurisdictionCode != before.content.jurisdictionCode {
            problems.append(FieldError("jurisdictionCode", "a standard stays with its jurisdiction, \(before.content.jurisdictionCode)"))
        }
        if content.tier != before.content.tier { problems.append(FieldError("tier", "a standard stays with its tier, the \(before.content.tier)")) }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let locked = try await store.standard(id: id, forUpdate: true) else { throw DomainError.notFound("no site standard has id \(id.lowercased)") }
            guard locked.content != content else { return locked }
            var after = locked
            after.current = StandardVersion(version: locked.current.version + 1, content: content, createdAt: now, createdBy: actor.userID)
            after.updatedAt = now
            try await store.revise(after)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "site-standard.revised",
                                      entity: AuditEntity("site-standard", id), before: locked.content, after: content, at: now)
            return after
        }
    }

    /// The standard a site is graded against: its tier's, kept by the nearest jurisdiction on its path.
    public func standardInForce(for site: ServiceSite) async throws -> SiteStandard? {
        try await database.read { try await store($0).standard(for: site.content.tier, on: site.jurisdictionPath) }
    }

    // MARK: Inspections

    /// Whether the actor may inspect the site (it has a standard in force and the actor's office keeps it).
    public func mayInspect(_ actor: Actor?, _ site: ServiceSite) async throws -> Bool {
        guard let standard = try await standardInForce(for: site) else { return false }
        return Policy.decide(actor, .inspectSites, standard.resource) == .allow
    }

    /// The site and the standard it is inspected against, for the inspection form: refused to those who may not inspect
    /// it; a site of a tier without a standard is a conflict (its county sets one first).
    public func siteToInspect(id: UUID, by actor: Actor?) async throws -> (site: ServiceSite, standard: SiteStandard) {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        let site = try await sites.site(id: id)
        guard let standard = try await standardInForce(for: site) else {
            try Policy.authorize(actor, .inspectSites, site.resource)
            throw DomainError.conflict("no standard for the \(site.content.tier) is in force where \(site.content.nameZh) is; its county sets one first")
        }
        try Policy.authorize(actor, .inspectSites, standard.resource)
        return (site, standard)
    }

    /// Records an inspection of a site against the standard in force: the measured requirements from the site's
    /// record as it stands, the others as `input` confirms them (every one must be answered), the evidence files with
    /// their SHA-256, and the grade from the version's marks. Audited on the site's chain.
    public func inspect(by actor: Actor, siteID: UUID, _ input: InspectionInput) async throws -> Inspection {
        // The refusal first, so that a stranger learns nothing of the input's problems.
        _ = try await siteToInspect(id: siteID, by: actor)
        let now = clock.now()
        var check = Validator()
        let notes = check.text(input.notes, "notes", max: InspectionInput.maximumNotes, required: false)
        let calendar = WorkingCalendar()
        if WorkingCalendar.isDay(input.inspectedOn) {
            check.check(input.inspectedOn <= calendar.dayKey(now), "inspectedOn", "cannot be in the future")
            check.check(input.inspectedOn >= calendar.dayKey(now.addingTimeInterval(-366 * 86_400)), "inspectedOn", "must be within the last year")
        } else {
            check.check(false, "inspectedOn", "must be a day as yyyy-MM-dd")
        }
        check.check(input.evidence.count <= InspectionEvidence.maximumPerInspection, "evidence",
                    "an inspection carries \(InspectionEvidence.maximumPerInspection) files at most")
        var files: [(InspectionEvidence, Data)] = []
        for (index, upload) in input.evidence.enumerated() {
            let field = "evidence[\(index)]"
            let filename = check.text(FileKind.baseName(upload.filename), "\(field).filename", max: 200)
            check.check(!upload.data.isEmpty, "\(field).file", "is empty")
            check.check(upload.data.count <= InspectionEvidence.maximumSize, "\(field).file",
                        "is larger than \(InspectionEvidence.maximumSize / 1024 / 1024) MB, the most accepted")
            let kind = FileKind.detect(upload.data).flatMap { InspectionEvidence.kinds.contains($0) ? $0 : nil }
            check.check(upload.data.isEmpty || kind != nil, "\(field).file", "is not a photo (PNG, JPEG) or a PDF document (judged by its content, not its name)")
            if let kind, !upload.data.isEmpty, upload.data.count <= InspectionEvidence.maximumSize {
                files.append((InspectionEvidence(id: UUID.v7(at: now), inspectionID: UUID(), requirementCode: upload.requirementCode.trimmingSpaces,
                                                 filename: filename, kind: kind, size: upload.data.count,
                                                 sha256: Data(SHA256.hash(data: upload.data)).hexString), upload.data))
            }
        }
        let checked = check
        return try await database.transaction { connection in
            // The site's row is locked: its record is what the measured requirements are read from.
            guard let site = try await SiteStore(connection: connection, logger: database.logger).site(id: siteID, forUpdate: true) else {
                throw DomainError.notFound("no service site has id \(siteID.lowercased)")
            }
            let store = store(connection)
            guard let standard = try await store.standard(for: site.content.tier, on: site.jurisdictionPath) else {
                throw DomainError.conflict("no standard for the \(site.content.tier) is in force where \(site.content.nameZh) is; its county sets one first")
            }
            try Policy.authorize(actor, .inspectSites, standard.resource)
            var problems = checked
            let requirements = standard.content.requirements
            let codes = Set(requirements.map(\.code))
            for code in input.confirmations.keys.sorted() {
                guard let requirement = requirements.first(where: { $0.code == code }) else {
                    problems.check(false, "confirmations.\(code)", "\(code) is not a requirement of version \(standard.current.version) of the standard")
                    continue
                }
                problems.check(!requirement.kind.isMeasured, "confirmations.\(code)", "is checked from the site's record, not confirmed")
            }
            for requirement in requirements where !requirement.kind.isMeasured {
                problems.check(input.confirmations[requirement.code] != nil, "confirmations.\(requirement.code)", "is required: say whether it is met")
            }
            for (index, upload) in input.evidence.enumerated() {
                problems.check(codes.contains(upload.requirementCode.trimmingSpaces), "evidence[\(index)].requirementCode",
                               "\(upload.requirementCode) is not a requirement of version \(standard.current.version) of the standard")
            }
            try problems.finish()
            var scores: [RequirementScore] = []
            for requirement in requirements {
                if let measured = requirement.check(site.content) {
                    scores.append(RequirementScore(code: requirement.code, met: measured.met, observed: measured.observed))
                } else {
                    scores.append(RequirementScore(code: requirement.code, met: input.confirmations[requirement.code] ?? false, observed: nil))
                }
            }
            let points = zip(requirements, scores).reduce(0) { $0 + ($1.1.met ? $1.0.points : 0) }
            let total = standard.content.totalPoints
            let (score, grade) = standard.content.grade(points: points, of: total)
            let id = UUID.v7(at: now)
            let evidence = files.map { file in var e = file.0; e.inspectionID = id; return (e, file.1) }
            let inspection = Inspection(id: id, siteID: site.id, standardID: standard.id, standardVersion: standard.current.version,
                                        inspectedOn: input.inspectedOn, inspectorID: actor.userID, inspectorOrganisationID: actor.organisationID,
                                        scores: scores, points: points, totalPoints: total, score: score, grade: grade, notes: notes, recordedAt: now,
                                        evidence: evidence.map(\.0))
            try await store.insert(inspection, files: evidence)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "site.inspected",
                                      entity: AuditEntity("site", site.id), before: nil as Inspection?, after: inspection, at: now)
            return inspection
        }
    }

    /// A site's grade history, newest first, each inspection with the requirements of the version it was scored on.
    public func inspections(siteID: UUID, for actor: Actor?, limit: Int = 20) async throws -> [InspectionView] {
        guard Self.historySizes.contains(limit) else {
            throw DomainError.invalid([FieldError("limit", "must be between 1 and \(Self.historySizes.upperBound)")])
        }
        let site = try await sites.site(id: siteID)
        let mayRead = sites.mayReadStaff(actor, site)
        return try await database.read { connection in
            let store = store(connection)
            var versions: [String: [Requirement]] = [:]
            var views: [InspectionView] = []
            for inspection in try await store.inspections(siteID: siteID, limit: limit) {
                let key = "\(inspection.standardID)/\(inspection.standardVersion)"
                if versions[key] == nil {
                    versions[key] = try await store.version(inspection.standardVersion, of: inspection.standardID)?.content.requirements ?? []
                }
                views.append(InspectionView(inspection: inspection, requirements: versions[key] ?? [], mayReadEvidence: mayRead))
            }
            return views
        }
    }

    /// One inspection of a site; another site's inspection is not found here.
    public func inspection(id: UUID, siteID: UUID, for actor: Actor?) async throws -> InspectionView {
        let site = try await sites.site(id: siteID)
        return try await database.read { connection in
            let store = store(connection)
            guard let inspection = try await store.inspection(id: id), inspection.siteID == siteID else {
                throw DomainError.notFound("site \(site.content.code) has no inspection with id \(id.lowercased)")
            }
            let requirements = try await store.version(inspection.standardVersion, of: inspection.standardID)?.content.requirements ?? []
            return InspectionView(inspection: inspection, requirements: requirements, mayReadEvidence: sites.mayReadStaff(actor, site))
        }
    }

    /// An evidence file with its bytes, for those who read the site's staff (the offices and overseers of its
    /// jurisdiction); hidden (404) from everyone else. Its bytes are checked against the digest taken at upload.
    public func evidenceFile(id: UUID, inspectionID: UUID? = nil, by actor: Actor?) async throws -> (evidence: InspectionEvidence, data: Data) {
        guard actor != nil else { throw DomainError.unauthenticated("Sign in to read an inspection's evidence.") }
        guard let (evidence, siteID, data) = try await database.read({ try await store($0).evidenceFile(id: id) }),
              inspectionID == nil || evidence.inspectionID == inspectionID,
              sites.mayReadStaff(actor, try await sites.site(id: siteID)) else {
            throw DomainError.notFound("no evidence file has id \(id.lowercased)")
        }
        guard Data(SHA256.hash(data: data)).hexString == evidence.sha256 else {
            throw DomainError.conflict("evidence \(id.lowercased) does not match the digest taken when it was uploaded")
        }
        return (evidence, data)
    }

    /// The latest grade of each of these sites (nil for those never inspected).
    public func latestGrades(of siteIDs: [UUID]) async throws -> [UUID: LatestGrade] {
        guard !siteIDs.isEmpty else { return [:] }
        return try await database.read { try await store($0).latestGrades(siteIDs: siteIDs) }
    }

    // MARK: Summary

    /// Per tier, in a jurisdiction and below it (everywhere when nil): the sites, how many were inspected, and the
    /// grades of their latest inspections, so the share below the standard per tier (seed 003: 90/85/70 %).
    public func summary(jurisdictionCode: String?) async throws -> [TierStanding] {
        let jurisdiction = try await filterJurisdiction(jurisdictionCode)
        return try await database.read { try await store($0).standings(jurisdictionID: jurisdiction?.id) }
    }

    // MARK: Rules that need the database

    /// The county the content's standard is for, once the actor is found to keep its standards.
    private func placed(_ content: StandardContent, by actor: Actor) async throws -> Jurisdiction {
        let others = content.problems.filter { $0.field != "jurisdictionCode" }
        guard !content.jurisdictionCode.isEmpty else { throw DomainError.invalid([FieldError("jurisdictionCode", "is required")] + others) }
        guard let jurisdiction = try await identity.jurisdiction(code: content.jurisdictionCode) else {
            throw DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code \(content.jurisdictionCode)")] + others)
        }
        try Policy.authorize(actor, .keepSiteStandards, Resource(jurisdictionPath: jurisdiction.path))
        guard jurisdiction.tier == .district else {
            throw DomainError.invalid([FieldError("jurisdictionCode", "\(jurisdiction.nameZh) is a \(jurisdiction.tier) jurisdiction: counties and districts keep the standards")] + others)
        }
        return jurisdiction
    }

    private func filterJurisdiction(_ code: String?) async throws -> Jurisdiction? {
        guard let code, !code.isEmpty else { return nil }
        guard let jurisdiction = try await identity.jurisdiction(code: code) else {
            throw DomainError.invalid([FieldError("jurisdiction", "no jurisdiction has code \(code)")])
        }
        return jurisdiction
    }
}

extension SiteService {
    /// The standards and inspections of these sites, on the same database and clock.
    public var standards: StandardService { StandardService(database: database, identity: identity, sites: self, clock: clock) }
}
