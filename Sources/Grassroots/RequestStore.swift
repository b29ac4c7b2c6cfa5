import Core
import Delivery
import Foundation
import Logging
import PostgresNIO

/// The SQL of the service requests and of who is on duty at each site, and nothing else.
struct RequestStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Contracts' records

    /// The cases of the sites operated under a contract whose result came back to the window on the days
    /// `from`…`through` (Beijing), settled, on time, rated and rated satisfied; and how many sites there are.
    func contractFigures(contractID: UUID, from: String, through: String) async throws -> PlatformFigures {
        let rows = try await connection.query("""
            SELECT (SELECT count(*) FROM grassroots.sites WHERE contract_id = \(contractID))::integer,
                   count(r.id)::integer, count(*) FILTER (WHERE r.on_time)::integer, count(r.rating)::integer,
                   count(*) FILTER (WHERE r.rating IN ('satisfied', 'basically_satisfied'))::integer
            FROM grassroots.sites s
            JOIN grassroots.service_requests r ON r.accepting_site_id = s.id
            WHERE s.contract_id = \(contractID) AND r.state IN ('returned', 'closed')
              AND r.decided_at >= (\(from)::date)::timestamp AT TIME ZONE 'Asia/Shanghai'
              AND r.decided_at < (\(through)::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
            """, logger: logger)
        for try await (sites, settled, onTime, rated, satisfied) in rows.decode((Int, Int, Int, Int, Int).self) {
            return PlatformFigures(from: from, through: through, sites: sites, settled: settled, onTime: onTime, rated: rated, satisfied: satisfied)
        }
        return .empty(from: from, through: through)
    }

    // MARK: Duties

    func duties(siteIDs: [UUID]) async throws -> [UUID: [DutyHolder]] {
        var result: [UUID: [DutyHolder]] = [:]
        let rows = try await connection.query("""
            SELECT site_id, user_id, duty FROM grassroots.site_duties WHERE site_id = ANY(\(siteIDs)) ORDER BY site_id, duty, user_id
            """, logger: logger)
        for try await (site, user, duty) in rows.decode((UUID, UUID, String).self) {
            if let duty = SiteDuty(rawValue: duty) { result[site, default: []].append(DutyHolder(userID: user, duty: duty)) }
        }
        return result
    }

    /// The sites where the user holds a duty, with the duties.
    func duties(of userID: UUID) async throws -> [(siteID: UUID, duty: SiteDuty)] {
        var result: [(UUID, SiteDuty)] = []
        let rows = try await connection.query("SELECT site_id, duty FROM grassroots.site_duties WHERE user_id = \(userID) ORDER BY site_id, duty", logger: logger)
        for try await (site, duty) in rows.decode((UUID, String).self) {
            if let duty = SiteDuty(rawValue: duty) { result.append((site, duty)) }
        }
        return result
    }

    func replaceDuties(siteID: UUID, _ holders: [DutyHolder]) async throws {
        try await connection.query("DELETE FROM grassroots.site_duties WHERE site_id = \(siteID)", logger: logger)
        for holder in holders {
            try await connection.query("""
                INSERT INTO grassroots.site_duties (site_id, user_id, duty) VALUES (\(siteID), \(holder.userID), \(holder.duty.rawValue))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// The nearest site of a tier on a jurisdiction path (a village station's town centre, its county centre).
    func site(tier: SiteTier, on path: [UUID]) async throws -> UUID? {
        let rows = try await connection.query("""
            SELECT id FROM grassroots.sites WHERE tier = \(tier.rawValue) AND jurisdiction_id = ANY(\(path))
            ORDER BY array_length(jurisdiction_path, 1) DESC, code LIMIT 1
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    // MARK: Cases

    private static let columns = """
        id, tracking_code, item_id, item_code, accepting_site_id, approving_site_id, handling_site_id, jurisdiction_path, owner_id,
        applicant_masked, id_number_masked, phone_masked, state, outcome, presented, missing, reason, result, site_id, registered_at,
        accepted_at, due_at, head_alert_at, above_alert_at, final_due_at, decided_at, closed_at, on_time, updated_at, reopened_at
        """

    func insert(_ r: ServiceRequest, sealed: Data) async throws {
        try await connection.query("""
            INSERT INTO grassroots.service_requests (id, tracking_code, item_id, item_code, accepting_site_id, approving_site_id, handling_site_id,
                jurisdiction_path, owner_id, applicant_sealed, applicant_masked, id_number_masked, phone_masked, state, outcome, presented, missing,
                reason, result, site_id, registered_at, accepted_at, due_at, head_alert_at, above_alert_at, final_due_at, decided_at, closed_at,
                on_time, updated_at)
            VALUES (\(r.id), \(r.trackingCode), \(r.itemID), \(r.itemCode), \(r.acceptingSiteID), \(r.approvingSiteID), \(r.handlingSiteID),
                \(r.jurisdictionPath), \(r.ownerID), \(ByteBuffer(bytes: sealed)), \(r.applicantMasked), \(r.idNumberMasked), \(r.phoneMasked),
                \(r.state.rawValue), \(r.outcome?.rawValue), \(r.presented), \(r.missing), \(r.reason), \(r.result), \(r.siteID), \(r.registeredAt),
                \(r.acceptedAt), \(r.dueAt), \(r.headAlertAt), \(r.aboveAlertAt), \(r.finalDueAt), \(r.decidedAt), \(r.closedAt), \(r.onTime),
                \(r.updatedAt))
            """, logger: logger)
    }

    /// Writes what a step changes (never the applicant, the item or the chain).
    func update(_ r: ServiceRequest) async throws {
        try await connection.query("""
            UPDATE grassroots.service_requests SET owner_id = \(r.ownerID), state = \(r.state.rawValue), outcome = \(r.outcome?.rawValue),
                presented = \(r.presented), missing = \(r.missing), reason = \(r.reason), result = \(r.result), site_id = \(r.siteID),
                accepted_at = \(r.acceptedAt), due_at = \(r.dueAt), head_alert_at = \(r.headAlertAt), above_alert_at = \(r.aboveAlertAt),
                final_due_at = \(r.finalDueAt), decided_at = \(r.decidedAt), closed_at = \(r.closedAt), on_time = \(r.onTime), updated_at = \(r.updatedAt),
                reopened_at = \(r.reopenedAt)
            WHERE id = \(r.id)
            """, logger: logger)
    }

    func request(id: UUID, forUpdate: Bool = false) async throws -> ServiceRequest? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM grassroots.service_requests WHERE id = $1" + (forUpdate ? " FOR UPDATE" : ""))
        query.binds.append(id)
        return try await requests(query).first
    }

    /// The case with this tracking code, its sealed applicant and its tracking lock, locked for the guess count.
    func tracked(code: String) async throws -> (request: ServiceRequest, sealed: Data, failures: Int, lockedUntil: Date?)? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM grassroots.service_requests WHERE tracking_code = $1 FOR UPDATE")
        query.binds.append(code)
        guard let request = try await requests(query).first else { return nil }
        let rows = try await connection.query("""
            SELECT applicant_sealed, track_failures, track_locked_until FROM grassroots.service_requests WHERE id = \(request.id)
            """, logger: logger)
        for try await (sealed, failures, locked) in rows.decode((ByteBuffer, Int, Date?).self) {
            return (request, Data(buffer: sealed), failures, locked)
        }
        return nil
    }

    func sealedApplicant(of id: UUID) async throws -> Data? {
        let rows = try await connection.query("SELECT applicant_sealed FROM grassroots.service_requests WHERE id = \(id)", logger: logger)
        for try await sealed in rows.decode(ByteBuffer.self) { return Data(buffer: sealed) }
        return nil
    }

    func setTracking(_ id: UUID, failures: Int, lockedUntil: Date?) async throws {
        try await connection.query("""
            UPDATE grassroots.service_requests SET track_failures = \(failures), track_locked_until = \(lockedUntil) WHERE id = \(id)
            """, logger: logger)
    }

    func trackingCodeTaken(_ code: String) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM grassroots.service_requests WHERE tracking_code = \(code)", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// A page of a site's queue, oldest case first. `waiting`: cases at the site now; `accepted`: the cases it
    /// accepted; `overdue`: late cases at the site, and those below it once they reach the tier above.
    func queue(_ q: RequestQuery, site: ServiceSite, now: Date) async throws -> [ServiceRequest] {
        try await requests(Self.queueQuery(q, jurisdictionID: site.jurisdictionID, tier: site.content.tier, now: now))
    }

    /// The SQL of a page of a site's queue (the list-plan test explains this very query).
    static func queueQuery(_ q: RequestQuery, jurisdictionID: UUID, tier: SiteTier, now: Date) -> PostgresQuery {
        var query = switch q.scope {
        case .waiting: PostgresQuery(unsafeSQL: "SELECT \(columns) FROM grassroots.service_requests WHERE \(waitingHere) \(queuePage)")
        case .accepted: PostgresQuery(unsafeSQL: "SELECT \(columns) FROM grassroots.service_requests WHERE \(acceptedHere) \(queuePage)")
        case .overdue: PostgresQuery(unsafeSQL: "\(lateHereOrBelow)")
        }
        query.binds.append(q.siteID)
        query.binds.append(now)
        query.binds.append(jurisdictionID)
        query.binds.append(tier.rawValue)
        query.binds.append(q.after)
        query.binds.append(q.limit)
        return query
    }

    // The queues' conditions on $1 the site, $2 now, $3 its jurisdiction, $4 its tier; then the page after $5, $6 long. A query
    // that needs no $2–$4 still names them (IS NOT NULL): PostgreSQL must know the type of every parameter bound.
    private static let waitingHere = "site_id = $1 AND state IN ('awaiting_materials', 'accepted', 'approving', 'handling', 'returned') AND $2::timestamptz IS NOT NULL AND $3::uuid IS NOT NULL AND $4::text IS NOT NULL"
    private static let acceptedHere = "accepting_site_id = $1 AND $2::timestamptz IS NOT NULL AND $3::uuid IS NOT NULL AND $4::text IS NOT NULL"
    /// Late at the site, or late below it (a site of a lower tier inside its jurisdiction) once the tier above is told: two
    /// branches, each a range of the queue index (an OR of the two read every open case of the site and below). The tier
    /// above is told after the deadline, so `due_at < $2` holds in the second branch too and bounds its index range.
    private static let lateHereOrBelow = """
        SELECT \(columns) FROM grassroots.service_requests
        WHERE site_id = $1 AND state IN ('accepted', 'approving', 'handling') AND due_at < $2 AND ($5::uuid IS NULL OR id > $5)
        UNION ALL
        SELECT \(columns) FROM grassroots.service_requests
        WHERE state IN ('accepted', 'approving', 'handling') AND due_at < $2 AND above_alert_at < $2 AND ($5::uuid IS NULL OR id > $5)
          AND site_id IN (SELECT id FROM grassroots.sites s WHERE s.jurisdiction_path @> ARRAY[$3::uuid] AND s.id <> $1
                AND (CASE s.tier WHEN 'county_centre' THEN 0 WHEN 'town_centre' THEN 1 ELSE 2 END)
                  > (CASE $4::text WHEN 'county_centre' THEN 0 WHEN 'town_centre' THEN 1 ELSE 2 END))
        ORDER BY id LIMIT $6
        """
    private static let queuePage = "AND ($5::uuid IS NULL OR id > $5) ORDER BY id LIMIT $6"

    /// How many cases a site's queues hold (the home page's and the queue page's counts).
    func counts(site: ServiceSite, now: Date) async throws -> (waiting: Int, overdue: Int, returned: Int, awaitingMaterials: Int) {
        let rows = try await connection.query(Self.countsQuery(siteID: site.id, now: now), logger: logger)
        for try await row in rows.decode((Int, Int, Int, Int).self) { return row }
        return (0, 0, 0, 0)
    }


    /// A site's queue counts, read from the open cases' index only: without the states, every case the site ever
    /// held was read (590 ms for a province station's year, a sequential scan of two million cases).
    static func countsQuery(siteID: UUID, now: Date) -> PostgresQuery {
        """
        SELECT count(*) FILTER (WHERE state IN ('accepted', 'approving', 'handling'))::integer,
               count(*) FILTER (WHERE state IN ('accepted', 'approving', 'handling') AND due_at < \(now))::integer,
               count(*) FILTER (WHERE state = 'returned')::integer,
               count(*) FILTER (WHERE state = 'awaiting_materials')::integer
        FROM grassroots.service_requests
        WHERE site_id = \(siteID) AND state IN ('awaiting_materials', 'accepted', 'approving', 'handling', 'returned')
        """
    }

    /// Figures of the cases registered in [from, to) whose accepting site lies in the jurisdiction, grouped three ways in one
    /// reading of the cases: by the jurisdiction just below it on the case's path (nil for its own sites), by the item, and by
    /// the accepting site.
    func figures(jurisdictionID: UUID, from: Date, to: Date, now: Date) async throws -> [FigureGroup: [(key: UUID?, code: String, figures: SupervisionFigures)]] {
        var rows: [FigureGroup: [UUID?: (code: String, figures: SupervisionFigures)]] = [:]
        var order: [FigureGroup: [UUID?]] = [:]
        for try await (grouping, area, item, site, code, tier, counts) in try await connection.query(Self.figuresQuery(jurisdictionID: jurisdictionID, from: from, to: to, now: now),
                                                                                                     logger: logger)
            .decode((Int, UUID?, UUID?, UUID?, String, String, [Int]).self) {
            // GROUPING(area, item, site): a bit set for each column not grouped on.
            let (group, key): (FigureGroup, UUID?) = switch grouping {
            case 3: (.area, area)
            case 5: (.item, item)
            default: (.site, site)
            }
            guard let f = Self.figures(counts, settledAt: tier) else { continue }
            if rows[group]?[key] == nil { order[group, default: []].append(key); rows[group, default: [:]][key] = (code, SupervisionFigures()) }
            rows[group]?[key]?.figures.add(f)
        }
        var result: [FigureGroup: [(key: UUID?, code: String, figures: SupervisionFigures)]] = [:]
        for (group, keys) in order { result[group] = keys.map { (key: $0, code: rows[group]![$0]!.code, figures: rows[group]![$0]!.figures) } }
        return result
    }

    /// The year's figures of each area directly under one of `counties` (the county itself for its own centre's cases):
    /// what moves only when a case changes from the counts kept per site and year (migration 0050), the open cases and
    /// those past their limit at `now` counted live over the open ones; [`from`, `to`) is the year in Beijing.
    func publicFigures(counties: [UUID], year: Int, from: Date, to: Date, now: Date) async throws -> [(jurisdictionID: UUID, figures: SupervisionFigures)] {
        var result: [(jurisdictionID: UUID, figures: SupervisionFigures)] = []
        var index: [String: Int] = [:]
        for try await (county, area, tier, counts) in try await connection.query("""
            WITH parts AS (
                SELECT c.accepting_site_id, c.handling_tier, c.registered, c.settled, c.on_time, c.refused, c.rated, c.satisfied,
                       c.reopened, 0::bigint AS open, 0::bigint AS late
                FROM grassroots.request_counts c WHERE c.year = \(year)
                UNION ALL
                SELECT r.accepting_site_id, NULL, 0, 0, 0, 0, 0, 0, 0, count(*), count(*) FILTER (WHERE r.due_at < \(now))
                FROM grassroots.service_requests r
                WHERE r.state IN ('accepted', 'approving', 'handling') AND r.registered_at >= \(from) AND r.registered_at < \(to)
                GROUP BY r.accepting_site_id)
            SELECT k.county, coalesce(a.jurisdiction_path[array_position(a.jurisdiction_path, k.county) + 1], k.county), p.handling_tier,
                   ARRAY[sum(p.registered), sum(p.settled), sum(p.on_time), sum(p.refused), sum(p.open), sum(p.late), sum(p.rated),
                         sum(p.satisfied), sum(p.reopened)]::bigint[]
            FROM parts p JOIN grassroots.sites a ON a.id = p.accepting_site_id
            JOIN (SELECT DISTINCT unnest(\(counties)::uuid[]) AS county) k ON a.jurisdiction_path @> ARRAY[k.county]
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """, logger: logger).decode((UUID, UUID, String?, [Int]).self) {
            guard let f = Self.figures(counts, settledAt: tier) else { continue }
            let key = "\(county) \(area)"
            if let at = index[key] { result[at].figures.add(f) } else { index[key] = result.count; result.append((area, f)) }
        }
        return result
    }

    /// One row of figures as both figure queries give it: the nine counts in their order (registered, settled, on time,
    /// refused, open, late, rated, satisfied, reopened) and the handling tier the settled ones count at (nil: none).
    private static func figures(_ counts: [Int], settledAt tier: String?) -> SupervisionFigures? {
        guard counts.count == 9 else { return nil }
        var f = SupervisionFigures()
        (f.registered, f.settled, f.onTime, f.refused, f.open, f.late, f.rated, f.satisfied, f.reopened) =
            (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], counts[8])
        if let tier = tier.flatMap(SiteTier.init(rawValue:)) { f.settledAt[tier] = f.settled }
        return f
    }

    enum FigureGroup { case area, item, site }

    /// The figures' SQL ($1 the jurisdiction, [$2, $3) the registration period, $4 now), per group and handling tier
    /// (`Benchmarks/requests.py` explains it on the loaded province).
    static func figuresQuery(jurisdictionID: UUID, from: Date, to: Date, now: Date) -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: "\(figuresOfGroups)")
        query.binds.append(jurisdictionID)
        query.binds.append(from)
        query.binds.append(to)
        query.binds.append(now)
        return query
    }

    // Each site of the jurisdiction (now) is one range of the figures index, read without the table: the cases are
    // counted per accepting site, item and handling site first (a few thousand rows for a county), then grouped.
    // The site's path is its cases' path: a site keeps its jurisdiction once it has cases (SiteService).
    private static let figuresOfGroups = """
        WITH cases AS (
            SELECT r.accepting_site_id, r.item_id, r.handling_site_id,
                   a.jurisdiction_path[array_position(a.jurisdiction_path, $1) + 1] AS area,
                   count(*) AS registered,
                   count(*) FILTER (WHERE r.state IN ('returned', 'closed')) AS settled,
                   count(*) FILTER (WHERE r.state IN ('returned', 'closed') AND r.on_time) AS on_time,
                   count(*) FILTER (WHERE r.outcome = 'refused') AS refused,
                   count(*) FILTER (WHERE r.state IN ('accepted', 'approving', 'handling')) AS open,
                   count(*) FILTER (WHERE r.state IN ('accepted', 'approving', 'handling') AND r.due_at < $4) AS late,
                   count(r.rating) AS rated,
                   count(*) FILTER (WHERE r.rating IN ('satisfied', 'basically_satisfied')) AS satisfied,
                   count(*) FILTER (WHERE r.reopened_at IS NOT NULL) AS reopened
            FROM grassroots.sites a
            JOIN grassroots.service_requests r ON r.accepting_site_id = a.id
            WHERE a.jurisdiction_path @> ARRAY[$1::uuid] AND r.registered_at >= $2 AND r.registered_at < $3 AND r.state <> 'withdrawn'
            GROUP BY 1, 2, 3, 4)
        SELECT GROUPING(c.area, c.item_id, c.accepting_site_id)::integer, c.area, c.item_id, c.accepting_site_id, min(i.code), h.tier,
               ARRAY[sum(c.registered), sum(c.settled), sum(c.on_time), sum(c.refused), sum(c.open), sum(c.late), sum(c.rated),
                     sum(c.satisfied), sum(c.reopened)]::bigint[]
        FROM cases c
        JOIN grassroots.sites h ON h.id = c.handling_site_id
        JOIN catalogue.items i ON i.id = c.item_id
        GROUP BY GROUPING SETS ((c.area, h.tier), (c.item_id, h.tier), (c.accepting_site_id, h.tier))
        """

    /// The heads, approvers and handlers of the centres that sit in the jurisdiction itself (the tier above's own
    /// staff: a town centre's for its town; a station's clerks, though in the town, are not).
    /// Who reads a site's queue besides its jurisdiction's offices: everyone on duty at the site, and the heads, approvers and
    /// handlers of the centres whose jurisdiction is on its path. One query (it was one per level of the path).
    func queueReaders(of site: ServiceSite) async throws -> Set<UUID> {
        var result: Set<UUID> = []
        let rows = try await connection.query("""
            SELECT d.user_id FROM grassroots.site_duties d WHERE d.site_id = \(site.id)
            UNION
            SELECT d.user_id FROM grassroots.site_duties d JOIN grassroots.sites s ON s.id = d.site_id
            WHERE s.jurisdiction_id = ANY(\(site.jurisdictionPath)) AND s.tier <> 'village_station' AND d.duty IN ('head', 'approver', 'handler')
            """, logger: logger)
        for try await user in rows.decode(UUID.self) { result.insert(user) }
        return result
    }

    func holders(ofSitesIn jurisdictionID: UUID) async throws -> [DutyHolder] {
        var result: [DutyHolder] = []
        let rows = try await connection.query("""
            SELECT d.user_id, d.duty FROM grassroots.site_duties d JOIN grassroots.sites s ON s.id = d.site_id
            WHERE s.jurisdiction_id = \(jurisdictionID) AND s.tier <> 'village_station' AND d.duty IN ('head', 'approver', 'handler')
            """, logger: logger)
        for try await (user, duty) in rows.decode((UUID, String).self) {
            if let duty = SiteDuty(rawValue: duty) { result.append(DutyHolder(userID: user, duty: duty)) }
        }
        return result
    }

    /// Writes a case from earlier records with its sealed applicant (and its rating), as `insert` does a new one.
    func insertPast(_ r: ServiceRequest, sealed: Data, rating: Satisfaction?) async throws {
        try await insert(r, sealed: sealed)
        if let rating, let at = r.closedAt ?? r.decidedAt { _ = try await rate(r.id, rating, comment: "", at: at) }
    }

    // MARK: Risks and re-checks

    func setRisk(itemID: UUID, jurisdictionID: UUID, grade: RiskGrade, samplePercent: Int, by user: UUID, at: Date) async throws {
        try await connection.query("""
            INSERT INTO grassroots.item_risks (item_id, jurisdiction_id, grade, sample_percent, set_by, set_at)
            VALUES (\(itemID), \(jurisdictionID), \(grade.rawValue), \(samplePercent), \(user), \(at))
            ON CONFLICT (item_id, jurisdiction_id) DO UPDATE SET grade = EXCLUDED.grade, sample_percent = EXCLUDED.sample_percent,
                set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
            """, logger: logger)
    }

    /// The risk set for the item by the nearest jurisdiction on the path that graded it.
    func risk(itemID: UUID, on path: [UUID]) async throws -> (grade: RiskGrade, samplePercent: Int)? {
        let rows = try await connection.query("""
            SELECT grade, sample_percent FROM grassroots.item_risks
            WHERE item_id = \(itemID) AND jurisdiction_id = ANY(\(path)) ORDER BY array_position(\(path), jurisdiction_id) DESC LIMIT 1
            """, logger: logger)
        for try await (grade, percent) in rows.decode((String, Int).self) {
            if let grade = RiskGrade(rawValue: grade) { return (grade, percent) }
        }
        return nil
    }

    func risks(jurisdictionID: UUID) async throws -> [(itemID: UUID, grade: RiskGrade, samplePercent: Int)] {
        var result: [(UUID, RiskGrade, Int)] = []
        let rows = try await connection.query("""
            SELECT item_id, grade, sample_percent FROM grassroots.item_risks WHERE jurisdiction_id = \(jurisdictionID) ORDER BY item_id
            """, logger: logger)
        for try await (item, grade, percent) in rows.decode((UUID, String, Int).self) {
            if let grade = RiskGrade(rawValue: grade) { result.append((item, grade, percent)) }
        }
        return result
    }

    /// The nearest site of a higher tier than `tier` on the path (a town's approvals are re-checked by the county centre).
    func siteAbove(tier: SiteTier, on path: [UUID]) async throws -> UUID? {
        let rank = SiteTier.allCases.firstIndex(of: tier)!
        for higher in SiteTier.allCases.prefix(rank).reversed() {
            if let id = try await site(tier: higher, on: path) { return id }
        }
        return nil
    }

    func insert(_ r: Recheck) async throws {
        try await connection.query("""
            INSERT INTO grassroots.rechecks (id, request_id, site_id, sampled_at) VALUES (\(r.id), \(r.requestID), \(r.siteID), \(r.sampledAt))
            """, logger: logger)
    }

    func recheck(requestID: UUID, forUpdate: Bool = false) async throws -> Recheck? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.recheckColumns) FROM grassroots.rechecks WHERE request_id = $1" + (forUpdate ? " FOR UPDATE" : ""))
        query.binds.append(requestID)
        return try await rechecks(query).first
    }

    /// A site's re-checks, those still to do first, then the latest done.
    func rechecks(siteID: UUID, limit: Int) async throws -> [Recheck] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.recheckColumns) FROM grassroots.rechecks WHERE site_id = $1 ORDER BY outcome IS NOT NULL, sampled_at DESC LIMIT $2
            """)
        query.binds.append(siteID)
        query.binds.append(limit)
        return try await rechecks(query)
    }

    func update(_ r: Recheck) async throws {
        try await connection.query("""
            UPDATE grassroots.rechecks SET outcome = \(r.outcome?.rawValue), finding = \(r.finding), checked_by = \(r.checkedBy), checked_at = \(r.checkedAt)
            WHERE id = \(r.id)
            """, logger: logger)
    }

    private static let recheckColumns = "id, request_id, site_id, sampled_at, outcome, finding, checked_by, checked_at"

    private func rechecks(_ query: PostgresQuery) async throws -> [Recheck] {
        var result: [Recheck] = []
        for try await (id, request, site, sampled, outcome, finding, by, at) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID, UUID, Date, String?, String?, UUID?, Date?).self) {
            result.append(Recheck(id: id, requestID: request, siteID: site, sampledAt: sampled, outcome: outcome.flatMap(RecheckOutcome.init(rawValue:)),
                                  finding: finding, checkedBy: by, checkedAt: at))
        }
        return result
    }

    // MARK: Ratings

    func rating(of id: UUID) async throws -> Satisfaction? {
        let rows = try await connection.query("SELECT rating FROM grassroots.request_ratings WHERE request_id = \(id)", logger: logger)
        for try await rating in rows.decode(String.self) { return Satisfaction(rawValue: rating) }
        return nil
    }

    /// Inserts the rating unless the case has one, and copies it onto the case (what the figures count); says whether
    /// it was the first.
    func rate(_ id: UUID, _ rating: Satisfaction, comment: String, at: Date) async throws -> Bool {
        let rows = try await connection.query("""
            WITH rated AS (
                INSERT INTO grassroots.request_ratings (request_id, rating, comment, rated_at) VALUES (\(id), \(rating.rawValue), \(comment), \(at))
                ON CONFLICT DO NOTHING RETURNING request_id, rating)
            UPDATE grassroots.service_requests r SET rating = rated.rating FROM rated WHERE r.id = rated.request_id RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    private func requests(_ query: PostgresQuery) async throws -> [ServiceRequest] {
        var result: [ServiceRequest] = []
        for try await row in try await connection.query(query, logger: logger) {
            let c = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ column: String, _ type: T.Type = T.self) throws -> T { try c[column].decode(T.self) }
            result.append(ServiceRequest(
                id: try value("id"), trackingCode: try value("tracking_code"), itemID: try value("item_id"), itemCode: try value("item_code"),
                acceptingSiteID: try value("accepting_site_id"), approvingSiteID: try value("approving_site_id"),
                handlingSiteID: try value("handling_site_id"), jurisdictionPath: try value("jurisdiction_path"), ownerID: try value("owner_id"),
                applicantMasked: try value("applicant_masked"), idNumberMasked: try value("id_number_masked"), phoneMasked: try value("phone_masked"),
                state: RequestState(rawValue: try value("state", String.self)) ?? .closed,
                outcome: try value("outcome", String?.self).flatMap(RequestOutcome.init(rawValue:)), presented: try value("presented"),
                missing: try value("missing"), reason: try value("reason"), result: try value("result"), siteID: try value("site_id"),
                registeredAt: try value("registered_at"), acceptedAt: try value("accepted_at"), dueAt: try value("due_at"),
                headAlertAt: try value("head_alert_at"), aboveAlertAt: try value("above_alert_at"), finalDueAt: try value("final_due_at"),
                decidedAt: try value("decided_at"), closedAt: try value("closed_at"), onTime: try value("on_time"), updatedAt: try value("updated_at"),
                reopenedAt: try value("reopened_at")))
        }
        return result
    }
}
