import Core
import Foundation
import Metrics
import HummingbirdBcrypt
import Logging
import PostgresNIO
import Store

/// The user actions of the Identity module: one public method each, one transaction each,
/// each change audited. The API handlers and the HTML controllers both call these.
public struct IdentityService: Sendable {
    let database: Database
    let clock: any SpokesClock
    /// Real time, whatever `clock` says: sessions, tokens and sign-in lock-outs last as long on a training instance,
    /// whose clock runs a day a minute, as anywhere (issue 27).
    let wall: any SpokesClock
    public let policy: SignInPolicy
    let hasher: PasswordHasher
    /// Verified against when a user name does not exist, so that both cases take as long.
    let decoyHash: String
    /// Signs and checks the tokens of the anonymous forms (survey, residents' voice).
    public let anonymousTokens: AnonymousTokens

    /// `anonymousTokenKey`: the key of the anonymous forms' tokens, the same on every instance (the
    /// server derives it from its master secret); nil gives this process a random one (tests, commands).
    /// Real time (see `wall`): what the anonymous forms' tokens are issued and checked at.
    public var wallTime: Date { wall.now() }

    public init(database: Database, clock: any SpokesClock = SystemClock(), policy: SignInPolicy = SignInPolicy(),
                anonymousTokenKey: Data? = nil, wall: (any SpokesClock)? = nil) {
        self.database = database
        self.clock = clock
        // Tests move one clock for both unless they give a wall clock of their own.
        self.wall = wall ?? (clock is TrainingClock ? SystemClock() : clock)
        self.policy = policy
        self.anonymousTokens = anonymousTokenKey.map(AnonymousTokens.init(key:)) ?? .random()
        self.hasher = PasswordHasher(cost: policy.bcryptCost)
        self.decoyHash = Bcrypt.hash("no user has this password", cost: policy.bcryptCost)
    }

    func store(_ connection: PostgresConnection) -> IdentityStore {
        IdentityStore(connection: connection, logger: database.logger)
    }

    func audit<State: Encodable>(_ connection: PostgresConnection, _ actor: Actor, _ action: String,
                                 _ entity: AuditEntity, before: State?, after: State?) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: entity, before: before, after: after, at: clock.now())
    }

    // MARK: Jurisdictions

    public func jurisdictions() async throws -> [Jurisdiction] {
        try await database.read { try await store($0).jurisdictions() }
    }

    public func jurisdiction(code: String) async throws -> Jurisdiction? {
        try await database.read { try await store($0).jurisdiction(code: code) }
    }

    public func jurisdiction(id: UUID) async throws -> Jurisdiction? {
        try await database.read { try await store($0).jurisdiction(id: id) }
    }

    public func createJurisdiction(by actor: Actor, _ input: NewJurisdiction) async throws -> Jurisdiction {
        try Policy.authorize(actor, .manageJurisdictions, .platform)
        var check = Validator()
        let code = check.text(input.code, "code", max: 12)
        check.check(code.allSatisfy(\.isNumber), "code", "must be the numeric administrative division code")
        let nameZh = check.text(input.nameZh, "nameZh")
        let nameEn = check.text(input.nameEn, "nameEn")
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            var parent: Jurisdiction?
            if let parentCode = input.parentCode {
                parent = try await store.jurisdiction(code: parentCode)
                guard let parent else { throw DomainError.invalid([FieldError("parentCode", "no jurisdiction has code \(parentCode)")]) }
                guard parent.tier.child == input.tier else {
                    throw DomainError.invalid([FieldError("tier", "a \(parent.tier) can only contain a \(parent.tier.child?.rawValue ?? "nothing")")])
                }
            } else if input.tier != .district {
                throw DomainError.invalid([FieldError("parentCode", "a \(input.tier) needs a parent jurisdiction")])
            }
            let id = UUID.v7(at: clock.now())
            let jurisdiction = Jurisdiction(id: id, parentID: parent?.id, tier: input.tier, code: code, nameZh: nameZh,
                                            nameEn: nameEn, path: (parent?.path ?? []) + [id])
            do {
                try await store.insert(jurisdiction, at: clock.now())
            } catch where error.isUniqueViolation {
                throw DomainError.conflict("a jurisdiction with code \(code) exists already")
            }
            try await audit(connection, actor, "jurisdiction.created", AuditEntity("jurisdiction", id), before: nil, after: jurisdiction)
            return jurisdiction
        }
    }

    // MARK: Organisations

    public func organisation(id: UUID) async throws -> Organisation {
        guard let organisation = try await database.read({ try await store($0).organisation(id: id) }) else {
            throw DomainError.notFound("no organisation has id \(id.uuidString.lowercased())")
        }
        return organisation
    }

    /// Several organisations by id in one query (names for a list), keyed by id; unknown ids are absent.
    public func organisations(ids: Set<UUID>) async throws -> [UUID: Organisation] {
        guard !ids.isEmpty else { return [:] }
        let found = try await database.read { try await store($0).organisations(ids: Array(ids)) }
        return Dictionary(uniqueKeysWithValues: found.map { ($0.id, $0) })
    }

    public func organisation(creditCode: String) async throws -> Organisation? {
        try await database.read { try await store($0).organisation(creditCode: creditCode) }
    }

    /// A page of organisations in name order; pass the last one of a page to get the next.
    public func organisations(kind: OrganisationKind? = nil, after: Organisation? = nil, limit: Int = 50) async throws -> [Organisation] {
        try await database.read {
            try await store($0).organisations(kind: kind, after: after.map { ($0.nameZh, $0.id) }, limit: min(max(limit, 1), 200))
        }
    }

    /// How many organisations of each kind are registered (for the public face of the platform).
    public func organisationCounts() async throws -> [OrganisationKind: Int] {
        try await database.read { try await store($0).organisationCounts() }
    }

    /// What the actor may do with an organisation's page: see and manage its users (with the roles they may
    /// give), edit it; and on the platform, open new organisations.
    public func actions(on organisationID: UUID, for actor: Actor?) async throws -> OrganisationActions {
        var may = OrganisationActions()
        guard let actor else { return may }
        let resource = try await resource(of: organisationID)
        may.readUsers = Policy.decide(actor, .readUsers, resource) == .allow
        may.manageUsers = Policy.decide(actor, .manageUsers, resource) == .allow
        may.update = Policy.decide(actor, .updateOrganisation, resource) == .allow
        may.createOrganisations = Policy.decide(actor, .createOrganisation, .platform) == .allow
        may.readRegistration = Policy.decide(actor, .readRegistration, resource) == .allow
        may.decideRegistration = Policy.decide(actor, .vetOrganisation, resource) == .allow
        may.keepRegister = Policy.decide(actor, .recordStanding, resource) == .allow
        if may.manageUsers {
            let kind = try await organisation(id: organisationID).kind
            // Only an administrator of the platform makes another, or a registrar (the register is the bureau's legal office).
            may.assignableRoles = Role.allCases.filter { $0.isAllowed(in: kind) && (!$0.grantedByAdministrators || may.createOrganisations) }
        }
        return may
    }

    /// Refused unless the actor may open new organisations (platform administrators).
    public func authorizeNewOrganisation(by actor: Actor?) throws(DomainError) {
        try Policy.authorize(actor, .createOrganisation, .platform)
    }

    /// The policy's view of an organisation: who owns it and where it sits.
    public func resource(of organisationID: UUID) async throws -> Resource {
        try await database.read { connection in
            let store = store(connection)
            guard let organisation = try await store.organisation(id: organisationID) else {
                throw DomainError.notFound("no organisation has id \(organisationID.uuidString.lowercased())")
            }
            let path = try await store.jurisdiction(id: organisation.jurisdictionID)?.path ?? []
            return Resource(organisationID: organisation.id, jurisdictionPath: path)
        }
    }

    public func createOrganisation(by actor: Actor, _ input: NewOrganisation) async throws -> Organisation {
        try Policy.authorize(actor, .createOrganisation, .platform)
        var check = Validator()
        let kind = OrganisationKind(rawValue: input.kind)
        check.check(kind != nil, "kind", "must be one of \(OrganisationKind.allCases.map(\.rawValue).joined(separator: ", "))")
        let nameZh = check.text(input.nameZh, "nameZh")
        let nameEn = check.text(input.nameEn, "nameEn")
        // A social organisation may start as a team with an idea and no registration yet (issue 5:
        // one identity from the first idea); every other kind is a registered body.
        let unregisteredTeam = kind == .socialOrganisation && (input.creditCode ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        let creditCode = unregisteredTeam ? nil : Self.validCreditCode(input.creditCode, &check)
        let jurisdictionCode = check.text(input.jurisdictionCode, "jurisdictionCode", max: 12)
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let jurisdiction = try await store.jurisdiction(code: jurisdictionCode) else {
                throw DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code \(jurisdictionCode)")])
            }
            let now = clock.now()
            let organisation = Organisation(
                id: UUID.v7(at: now), reference: try await store.nextOrganisationReference(), kind: kind!,
                nameZh: nameZh, nameEn: nameEn, creditCode: creditCode, jurisdictionID: jurisdiction.id,
                createdAt: now, updatedAt: now)
            do {
                try await store.insert(organisation)
            } catch where error.isUniqueViolation {
                throw Self.creditCodeTaken(creditCode)
            }
            try await audit(connection, actor, "organisation.created", AuditEntity("organisation", organisation.id),
                            before: nil, after: organisation)
            return organisation
        }
    }

    /// Renames an organisation or records its credit code (its own administrators, or the platform's).
    public func updateOrganisation(by actor: Actor, id: UUID, nameZh: String?, nameEn: String?, creditCode: String?) async throws -> Organisation {
        try Policy.authorize(actor, .updateOrganisation, try await resource(of: id))
        var check = Validator()
        let newZh = nameZh.map { check.text($0, "nameZh") }
        let newEn = nameEn.map { check.text($0, "nameEn") }
        let newCode = creditCode == nil ? nil : Self.validCreditCode(creditCode, &check)
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.organisation(id: id, forUpdate: true) else {
                throw DomainError.notFound("no organisation has id \(id.uuidString.lowercased())")
            }
            var after = before
            if let newZh { after.nameZh = newZh }
            if let newEn { after.nameEn = newEn }
            if let newCode { after.creditCode = newCode }
            guard after != before else { return before }
            after.updatedAt = clock.now()
            do {
                try await store.update(after)
            } catch where error.isUniqueViolation {
                throw Self.creditCodeTaken(newCode)
            }
            try await audit(connection, actor, "organisation.updated", AuditEntity("organisation", id), before: before, after: after)
            return after
        }
    }

    static func validCreditCode(_ raw: String?, _ check: inout Validator) -> String? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else {
            check.check(false, "creditCode", "is required")
            return nil
        }
        do {
            return try CreditCode(raw).value
        } catch {
            check.check(false, "creditCode", "is not a valid unified social credit code: \(error.message)")
            return nil
        }
    }

    // MARK: Users

    /// The enabled users with these ids or user names, as the policy sees them (who is on duty at a site).
    public func actors(ids: [UUID] = [], usernames: [String] = []) async throws -> [Actor] {
        guard !ids.isEmpty || !usernames.isEmpty else { return [] }
        return try await database.read { try await store($0).actors(ids: ids, usernames: usernames) }
    }

    public func users(of organisationID: UUID, by actor: Actor?) async throws -> [User] {
        try Policy.authorize(actor, .readUsers, try await resource(of: organisationID))
        return try await database.read { try await store($0).users(organisationID: organisationID) }
    }

    /// The hash a password is stored under, for loaders that write users in bulk (the generated province's site staff).
    public func passwordHash(_ password: String) async throws -> String { try await hasher.hash(password) }

    public func createUser(by actor: Actor, _ input: NewUser) async throws -> User {
        let resource = try await resource(of: input.organisationID)
        try Policy.authorize(actor, .manageUsers, resource)
        let organisation = try await organisation(id: input.organisationID)
        var check = Validator()
        let account = validAccount(username: input.username, displayName: input.displayName, email: input.email, password: input.password, &check)
        var roles: [Role] = []
        for name in input.roles {
            guard let role = Role(rawValue: name) else {
                check.check(false, "roles", "\(name) is not a role; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            check.check(role.isAllowed(in: organisation.kind), "roles", "a \(organisation.kind) cannot hold the role \(name)")
            // Only the platform's administrators hand out the platform's role and the register's.
            check.check(!role.grantedByAdministrators || actor.has(.admin), "roles", "only platform administrators may grant \(role.rawValue)")
            roles.append(role)
        }
        check.check(!roles.isEmpty, "roles", "at least one role is required")
        try check.finish()
        let hash = try await hasher.hash(input.password)
        let user = User(id: UUID.v7(at: clock.now()), username: account.username, displayName: account.displayName, email: account.email,
                        organisationID: organisation.id, roles: Array(Set(roles)).sorted(), disabled: false, createdAt: clock.now())
        return try await database.transaction { connection in
            do {
                try await store(connection).insert(user, passwordHash: hash)
            } catch where error.isUniqueViolation {
                throw Self.userNameTaken(account.username)
            }
            try await audit(connection, actor, "user.created", AuditEntity("user", user.id), before: nil, after: user)
            return user
        }
    }

    /// The refusals of a credit code or a user name held already (unique in the database), the same wherever they arise.
    static func creditCodeTaken(_ code: String?) -> DomainError {
        DomainError.conflict("an organisation with credit code \(code ?? "") is registered already")
    }

    static func userNameTaken(_ username: String) -> DomainError {
        DomainError.conflict("the user name \(username) is taken")
    }

    /// The checks of a new account, shared by an administrator's form and signing up.
    func validAccount(username: String, displayName: String, email: String?, password: String,
                      _ check: inout Validator) -> (username: String, displayName: String, email: String?) {
        let username = check.text(username, "username", max: 64)
        check.check(username.isEmpty || username.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) },
                    "username", "may hold only letters, digits, dot, dash and underscore")
        let displayName = check.text(displayName, "displayName")
        let email = email.map { check.text($0, "email", max: 254, required: false) }.flatMap { $0.isEmpty ? nil : $0 }
        if let email { check.check(Self.looksLikeEmail(email), "email", "is not an e-mail address") }
        check.check(password.count >= policy.minimumPasswordLength, "password",
                    "must be at least \(policy.minimumPasswordLength) characters")
        check.check(password.utf8.count <= 72, "password", "must be at most 72 bytes (bcrypt's limit)")
        return (username, displayName, email)
    }

    /// Every user of the platform, a page at a time by username: for its administrators (`spokes users list`).
    public func allUsers(by actor: Actor, after username: String? = nil, limit: Int = 500) async throws -> [User] {
        try Policy.authorize(actor, .manageJurisdictions, .platform)
        return try await database.read { try await store($0).users(after: username, limit: min(max(limit, 1), 1000)) }
    }

    /// A user by username (any case), or nil.
    public func user(username: String) async throws -> User? {
        try await database.read { try await store($0).user(username: username) }
    }

    /// Sets a new password for a user (their organisation's administrators, or the platform's from the command line).
    /// Their sessions end and their API tokens are revoked: whoever held the old password holds nothing.
    public func resetPassword(by actor: Actor, userID: UUID, to password: String) async throws -> User {
        let user = try await database.read { try await store($0).user(id: userID) }
        guard let user else { throw DomainError.notFound("no user has id \(userID.uuidString.lowercased())") }
        try Policy.authorize(actor, .manageUsers, try await resource(of: user.organisationID))
        var check = Validator()
        check.check(password.count >= policy.minimumPasswordLength, "password", "must be at least \(policy.minimumPasswordLength) characters")
        check.check(password.utf8.count <= 72, "password", "must be at most 72 bytes (bcrypt's limit)")
        try check.finish()
        let hash = try await hasher.hash(password)
        return try await database.transaction { connection in
            let store = store(connection)
            let now = clock.now()
            try await store.setPasswordHash(userID: userID, hash: hash, now: now)
            try await store.deleteSessions(userID: userID)
            try await store.revokeTokens(userID: userID, at: now)
            // The audit trail says that the password changed, never what to.
            try await audit(connection, actor, "user.password_reset", AuditEntity("user", userID), before: user, after: user)
            return user
        }
    }

    /// Disables (or re-enables) a user; disabling ends their sessions and tokens at once.
    public func setUserDisabled(by actor: Actor, userID: UUID, disabled: Bool) async throws -> User {
        let user = try await database.read { try await store($0).user(id: userID) }
        guard let user else { throw DomainError.notFound("no user has id \(userID.uuidString.lowercased())") }
        try Policy.authorize(actor, .manageUsers, try await resource(of: user.organisationID))
        if disabled && userID == actor.userID { throw DomainError.conflict("you cannot disable yourself") }
        guard user.disabled != disabled else { return user }
        return try await database.transaction { connection in
            let store = store(connection)
            let now = clock.now()
            try await store.setDisabled(userID: userID, at: disabled ? now : nil, now: now)
            if disabled { try await store.deleteSessions(userID: userID) }
            var after = user
            after.disabled = disabled
            try await audit(connection, actor, disabled ? "user.disabled" : "user.enabled", AuditEntity("user", userID),
                            before: user, after: after)
            return after
        }
    }

    // MARK: Signing in

    /// The address in-process callers (the demo loader, commands) sign in from; requests pass their client's.
    public static let inProcessClient = "in-process"

    /// Checks a user name and password from a client address, under the limits of `SignInPolicy`:
    /// 5 failures per (name, address), 30 per name, 50 per address within 15 minutes, each locking
    /// whatever the password until enough failures leave the window.
    ///
    /// The attempt is counted before the password is checked: under a lock per name and per address
    /// (in that order), the recent attempts are counted and, if no limit is reached, this one is
    /// recorded, in one transaction. Parallel attempts therefore see each other, and at most the
    /// allowance left is ever checked. A wrong password leaves its row as a failure; a right one deletes
    /// it with the failures of its pair (the user's own mistakes from this address), not the failures
    /// from other addresses, so that a stranger's attempts elsewhere neither lock nor are forgiven.
    public func signIn(username: String, password: String, client: String = IdentityService.inProcessClient) async throws -> Actor {
        let now = wall.now()
        let name = username.trimmingCharacters(in: .whitespaces)
        let address = Secret.hash(client)
        let attempt = UUID.v7(at: now)
        try await database.transaction { connection in
            let store = store(connection)
            try await store.lockSignIn(username: name, client: address)
            let recent = try await store.recentAttempts(username: name, client: address, since: now.addingTimeInterval(-policy.window),
                                                        limits: (policy.maxFailures, policy.maxFailuresPerName, policy.maxFailuresPerAddress))
            if let refusal = lockOut(recent, now: now) {
                Counter(label: "spokes_sign_in_failures_total", dimensions: [("reason", "locked_out")]).increment()
                throw refusal
            }
            try await store.recordAttempt(id: attempt, username: name, client: address, at: now)
        }
        let credentials = try await database.read { try await store($0).credentials(username: name) }
        let matches = try await hasher.verify(password, against: credentials?.hash ?? decoyHash)
        guard let credentials, matches, !credentials.disabled,
              let actor = try await database.read({ try await store($0).actor(userID: credentials.id) }) else {
            try await database.transaction { try await store($0).confirmFailure(id: attempt) }
            Counter(label: "spokes_sign_in_failures_total", dimensions: [("reason", "wrong_credentials")]).increment()
            throw DomainError.unauthenticated("Wrong user name or password.")
        }
        try await database.transaction {
            try await store($0).clearFailures(username: name, client: address, attempt: attempt, since: now.addingTimeInterval(-policy.window))
        }
        return actor
    }

    /// The refusal when a limit is reached: `locked`, with the seconds until every reached limit has
    /// a failure less (the limit-th newest failure leaves the window).
    private func lockOut(_ recent: (pair: (Int, Date?), name: (Int, Date?), address: (Int, Date?)), now: Date) -> DomainError? {
        let limits: [(count: Int, edge: Date?, limit: Int, message: String)] = [
            (recent.pair.0, recent.pair.1, policy.maxFailures, "Too many failed sign-ins for this user name"),
            (recent.name.0, recent.name.1, policy.maxFailuresPerName, "Too many failed sign-ins for this user name"),
            (recent.address.0, recent.address.1, policy.maxFailuresPerAddress, "Too many failed sign-ins from this network address"),
        ]
        let reached = limits.filter { $0.count >= $0.limit }
        guard let first = reached.first else { return nil }
        let retry = reached.map { Int(((($0.edge ?? now).addingTimeInterval(policy.window)).timeIntervalSince(now)).rounded(.up)) }.max() ?? 1
        let seconds = max(1, retry)
        let minutes = (seconds + 59) / 60
        return DomainError(.locked, "\(first.message). Try again in \(minutes) minute\(minutes == 1 ? "" : "s").", retryAfter: seconds)
    }

    /// Starts an HTML session for a signed-in user. A new secret every time: sessions rotate at sign-in.
    public func startSession(for actor: Actor) async throws -> SessionGrant {
        let secret = Secret.generate()
        let now = wall.now()
        let expiresAt = now.addingTimeInterval(policy.sessionLifetime)
        try await database.transaction {
            try await store($0).insertSession(hash: Secret.hash(secret), userID: actor.userID, at: now, expiresAt: expiresAt)
        }
        return SessionGrant(secret: secret, expiresAt: expiresAt, actor: actor)
    }

    public func actor(forSession secret: String) async throws -> Actor? {
        try await database.read { connection in
            let store = store(connection)
            guard let userID = try await store.sessionUser(hash: Secret.hash(secret), now: wall.now()) else { return nil }
            return try await store.actor(userID: userID)
        }
    }

    public func endSession(_ secret: String) async throws {
        try await database.transaction { try await store($0).deleteSession(hash: Secret.hash(secret)) }
    }

    /// Housekeeping: deletes expired sessions, sign-in failures older than the lock-out window and the
    /// uses of anonymous form tokens that are expired anyway (an hour's margin for clocks apart).
    /// Safe to run from several instances at once.
    @discardableResult
    public func purgeExpired() async throws -> Int {
        let now = wall.now()
        return try await database.transaction {
            try await store($0).purge(now: now, failuresBefore: now.addingTimeInterval(-policy.window),
                                      tokenUsesBefore: now.addingTimeInterval(-AnonymousTokens.lifetime - 3600))
        }
    }

    // MARK: API tokens

    /// Signs in (under the same limits as the pages, from the client's address) and issues a bearer token for API clients.
    public func issueToken(username: String, password: String, name: String?, client: String = IdentityService.inProcessClient) async throws -> IssuedToken {
        let actor = try await signIn(username: username, password: password, client: client)
        var check = Validator()
        let label = check.text(name ?? "API token", "name", max: 100)
        try check.finish()
        let secret = Secret.generate(prefix: "spk_")
        let now = wall.now()
        let summary = TokenSummary(id: UUID.v7(at: now), name: label, createdAt: now,
                                   expiresAt: now.addingTimeInterval(policy.tokenLifetime), lastUsedAt: nil, revokedAt: nil)
        try await database.transaction { connection in
            try await store(connection).insertToken(id: summary.id, hash: Secret.hash(secret), userID: actor.userID,
                                                    name: label, at: now, expiresAt: summary.expiresAt)
            try await audit(connection, actor, "token.issued", AuditEntity("api_token", summary.id), before: nil, after: summary)
        }
        return IssuedToken(id: summary.id, token: secret, expiresAt: summary.expiresAt, actor: actor)
    }

    /// The actor of a live bearer token, and the token's id.
    public func actor(forToken token: String) async throws -> (actor: Actor, tokenID: UUID)? {
        try await database.read { connection in
            let store = store(connection)
            guard let (userID, tokenID) = try await store.tokenUser(hash: Secret.hash(token), now: wall.now()),
                  let actor = try await store.actor(userID: userID) else { return nil }
            return (actor, tokenID)
        }
    }

    public func tokens(of actor: Actor) async throws -> [TokenSummary] {
        try await database.read { try await store($0).tokens(userID: actor.userID) }
    }

    /// Revokes one of the actor's own tokens; it stops working at once.
    public func revokeToken(by actor: Actor, id: UUID) async throws {
        try await database.transaction { connection in
            guard try await store(connection).revokeToken(id: id, userID: actor.userID, at: clock.now()) else {
                throw DomainError.notFound("you have no live token with id \(id.uuidString.lowercased())")
            }
            try await audit(connection, actor, "token.revoked", AuditEntity("api_token", id),
                            before: nil as TokenSummary?, after: nil as TokenSummary?)
        }
    }
}
