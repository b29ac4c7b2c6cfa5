import Core
import Foundation
import Logging
import PostgresNIO

/// The SQL of the Identity module, and nothing else.
struct IdentityStore {
    let connection: PostgresConnection
    let logger: Logger

    // MARK: Jurisdictions

    private static let jurisdictionColumns = "id, parent_id, tier, code, name_zh, name_en, path"

    func jurisdictions() async throws -> [Jurisdiction] {
        try await jurisdictions(PostgresQuery(unsafeSQL: "SELECT \(Self.jurisdictionColumns) FROM identity.jurisdictions ORDER BY array_length(path, 1), code"))
    }

    func jurisdiction(code: String) async throws -> Jurisdiction? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.jurisdictionColumns) FROM identity.jurisdictions WHERE code = $1")
        query.binds.append(code)
        return try await jurisdictions(query).first
    }

    func jurisdiction(id: UUID) async throws -> Jurisdiction? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.jurisdictionColumns) FROM identity.jurisdictions WHERE id = $1")
        query.binds.append(id)
        return try await jurisdictions(query).first
    }

    private func jurisdictions(_ query: PostgresQuery) async throws -> [Jurisdiction] {
        var result: [Jurisdiction] = []
        for try await (id, parentID, tier, code, nameZh, nameEn, path) in try await connection.query(query, logger: logger)
            .decode((UUID, UUID?, String, String, String, String, [UUID]).self) {
            result.append(Jurisdiction(id: id, parentID: parentID, tier: Tier(rawValue: tier) ?? .community, code: code,
                                       nameZh: nameZh, nameEn: nameEn, path: path))
        }
        return result
    }

    func insert(_ j: Jurisdiction, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.jurisdictions (id, parent_id, tier, code, name_zh, name_en, path, created_at)
            VALUES (\(j.id), \(j.parentID), \(j.tier.rawValue), \(j.code), \(j.nameZh), \(j.nameEn), \(j.path), \(date))
            """, logger: logger)
    }

    // MARK: Organisations

    private static let organisationColumns =
        "id, reference, kind, name_zh, name_en, credit_code, jurisdiction_id, created_at, updated_at, status"

    func organisation(id: UUID, forUpdate: Bool = false) async throws -> Organisation? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.organisationColumns) FROM identity.organisations WHERE id = $1"
                                  + (forUpdate ? " FOR UPDATE" : ""))
        query.binds.append(id)
        return try await organisations(query).first
    }

    func organisations(ids: [UUID]) async throws -> [Organisation] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.organisationColumns) FROM identity.organisations WHERE id = ANY($1)")
        query.binds.append(ids)
        return try await organisations(query)
    }

    func organisation(creditCode: String) async throws -> Organisation? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.organisationColumns) FROM identity.organisations WHERE credit_code = $1")
        query.binds.append(creditCode)
        return try await organisations(query).first
    }

    /// Organisations by kind (optional), in name order, a page at a time (keyset on name and id).
    func organisations(kind: OrganisationKind?, after: (name: String, id: UUID)?, limit: Int) async throws -> [Organisation] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.organisationColumns) FROM identity.organisations
            WHERE ($1::text IS NULL OR kind = $1)
              AND ($2::text IS NULL OR (name_zh, id) > ($2, $3::uuid))
            ORDER BY name_zh, id LIMIT $4
            """)
        query.binds.append(kind?.rawValue)
        query.binds.append(after?.name)
        query.binds.append(after?.id)
        query.binds.append(limit)
        return try await organisations(query)
    }

    private func organisations(_ query: PostgresQuery) async throws -> [Organisation] {
        var result: [Organisation] = []
        for try await (id, reference, kind, nameZh, nameEn, creditCode, jurisdictionID, createdAt, updatedAt, status) in
            try await connection.query(query, logger: logger)
            .decode((UUID, String, String, String, String, String?, UUID, Date, Date, String).self) {
            result.append(Organisation(id: id, reference: reference, kind: OrganisationKind(rawValue: kind) ?? .department,
                                       nameZh: nameZh, nameEn: nameEn, creditCode: creditCode, jurisdictionID: jurisdictionID,
                                       createdAt: createdAt, updatedAt: updatedAt, status: OrganisationStatus(rawValue: status) ?? .applied))
        }
        return result
    }

    func nextOrganisationReference() async throws -> String {
        for try await number in try await connection.query("SELECT nextval('identity.organisation_reference')", logger: logger)
            .decode(Int.self) {
            return "ORG-" + String(repeating: "0", count: max(0, 5 - String(number).count)) + String(number)
        }
        throw DomainError.conflict("no organisation reference could be drawn")
    }

    func insert(_ o: Organisation) async throws {
        try await connection.query("""
            INSERT INTO identity.organisations (id, reference, kind, name_zh, name_en, credit_code, jurisdiction_id, created_at, updated_at, status)
            VALUES (\(o.id), \(o.reference), \(o.kind.rawValue), \(o.nameZh), \(o.nameEn), \(o.creditCode), \(o.jurisdictionID),
                    \(o.createdAt), \(o.updatedAt), \(o.status.rawValue))
            """, logger: logger)
    }

    func update(_ o: Organisation) async throws {
        try await connection.query("""
            UPDATE identity.organisations SET name_zh = \(o.nameZh), name_en = \(o.nameEn), credit_code = \(o.creditCode),
                   updated_at = \(o.updatedAt), status = \(o.status.rawValue)
            WHERE id = \(o.id)
            """, logger: logger)
    }

    /// How many organisations there are of each kind.
    func organisationCounts() async throws -> [OrganisationKind: Int] {
        var counts: [OrganisationKind: Int] = [:]
        for try await (kind, count) in try await connection.query(
            "SELECT kind, count(*)::int FROM identity.organisations GROUP BY kind", logger: logger
        ).decode((String, Int).self) {
            if let kind = OrganisationKind(rawValue: kind) { counts[kind] = count }
        }
        return counts
    }

    // MARK: Users

    private static let userColumns = "id, username, display_name, email, organisation_id, roles, disabled_at, created_at"

    func user(id: UUID) async throws -> User? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.userColumns) FROM identity.users WHERE id = $1")
        query.binds.append(id)
        return try await users(query).first
    }

    func users(organisationID: UUID) async throws -> [User] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.userColumns) FROM identity.users WHERE organisation_id = $1 ORDER BY username")
        query.binds.append(organisationID)
        return try await users(query)
    }

    func users(withRole role: Role) async throws -> [User] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.userColumns) FROM identity.users WHERE $1 = ANY(roles) AND disabled_at IS NULL ORDER BY display_name, id
            """)
        query.binds.append(role.rawValue)
        return try await users(query)
    }

    private func users(_ query: PostgresQuery) async throws -> [User] {
        var result: [User] = []
        for try await (id, username, displayName, email, organisationID, roles, disabledAt, createdAt) in
            try await connection.query(query, logger: logger)
            .decode((UUID, String, String, String?, UUID, [String], Date?, Date).self) {
            result.append(User(id: id, username: username, displayName: displayName, email: email, organisationID: organisationID,
                               roles: roles.compactMap(Role.init(rawValue:)).sorted(), disabled: disabledAt != nil,
                               createdAt: createdAt))
        }
        return result
    }

    func insert(_ u: User, passwordHash: String) async throws {
        try await connection.query("""
            INSERT INTO identity.users (id, username, display_name, email, password_hash, organisation_id, roles, created_at, updated_at)
            VALUES (\(u.id), \(u.username), \(u.displayName), \(u.email), \(passwordHash), \(u.organisationID),
                    \(u.roles.map(\.rawValue)), \(u.createdAt), \(u.createdAt))
            """, logger: logger)
    }

    /// Every user, by username, a page after `after`.
    func users(after username: String?, limit: Int) async throws -> [User] {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.userColumns) FROM identity.users WHERE ($1::text IS NULL OR username > $1) ORDER BY username LIMIT $2")
        query.binds.append(username)
        query.binds.append(limit)
        return try await users(query)
    }

    func user(username: String) async throws -> User? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.userColumns) FROM identity.users WHERE lower(username) = lower($1)")
        query.binds.append(username)
        return try await users(query).first
    }

    func setPasswordHash(userID: UUID, hash: String, now: Date) async throws {
        try await connection.query("UPDATE identity.users SET password_hash = \(hash), updated_at = \(now) WHERE id = \(userID)", logger: logger)
    }

    func revokeTokens(userID: UUID, at date: Date) async throws {
        try await connection.query("UPDATE identity.api_tokens SET revoked_at = \(date) WHERE user_id = \(userID) AND revoked_at IS NULL", logger: logger)
    }

    func setDisabled(userID: UUID, at date: Date?, now: Date) async throws {
        try await connection.query("""
            UPDATE identity.users SET disabled_at = \(date), updated_at = \(now) WHERE id = \(userID)
            """, logger: logger)
    }

    /// The user's id, password hash and whether disabled, for signing in.
    func credentials(username: String) async throws -> (id: UUID, hash: String, disabled: Bool)? {
        for try await (id, hash, disabledAt) in try await connection.query("""
            SELECT id, password_hash, disabled_at FROM identity.users WHERE lower(username) = lower(\(username))
            """, logger: logger).decode((UUID, String, Date?).self) {
            return (id, hash, disabledAt != nil)
        }
        return nil
    }

    /// Everything the policy needs about a user, in one query.
    func actor(userID: UUID) async throws -> Actor? {
        try await actors(ids: [userID], usernames: []).first
    }

    /// The enabled users with these ids or user names, as actors.
    func actors(ids: [UUID], usernames: [String]) async throws -> [Actor] {
        var result: [Actor] = []
        for try await (id, username, displayName, organisationID, kind, path, roles) in try await connection.query("""
            SELECT u.id, u.username, u.display_name, o.id, o.kind, j.path, u.roles
            FROM identity.users u
            JOIN identity.organisations o ON o.id = u.organisation_id
            JOIN identity.jurisdictions j ON j.id = o.jurisdiction_id
            WHERE (u.id = ANY(\(ids)) OR u.username = ANY(\(usernames))) AND u.disabled_at IS NULL
            """, logger: logger).decode((UUID, String, String, UUID, String, [UUID], [String]).self) {
            result.append(Actor(userID: id, username: username, displayName: displayName, organisationID: organisationID,
                                organisationKind: OrganisationKind(rawValue: kind) ?? .department, jurisdictionPath: path,
                                roles: Set(roles.compactMap(Role.init(rawValue:)))))
        }
        return result
    }

    // MARK: Sign-in attempts

    /// Serialises sign-in attempts for one user name, then for one address (transaction-scoped advisory
    /// locks, classes 1_900_101 and 1_900_102: the two-key space, apart from the one-key locks elsewhere).
    /// Always in this order, so two attempts never wait for each other in a cycle. Separate statements:
    /// the count that follows takes its snapshot after the locks are held, and sees every attempt
    /// committed before.
    func lockSignIn(username: String, client: String) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(1900101, hashtext(lower(\(username))))", logger: logger)
        try await connection.query("SELECT pg_advisory_xact_lock(1900102, hashtext(\(client)))", logger: logger)
    }

    /// Attempts since `since` (failures and attempts still being checked) for the pair, the name and
    /// the address, each with the time of its `limit`-th newest (when that one leaves the window, the
    /// count falls below the limit).
    func recentAttempts(username: String, client: String, since: Date, limits: (pair: Int, name: Int, address: Int))
        async throws -> (pair: (Int, Date?), name: (Int, Date?), address: (Int, Date?)) {
        func one(_ query: PostgresQuery) async throws -> (Int, Date?) {
            for try await row in try await connection.query(query, logger: logger).decode((Int, Date?).self) { return row }
            return (0, nil)
        }
        let pair = try await one("""
            SELECT count(*)::int, (array_agg(occurred_at ORDER BY occurred_at DESC))[\(limits.pair)::int] FROM identity.login_failures
            WHERE username = lower(\(username)) AND client_hash = \(client) AND occurred_at > \(since)
            """)
        let name = try await one("""
            SELECT count(*)::int, (array_agg(occurred_at ORDER BY occurred_at DESC))[\(limits.name)::int] FROM identity.login_failures
            WHERE username = lower(\(username)) AND occurred_at > \(since)
            """)
        let address = try await one("""
            SELECT count(*)::int, (array_agg(occurred_at ORDER BY occurred_at DESC))[\(limits.address)::int] FROM identity.login_failures
            WHERE client_hash = \(client) AND occurred_at > \(since)
            """)
        return (pair, name, address)
    }

    /// An attempt about to be checked: it counts as a failure from now on, unless the password was right.
    func recordAttempt(id: UUID, username: String, client: String, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.login_failures (id, username, client_hash, occurred_at, checked)
            VALUES (\(id), lower(\(username)), \(client), \(date), false)
            """, logger: logger)
    }

    /// The attempt's password was wrong: it stays, as a failure.
    func confirmFailure(id: UUID) async throws {
        try await connection.query("UPDATE identity.login_failures SET checked = true WHERE id = \(id)", logger: logger)
    }

    /// The attempt's password was right: it goes, with the failures of its pair (its user name from its
    /// address) that still count (since `since`; older ones are the housekeeping's). Attempts of the pair
    /// still being checked stay: they count until their own answer.
    func clearFailures(username: String, client: String, attempt: UUID, since: Date) async throws {
        try await connection.query("""
            DELETE FROM identity.login_failures
            WHERE id = \(attempt) OR (username = lower(\(username)) AND client_hash = \(client) AND checked AND occurred_at > \(since))
            """, logger: logger)
    }

    // MARK: Anonymous form tokens

    /// Records a token's use; false when it was used before.
    func recordTokenUse(hash: String, at date: Date) async throws -> Bool {
        for try await _ in try await connection.query("""
            INSERT INTO identity.anonymous_token_uses (token_hash, used_at) VALUES (\(hash), \(date))
            ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash
            """, logger: logger) {
            return true
        }
        return false
    }

    /// Removes expired sessions, sign-in failures too old to count and uses of anonymous tokens too old
    /// to be accepted anyway; returns how many rows went.
    func purge(now: Date, failuresBefore: Date, tokenUsesBefore: Date) async throws -> Int {
        var removed = 0
        for try await count in try await connection.query("""
            WITH s AS (DELETE FROM identity.sessions WHERE expires_at <= \(now) RETURNING 1),
                 f AS (DELETE FROM identity.login_failures WHERE occurred_at <= \(failuresBefore) RETURNING 1),
                 t AS (DELETE FROM identity.anonymous_token_uses WHERE used_at <= \(tokenUsesBefore) RETURNING 1)
            SELECT ((SELECT count(*) FROM s) + (SELECT count(*) FROM f) + (SELECT count(*) FROM t))::int
            """, logger: logger).decode(Int.self) {
            removed = count
        }
        return removed
    }

    // MARK: Sessions

    func insertSession(hash: String, userID: UUID, at date: Date, expiresAt: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
            VALUES (\(hash), \(userID), \(date), \(date), \(expiresAt))
            """, logger: logger)
    }

    /// The user of a live session, touching its last-seen time when that is more than `touchInterval` old. Touching on
    /// every request made every request of one user a write on one row: parallel requests queued on its lock.
    func sessionUser(hash: String, now: Date) async throws -> UUID? {
        let stale = now.addingTimeInterval(-Self.touchInterval)
        for try await userID in try await connection.query("""
            WITH live AS (SELECT user_id FROM identity.sessions WHERE token_hash = \(hash) AND expires_at > \(now)),
                 touched AS (UPDATE identity.sessions SET last_seen_at = \(now)
                             WHERE token_hash = \(hash) AND expires_at > \(now) AND last_seen_at < \(stale) RETURNING 1)
            SELECT user_id FROM live
            """, logger: logger).decode(UUID.self) {
            return userID
        }
        return nil
    }

    /// How stale a session's last-seen time or a token's last-used time may be: they are shown to the minute.
    static let touchInterval: TimeInterval = 60

    func deleteSession(hash: String) async throws {
        try await connection.query("DELETE FROM identity.sessions WHERE token_hash = \(hash)", logger: logger)
    }

    func deleteSessions(userID: UUID) async throws {
        try await connection.query("DELETE FROM identity.sessions WHERE user_id = \(userID)", logger: logger)
    }

    // MARK: API tokens

    func insertToken(id: UUID, hash: String, userID: UUID, name: String, at date: Date, expiresAt: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.api_tokens (id, token_hash, user_id, name, created_at, expires_at)
            VALUES (\(id), \(hash), \(userID), \(name), \(date), \(expiresAt))
            """, logger: logger)
    }

    /// The user and id of a live token, recording its use to the minute (see `touchInterval`).
    func tokenUser(hash: String, now: Date) async throws -> (userID: UUID, tokenID: UUID)? {
        let stale = now.addingTimeInterval(-Self.touchInterval)
        for try await (userID, tokenID) in try await connection.query("""
            WITH live AS (SELECT user_id, id FROM identity.api_tokens
                          WHERE token_hash = \(hash) AND revoked_at IS NULL AND expires_at > \(now)),
                 touched AS (UPDATE identity.api_tokens SET last_used_at = \(now)
                             WHERE token_hash = \(hash) AND revoked_at IS NULL AND expires_at > \(now)
                               AND (last_used_at IS NULL OR last_used_at < \(stale)) RETURNING 1)
            SELECT user_id, id FROM live
            """, logger: logger).decode((UUID, UUID).self) {
            return (userID, tokenID)
        }
        return nil
    }

    func tokens(userID: UUID) async throws -> [TokenSummary] {
        var result: [TokenSummary] = []
        for try await (id, name, createdAt, expiresAt, lastUsedAt, revokedAt) in try await connection.query("""
            SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM identity.api_tokens
            WHERE user_id = \(userID) ORDER BY created_at DESC
            """, logger: logger).decode((UUID, String, Date, Date, Date?, Date?).self) {
            result.append(TokenSummary(id: id, name: name, createdAt: createdAt, expiresAt: expiresAt,
                                       lastUsedAt: lastUsedAt, revokedAt: revokedAt))
        }
        return result
    }

    /// Revokes a token of the user; returns false when there is no such live token.
    func revokeToken(id: UUID, userID: UUID, at date: Date) async throws -> Bool {
        for try await _ in try await connection.query("""
            UPDATE identity.api_tokens SET revoked_at = \(date)
            WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL RETURNING id
            """, logger: logger) {
            return true
        }
        return false
    }

    // MARK: Standing (ratings and sanctions)

    func ratings(of organisationID: UUID, forUpdate: Bool = false) async throws -> [Rating] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT r.level, r.awarded_on::text, r.expires_on::text, r.points, r.assessed_by, r.document, r.correction,
                   d.id, d.kind, d.name, d.sha256, d.size
            FROM identity.ratings r
            LEFT JOIN identity.standing_documents d ON d.organisation_id = r.organisation_id AND d.rating_on = r.awarded_on AND d.replaced_at IS NULL
            WHERE r.organisation_id = $1 ORDER BY r.awarded_on DESC
            """ + (forUpdate ? " FOR UPDATE OF r" : ""))
        query.binds.append(organisationID)
        var result: [Rating] = []
        for try await (level, awarded, expires, points, assessedBy, document, correction, fileID, kind, name, sha256, size)
            in try await connection.query(query, logger: logger)
            .decode((Int, String, String, Int?, String, String, String, UUID?, String?, String?, String?, Int?).self) {
            result.append(Rating(level: level, awardedOn: awarded, expiresOn: expires, points: points, assessedBy: assessedBy,
                                 document: document, correction: correction, file: Self.document(fileID, kind, name, sha256, size)))
        }
        return result
    }

    func insert(_ rating: Rating, of organisationID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.ratings (organisation_id, level, awarded_on, expires_on, recorded_at, points, assessed_by, document)
            VALUES (\(organisationID), \(rating.level), \(rating.awardedOn)::date, \(rating.expiresOn)::date, \(date),
                    \(rating.points), \(rating.assessedBy), \(rating.document))
            """, logger: logger)
    }

    func correct(_ rating: Rating, of organisationID: UUID, at date: Date) async throws {
        try await connection.query("""
            UPDATE identity.ratings SET level = \(rating.level), points = \(rating.points), assessed_by = \(rating.assessedBy),
                   document = \(rating.document), correction = \(rating.correction), corrected_at = \(date)
            WHERE organisation_id = \(organisationID) AND awarded_on = \(rating.awardedOn)::date
            """, logger: logger)
    }

    func violations(of organisationID: UUID, id: UUID? = nil, forUpdate: Bool = false) async throws -> [Violation] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT v.id, v.severity, v.occurred_on::text, v.description, v.kind, v.source, v.ends_on::text, v.correction,
                   d.id, d.kind, d.name, d.sha256, d.size
            FROM identity.violations v LEFT JOIN identity.standing_documents d ON d.violation_id = v.id AND d.replaced_at IS NULL
            WHERE v.organisation_id = $1 AND ($2::uuid IS NULL OR v.id = $2) ORDER BY v.occurred_on DESC, v.id DESC
            """ + (forUpdate ? " FOR UPDATE OF v" : ""))
        query.binds.append(organisationID)
        query.binds.append(id)
        var result: [Violation] = []
        for try await (id, severity, occurred, description, kind, source, endsOn, correction, fileID, fileKind, name, sha256, size)
            in try await connection.query(query, logger: logger)
            .decode((UUID, String, String, String, String, String, String?, String, UUID?, String?, String?, String?, Int?).self) {
            result.append(Violation(id: id, severity: Violation.Severity(rawValue: severity) ?? .major, occurredOn: occurred, description: description,
                                    kind: SanctionKind(rawValue: kind) ?? .administrativePenalty, source: source, endsOn: endsOn,
                                    correction: correction, file: Self.document(fileID, fileKind, name, sha256, size)))
        }
        return result
    }

    /// A standing document from a left join's columns (nil when the record has none).
    static func document(_ id: UUID?, _ kind: String?, _ name: String?, _ sha256: String?, _ size: Int?) -> StandingDocument? {
        guard let id, let kind = kind.flatMap(FileKind.init(rawValue:)), let name, let sha256, let size else { return nil }
        return StandingDocument(id: id, kind: kind, name: name, sha256: sha256, size: size)
    }

    func insertDocument(_ document: StandingDocument, _ data: Data, of organisationID: UUID, ratingOn: String? = nil, violationID: UUID? = nil,
                        by userID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.standing_documents (id, organisation_id, rating_on, violation_id, kind, name, sha256, size, bytes, uploaded_by, uploaded_at)
            VALUES (\(document.id), \(organisationID), \(ratingOn)::date, \(violationID), \(document.kind.rawValue), \(document.name),
                    \(document.sha256), \(document.size), \(ByteBuffer(data: data)), \(userID), \(date))
            """, logger: logger)
    }

    /// Marks the document standing behind a rating or a sanction replaced (a correction brought a new one); it stays
    /// downloadable by its id.
    func replaceDocument(of organisationID: UUID, ratingOn: String? = nil, violationID: UUID? = nil, at date: Date) async throws {
        try await connection.query("""
            UPDATE identity.standing_documents SET replaced_at = \(date)
            WHERE organisation_id = \(organisationID) AND replaced_at IS NULL
              AND (rating_on = \(ratingOn)::date OR violation_id = \(violationID))
            """, logger: logger)
    }

    /// A standing document's summary and bytes, only as a document of `organisationID`.
    func document(_ id: UUID, of organisationID: UUID) async throws -> (StandingDocument, Data)? {
        let rows = try await connection.query("""
            SELECT kind, name, sha256, size, bytes FROM identity.standing_documents WHERE id = \(id) AND organisation_id = \(organisationID)
            """, logger: logger).collect()
        guard let row = rows.first else { return nil }
        let (kind, name, sha256, size, bytes) = try row.decode((String, String, String, Int, ByteBuffer).self)
        guard let summary = Self.document(id, kind, name, sha256, size) else { return nil }
        return (summary, Data(buffer: bytes))
    }

    func insert(_ violation: Violation, of organisationID: UUID, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.violations (id, organisation_id, severity, occurred_on, description, recorded_at, kind, source, ends_on)
            VALUES (\(violation.id), \(organisationID), \(violation.severity.rawValue), \(violation.occurredOn)::date, \(violation.description),
                    \(date), \(violation.kind.rawValue), \(violation.source), \(violation.endsOn)::date)
            """, logger: logger)
    }

    func correct(_ violation: Violation, at date: Date) async throws {
        try await connection.query("""
            UPDATE identity.violations SET severity = \(violation.severity.rawValue), kind = \(violation.kind.rawValue),
                   description = \(violation.description), source = \(violation.source), ends_on = \(violation.endsOn)::date,
                   correction = \(violation.correction), corrected_at = \(date)
            WHERE id = \(violation.id)
            """, logger: logger)
    }

    // MARK: Affiliations

    func affiliations(of userID: UUID) async throws -> [Affiliation] {
        var result: [Affiliation] = []
        for try await (organisation, relation) in try await connection.query("""
            SELECT organisation_id, relation FROM identity.affiliations WHERE user_id = \(userID) ORDER BY recorded_at
            """, logger: logger).decode((UUID, String).self) {
            result.append(Affiliation(userID: userID, organisationID: organisation, relation: relation))
        }
        return result
    }

    func upsert(_ affiliation: Affiliation, at date: Date) async throws {
        try await connection.query("""
            INSERT INTO identity.affiliations (user_id, organisation_id, relation, recorded_at)
            VALUES (\(affiliation.userID), \(affiliation.organisationID), \(affiliation.relation), \(date))
            ON CONFLICT (user_id, organisation_id) DO UPDATE SET relation = excluded.relation, recorded_at = excluded.recorded_at
            """, logger: logger)
    }
}
