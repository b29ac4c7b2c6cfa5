import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// Tenders: drafted from purchase-list lines by the buyer's staff, published, changed, cancelled;
/// questions asked anonymously and answered publicly. Time-driven moves are `TenderWorker`'s.
public struct TenderService: Sendable {
    let database: Database
    let identity: IdentityService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.clock = clock
    }

    func store(_ connection: PostgresConnection) -> TenderStore {
        TenderStore(connection: connection, logger: database.logger)
    }

    func audit(_ connection: PostgresConnection, _ actor: Actor, _ action: String, before: Tender?, after: Tender) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("tender", after.id), before: before, after: after, at: clock.now())
    }

    /// The service's clock: pages judge what is open now by the same time the rules do.
    public func now() -> Date { clock.now() }

    /// The working calendar deadlines are counted on (a deadline in a year it does not hold is refused).
    public func calendar() async throws -> WorkingCalendar {
        try await CalendarService(database: database, clock: clock).calendar()
    }

    // MARK: Reading

    /// Drafts are shown to the buyer's own staff only.
    public func tenders(_ query: TenderQuery, by actor: Actor?) async throws -> [Tender] {
        guard (query.text ?? "").count <= TenderQuery.maximumTextLength else {
            throw DomainError.invalid([FieldError("q", "must be at most \(TenderQuery.maximumTextLength) characters")])
        }
        if let year = query.year, !(2000...2100).contains(year) {
            throw DomainError.invalid([FieldError("year", "must be a year from 2000 to 2100")])
        }
        var query = query
        query.limit = min(max(query.limit, 1), 200)
        let drafts = query.buyerID.map { Policy.decide(actor, .manageTender, Resource(organisationID: $0)) == .allow } ?? false
        return try await database.read { [query] in try await store($0).tenders(query, includeDrafts: drafts) }
    }

    /// A tender; a draft is "not found" to anyone but its buyer's staff.
    public func tender(id: UUID, by actor: Actor?) async throws -> Tender {
        guard let tender = try await database.read({ try await store($0).tender(id: id) }),
              tender.status != .draft || Policy.decide(actor, .manageTender, Resource(organisationID: tender.buyerID)) == .allow else {
            throw DomainError.notFound("no tender has id \(id.lowercased)")
        }
        return tender
    }

    /// Many published tenders at once, as the public sees them (drafts and missing ids are left out).
    public func publishedTenders(ids: [UUID]) async throws -> [Tender] {
        guard !ids.isEmpty else { return [] }
        return try await database.read { try await store($0).tenders(ids: ids) }.filter { $0.status != .draft }
    }

    /// For each of these purchase lines, the published tender that took it up (the latest when several did), as
    /// the public sees it; lines no published tender holds are absent.
    public func publishedTenders(takingUp lineIDs: [UUID]) async throws -> [UUID: Tender] {
        guard !lineIDs.isEmpty else { return [:] }
        let pairs = try await database.read { try await store($0).tenderIDs(takingUp: lineIDs) }
        let tenders = Dictionary(try await publishedTenders(ids: Array(Set(pairs.map(\.tender)))).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [UUID: Tender] = [:]
        // Ids are time-ordered: a later tender of the same line wins.
        for (line, tender) in pairs { if let found = tenders[tender] { result[line] = found } }
        return result
    }

    /// The lots taking up each of these lines; lots of draft tenders only for the buyer's own staff.
    public func lots(takingUp lineIDs: [UUID], by actor: Actor?) async throws -> [UUID: [LineLot]] {
        guard !lineIDs.isEmpty else { return [:] }
        let buyer = actor.flatMap { Policy.decide($0, .manageTender, Resource(organisationID: $0.organisationID)) == .allow ? $0.organisationID : nil }
        let lots = try await database.read { try await store($0).lotsTakingUp(lineIDs, includeDraftsOf: buyer) }
        return Dictionary(grouping: lots, by: \.purchaseLineID)
    }

    /// The questions of a tender with their answers; never who asked.
    public func questions(tenderID: UUID, by actor: Actor?) async throws -> [Question] {
        try await questions(of: try await tender(id: tenderID, by: actor))
    }

    /// The questions of a tender the caller has just read with `tender(id:by:)` (so may see).
    public func questions(of tender: Tender) async throws -> [Question] {
        try await database.read { try await store($0).questions(of: tender.id) }
    }

    /// The questions and answers of these published tenders (as anyone reads them on each tender's page), by tender.
    public func publicQuestions(tenderIDs: [UUID]) async throws -> [UUID: [Question]] {
        guard !tenderIDs.isEmpty else { return [:] }
        return Dictionary(grouping: try await database.read { try await store($0).questions(ofTenders: tenderIDs) }, by: \.tenderID)
    }

    /// What the tender takes at this moment, by the service's clock: what pages offer to do.
    public func openings(of tender: Tender) -> (questions: Bool, answers: Bool, bids: Bool) {
        let now = clock.now()
        let answers = (tender.status == .enquiries || tender.status == .tendering) && now < (tender.periods?.tenderEnd ?? now)
        return (tender.acceptsQuestions(at: now), answers, tender.acceptsBids(at: now))
    }

    /// The tender's public history as the audit trail keeps it: what happened to the tender and to the
    /// complaints about its award, when. (Panel events stay out: evaluators are named after the award.)
    public func timeline(tenderID: UUID) async throws -> [AuditTrailEntry] {
        try await database.read { connection in
            var entries = try await AuditLog.trail(of: AuditEntity("tender", tenderID), on: connection, logger: database.logger)
            for complaint in try await AwardStore(connection: connection, logger: database.logger).complaints(of: tenderID) {
                entries += try await AuditLog.trail(of: AuditEntity("complaint", complaint.id), on: connection, logger: database.logger)
            }
            return entries.sorted { ($0.occurredAt, $0.seq) < ($1.occurredAt, $1.seq) }
        }
    }

    // MARK: Drafting

    /// A lot per purchase line, titled as the line and budgeted at what remains of it, unless given:
    /// the defaults of the editor and the API. An unknown line gets an empty lot, which drafting refuses.
    public func lots(forLines ids: [UUID], titles: [UUID: String] = [:], budgets: [UUID: Money] = [:], tenderID: UUID? = nil) async throws -> [LotTerms] {
        try await database.read { connection in
            let lines = PurchaseLineStore(connection: connection, logger: database.logger)
            let committed = try await store(connection).committedBudgets(lineIDs: ids, except: tenderID)
            var lots: [LotTerms] = []
            for id in ids {
                let line = try await lines.line(id: id)
                let remaining = line.map { Self.remaining(of: $0, committed) } ?? Money(minorUnits: 0)
                lots.append(LotTerms(purchaseLineID: id, title: titles[id] ?? line?.content.title ?? "", budget: budgets[id] ?? remaining))
            }
            return lots
        }
    }

    /// What is left of each line for a tender (`tenderID`'s own lots count as left).
    public func remainingBudgets(of lines: [PurchaseLine], except tenderID: UUID?) async throws -> [UUID: Money] {
        let committed = try await database.read { try await store($0).committedBudgets(lineIDs: lines.map(\.id), except: tenderID) }
        return Dictionary(uniqueKeysWithValues: lines.map { ($0.id, Self.remaining(of: $0, committed)) })
    }

    /// A line's budget less what other live tenders hold of it (never below nothing).
    static func remaining(of line: PurchaseLine, _ committed: [UUID: Int64]) -> Money {
        Money(minorUnits: max(line.content.budget.minorUnits - (committed[line.id] ?? 0), 0))
    }

    /// A new draft tender of the buyer, its lots made from the buyer's purchase-list lines.
    public func createDraft(by actor: Actor, buyerID: UUID, _ terms: TenderTerms) async throws -> Tender {
        try authorizeBuyer(actor, buyerID)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            var tender = Tender(id: UUID.v7(at: now), reference: try await store.nextReference(year: WorkingCalendar().year(of: now)),
                                buyerID: buyerID, status: .draft, terms: terms, termsVersion: 1, lots: [], periods: nil, cancellation: nil,
                                createdAt: now)
            tender.lots = try await check(terms, of: tender, store)
            try await store.insert(tender, at: now)
            try await audit(connection, actor, "tender.drafted", before: nil, after: tender)
            return tender
        }
    }

    /// Changes the terms. A draft changes freely. Once published, lots and procedure stay; bids made
    /// under the old terms wait for their bidders' confirmation, and the tendering deadline moves so
    /// that the procedure's minimum remains.
    public func updateTerms(by actor: Actor, tenderID: UUID, _ terms: TenderTerms) async throws -> Tender {
        let calendar = try await calendar()
        let now = clock.now()
        return try await changing(tenderID, by: actor) { before, store, connection in
            var after = before
            after.terms = terms
            switch before.status {
            case .draft:
                after.lots = try await check(terms, of: before, store)
                guard after != before else { return before }
                try await store.replaceLots(after.lots, of: tenderID)
                try await store.update(after, nextEventAt: nil, at: now)
                try await audit(connection, actor, "tender.draft_updated", before: before, after: after)
            case .enquiries, .tendering:
                try refuseStructuralChange(from: before.terms, to: terms)
                after.lots = try await check(terms, of: before, store)
                guard after.terms != before.terms else { return before }
                after.termsVersion += 1
                var periods = before.periods!
                // Longer periods move the deadlines out; shorter ones never pull them in.
                let minimums = terms.procedure.minimums
                periods.enquiryEnd = try max(periods.enquiryEnd, calendar.close(ofWorkingDay: terms.enquiryDays, after: periods.publishedAt))
                periods.tenderEnd = try max(periods.tenderEnd, calendar.close(ofWorkingDay: terms.tenderingDays, after: periods.enquiryEnd),
                                        calendar.close(ofWorkingDay: minimums.remainingAfterChange, after: now))
                periods.evaluationEnd = try calendar.close(ofWorkingDay: terms.evaluationDays, after: periods.tenderEnd)
                after.periods = periods
                for lot in after.lots { try await store.updateLot(lot) }
                try await store.update(after, nextEventAt: after.status == .enquiries ? periods.enquiryEnd : periods.tenderEnd, at: now)
                _ = try await BidStore(connection: connection, logger: database.logger)
                    .requireConfirmation(tenderID: tenderID, termsVersion: after.termsVersion)
                // One action whether or not bids are on file: the public timeline must not tell, before the
                // deadline, that anyone has bid.
                try await audit(connection, actor, "tender.terms_changed", before: before, after: after)
            default:
                throw DomainError.conflict("the terms of a tender in \(before.status) can no longer change")
            }
            return after
        }
    }

    /// Publishes a draft: the enquiry period starts now and every deadline is fixed from the calendar.
    public func publish(by actor: Actor, tenderID: UUID) async throws -> Tender {
        let calendar = try await calendar()
        let now = clock.now()
        return try await changing(tenderID, by: actor) { before, store, connection in
            var after = before
            after.status = try before.status.transition(to: .enquiries)
            _ = try await check(before.terms, of: before, store)
            try await checkInvited(before.terms)
            let enquiryEnd = try calendar.close(ofWorkingDay: before.terms.enquiryDays, after: now)
            let tenderEnd = try calendar.close(ofWorkingDay: before.terms.tenderingDays, after: enquiryEnd)
            after.periods = TenderPeriods(publishedAt: now, enquiryEnd: enquiryEnd, tenderEnd: tenderEnd,
                                          evaluationEnd: try calendar.close(ofWorkingDay: before.terms.evaluationDays, after: tenderEnd))
            try await store.update(after, nextEventAt: enquiryEnd, at: now)
            try await audit(connection, actor, "tender.published", before: before, after: after)
            return after
        }
    }

    /// Cancels a tender for a reason from the fixed list; its bids are never opened.
    public func cancel(by actor: Actor, tenderID: UUID, reason: CancellationReason, note: String) async throws -> Tender {
        let (note, problems) = Self.cancellationNote(note)
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let now = clock.now()
        return try await changing(tenderID, by: actor) { before, store, connection in
            var after = before
            after.status = try before.status.transition(to: .cancelled)
            after.cancellation = Cancellation(reason: reason, note: note, at: now)
            for index in after.lots.indices where after.lots[index].status == .active {
                after.lots[index].status = .cancelled
                try await store.updateLot(after.lots[index])
            }
            try await store.update(after, nextEventAt: nil, at: now)
            try await audit(connection, actor, "tender.cancelled", before: before, after: after)
            return after
        }
    }

    /// A cancellation's note as `cancel` reads it (trimmed; required, at most 2,000 characters) with its problems, for a form
    /// that tells them beside a reason it could not read.
    public static func cancellationNote(_ note: String) -> (note: String, problems: [FieldError]) {
        var check = Validator()
        let note = check.text(note, "note", max: 2000)
        return (note, check.errors)
    }

    // MARK: Questions

    /// Anyone signed in asks, while the enquiry period runs; the question is published without the asker.
    public func ask(by actor: Actor, tenderID: UUID, lotID: UUID?, text: String) async throws -> Question {
        try Policy.authorize(actor, .askQuestion, .platform)
        var check = Validator()
        let text = check.text(text, "text", max: 5000)
        try check.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let tender = try await store.tender(id: tenderID, lock: .forShare), tender.status != .draft else {
                throw DomainError.notFound("no tender has id \(tenderID.lowercased)")
            }
            if actor.organisationID == tender.buyerID {
                throw DomainError.forbidden("the buyer answers questions about its tender; it does not ask them")
            }
            guard tender.acceptsQuestions(at: now) else {
                throw DomainError.conflict(tender.periods.map { "questions closed with the enquiry period at \(WorkingCalendar().describe($0.enquiryEnd)) (Beijing time)" }
                                           ?? "the tender takes no questions")
            }
            if let lotID, !tender.lots.contains(where: { $0.id == lotID }) {
                throw DomainError.invalid([FieldError("lotId", "is not a lot of this tender")])
            }
            let question = Question(id: UUID.v7(at: now), tenderID: tenderID, lotID: lotID, text: text, askedAt: now)
            try await store.insert(question, askerID: actor.organisationID)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "question.asked",
                                      entity: AuditEntity("question", question.id), before: nil as Question?, after: question, at: now)
            return question
        }
    }

    /// The buyer answers publicly, once, until the tendering deadline.
    /// The buyer answers a question of its tender; the question must be the tender's (the path names both).
    public func answer(by actor: Actor, tenderID: UUID, questionID: UUID, text: String) async throws -> Question {
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.question(id: questionID), before.tenderID == tenderID,
                  let tender = try await store.tender(id: before.tenderID, lock: .forShare) else {
                throw DomainError.notFound("tender \(tenderID.lowercased) has no question \(questionID.lowercased)")
            }
            try authorizeBuyer(actor, tender.buyerID)
            var check = Validator()
            let text = check.text(text, "answer", max: 10_000)
            try check.finish()
            guard before.answer == nil else { throw DomainError.conflict("this question was answered already") }
            guard tender.status == .enquiries || tender.status == .tendering, let periods = tender.periods, now < periods.tenderEnd else {
                throw DomainError.conflict("answers are given until the tendering deadline")
            }
            var after = before
            after.answer = text
            after.answeredAt = now
            try await store.answer(after, by: actor.userID)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "question.answered",
                                      entity: AuditEntity("question", questionID), before: before, after: after, at: now)
            return after
        }
    }

    // MARK: Rules

    private func authorizeBuyer(_ actor: Actor, _ buyerID: UUID) throws {
        try Policy.authorize(actor, .manageTender, Resource(organisationID: buyerID))
    }

    /// Runs `change` in one transaction on the tender locked for update, once the actor is known to manage it.
    private func changing<T: Sendable>(_ tenderID: UUID, by actor: Actor,
                                       _ change: (Tender, TenderStore, PostgresConnection) async throws -> T) async throws -> T {
        try await database.transaction { connection in
            let store = store(connection)
            let tender = try await lockedTender(tenderID, store)
            try authorizeBuyer(actor, tender.buyerID)
            return try await change(tender, store, connection)
        }
    }

    func lockedTender(_ id: UUID, _ store: TenderStore) async throws -> Tender {
        guard let tender = try await store.tender(id: id, lock: .forUpdate) else {
            throw DomainError.notFound("no tender has id \(id.lowercased)")
        }
        return tender
    }

    /// Checks the terms and the lots' purchase lines (the buyer's own, budget not put up twice);
    /// returns the lots, keeping the ids of lots that stay.
    private func check(_ terms: TenderTerms, of tender: Tender, _ store: TenderStore) async throws -> [Lot] {
        var problems = terms.problems
        var lots: [Lot] = []
        // Locked before what other tenders hold is summed: two drafts taking the same line at once, or a lot
        // and a budget cut, then see each other's work instead of both passing.
        let lines = try await PurchaseLineStore(connection: store.connection, logger: database.logger)
            .linesForUpdate(ids: terms.lots.map(\.purchaseLineID))
        let committed = try await store.committedBudgets(lineIDs: terms.lots.map(\.purchaseLineID), except: tender.id)
        for (index, lotTerms) in terms.lots.enumerated() {
            let existing = tender.lots.first { $0.purchaseLineID == lotTerms.purchaseLineID }
            lots.append(Lot(id: existing?.id ?? UUID.v7(at: clock.now()), number: index + 1, purchaseLineID: lotTerms.purchaseLineID,
                            title: lotTerms.title, budget: lotTerms.budget, status: existing?.status ?? .active))
            guard let line = lines[lotTerms.purchaseLineID], line.buyerID == tender.buyerID else {
                problems.append(FieldError("lots[\(index)].purchaseLineId", "is not a line of this buyer's purchase list"))
                continue
            }
            let remaining = Self.remaining(of: line, committed)
            if lotTerms.budget > remaining {
                problems.append(FieldError("lots[\(index)].budget", "is more than remains of line \(line.content.reference) (\(remaining.formatted))"))
            }
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        return lots
    }

    private func refuseStructuralChange(from old: TenderTerms, to new: TenderTerms) throws {
        var problems: [FieldError] = []
        if old.procedure != new.procedure { problems.append(FieldError("procedure", "cannot change after publication")) }
        if old.lots.map(\.purchaseLineID) != new.lots.map(\.purchaseLineID) {
            problems.append(FieldError("lots", "lots cannot be added, removed or reordered after publication; cancel and tender again"))
        }
        if Set(old.invitedSuppliers) != Set(new.invitedSuppliers) {
            problems.append(FieldError("invitedSuppliers", "cannot change after publication"))
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
    }

    /// Invited and named organisations must exist and be social organisations.
    private func checkInvited(_ terms: TenderTerms) async throws {
        for (index, id) in terms.invitedSuppliers.enumerated() {
            let organisation = try? await identity.organisation(id: id)
            if organisation?.kind != .socialOrganisation {
                throw DomainError.invalid([FieldError("invitedSuppliers[\(index)]", "is not a registered social organisation")])
            }
        }
    }
}
