import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// The buyer's decision on each lot once the evaluation is complete, the standstill that follows,
/// and the complaints bidders may file during it. The tender completes (and its awards become
/// contract drafts) only when the standstill has passed and no complaint is open.
public struct AwardService: Sendable {
    let database: Database
    let identity: IdentityService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.clock = clock
    }

    private var tenders: TenderService { TenderService(database: database, identity: identity, clock: clock) }
    private var evaluations: EvaluationService { EvaluationService(database: database, identity: identity, clock: clock) }

    private func store(_ connection: PostgresConnection) -> AwardStore { AwardStore(connection: connection, logger: database.logger) }

    /// A decision that departs from the recommendation must say why, in at least this many characters.
    public static let minimumReason = 20

    // MARK: The buyer's

    /// Awards a lot to `bidID`, or to nobody (`bidID` nil: the lot is unsuccessful). A bid other
    /// than the recommended one, or none, needs a written reason; a flagged price needs its
    /// bidder's justification. When no lot is left undecided, the tender moves to awarded (the
    /// standstill starts) or, when nothing was awarded, to unsuccessful.
    public func decide(by actor: Actor, tenderID: UUID, lotID: UUID, bidID: UUID?, reason: String) async throws -> Award {
        var check = Validator()
        let reason = check.text(reason, "reason", max: 5000, required: false)
        try check.finish()
        let evaluation = try await evaluations.evaluation(tenderID: tenderID, by: actor)
        let calendar = try await tenders.calendar()
        let now = clock.now()
        return try await database.transaction { connection in
            let tenderStore = tenders.store(connection)
            let before = try await tenders.lockedTender(tenderID, tenderStore)
            try Policy.authorize(actor, .manageTender, Resource(organisationID: before.buyerID))
            guard before.lots.contains(where: { $0.id == lotID }) else {
                throw DomainError.notFound("tender \(before.reference) has no lot \(lotID.lowercased)")
            }
            guard before.status == .evaluation else { throw DomainError.conflict("awards are made during evaluation; the tender is \(before.status)") }
            guard evaluation.isComplete, let ranking = evaluation.rankings?.first(where: { $0.lotID == lotID }) else {
                throw DomainError.conflict("the evaluation is not complete: every seated evaluator (at least \(Evaluation.minimumScorers)) must submit first")
            }
            guard var lot = before.lots.first(where: { $0.id == lotID }), lot.status == .active else {
                throw DomainError.conflict("this lot is decided already or not under evaluation")
            }
            let store = store(connection)
            var award = Award(id: UUID.v7(at: now), tenderID: tenderID, lotID: lotID, recommendedBidID: ranking.recommendedBidID,
                              reason: reason, decidedAt: now)
            if let bidID {
                guard let ranked = ranking.bids.first(where: { $0.bidID == bidID }) else {
                    throw DomainError.invalid([FieldError("bidId", "is not an opened bid of this lot")])
                }
                guard ranked.isAwardable else {
                    throw DomainError.conflict("the price is flagged as abnormally low and its bidder has not justified it in writing")
                }
                award.bidID = bidID
                award.supplierID = ranked.bidderID
                award.value = ranked.price
            }
            if bidID != ranking.recommendedBidID && reason.count < Self.minimumReason {
                throw DomainError.invalid([FieldError("reason", bidID == nil
                    ? "say in at least \(Self.minimumReason) characters why no bid is awarded"
                    : "say in at least \(Self.minimumReason) characters why the recommended bid is not awarded")])
            }
            try await store.insert(award, by: actor.userID)
            lot.status = bidID == nil ? .unsuccessful : .awarded
            try await tenderStore.updateLot(lot)
            var after = before
            after.lots = before.lots.map { $0.id == lotID ? lot : $0 }
            var next: Date?
            if !after.lots.contains(where: { $0.status == .active }) {
                if after.lots.contains(where: { $0.status == .awarded }) {
                    after.status = try before.status.transition(to: .awarded)
                    let standstillEnd = try calendar.close(ofWorkingDay: before.terms.standstillDays, after: now)
                    after.periods?.awardedAt = now
                    after.periods?.standstillEnd = standstillEnd
                    next = standstillEnd
                } else {
                    after.status = try before.status.transition(to: .unsuccessful)
                }
            }
            try await tenderStore.update(after, nextEventAt: next, at: now)
            try await tenders.audit(connection, actor, bidID == nil ? "lot.not_awarded" : "lot.awarded", before: before, after: after)
            if after.status != before.status {
                try await tenders.audit(connection, actor, after.status == .awarded ? "tender.awarded" : "tender.unsuccessful", before: before, after: after)
            }
            return award
        }
    }

    // MARK: Complaints

    /// A bidder complains about the award while the standstill runs.
    public func file(by actor: Actor, tenderID: UUID, lotID: UUID?, text: String) async throws -> Complaint {
        try Policy.authorize(actor, .fileComplaint, Resource(organisationID: actor.organisationID))
        var check = Validator()
        let text = check.text(text, "text", max: 10_000)
        try check.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let tender = try await tenders.lockedTender(tenderID, tenders.store(connection))
            guard tender.status == .awarded, let standstillEnd = tender.periods?.standstillEnd, now < standstillEnd else {
                throw DomainError.conflict(tender.periods?.standstillEnd.map { "complaints were taken until the standstill ended at \(WorkingCalendar().describe($0)) (Beijing time)" }
                                           ?? "complaints are taken during the standstill after the award")
            }
            let bids = try await BidStore(connection: connection, logger: database.logger).openedBids(tenderID: tenderID)
            guard bids.contains(where: { $0.bidderID == actor.organisationID }) else {
                throw DomainError.forbidden("only the bidders of this tender may complain about its award")
            }
            if let lotID, !tender.lots.contains(where: { $0.id == lotID }) {
                throw DomainError.invalid([FieldError("lotId", "is not a lot of this tender")])
            }
            let complaint = Complaint(id: UUID.v7(at: now), tenderID: tenderID, lotID: lotID, complainantID: actor.organisationID,
                                      status: .claim, text: text, filedAt: now)
            try await store(connection).insert(complaint)
            try await audit(connection, actor, "complaint.filed", before: nil, after: complaint)
            return complaint
        }
    }

    /// The buyer answers a complaint (claim → answered); the complainant may then accept or escalate.
    public func answer(by actor: Actor, complaintID: UUID, text: String) async throws -> Complaint {
        var check = Validator()
        let text = check.text(text, "answer", max: 10_000)
        try check.finish()
        let calendar = try await tenders.calendar()
        return try await changing(complaintID) { before, tender, now in
            try Policy.authorize(actor, .manageTender, Resource(organisationID: tender.buyerID))
            guard before.status == .claim else { throw DomainError.conflict("this complaint is \(before.status); only a new claim is answered") }
            var after = before
            after.status = .answered
            after.answer = text
            after.answeredAt = now
            // The answer opens the complainant's window to escalate: refused when the calendar cannot count it.
            _ = try after.escalationDeadline(calendar)
            return (after, "complaint.answered", actor)
        }
    }

    /// The complainant accepts the answer: the complaint is resolved.
    public func accept(by actor: Actor, complaintID: UUID) async throws -> Complaint {
        try await changing(complaintID) { before, _, now in
            try authorizeComplainant(actor, before)
            guard before.status == .answered else { throw DomainError.conflict("only an answered complaint can be accepted") }
            var after = before
            after.status = .resolved
            after.outcome = .accepted
            after.resolvedAt = now
            return (after, "complaint.accepted", actor)
        }
    }

    /// The complainant escalates the answer to the overseers, within the window after it.
    public func escalate(by actor: Actor, complaintID: UUID, text: String) async throws -> Complaint {
        var check = Validator()
        let text = check.text(text, "text", max: 10_000)
        try check.finish()
        let calendar = try await tenders.calendar()
        return try await changing(complaintID) { before, _, now in
            try authorizeComplainant(actor, before)
            guard before.status == .answered, let deadline = try before.escalationDeadline(calendar) else {
                throw DomainError.conflict("only an answered complaint can be escalated")
            }
            guard now < deadline else {
                throw DomainError.conflict("the answer could be escalated until \(calendar.describe(deadline)) (Beijing time)")
            }
            var after = before
            after.status = .escalated
            after.escalation = text
            after.escalatedAt = now
            return (after, "complaint.escalated", actor)
        }
    }

    /// An overseer of the buyer's jurisdiction decides an escalated complaint.
    public func decideComplaint(by actor: Actor, complaintID: UUID, upheld: Bool, text: String) async throws -> Complaint {
        var check = Validator()
        let text = check.text(text, "decision", max: 10_000)
        try check.finish()
        return try await changing(complaintID) { before, tender, now in
            try Policy.authorize(actor, .decideComplaint, try await identity.resource(of: tender.buyerID))
            guard before.status == .escalated else { throw DomainError.conflict("only an escalated complaint is decided by the overseers") }
            var after = before
            after.status = .resolved
            after.outcome = upheld ? .upheld : .dismissed
            after.decision = text
            after.resolvedAt = now
            return (after, upheld ? "complaint.upheld" : "complaint.dismissed", actor)
        }
    }

    // MARK: Reading

    /// The awards of a tender: public once the tender is decided; before, its buyer's staff and overseers.
    public func awards(tenderID: UUID, by actor: Actor?) async throws -> [Award] {
        let tender = try await tenders.tender(id: tenderID, by: actor)
        if ![.awarded, .complete, .unsuccessful].contains(tender.status) {
            try Policy.authorize(actor, .readEvaluation, try await identity.resource(of: tender.buyerID))
        }
        return try await database.read { try await store($0).awards(of: tenderID) }
    }

    /// The awards of many tenders at once, as the public sees them: only those of decided tenders.
    public func publicAwards(of tenderIDs: [UUID]) async throws -> [Award] {
        guard !tenderIDs.isEmpty else { return [] }
        return try await database.read { try await store($0).awards(of: tenderIDs, decidedOnly: true) }
    }

    /// Awarded or complete tenders with an award a red flag may concern: the lot had one opened bid, or the awarded price is
    /// at most the share of the lot's top price under which either abnormal-price rule can fire. Which of them are
    /// flagged is the red flags' rulebook's to say, on the tenders' own records.
    public func tendersWithAwardsToCheck() async throws -> [UUID] {
        // p ≤ (1 − 40 %) × the others' mean, or p ≤ (1 − 30 %) × the next price up: either way p ≤ 70 % of the top price.
        let percentOfTop = 100 - min(AbnormalPrice.underMeanPercent, AbnormalPrice.underNextPercent)
        return try await database.read { try await store($0).tendersWithAwardsToCheck(percentOfTop: percentOfTop) }
    }

    /// What suppliers won of buyers' awarded value per year (years of `calendar`), where one won at least
    /// `shareBasisPoints` of a buyer's year among at least `minimumAwards` awards (public, as every award is).
    public func supplierShares(calendar: WorkingCalendar, minimumAwards: Int, shareBasisPoints: Int) async throws -> [SupplierShare] {
        try await database.read {
            try await store($0).supplierShares(timeZone: calendar.timeZoneIdentifier, minimumAwards: minimumAwards, shareBasisPoints: shareBasisPoints)
        }
    }

    /// The awards an organisation won (public once made, as every award is), with tender reference and lot number.
    public func awards(wonBy organisationID: UUID) async throws -> [(award: Award, reference: String, lot: Int)] {
        try await database.read { try await store($0).awards(wonBy: organisationID) }
    }

    /// Complaints are public: who complained, what, and how it was answered and decided.
    public func complaints(tenderID: UUID, by actor: Actor?) async throws -> [Complaint] {
        _ = try await tenders.tender(id: tenderID, by: actor)
        return try await database.read { try await store($0).complaints(of: tenderID) }
    }

    /// The awards of completed tenders, oldest first after `after`: what the delivery module turns into contracts.
    public func contractDrafts(after: UUID? = nil, limit: Int = 100) async throws -> [ContractDraft] {
        try await database.read { try await store($0).contractDrafts(after: after, limit: min(max(limit, 1), 500)) }
    }

    /// The buyer whose tender decided the award (nil: no such award).
    public func buyerID(ofAward awardID: UUID) async throws -> UUID? {
        try await database.read { try await store($0).buyerID(ofAward: awardID) }
    }

    /// The award's contract draft; nil until its tender completes (after the standstill).
    public func contractDraft(awardID: UUID) async throws -> ContractDraft? {
        try await database.read { try await store($0).contractDrafts(after: nil, limit: 1, awardID: awardID) }.first
    }

    // MARK: The worker's

    /// Settles an awarded tender whose moment has come: answered complaints not escalated in time
    /// lapse; while any complaint is open it waits (nil: re-armed when one changes); otherwise, once
    /// the standstill is over, the tender completes and its awards become contract drafts.
    /// Returns the next time to look, and whether it completed.
    func settle(_ tender: Tender, at now: Date, on connection: PostgresConnection) async throws -> (next: Date?, completed: Bool) {
        let calendar = try await CalendarStore(connection: connection, logger: database.logger).calendar()
        let store = store(connection)
        var complaints = try await store.complaints(of: tender.id)
        // A window the calendar cannot count (answered before the next year was loaded) does not lapse by a
        // guess: the worker looks again in an hour, and the tender does not complete meanwhile.
        var uncounted = false
        func escalationDeadline(_ complaint: Complaint) -> Date? {
            do { return try complaint.escalationDeadline(calendar) } catch { uncounted = true; return nil }
        }
        for index in complaints.indices where complaints[index].status == .answered {
            guard let deadline = escalationDeadline(complaints[index]), deadline <= now else { continue }
            let before = complaints[index]
            complaints[index].status = .resolved
            complaints[index].outcome = .lapsed
            complaints[index].resolvedAt = now
            try await store.update(complaints[index])
            try await audit(connection, .system, "complaint.lapsed", before: before, after: complaints[index])
        }
        if complaints.contains(where: { $0.status.isOpen }) { return (nil, false) }
        let waits = complaints.compactMap { $0.status == .answered ? escalationDeadline($0) : nil } + [tender.periods?.standstillEnd ?? now]
            + (uncounted ? [now.addingTimeInterval(3600)] : [])
        if let later = waits.filter({ $0 > now }).min() { return (later, false) }
        try await store.markContractReady(tenderID: tender.id, at: now)
        return (nil, true)
    }

    // MARK: Rules

    private func authorizeComplainant(_ actor: Actor, _ complaint: Complaint) throws {
        try Policy.authorize(actor, .fileComplaint, Resource(organisationID: complaint.complainantID))
    }

    /// Runs `change` on the complaint locked for update, records it, and asks the worker to look at the tender again.
    private func changing(_ complaintID: UUID,
                          _ change: (Complaint, Tender, Date) async throws -> (Complaint, String, Actor)) async throws -> Complaint {
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.complaint(id: complaintID),
                  let tender = try await tenders.store(connection).tender(id: before.tenderID, lock: .forShare) else {
                throw DomainError.notFound("no complaint has id \(complaintID.lowercased)")
            }
            let (after, action, actor) = try await change(before, tender, now)
            try await store.update(after)
            try await store.rearm(tenderID: tender.id, at: max(now, tender.periods?.standstillEnd ?? now))
            try await audit(connection, actor, action, before: before, after: after)
            return after
        }
    }

    private func audit(_ connection: PostgresConnection, _ actor: Actor, _ action: String, before: Complaint?, after: Complaint) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("complaint", after.id), before: before, after: after, at: clock.now())
    }
}
