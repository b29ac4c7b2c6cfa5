import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tendering

/// The relay incubation pipeline: stage policies the incubator's staff edit, organisations moved
/// through the stages against rules checked on their real record, overrides with written reasons,
/// and the alerts staff should act on. Reads are public: the pipeline is part of what residents see.
public struct IncubationService: Sendable {
    let database: Database
    let identity: IdentityService
    let delivery: any DeliveryRecords
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, delivery: any DeliveryRecords = NoDeliveryRecords(),
                clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.delivery = delivery
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> IncubationStore { IncubationStore(connection: connection, logger: database.logger) }

    /// An override must say why, in at least this many characters.
    public static let minimumOverrideReason = 20
    /// A rating this close to its expiry raises an alert.
    public static let ratingWarningDays = 90

    // MARK: Stage policies

    public func policies() async throws -> [StagePolicy] {
        try await database.read { try await store($0).policies() }
    }

    /// The incubator's staff rewrite a stage's rules and maximum stay.
    public func updatePolicy(by actor: Actor, _ policy: StagePolicy) async throws -> StagePolicy {
        try Policy.authorize(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath))
        if !policy.problems.isEmpty { throw DomainError.invalid(policy.problems) }
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            let before = try await store.policies().first { $0.stage == policy.stage }
            var after = policy
            after.updatedAt = now
            try await store.update(after, by: actor.userID, at: now)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.policy_updated",
                                      entity: AuditEntity("incubation_stage", Self.entityID(policy.stage)), before: before, after: after, at: now)
            return after
        }
    }

    /// Stage policies are audited as entities of their own, one fixed id per stage.
    static func entityID(_ stage: IncubationStage) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-7000-8000-1000000000%02d", stage.order))!
    }

    // MARK: Reading

    /// An organisation's journey: its stays, and the checklist for its next stage.
    public func journey(of organisationID: UUID) async throws -> Journey {
        let organisation = try await identity.organisation(id: organisationID)
        let history = try await database.read { try await store($0).placements(of: organisationID) }
        let current = history.last { $0.leftAt == nil }
        let next = current.map(\.stage.next) ?? .nursery
        var checklist: [RuleCheck] = []
        if let next { checklist = try await checks(organisationID, from: current, to: next) }
        return Journey(organisation: organisation, current: current, history: history, nextStage: next, checklist: checklist)
    }

    /// The stage an organisation is in now (nil outside the pipeline).
    public func stage(of organisationID: UUID) async throws -> IncubationStage? {
        try await database.read { try await store($0).placements(of: organisationID) }.last { $0.leftAt == nil }?.stage
    }

    /// Every organisation in the pipeline by stage, longest there first.
    public func board() async throws -> [(stage: IncubationStage, placements: [Placement])] {
        let current = try await database.read { try await store($0).current() }
        return IncubationStage.allCases.map { stage in (stage, current.filter { $0.stage == stage }) }
    }

    /// Per stage and year: how many entered it and how many left it forward (graduated).
    public func funnel() async throws -> [(year: Int, stage: IncubationStage, entered: Int, graduated: Int)] {
        let all = try await database.read { try await store($0).all() }
        let calendar = WorkingCalendar()
        var entered: [String: Int] = [:], graduated: [String: Int] = [:]
        let byOrganisation = Dictionary(grouping: all, by: \.organisationID)
        for stays in byOrganisation.values {
            for (index, stay) in stays.enumerated() {
                entered["\(calendar.year(of: stay.enteredAt))|\(stay.stage.rawValue)", default: 0] += 1
                if let left = stay.leftAt, index + 1 < stays.count, stays[index + 1].stage > stay.stage {
                    graduated["\(calendar.year(of: left))|\(stay.stage.rawValue)", default: 0] += 1
                }
            }
        }
        let years = Set((Array(entered.keys) + Array(graduated.keys)).compactMap { Int($0.split(separator: "|")[0]) }).sorted()
        return years.flatMap { year in
            IncubationStage.allCases.map { stage in
                (year, stage, entered["\(year)|\(stage.rawValue)"] ?? 0, graduated["\(year)|\(stage.rawValue)"] ?? 0)
            }
        }
    }

    /// Whether the actor is the incubator's staff (of the organisation's jurisdiction, given one).
    public func isStaff(_ actor: Actor?, for organisationID: UUID? = nil) async throws -> Bool {
        guard let actor else { return false }
        var resource = Resource(jurisdictionPath: actor.jurisdictionPath)
        if let organisationID { resource = try await identity.resource(of: organisationID) }
        return Policy.decide(actor, .manageIncubation, resource) == .allow
    }

    /// The alerts, for the incubator's staff only.
    public func alerts(by actor: Actor) async throws -> [IncubationAlert] {
        try Policy.authorize(actor, .manageIncubation, Resource(jurisdictionPath: actor.jurisdictionPath))
        return try await alerts()
    }

    /// What staff should look at now: overstays, ratings about to expire, organisations ready to move on.
    public func alerts() async throws -> [IncubationAlert] {
        let policies = Dictionary(uniqueKeysWithValues: try await policies().map { ($0.stage, $0) })
        let now = clock.now()
        let today = WorkingCalendar().dayKey(now)
        var alerts: [IncubationAlert] = []
        let (current, overdue) = try await database.read { connection in
            (try await store(connection).current(), try await SupportStore(connection: connection, logger: database.logger).overdueAllocations(today: today))
        }
        let spaces = Dictionary(uniqueKeysWithValues: try await self.spaces().map { ($0.space.id, $0.space) })
        let stages = Dictionary(current.map { ($0.organisationID, $0.stage) }, uniquingKeysWith: { a, _ in a })
        for allocation in overdue {
            let name = spaces[allocation.spaceID]?.name ?? ""
            alerts.append(IncubationAlert(kind: .spaceOverdue, organisationID: allocation.organisationID, stage: stages[allocation.organisationID] ?? .nursery,
                                          finding: Finding("space_overdue", [.text(name), .text(allocation.to)],
                                                           english: "\(name) was lent until \(allocation.to) and is not handed back")))
        }
        for placement in current {
            let months = Self.months(from: placement.enteredAt, to: now)
            if let policy = policies[placement.stage], months >= policy.maximumStayMonths {
                alerts.append(IncubationAlert(kind: .overstay, organisationID: placement.organisationID, stage: placement.stage,
                                              finding: Finding("overstay", [.text("\(months)"), .stage(placement.stage), .text("\(policy.maximumStayMonths)")],
                                                               english: "\(months) months in \(placement.stage.rawValue); the maximum stay is \(policy.maximumStayMonths)")))
            }
            if let rating = try await identity.standing(of: placement.organisationID).rating, rating.expiresOn >= today,
               rating.expiresOn <= WorkingCalendar().dayKey(now.addingTimeInterval(Double(Self.ratingWarningDays) * 86_400)) {
                alerts.append(IncubationAlert(kind: .ratingExpiring, organisationID: placement.organisationID, stage: placement.stage,
                                              finding: Finding("rating_expiring", [.text(rating.label), .text(rating.expiresOn)],
                                                               english: "its \(rating.label) rating expires on \(rating.expiresOn)")))
            }
            if let next = placement.stage.next, try await checks(placement.organisationID, from: placement, to: next).allSatisfy(\.met) {
                alerts.append(IncubationAlert(kind: .readyToGraduate, organisationID: placement.organisationID, stage: placement.stage,
                                              finding: Finding("ready_to_graduate", [.stage(next)], english: "meets every rule to move to \(next.rawValue)")))
            }
        }
        return alerts
    }

    // MARK: Moving

    /// Moves an organisation into `stage`. Every entry rule of that stage, and, moving forward, every
    /// graduation rule of the stage it leaves, must hold; otherwise the move is refused naming each
    /// failed rule, unless `override` is set with a written reason, which is kept and flagged.
    public func move(by actor: Actor, organisationID: UUID, to stage: IncubationStage, reason: String, override: Bool = false) async throws -> Placement {
        try Policy.authorize(actor, .manageIncubation, try await identity.resource(of: organisationID))
        var check = Validator()
        let reason = check.text(reason, "reason", max: 2000)
        if override {
            check.check(reason.count >= Self.minimumOverrideReason, "reason",
                        "an override needs a written reason of at least \(Self.minimumOverrideReason) characters")
        }
        try check.finish()
        return try await database.transaction { connection in
            try await place(organisationID, in: stage, reason: reason, override: override, by: actor, on: connection)
        }
    }

    /// The move itself, inside the caller's transaction (a move, or an admission to a programme).
    func place(_ organisationID: UUID, in stage: IncubationStage, reason: String, override: Bool, by actor: Actor,
               on connection: PostgresConnection) async throws -> Placement {
        let now = clock.now()
        let store = store(connection)
        let current = try await store.currentForUpdate(of: organisationID)
        if current?.stage == stage { throw DomainError.conflict("the organisation is in the \(stage) stage already") }
        let failed = try await checks(organisationID, from: current, to: stage).filter { !$0.met }
        if !failed.isEmpty && !override {
            throw DomainError(.conflict, "the move to \(stage) fails \(failed.count) rule\(failed.count == 1 ? "" : "s"); "
                              + "fix the record, or override with a written reason",
                              fields: failed.map { FieldError("rules.\($0.side).\($0.rule.kind)", $0.finding.message) })
        }
        if let current { try await store.close(current.id, at: now) }
        let placement = Placement(id: UUID.v7(at: now), organisationID: organisationID, stage: stage, enteredAt: now, reason: reason,
                                  overridden: !failed.isEmpty, failedRules: failed.map(\.detail), movedBy: actor.userID)
        try await store.insert(placement)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID,
                                  action: failed.isEmpty ? "incubation.moved" : "incubation.moved_with_override",
                                  entity: AuditEntity("organisation", organisationID), before: current, after: placement, at: now)
        return placement
    }

    /// Takes an organisation out of the pipeline when it leaves the stage it is in (a cohort withdrawn from).
    func leave(_ organisationID: UUID, stage: IncubationStage, reason: String, by actor: Actor, on connection: PostgresConnection) async throws {
        let store = store(connection)
        guard let current = try await store.currentForUpdate(of: organisationID), current.stage == stage else { return }
        try await store.close(current.id, at: clock.now())
        var after = current
        after.leftAt = clock.now()
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "incubation.left",
                                  entity: AuditEntity("organisation", organisationID), before: current, after: after, at: clock.now())
    }

    // MARK: Rules

    /// The checks of a move from `current` into `target`: the target's entry rules, and the current
    /// stage's graduation rules when moving forward.
    func checks(_ organisationID: UUID, from current: Placement?, to target: IncubationStage) async throws -> [RuleCheck] {
        let policies = try await policies()
        var rules = (policies.first { $0.stage == target }?.entryRules ?? []).map { ("entry", $0) }
        if let current, target > current.stage {
            rules += (policies.first { $0.stage == current.stage }?.graduationRules ?? []).map { ("graduation", $0) }
        }
        guard !rules.isEmpty else { return [] }
        let standing = try await identity.standing(of: organisationID)
        let now = clock.now()
        var grades: [String]?
        var checks: [RuleCheck] = []
        for (side, rule) in rules {
            if case .contractsDelivered = rule, grades == nil { grades = try await delivery.deliveredGrades(of: organisationID) }
            let (met, finding) = Self.evaluate(rule, standing: standing, current: current, grades: grades ?? [], now: now)
            checks.append(RuleCheck(side: side, rule: rule, met: met, finding: finding))
        }
        return checks
    }

    /// One rule against the record: whether it holds, and the facts that say so.
    static func evaluate(_ rule: StageRule, standing: Standing, current: Placement?, grades: [String], now: Date) -> (Bool, Finding) {
        let calendar = WorkingCalendar()
        let today = calendar.dayKey(now)
        switch rule {
        case .registered:
            if let code = standing.organisation.creditCode { return (true, Finding("registered", [.text(code)], english: "registered (credit code \(code))")) }
            return (false, Finding("not_registered", english: "not registered: no unified social credit code on record"))
        case .minimumRating(let level):
            guard let rating = standing.rating else { return (false, Finding("not_rated", [.text("\(level)A")], english: "not rated; needs \(level)A or better")) }
            if rating.expiresOn < today {
                return (false, Finding("rating_expired", [.text(rating.label), .text(rating.expiresOn), .text("\(level)A")],
                                       english: "its \(rating.label) rating expired on \(rating.expiresOn); needs \(level)A or better"))
            }
            return rating.level >= level
                ? (true, Finding("rated_until", [.text(rating.label), .text(rating.expiresOn)], english: "rated \(rating.label) until \(rating.expiresOn)"))
                : (false, Finding("rated_below", [.text(rating.label), .text("\(level)A")], english: "rated \(rating.label); needs \(level)A or better"))
        case .noMajorViolation(let years):
            let parts = today.split(separator: "-")
            let since = "\(Int(parts[0])! - years)-\(parts[1])-\(parts[2])"
            if let violation = standing.violations.first(where: { $0.severity == .major && $0.occurredOn > since }) {
                return (false, Finding("major_violation", [.text(violation.occurredOn), .text(violation.description)],
                                       english: "major violation on \(violation.occurredOn): \(violation.description)"))
            }
            return (true, Finding("no_major_violation", [.text(since)], english: "no major violation since \(since)"))
        case .contractsDelivered(let count, let minimumGrade):
            let limit = StageRule.grades.firstIndex(of: minimumGrade) ?? 0
            let good = grades.filter { (StageRule.grades.firstIndex(of: $0) ?? .max) <= limit }.count
            return (good >= count, Finding("contracts_delivered", [.text("\(good)"), .text(minimumGrade), .text("\(count)")],
                                           english: "\(good) contract\(good == 1 ? "" : "s") delivered with \(minimumGrade) or better; needs \(count)"))
        case .monthsInStage(let required):
            guard let current else {
                return (false, Finding("not_in_stage", [.text("\(required)")], english: "not in a stage yet; needs \(required) months in one"))
            }
            let stayed = months(from: current.enteredAt, to: now)
            let since = calendar.dayKey(current.enteredAt)
            return (stayed >= required, Finding("months_in_stage", [.text("\(stayed)"), .stage(current.stage), .text(since), .text("\(required)")],
                                                english: "\(stayed) month\(stayed == 1 ? "" : "s") in \(current.stage.rawValue) since \(since); needs \(required)"))
        }
    }

    /// Whole months between two moments, counted on Beijing's calendar.
    static func months(from start: Date, to end: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return max(calendar.dateComponents([.month], from: start, to: end).month ?? 0, 0)
    }
}

/// Tendering asks the pipeline which stage a bidder is in, for tenders reserved for young organisations.
extension IncubationService: IncubationRecords {}
