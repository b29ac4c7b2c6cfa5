import Catalogue
import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// A page of cases and the cursor of the next one.
public struct RequestPage: Sendable {
    public var requests: [ServiceRequest]
    public var next: UUID?
}

/// A site where the actor is on duty, with the duties held there.
public struct DutyPost: Sendable {
    public var site: ServiceSite
    public var duties: Set<SiteDuty>
}

/// How many cases wait at a site (a queue's and a home page's counts).
public struct QueueCounts: Sendable, Equatable {
    public var waiting: Int
    public var overdue: Int
    public var returned: Int
    public var awaitingMaterials: Int

    public init(waiting: Int = 0, overdue: Int = 0, returned: Int = 0, awaitingMaterials: Int = 0) {
        (self.waiting, self.overdue, self.returned, self.awaitingMaterials) = (waiting, overdue, returned, awaitingMaterials)
    }
}

/// Service requests (办件) across the three tiers (DOMAIN §6, issue 23): a window clerk registers a resident's
/// application at a site serving the item; what is missing is told once; the accepted case moves to the site of the
/// item's approving tier on the accepting site's path, then to the site of its handling tier, each within its
/// working-day limit; the result returns to the accepting window, whose clerk owns the case to the end. Who acts at
/// each step is whoever the county named on duty at the site where the case waits (`.workServiceRequest`, decided
/// on the duty holders as the resource's assignees). The applicant is sealed; every step is audited on the case.
public struct RequestService: Sendable {
    let database: Database
    let identity: IdentityService
    let catalogue: ServiceItemService
    let sites: SiteService
    let sealer: ApplicantSealer
    let calendar: @Sendable () async throws -> WorkingCalendar
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, catalogue: ServiceItemService, sites: SiteService, sealer: ApplicantSealer,
                calendar: @escaping @Sendable () async throws -> WorkingCalendar, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.catalogue = catalogue
        self.sites = sites
        self.sealer = sealer
        self.calendar = calendar
        self.clock = clock
    }

    public static let pageSizes = 1...200
    public static let maximumText = 500
    /// Wrong last-four guesses on a tracking code before the tracking page shuts for `trackingLock`.
    public static let trackingAttempts = 5
    public static let trackingLock: TimeInterval = 15 * 60

    func store(_ connection: PostgresConnection) -> RequestStore { RequestStore(connection: connection, logger: database.logger) }

    // MARK: Duties

    /// Who is on duty at a site, with their user names and names: for the site's own staff and the offices and
    /// overseers of its jurisdiction (names of staff are personal data, as on the site's page).
    public func duties(at siteID: UUID, by actor: Actor?) async throws -> [(holder: DutyHolder, username: String, name: String)] {
        let site = try await sites.site(id: siteID)
        let holders = try await database.read { try await store($0).duties(siteIDs: [siteID])[siteID] ?? [] }
        try Policy.authorize(actor, .readServiceRequest, Resource(jurisdictionPath: site.jurisdictionPath, assignees: Set(holders.map(\.userID))))
        let actors = try await identity.actors(ids: holders.map(\.userID))
        return holders.map { holder in
            let person = actors.first { $0.userID == holder.userID }
            return (holder, person?.username ?? "", person?.displayName ?? "—")
        }
    }

    /// Names who is on duty at a site (user names with their duties), replacing the list: the offices that keep the
    /// site (`.manageSites`). Everyone named works in the site's jurisdiction tree; approvers and handlers are staff of a
    /// government office; every problem is refused together.
    public func setDuties(by actor: Actor, siteID: UUID, _ duties: [(username: String, duty: SiteDuty)]) async throws -> [DutyHolder] {
        let site = try await sites.site(id: siteID)
        try Policy.authorize(actor, .manageSites, site.resource)
        guard duties.count <= 200 else { throw DomainError.invalid([FieldError("duties", "may name at most 200 people")]) }
        let people = try await identity.actors(usernames: Array(Set(duties.map(\.username))))
        var errors: [FieldError] = []
        var holders: [DutyHolder] = []
        for (index, entry) in duties.enumerated() {
            guard let person = people.first(where: { $0.username == entry.username }) else {
                errors.append(FieldError("duties[\(index)].username", "no enabled user is called \(entry.username)"))
                continue
            }
            // Staff of the site's own jurisdiction tree: an office above it, at it or below it (a village committee, a
            // social organisation of the county); never another county's.
            let related = person.jurisdictionID.map { site.jurisdictionPath.contains($0) } == true
                || person.jurisdictionPath.contains(site.jurisdictionID)
            if !related {
                errors.append(FieldError("duties[\(index)].username", "\(entry.username) works outside the jurisdiction of \(site.content.nameZh)"))
            }
            if [.approver, .handler].contains(entry.duty) && !person.organisationKind.isBuyer {
                errors.append(FieldError("duties[\(index)].duty", "\(entry.username) is not on the staff of a government office, so may not approve or handle cases"))
            }
            let holder = DutyHolder(userID: person.userID, duty: entry.duty)
            if !holders.contains(holder) { holders.append(holder) }
        }
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        let now = clock.now()
        return try await database.transaction { connection in
            try await store(connection).replaceDuties(siteID: siteID, holders)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "site.duties", entity: AuditEntity("site", siteID),
                                      before: Optional<[DutyHolder]>.none, after: holders, at: now)
            return holders
        }
    }

    /// The duties form's text read as a list, one person per line written `user name|duty` with the duty by its code
    /// (clerk) or its Chinese name (窗口受理员); every unreadable line refused together.
    public static func duties(text: String) throws -> [(username: String, duty: SiteDuty)] {
        let words: [String: SiteDuty] = ["受理员": .clerk, "窗口受理员": .clerk, "AB岗": .backup, "AB岗替补": .backup, "替补": .backup,
                                         "负责人": .head, "站点负责人": .head, "审批人": .approver, "经办人": .handler]
        var duties: [(String, SiteDuty)] = []
        var errors: [FieldError] = []
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingSpaces }) where !line.isEmpty {
            let parts = line.split(separator: "|").map { String($0).trimmingSpaces }
            guard parts.count == 2, !parts[0].isEmpty, let duty = SiteDuty(rawValue: parts[1]) ?? words[parts[1]] else {
                errors.append(FieldError("duties", "\(line) is not written user name|duty with a duty of clerk, backup, head, approver, handler"))
                continue
            }
            duties.append((parts[0], duty))
        }
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        return duties
    }

    /// The sites where the actor is on duty (a clerk's choice of queue; the home page's worklist).
    public func posts(of actor: Actor?) async throws -> [DutyPost] {
        guard let actor else { return [] }
        let duties = try await database.read { try await store($0).duties(of: actor.userID) }
        var posts: [DutyPost] = []
        for (siteID, duty) in duties {
            if let index = posts.firstIndex(where: { $0.site.id == siteID }) { posts[index].duties.insert(duty); continue }
            posts.append(DutyPost(site: try await sites.site(id: siteID), duties: [duty]))
        }
        return posts
    }

    // MARK: Registering at the window

    /// Registers a resident's application at a site: the item must be one the site serves and whose approving and
    /// handling tiers sit at or above the site's; the materials are checked against the item's list. With all of
    /// them the case is accepted at once (and an on-the-spot item whose authority sits at this tier is settled at the
    /// window); otherwise it waits for the missing ones, all named in one notice.
    public func register(by actor: Actor, at siteID: UUID, _ input: NewRequest) async throws -> ServiceRequest {
        let site = try await sites.site(id: siteID)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await authorize(actor, site: site, duties: SiteDuty.window, store)
            let applicant = input.applicant.trimmed
            var errors = applicant.problems
            guard input.presented.count <= NewRequest.maximumMaterials else {
                throw DomainError.invalid(errors + [FieldError("presented", "may list at most \(NewRequest.maximumMaterials) materials")])
            }
            let code = input.itemCode.trimmingSpaces
            guard let item = try await catalogue.items(codes: [code]).first else {
                throw DomainError.invalid(errors + [FieldError("itemCode", "the catalogue has no published item \(code)")])
            }
            if !site.content.itemIDs.contains(item.id) {
                errors.append(FieldError("itemCode", "\(item.code) is not served at \(site.content.nameZh)"))
            }
            let required = try await catalogue.requiredMaterials(of: item).required
            var presented: [UUID] = []
            for material in input.presented.map(\.trimmingSpaces) where !material.isEmpty {
                guard let found = required.first(where: { $0.code == material }) else {
                    errors.append(FieldError("presented", "\(material) is not a material \(item.code) asks for"))
                    continue
                }
                if !presented.contains(found.id) { presented.append(found.id) }
            }
            let route = try await route(item, from: site, store)
            if let problem = route.problem { errors.append(problem) }
            guard errors.isEmpty, let chain = route.chain else { throw DomainError.invalid(errors) }

            let id = UUID.v7(at: now)
            var request = ServiceRequest(
                id: id, trackingCode: try await trackingCode(store), itemID: item.id, itemCode: item.code, acceptingSiteID: site.id,
                approvingSiteID: chain.approving, handlingSiteID: chain.handling, jurisdictionPath: site.jurisdictionPath, ownerID: actor.userID,
                applicantMasked: applicant.maskedName, idNumberMasked: applicant.maskedIDNumber, phoneMasked: applicant.maskedPhone,
                state: .awaitingMaterials, outcome: nil, presented: presented, missing: required.map(\.id).filter { !presented.contains($0) },
                reason: nil, result: nil, siteID: site.id, registeredAt: now, updatedAt: now)
            if request.missing.isEmpty { try await accept(&request, item: item, at: now) }
            try await store.insert(request, sealed: try sealer.seal(applicant, request: id))
            try await audit(connection, actor, "request.registered", before: nil, after: request)
            if request.state != .awaitingMaterials {
                try await audit(connection, actor, request.state == .closed ? "request.settled_at_window" : "request.accepted", before: nil, after: request)
            }
            return request
        }
    }

    /// The applicant brought more of the missing materials; with all of them the case is accepted.
    public func supplyMaterials(by actor: Actor, id: UUID, _ codes: [String]) async throws -> ServiceRequest {
        try await step(actor, id, "request.materials", duties: SiteDuty.window, states: [.awaitingMaterials], at: { $0.acceptingSiteID }) { request, _ in
            guard codes.count <= NewRequest.maximumMaterials else {
                throw DomainError.invalid([FieldError("presented", "may list at most \(NewRequest.maximumMaterials) materials")])
            }
            let item = try await catalogue.item(id: request.itemID)
            let required = try await catalogue.requiredMaterials(of: item).required
            var errors: [FieldError] = []
            for code in codes.map(\.trimmingSpaces) where !code.isEmpty {
                guard let found = required.first(where: { $0.code == code }) else {
                    errors.append(FieldError("presented", "\(code) is not a material \(item.code) asks for"))
                    continue
                }
                if !request.presented.contains(found.id) { request.presented.append(found.id) }
            }
            if !errors.isEmpty { throw DomainError.invalid(errors) }
            request.missing = required.map(\.id).filter { !request.presented.contains($0) }
            if request.missing.isEmpty { try await accept(&request, item: item, at: clock.now()) }
        }
    }

    /// The window pre-checked the case and sends it on to the approving tier.
    public func forward(by actor: Actor, id: UUID) async throws -> ServiceRequest {
        try await step(actor, id, "request.forwarded", duties: SiteDuty.window, states: [.accepted], at: { $0.acceptingSiteID }) { request, _ in
            let item = try await catalogue.item(id: request.itemID)
            let calendar = try await calendar()
            request.state = .approving
            request.siteID = request.approvingSiteID
            try setDue(&request, try calendar.close(ofWorkingDay: item.content.authority.acceptDays + item.content.authority.approveDays,
                                                     after: request.acceptedAt ?? clock.now()), calendar)
        }
    }

    /// The approving tier grants the case, which moves to the handling tier's queue. A high-risk item's approval is
    /// drawn for a re-check by the tier above at the item's sampling rate (the draw is random: nobody knows which).
    public func approve(by actor: Actor, id: UUID) async throws -> ServiceRequest {
        try await step(actor, id, "request.approved", duties: [.approver, .head], states: [.approving], at: { $0.approvingSiteID },
                       then: { request, store, connection in
            try await sample(request, store, connection, actor: actor)
        }) { request, _ in
            let calendar = try await calendar()
            request.state = .handling
            request.siteID = request.handlingSiteID
            try setDue(&request, request.finalDueAt ?? clock.now(), calendar)
        }
    }

    /// The handling tier has done it: the result returns to the accepting window.
    public func complete(by actor: Actor, id: UUID, result: String) async throws -> ServiceRequest {
        let text = try Self.text(result, "result")
        return try await step(actor, id, "request.completed", duties: [.handler, .head], states: [.handling], at: { $0.handlingSiteID }) { request, now in
            request.result = text
            decide(&request, .granted, at: now)
        }
    }

    /// Refuses the case with its legal reason, at the step where it waits: the window (不予受理), the approving or
    /// the handling tier. The refusal returns to the accepting window like any result.
    public func refuse(by actor: Actor, id: UUID, reason: String) async throws -> ServiceRequest {
        let text = try Self.text(reason, "reason")
        // The step the refusal was asked at (read before the lock): a second refusal of the same step is told the case has
        // moved on (409), not that the refuser is off duty where it went.
        let current = try await request(id: id)
        let (duties, site): (Set<SiteDuty>, UUID) = switch current.state {
        case .approving: ([.approver, .head], current.approvingSiteID)
        case .handling: ([.handler, .head], current.handlingSiteID)
        default: (SiteDuty.window, current.acceptingSiteID)
        }
        return try await step(actor, id, "request.refused", duties: duties, states: [.accepted, .approving, .handling], at: { _ in site }) { request, now in
            request.reason = text
            decide(&request, .refused, at: now)
        }
    }

    /// The window hands the result to the resident.
    public func handOver(by actor: Actor, id: UUID) async throws -> ServiceRequest {
        try await step(actor, id, "request.handed_over", duties: SiteDuty.window, states: [.returned], at: { $0.acceptingSiteID }) { request, now in
            request.state = .closed
            request.closedAt = now
        }
    }

    /// The resident withdrew the application before a result (told at the window).
    public func withdraw(by actor: Actor, id: UUID, reason: String) async throws -> ServiceRequest {
        let text = try Self.text(reason, "reason")
        return try await step(actor, id, "request.withdrawn", duties: SiteDuty.window, states: [.awaitingMaterials, .accepted, .approving, .handling],
                              at: { $0.acceptingSiteID }) { request, now in
            request.state = .withdrawn
            request.reason = text
            request.closedAt = now
            request.siteID = request.acceptingSiteID
            request.dueAt = nil
            request.headAlertAt = nil
            request.aboveAlertAt = nil
        }
    }

    /// A backup (or the site head) takes a case over from its clerk (AB岗): the case is theirs from now on.
    public func takeOver(by actor: Actor, id: UUID) async throws -> ServiceRequest {
        try await step(actor, id, "request.taken_over", duties: SiteDuty.window, states: Set(RequestState.allCases).subtracting([.closed, .withdrawn]),
                       at: { $0.acceptingSiteID }) { request, _ in
            guard request.ownerID != actor.userID else { throw DomainError.conflict("the case is already yours") }
            request.ownerID = actor.userID
        }
    }

    // MARK: Reading

    public func request(id: UUID) async throws -> ServiceRequest {
        guard let request = try await database.read({ try await store($0).request(id: id) }) else {
            throw DomainError.notFound("no service request has id \(id.lowercased)")
        }
        return request
    }

    /// A case as the reader may see it: refused to those outside its chain and its jurisdiction's offices and
    /// overseers; the applicant in full only for the staff of its chain; the actions the reader may take now.
    public func view(id: UUID, by actor: Actor?) async throws -> RequestView {
        let request = try await request(id: id)
        return try await database.read { connection in
            let store = store(connection)
            // The case's chain, and the tier above when it re-checks the approval.
            let recheckSite = try await store.recheck(requestID: id)?.siteID
            let duties = try await store.duties(siteIDs: request.chain + (recheckSite.map { [$0] } ?? []))
            let everyone = Set(duties.values.flatMap { $0.map(\.userID) })
            try Policy.authorize(actor, .readServiceRequest, Resource(jurisdictionPath: request.jurisdictionPath, assignees: everyone))
            var applicant: Applicant?
            if Policy.decide(actor, .readApplicant, Resource(jurisdictionPath: request.jurisdictionPath, assignees: everyone)) == .allow,
               let sealed = try await store.sealedApplicant(of: id) {
                applicant = try sealer.open(sealed, request: id)
            }
            let steps = try await AuditLog.trail(of: AuditEntity("request", id), on: connection, logger: database.logger)
                .map { RequestStep(at: $0.occurredAt, action: $0.action) }
            let recheck = try await store.recheck(requestID: id)
            var actions = actions(for: actor, request, duties)
            if let recheck, recheck.outcome == nil, let actor {
                let checkers = try await store.duties(siteIDs: [recheck.siteID])[recheck.siteID] ?? []
                if Policy.decide(actor, .workServiceRequest, Resource(jurisdictionPath: request.jurisdictionPath,
                                                                       assignees: Set(checkers.filter { [.head, .approver].contains($0.duty) }.map(\.userID)))) == .allow {
                    actions.insert(.recheck)
                }
            }
            return RequestView(request: request, applicant: applicant, steps: steps, rating: try await store.rating(of: id), actions: actions,
                               recheck: recheck)
        }
    }

    /// A page of a site's queue (applicants masked): for the staff on duty there, the centres above it (the tier above
    /// watches the tier below), and the offices and overseers of its jurisdiction.
    public func queue(_ query: RequestQuery, by actor: Actor?) async throws -> RequestPage {
        guard Self.pageSizes.contains(query.limit) else {
            throw DomainError.invalid([FieldError("limit", "must be between 1 and \(Self.pageSizes.upperBound)")])
        }
        let site = try await sites.site(id: query.siteID)
        let now = clock.now()
        return try await database.read { connection in
            let store = store(connection)
            try Policy.authorize(actor, .readServiceRequest, try await queueReaders(site, store))
            let rows = try await store.queue(RequestQuery(siteID: site.id, scope: query.scope, after: query.after, limit: query.limit + 1), site: site, now: now)
            return RequestPage(requests: Array(rows.prefix(query.limit)), next: rows.count > query.limit ? rows[query.limit - 1].id : nil)
        }
    }

    /// The year of today in Beijing, on the service's clock (the supervision page's default).
    public func currentYear() -> Int { WorkingCalendar().year(of: clock.now()) }

    /// Who is told of the case now, on the service's clock.
    public func alert(of request: ServiceRequest) -> AlertLevel { request.alert(at: clock.now()) }

    /// Who reads a site's queue and re-checks besides its jurisdiction's offices and overseers: its own staff on duty, and
    /// the tier above (the heads, approvers and handlers of the centres whose jurisdiction holds it).
    private func queueReaders(_ site: ServiceSite, _ store: RequestStore) async throws -> Resource {
        Resource(jurisdictionPath: site.jurisdictionPath, assignees: try await store.queueReaders(of: site))
    }

    /// The counts of a site's queue (no access check: numbers only, for those the page already let in).
    public func counts(at site: ServiceSite) async throws -> QueueCounts {
        let now = clock.now()
        let (waiting, overdue, returned, awaiting) = try await database.read { try await store($0).counts(site: site, now: now) }
        return QueueCounts(waiting: waiting, overdue: overdue, returned: returned, awaitingMaterials: awaiting)
    }

    // MARK: Risks and re-checks

    /// Grades an item's risk for a jurisdiction's cases and sets the share of approvals re-checked: the offices that
    /// keep the jurisdiction's sites.
    public func setRisk(by actor: Actor, itemCode: String, jurisdictionCode: String, grade: RiskGrade, samplePercent: Int) async throws -> ItemRisk {
        var errors: [FieldError] = []
        let item = try await catalogue.items(codes: [itemCode.trimmingSpaces]).first
        if item == nil { errors.append(FieldError("itemCode", "the catalogue has no published item \(itemCode)")) }
        let jurisdiction = try await identity.jurisdiction(code: jurisdictionCode)
        if jurisdiction == nil { errors.append(FieldError("jurisdictionCode", "no jurisdiction has code \(jurisdictionCode)")) }
        if !(0...100).contains(samplePercent) { errors.append(FieldError("samplePercent", "must be from 0 to 100")) }
        guard errors.isEmpty, let item, let jurisdiction else { throw DomainError.invalid(errors) }
        try Policy.authorize(actor, .manageSites, Resource(jurisdictionPath: jurisdiction.path))
        let now = clock.now()
        return try await database.transaction { connection in
            try await store(connection).setRisk(itemID: item.id, jurisdictionID: jurisdiction.id, grade: grade, samplePercent: samplePercent, by: actor.userID, at: now)
            let risk = ItemRisk(itemID: item.id, itemCode: item.code, jurisdictionID: jurisdiction.id, grade: grade, samplePercent: samplePercent)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "item.risk", entity: AuditEntity("item_risk", item.id),
                                      before: Optional<String>.none, after: ["jurisdiction": jurisdiction.code, "grade": grade.rawValue,
                                                                             "samplePercent": String(samplePercent)], at: now)
            return risk
        }
    }

    /// Whether the actor grades the items' risks for a jurisdiction (the supervision page offers the form).
    public func mayGradeRisks(_ actor: Actor?, in jurisdiction: Jurisdiction) -> Bool {
        Policy.decide(actor, .manageSites, Resource(jurisdictionPath: jurisdiction.path)) == .allow
    }

    /// The risks graded for a jurisdiction's cases (public: how much is re-checked is no secret, which case is).
    public func risks(jurisdictionCode: String) async throws -> [ItemRisk] {
        guard let jurisdiction = try await identity.jurisdiction(code: jurisdictionCode) else {
            throw DomainError.invalid([FieldError("jurisdiction", "no jurisdiction has code \(jurisdictionCode)")])
        }
        let rows = try await database.read { try await store($0).risks(jurisdictionID: jurisdiction.id) }
        let items = try await catalogue.items(ids: rows.map(\.itemID))
        return rows.map { row in
            ItemRisk(itemID: row.itemID, itemCode: items.first { $0.id == row.itemID }?.code ?? "", jurisdictionID: jurisdiction.id, grade: row.grade,
                     samplePercent: row.samplePercent)
        }.sorted { $0.itemCode < $1.itemCode }
    }

    /// Draws an approved case for a re-check when its item is graded high-risk on the case's path.
    private func sample(_ request: ServiceRequest, _ store: RequestStore, _ connection: PostgresConnection, actor: Actor) async throws {
        guard let risk = try await store.risk(itemID: request.itemID, on: request.jurisdictionPath), risk.grade == .high, risk.samplePercent > 0,
              Int.random(in: 0..<100) < risk.samplePercent else { return }
        // A case is re-checked once: approved again after a re-check reopened it, it is not drawn a second time.
        guard try await store.recheck(requestID: request.id, forUpdate: false) == nil else { return }
        let approving = try await sites.site(id: request.approvingSiteID)
        guard let above = try await store.siteAbove(tier: approving.content.tier, on: approving.jurisdictionPath) else { return }
        let now = clock.now()
        let recheck = Recheck(id: UUID.v7(at: now), requestID: request.id, siteID: above, sampledAt: now)
        try await store.insert(recheck)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "request.sampled",
                                  entity: AuditEntity("request", request.id), before: Optional<Recheck>.none, after: recheck, at: now)
    }

    /// The tier above records its re-check of a sampled approval: confirmed, or an error found with what it was.
    public func recheck(by actor: Actor, requestID: UUID, outcome: RecheckOutcome, finding: String) async throws -> Recheck {
        let finding = finding.trimmingSpaces
        var v = Validator()
        v.check(finding.count <= Self.maximumText, "finding", "must be at most \(Self.maximumText) characters")
        v.check(outcome == .confirmed || !finding.isEmpty, "finding", "say what was found wrong")
        try v.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.recheck(requestID: requestID, forUpdate: true) else {
                throw DomainError.notFound("this case was not drawn for a re-check")
            }
            try await authorize(actor, site: try await sites.site(id: before.siteID), duties: [.head, .approver], store)
            guard before.outcome == nil else { throw DomainError.conflict("this re-check is recorded already") }
            var after = before
            after.outcome = outcome
            after.finding = finding.isEmpty ? nil : finding
            after.checkedBy = actor.userID
            after.checkedAt = now
            try await store.update(after)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "request.rechecked",
                                      entity: AuditEntity("request", requestID), before: before, after: after, at: now)
            if outcome == .errorFound { try await reopen(requestID, by: actor, at: now, store, connection) }
            return after
        }
    }

    /// An approval found wrong is decided again: the case goes back to its approving site with fresh limits counted from
    /// now (the approving tier's days, and the item's whole limit), whatever it had reached; a result given on the wrong
    /// approval no longer stands. A withdrawn case stays withdrawn.
    private func reopen(_ id: UUID, by actor: Actor, at now: Date, _ store: RequestStore, _ connection: PostgresConnection) async throws {
        guard let before = try await store.request(id: id, forUpdate: true), before.state != .withdrawn else { return }
        let item = try await catalogue.item(id: before.itemID)
        let calendar = try await calendar()
        var request = before
        request.state = .approving
        request.siteID = request.approvingSiteID
        (request.outcome, request.result, request.reason, request.decidedAt, request.closedAt, request.onTime) = (nil, nil, nil, nil, nil, nil)
        request.finalDueAt = try calendar.close(ofWorkingDay: item.content.timeLimitDays, after: now)
        try setDue(&request, try calendar.close(ofWorkingDay: item.content.authority.approveDays, after: now), calendar)
        request.reopenedAt = now
        request.updatedAt = now
        try await store.update(request)
        try await audit(connection, actor, "request.reopened", before: before, after: request)
    }

    /// A site's re-checks, those to do first: for its staff on duty and the offices and overseers of its jurisdiction.
    public func rechecks(at siteID: UUID, by actor: Actor?) async throws -> [Recheck] {
        let site = try await sites.site(id: siteID)
        return try await database.read { connection in
            let store = store(connection)
            try Policy.authorize(actor, .readServiceRequest, try await queueReaders(site, store))
            return try await store.rechecks(siteID: site.id, limit: 200)
        }
    }

    // MARK: Supervision

    /// What the tier above watches, for the cases registered in a year at the sites of a jurisdiction and below it:
    /// the offices and overseers of the jurisdiction or above, and the staff on duty at the jurisdiction's own sites
    /// (the town centre's head for its stations, the county centre's for the county).
    public func supervision(jurisdictionCode: String, year: Int, by actor: Actor?) async throws -> SupervisionReport {
        guard let jurisdiction = try await identity.jurisdiction(code: jurisdictionCode) else {
            throw DomainError.invalid([FieldError("jurisdiction", "no jurisdiction has code \(jurisdictionCode)")])
        }
        guard WorkingCalendar.possibleYears.contains(year) else {
            throw DomainError.invalid([FieldError("year", "must be from \(WorkingCalendar.possibleYears.lowerBound) to \(WorkingCalendar.possibleYears.upperBound)")])
        }
        let calendar = WorkingCalendar()
        let from = calendar.moment(hour: 0, on: Self.firstOfJanuary(year))
        let to = calendar.moment(hour: 0, on: Self.firstOfJanuary(year + 1))
        let now = clock.now()
        return try await database.read { connection in
            let store = store(connection)
            let holders = try await store.holders(ofSitesIn: jurisdiction.id)
            try Policy.authorize(actor, .readServiceRequest, Resource(jurisdictionPath: jurisdiction.path, assignees: Set(holders.map(\.userID))))
            let figures = try await store.figures(jurisdictionID: jurisdiction.id, from: from, to: to, now: now)
            let (areas, items, sites) = (figures[.area] ?? [], figures[.item] ?? [], figures[.site] ?? [])
            var total = SupervisionFigures()
            for area in areas { total.add(area.figures) }
            return SupervisionReport(
                jurisdictionID: jurisdiction.id, year: year, total: total,
                areas: areas.map { .init(jurisdictionID: $0.key, figures: $0.figures) },
                items: items.compactMap { row in row.key.map { .init(itemID: $0, code: row.code, figures: row.figures) } }.sorted { $0.code < $1.code },
                sites: sites.compactMap { row in row.key.map { .init(siteID: $0, figures: row.figures) } }
                    .filter { $0.figures.late > 0 || $0.figures.settled > $0.figures.onTime || $0.figures.refused > 0 }
                    .sorted { ($0.figures.late, $0.figures.settled - $0.figures.onTime, $0.figures.refused) > ($1.figures.late, $1.figures.settled - $1.figures.onTime, $1.figures.refused) }
                    .prefix(20).map { $0 })
        }
    }

    /// What everyone may see of the service network (DOMAIN §6: the public sees aggregates only): per town of every
    /// county with a county centre, the figures of the cases registered in the year. No case, no name.
    public func publicFigures(year: Int) async throws -> [(jurisdictionID: UUID, figures: SupervisionFigures)] {
        guard WorkingCalendar.possibleYears.contains(year) else {
            throw DomainError.invalid([FieldError("year", "must be from \(WorkingCalendar.possibleYears.lowerBound) to \(WorkingCalendar.possibleYears.upperBound)")])
        }
        let calendar = WorkingCalendar()
        let from = calendar.moment(hour: 0, on: Self.firstOfJanuary(year)), to = calendar.moment(hour: 0, on: Self.firstOfJanuary(year + 1))
        let now = clock.now()
        let counties = try await sites.sites(SiteQuery(tier: .countyCentre, limit: 200)).sites.map(\.jurisdictionID)
        return try await database.read { try await store($0).publicFigures(counties: counties, year: year, from: from, to: to, now: now) }
    }

    private static func firstOfJanuary(_ year: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
        return calendar.date(from: DateComponents(year: year, month: 1, day: 1, hour: 12)) ?? Date(timeIntervalSince1970: 0)
    }

    /// Writes settled cases from the county's earlier records (the demo's year): routed, counted on the calendar and
    /// sealed as new ones are; platform administrators only. Their trail starts on the platform: one event per import
    /// on each accepting site's chain, none per case.
    public func importPast(by actor: Actor, _ cases: [PastRequest]) async throws -> Int {
        guard actor.has(.admin) else { throw DomainError.forbidden("only platform administrators import earlier records") }
        let calendar = try await calendar()
        var items: [String: ServiceItem] = [:]
        var sites: [UUID: ServiceSite] = [:]
        var routes: [String: (approving: UUID, handling: UUID)] = [:]
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            var counts: [UUID: Int] = [:]
            for past in cases {
                if items[past.itemCode] == nil {
                    guard let item = try await catalogue.items(codes: [past.itemCode]).first else {
                        throw DomainError.invalid([FieldError("itemCode", "the catalogue has no published item \(past.itemCode)")])
                    }
                    items[past.itemCode] = item
                }
                let item = items[past.itemCode]!
                if sites[past.siteID] == nil { sites[past.siteID] = try await self.sites.site(id: past.siteID) }
                let site = sites[past.siteID]!
                let key = "\(item.code)@\(site.id)"
                if routes[key] == nil {
                    let route = try await route(item, from: site, store)
                    guard let chain = route.chain else { throw DomainError.invalid([route.problem!]) }
                    routes[key] = chain
                }
                let chain = routes[key]!
                let decided = try calendar.close(ofWorkingDay: past.tookDays, after: past.registeredAt)
                let final = try calendar.close(ofWorkingDay: item.content.timeLimitDays, after: past.registeredAt)
                let id = UUID.v7(at: past.registeredAt)
                let applicant = past.applicant.trimmed
                let problems = applicant.problems
                if !problems.isEmpty { throw DomainError.invalid(problems) }
                let request = ServiceRequest(
                    id: id, trackingCode: try await trackingCode(store), itemID: item.id, itemCode: item.code, acceptingSiteID: site.id,
                    approvingSiteID: chain.approving, handlingSiteID: chain.handling, jurisdictionPath: site.jurisdictionPath, ownerID: past.ownerID,
                    applicantMasked: applicant.maskedName, idNumberMasked: applicant.maskedIDNumber, phoneMasked: applicant.maskedPhone,
                    state: past.handedOver ? .closed : .returned, outcome: past.outcome, presented: [], missing: [],
                    reason: past.outcome == .refused ? past.text : nil, result: past.outcome == .granted ? past.text : nil, siteID: site.id,
                    registeredAt: past.registeredAt, acceptedAt: past.registeredAt, finalDueAt: final, decidedAt: decided,
                    closedAt: past.handedOver ? decided : nil, onTime: decided <= final, updatedAt: now)
                try await store.insertPast(request, sealed: try sealer.seal(applicant, request: id), rating: past.rating)
                counts[site.id, default: 0] += 1
            }
            for (siteID, count) in counts {
                try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "site.requests_imported",
                                          entity: AuditEntity("site", siteID), before: Optional<Int>.none, after: count, at: now)
            }
            return cases.count
        }
    }

    // MARK: The resident (no account)

    /// The case behind a tracking code, for whoever also knows the last four digits of the applicant's phone. A
    /// wrong code and a wrong phone read the same; five wrong phones shut the code's page for a quarter of an hour.
    public func track(code: String, phoneTail: String) async throws -> TrackedRequest {
        let request = try await verify(code: code, phoneTail: phoneTail)
        let item = try await catalogue.item(id: request.itemID)
        let site = try await sites.site(id: request.acceptingSiteID)
        return try await database.read { connection in
            let steps = try await AuditLog.trail(of: AuditEntity("request", request.id), on: connection, logger: database.logger)
                .filter { !Self.supervisionSteps.contains($0.action) }
                .map { RequestStep(at: $0.occurredAt, action: $0.action) }
            let rating = try await store(connection).rating(of: request.id)
            return TrackedRequest(request: request, itemNameZh: item.content.nameZh, itemNameEn: item.content.nameEn,
                                  acceptingSiteNameZh: site.content.nameZh, acceptingSiteNameEn: site.content.nameEn, steps: steps, rating: rating,
                                  mayRate: rating == nil && [.returned, .closed].contains(request.state))
        }
    }

    /// The tier above's own steps on a case, which the resident's tracking page leaves out (what it decides, a reopening,
    /// the resident sees).
    static let supervisionSteps: Set<String> = ["request.sampled", "request.rechecked"]

    /// The resident rates a settled case, once.
    public func rate(code: String, phoneTail: String, _ rating: Satisfaction, comment: String) async throws {
        let request = try await verify(code: code, phoneTail: phoneTail)
        guard comment.count <= Self.maximumText else {
            throw DomainError.invalid([FieldError("comment", "must be at most \(Self.maximumText) characters")])
        }
        guard [.returned, .closed].contains(request.state) else {
            throw DomainError.conflict("a case is rated once it has a result; this one is \(request.state)")
        }
        let now = clock.now()
        try await database.transaction { connection in
            guard try await store(connection).rate(request.id, rating, comment: comment.trimmingSpaces, at: now) else {
                throw DomainError.conflict("this case has been rated already; a case is rated once")
            }
            try await AuditLog.record(on: connection, logger: database.logger, actor: Actor.systemID, action: "request.rated",
                                      entity: AuditEntity("request", request.id), before: Optional<String>.none, after: rating.rawValue, at: now)
        }
    }

    private func verify(code: String, phoneTail: String) async throws -> ServiceRequest {
        let code = code.trimmingSpaces.uppercased()
        let unknown = DomainError.notFound("no case matches this tracking code and these four digits")
        var v = Validator()
        v.check(!code.isEmpty && code.count <= 20, "trackingCode", "is the code on the receipt, e.g. 7K3M-9QX2-ABCD")
        v.check(phoneTail.count == 4 && phoneTail.allSatisfy({ $0.isASCII && $0.isNumber }), "phoneTail", "must be the last four digits of the phone given at the window")
        try v.finish()
        let now = clock.now()
        let outcome: Result<ServiceRequest, DomainError> = try await database.transaction { connection in
            let store = store(connection)
            guard let found = try await store.tracked(code: code) else { return .failure(unknown) }
            if let until = found.lockedUntil, until > now {
                return .failure(DomainError(.rateLimited, "too many wrong tries on this tracking code; try again later",
                                            retryAfter: Int(until.timeIntervalSince(now).rounded(.up))))
            }
            let applicant = try sealer.open(found.sealed, request: found.request.id)
            guard applicant.phoneTail == phoneTail else {
                let failures = found.failures + 1
                try await store.setTracking(found.request.id, failures: failures >= Self.trackingAttempts ? 0 : failures,
                                            lockedUntil: failures >= Self.trackingAttempts ? now.addingTimeInterval(Self.trackingLock) : nil)
                return .failure(unknown)
            }
            if found.failures > 0 { try await store.setTracking(found.request.id, failures: 0, lockedUntil: nil) }
            return .success(found.request)
        }
        return try outcome.get()
    }

    // MARK: Steps

    /// One step of a case, under its row lock: the actor must be on one of `duties` at the site that takes the step
    /// (`site`; where the case waits when not given), and the case in one of `states` (409 otherwise: a double click's
    /// second request, or a step asked before the case reached that site); the change is audited.
    private func step(_ actor: Actor, _ id: UUID, _ action: String, duties: Set<SiteDuty>, states: Set<RequestState>,
                      at site: ((ServiceRequest) -> UUID)? = nil,
                      then followUp: ((ServiceRequest, RequestStore, PostgresConnection) async throws -> Void)? = nil,
                      _ change: (inout ServiceRequest, Date) async throws -> Void) async throws -> ServiceRequest {
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.request(id: id, forUpdate: true) else {
                throw DomainError.notFound("no service request has id \(id.lowercased)")
            }
            let siteID = site?(before) ?? before.siteID
            try await authorize(actor, site: try await sites.site(id: siteID), duties: duties, store)
            guard states.contains(before.state) else {
                throw DomainError.conflict("this cannot be done to a case that is \(before.state)")
            }
            var request = before
            try await change(&request, now)
            request.updatedAt = now
            try await store.update(request)
            try await audit(connection, actor, action, before: before, after: request)
            try await followUp?(request, store, connection)
            return request
        }
    }

    private func authorize(_ actor: Actor, site: ServiceSite, duties: Set<SiteDuty>, _ store: RequestStore) async throws {
        let holders = try await store.duties(siteIDs: [site.id])[site.id] ?? []
        try Policy.authorize(actor, .workServiceRequest,
                             Resource(jurisdictionPath: site.jurisdictionPath, assignees: Set(holders.filter { duties.contains($0.duty) }.map(\.userID))))
    }

    /// What the reader may do to the case now (the page's buttons; the services decide again on each).
    private func actions(for actor: Actor?, _ request: ServiceRequest, _ duties: [UUID: [DutyHolder]]) -> Set<RequestAction> {
        guard let actor else { return [] }
        func on(_ site: UUID, _ kinds: Set<SiteDuty>) -> Bool {
            let holders = Set((duties[site] ?? []).filter { kinds.contains($0.duty) }.map(\.userID))
            return Policy.decide(actor, .workServiceRequest, Resource(jurisdictionPath: request.jurisdictionPath, assignees: holders)) == .allow
        }
        let window = on(request.acceptingSiteID, SiteDuty.window)
        var actions: Set<RequestAction> = []
        switch request.state {
        case .awaitingMaterials: if window { actions.formUnion([.supplyMaterials, .withdraw]) }
        case .accepted: if window { actions.formUnion([.forward, .refuseAtWindow, .withdraw]) }
        case .approving:
            if on(request.approvingSiteID, [.approver, .head]) { actions.formUnion([.approve, .refuse]) }
            if window { actions.insert(.withdraw) }
        case .handling:
            if on(request.handlingSiteID, [.handler, .head]) { actions.formUnion([.complete, .refuse]) }
            if window { actions.insert(.withdraw) }
        case .returned: if window { actions.insert(.handOver) }
        case .closed, .withdrawn: break
        }
        if window && request.ownerID != actor.userID && ![.closed, .withdrawn].contains(request.state) { actions.insert(.takeOver) }
        return actions
    }

    /// The sites that approve and handle an item for a case accepted at `site`: the nearest sites of the item's
    /// approving and handling tiers on the site's path. A tier below the site's cannot be reached from it.
    private func route(_ item: ServiceItem, from site: ServiceSite, _ store: RequestStore) async throws
        -> (chain: (approving: UUID, handling: UUID)?, problem: FieldError?) {
        func tier(_ tier: Tier) -> SiteTier {
            switch tier {
            case .district: .countyCentre
            case .street: .townCentre
            case .community: .villageStation
            }
        }
        var ids: [UUID] = []
        for authority in [item.content.authority.approve, item.content.authority.handle] {
            let wanted = tier(authority)
            if wanted == site.content.tier { ids.append(site.id); continue }
            guard Self.rank(wanted) < Self.rank(site.content.tier) else {
                return (nil, FieldError("itemCode", "\(item.code) is approved or handled at the \(authority) tier, below \(site.content.nameZh); apply at a site of that tier"))
            }
            guard let found = try await store.site(tier: wanted, on: site.jurisdictionPath) else {
                return (nil, FieldError("itemCode", "no \(wanted) above \(site.content.nameZh) is registered to take \(item.code) on"))
            }
            ids.append(found)
        }
        return ((ids[0], ids[1]), nil)
    }

    private static func rank(_ tier: SiteTier) -> Int { SiteTier.allCases.firstIndex(of: tier)! }

    /// Accepts the case now: its deadlines are counted from today on the working calendar. An on-the-spot item
    /// approved and handled at the accepting site is settled at the window there and then.
    private func accept(_ request: inout ServiceRequest, item: ServiceItem, at now: Date) async throws {
        let calendar = try await calendar()
        request.acceptedAt = now
        request.finalDueAt = try calendar.close(ofWorkingDay: item.content.timeLimitDays, after: now)
        if item.content.onTheSpot && request.approvingSiteID == request.acceptingSiteID && request.handlingSiteID == request.acceptingSiteID {
            request.result = item.content.result
            request.acceptedAt = now
            decide(&request, .granted, at: now)
            request.state = .closed
            request.closedAt = now
            return
        }
        request.state = .accepted
        try setDue(&request, try calendar.close(ofWorkingDay: item.content.authority.acceptDays, after: now), calendar)
    }

    /// The step's deadline, never past the whole case's, and the moments the site head and the tier above are told.
    private func setDue(_ request: inout ServiceRequest, _ due: Date, _ calendar: WorkingCalendar) throws {
        let due = min(due, request.finalDueAt ?? due)
        request.dueAt = due
        request.headAlertAt = try calendar.close(ofWorkingDay: AlertLevel.headAfterDays, after: due)
        request.aboveAlertAt = try calendar.close(ofWorkingDay: AlertLevel.aboveAfterDays, after: due)
    }

    private func decide(_ request: inout ServiceRequest, _ outcome: RequestOutcome, at now: Date) {
        request.outcome = outcome
        request.decidedAt = now
        request.onTime = request.finalDueAt.map { now <= $0 } ?? true
        request.state = .returned
        request.siteID = request.acceptingSiteID
        request.dueAt = nil
        request.headAlertAt = nil
        request.aboveAlertAt = nil
    }

    /// A tracking code nobody holds: 12 characters without look-alikes (0/O, 1/I), read out over a counter.
    private func trackingCode(_ store: RequestStore) async throws -> String {
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        var generator = SystemRandomNumberGenerator()
        while true {
            let characters = (0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            let code = [0, 4, 8].map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
            if try await !store.trackingCodeTaken(code) { return code }
        }
    }

    private static func text(_ value: String, _ field: String) throws -> String {
        var v = Validator()
        let text = v.text(value, field, max: maximumText)
        try v.finish()
        return text
    }

    private func audit(_ connection: PostgresConnection, _ actor: Actor, _ action: String, before: ServiceRequest?, after: ServiceRequest) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("request", after.id), before: before, after: after, at: clock.now())
    }
}
