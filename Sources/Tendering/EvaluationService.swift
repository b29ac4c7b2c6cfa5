import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// The evaluation of opened bids: the buyer seats a panel, each evaluator declares conflicts and
/// scores every bid per criterion without seeing the others' sheets, and once every seated evaluator
/// has submitted, `Ranking` orders the bids. Bidders justify prices flagged as abnormally low.
public struct EvaluationService: Sendable {
    let database: Database
    let identity: IdentityService
    let performance: any PerformanceRecords
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, performance: any PerformanceRecords = NoPerformanceRecords(),
                clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.performance = performance
        self.clock = clock
    }

    private var tenders: TenderService { TenderService(database: database, identity: identity, clock: clock) }

    private func store(_ connection: PostgresConnection) -> EvaluationStore {
        EvaluationStore(connection: connection, logger: database.logger)
    }

    /// Panel events go to a trail of their own: the tender's timeline is public, the panel is not until the award.
    private func audit<State: Encodable>(_ connection: PostgresConnection, _ actor: Actor, _ action: String, tenderID: UUID,
                                         before: State?, after: State) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("evaluation", tenderID), before: before, after: after, at: clock.now())
    }

    // MARK: The buyer's

    /// Seats an evaluator on the panel. One tied to the buyer, or (once the bids are open) to a
    /// bidder, is seated as refused with the tie stated, so the refusal stays on the record.
    public func assign(by actor: Actor, tenderID: UUID, userID: UUID) async throws -> PanelMember {
        let now = clock.now()
        return try await database.transaction { connection in
            let tender = try await tenders.lockedTender(tenderID, tenders.store(connection))
            try Policy.authorize(actor, .manageTender, Resource(organisationID: tender.buyerID))
            let user = try? await identity.user(id: userID)
            guard let user, user.roles.contains(.evaluator), !user.disabled else {
                throw DomainError.invalid([FieldError("userId", "is not an evaluator's account")])
            }
            guard [.draft, .enquiries, .tendering, .evaluation].contains(tender.status) else {
                throw DomainError.conflict("the panel is fixed once the tender is \(tender.status)")
            }
            let store = store(connection)
            let panel = try await store.panel(of: tenderID)
            if panel.contains(where: { $0.userID == userID }) { throw DomainError.conflict("\(user.displayName) sits on this panel already") }
            guard panel.count < Evaluation.maximumPanel else {
                throw DomainError.conflict("a panel has at most \(Evaluation.maximumPanel) seats; remove one first")
            }
            let tie = try await tie(of: userID, to: try await bidders(of: tender, connection).union([tender.buyerID]))
            let member = PanelMember(tenderID: tenderID, userID: userID, displayName: user.displayName, organisationID: user.organisationID,
                                     status: tie == nil ? .assigned : .refused, refusal: tie.map { "tied to a party of the tender (\($0))" },
                                     assignedAt: now)
            try await store.insert(member)
            try await audit(connection, actor, tie == nil ? "panel.assigned" : "panel.refused", tenderID: tenderID, before: nil, after: member)
            return member
        }
    }

    /// Takes a seat away before its evaluator has submitted (an evaluator who does not answer, or a refused one).
    public func remove(by actor: Actor, tenderID: UUID, userID: UUID) async throws {
        try await database.transaction { connection in
            let tender = try await tenders.lockedTender(tenderID, tenders.store(connection))
            try Policy.authorize(actor, .manageTender, Resource(organisationID: tender.buyerID))
            guard [.draft, .enquiries, .tendering, .evaluation].contains(tender.status) else {
                throw DomainError.conflict("the panel is fixed once the tender is \(tender.status)")
            }
            let store = store(connection)
            guard let member = try await store.member(tenderID: tenderID, userID: userID) else {
                throw DomainError.notFound("no such evaluator sits on this panel")
            }
            guard member.submittedAt == nil else { throw DomainError.conflict("\(member.displayName) has submitted scores; the seat stays") }
            try await store.delete(member)
            try await audit(connection, actor, "panel.removed", tenderID: tenderID, before: member, after: member)
        }
    }

    // MARK: The evaluator's

    /// Declares, once the bids are open and the bidders known, either independence or a conflict
    /// with named bidders (which refuses the seat). A tie on record refuses the seat whatever is declared.
    public func declare(by actor: Actor, tenderID: UUID, conflicts: [UUID], statement: String) async throws -> PanelMember {
        try Policy.authorize(actor, .scoreBids, .platform)
        var check = Validator()
        let statement = check.text(statement, "statement", max: 2000, required: !conflicts.isEmpty)
        try check.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let tender = try await evaluatedTender(tenderID, connection)
            let bidders = try await bidders(of: tender, connection)
            let unknown = conflicts.enumerated().filter { !bidders.contains($0.element) }
            if !unknown.isEmpty { throw DomainError.invalid(unknown.map { FieldError("conflicts[\($0.offset)]", "is not a bidder of this tender") }) }
            let store = store(connection)
            let before = try await seat(of: actor, tenderID, store)
            if before.status == .refused { throw DomainError.forbidden("your seat was refused: \(before.refusal ?? "conflict of interest")") }
            guard before.submittedAt == nil else { throw DomainError.conflict("your scores are submitted; the declaration stands") }
            if before.status == .independent && conflicts.isEmpty { throw DomainError.conflict("you declared your independence already") }
            var after = before
            after.declaredAt = now
            after.declaration = statement.isEmpty ? "no conflict of interest with any bidder" : statement
            if let tie = try await tie(of: actor.userID, to: bidders.union([tender.buyerID])) {
                after.status = .refused
                after.refusal = "tied to a party of the tender (\(tie))"
            } else if !conflicts.isEmpty {
                let names = try await identity.organisations(ids: Set(conflicts)).values.map(\.nameZh).sorted()
                after.status = .refused
                after.refusal = "declared a conflict of interest with \(names.joined(separator: ", "))"
            } else {
                after.status = .independent
            }
            if after.status == .refused { try await store.replaceScores(tenderID: tenderID, userID: actor.userID, []) }
            try await store.update(after)
            try await audit(connection, actor, after.status == .refused ? "panel.refused" : "panel.declared_independent",
                            tenderID: tenderID, before: before, after: after)
            return after
        }
    }

    /// Saves the evaluator's scores (replacing the draft); with `submit`, the sheet must score every
    /// bid on every criterion and can no longer change.
    public func score(by actor: Actor, tenderID: UUID, _ entries: [ScoreEntry], submit: Bool) async throws -> ScoreSheet {
        try Policy.authorize(actor, .scoreBids, .platform)
        let now = clock.now()
        return try await database.transaction { connection in
            let tender = try await evaluatedTender(tenderID, connection)
            let store = store(connection)
            var member = try await seat(of: actor, tenderID, store)
            switch member.status {
            case .refused: throw DomainError.forbidden("your seat was refused: \(member.refusal ?? "conflict of interest")")
            case .assigned: throw DomainError.conflict("declare your independence from the bidders before scoring")
            case .independent: break
            }
            guard member.submittedAt == nil else { throw DomainError.conflict("your scores are submitted and can no longer change") }
            let bids = try await scorableBids(tender, connection)
            try checkSheet(entries, bids: bids, terms: tender.terms, complete: submit)
            try await store.replaceScores(tenderID: tenderID, userID: actor.userID, entries)
            if submit {
                member.submittedAt = now
                try await store.update(member)
            }
            let sheet = ScoreSheet(userID: actor.userID, entries: entries, submittedAt: member.submittedAt)
            try await audit(connection, actor, submit ? "evaluation.sheet_submitted" : "evaluation.sheet_saved", tenderID: tenderID,
                            before: nil as ScoreSheet?, after: sheet)
            return sheet
        }
    }

    // MARK: The bidder's

    /// The bidder's written justification of a price flagged as abnormally low, given once during evaluation.
    public func justifyPrice(by actor: Actor, tenderID: UUID, lotID: UUID, text: String) async throws {
        try Policy.authorize(actor, .submitBid, Resource(organisationID: actor.organisationID))
        var check = Validator()
        let text = check.text(text, "text", max: 5000)
        check.check(text.count >= 20 || text.isEmpty, "text", "must be at least 20 characters: explain how the price covers the service")
        let checked = check
        let now = clock.now()
        try await database.transaction { connection in
            // The path first: a lot of another tender is not found here, whatever the text says.
            let tender = try await evaluatedTender(tenderID, lot: lotID, connection)
            try checked.finish()
            let lotBids = try await BidStore(connection: connection, logger: database.logger).openedBids(tenderID: tenderID).filter { $0.lotID == lotID }
            guard let own = lotBids.first(where: { $0.bidderID == actor.organisationID }) else {
                throw DomainError.notFound("your organisation has no opened bid in this lot of \(tender.reference)")
            }
            guard AbnormalPrice.check(own, among: lotBids) != nil else {
                throw DomainError.conflict("your price is not flagged as abnormally low; there is nothing to justify")
            }
            let store = store(connection)
            guard try await store.justifications(of: tenderID)[own.id] == nil else { throw DomainError.conflict("the price is justified already") }
            try await store.insertJustification(bidID: own.id, text: text, by: actor.userID, at: now)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "bid.price_justified",
                                      entity: AuditEntity("bid", own.id), before: nil as String?, after: text, at: now)
        }
    }

    // MARK: Reading

    /// The evaluation as the actor may see it: a panel member their own sheet (everyone's once all
    /// have submitted); the buyer's staff and overseers the panel and, once complete, the ranking;
    /// everyone the panel and the ranking once the award is made.
    public func evaluation(tenderID: UUID, by actor: Actor?) async throws -> Evaluation {
        let tender = try await tenders.tender(id: tenderID, by: actor)
        let mayRead = Policy.decide(actor, .readEvaluation, try await identity.resource(of: tender.buyerID)) == .allow
        var evaluation = try await database.read { connection in
            let store = store(connection)
            let panel = try await store.panel(of: tenderID)
            let seat = panel.first { $0.userID == actor?.userID }
            let decided = [.awarded, .complete].contains(tender.status) || (tender.status == .unsuccessful && tender.isOpened)
            let bids = try await BidStore(connection: connection, logger: database.logger).openedBids(tenderID: tenderID)
            // A bidder whose price is flagged abnormally low reads the evaluation while it runs, to justify the price
            // (DOMAIN §2): the prices are public since the opening, the panel is not named to it before the award.
            let flagged = tender.status == .evaluation && actor.map { a in
                bids.contains { $0.bidderID == a.organisationID && AbnormalPrice.check($0, among: bids) != nil }
            } == true
            guard seat != nil || mayRead || decided || flagged else {
                if actor == nil { throw DomainError.unauthenticated("the evaluation is not public until the award is made: sign in to read it") }
                throw DomainError.forbidden("the evaluation is not public until the award is made")
            }
            let seated = panel.filter(\.isSeated)
            let submitted = seated.filter { $0.submittedAt != nil }
            let complete = tender.isOpened && submitted.count == seated.count && submitted.count >= Evaluation.minimumScorers
            let sheets = try await store.sheets(of: tenderID, seated: seated)
            let awards = try await AwardStore(connection: connection, logger: database.logger).awards(of: tenderID)
            var rankings: [LotRanking]?
            if complete {
                let justifications = try await store.justifications(of: tenderID)
                let decidedLots = Set(awards.map(\.lotID))
                rankings = tender.lots.filter { $0.status == .active || decidedLots.contains($0.id) }.map {
                    Ranking.rank(lotID: $0.id, bids: bids, sheets: sheets.filter { $0.submittedAt != nil }, terms: tender.terms,
                                 justifications: justifications)
                }
            }
            // A seat refused for a tie to a party sees that it was refused, never the others' scores or the
            // ranking before the award: that is what the tie could carry to the bidder.
            let sitting = seat?.isSeated == true
            let visibleSheets = complete && (sitting || mayRead) ? sheets.filter { $0.submittedAt != nil }
                : sheets.filter { $0.userID == actor?.userID }
            if !(sitting || mayRead || decided) { rankings = nil }
            return Evaluation(tender: tender, panel: seat != nil || mayRead || decided ? panel : [], isComplete: complete, sheets: visibleSheets,
                              rankings: rankings, bids: bids, awards: awards, grades: [:], seat: seat)
        }
        let buyer = try await identity.resource(of: tender.buyerID)
        let readsProposals = evaluation.seat?.status == .independent || Policy.decide(actor, .readOpenedProposals, buyer) == .allow
        if !readsProposals { for index in evaluation.bids.indices { evaluation.bids[index].proposal = nil } }
        if evaluation.seat != nil || mayRead {
            evaluation.grades = try await performance.grades(of: Set(evaluation.bids.map(\.bidderID)))
        }
        return evaluation
    }

    /// The tenders on whose panels the actor sits, newest seat first: an evaluator's worklist.
    public func seats(of actor: Actor) async throws -> [(tender: Tender, seat: PanelMember)] {
        try await database.read { connection in
            let store = store(connection)
            let ids = try await store.seats(of: actor.userID, limit: 200)
            let tenders = try await TenderStore(connection: connection, logger: database.logger).tenders(ids: ids)
            var result: [(tender: Tender, seat: PanelMember)] = []
            for tender in tenders {
                if let seat = try await store.panel(of: tender.id).first(where: { $0.userID == actor.userID }) { result.append((tender, seat)) }
            }
            return result
        }
    }

    // MARK: Opening (the worker's)

    /// At opening, refuses the seats of evaluators tied to a bidder, stating the tie.
    func refuseTiedEvaluators(_ tender: Tender, on connection: PostgresConnection) async throws {
        let store = store(connection)
        let panel = try await store.panel(of: tender.id).filter(\.isSeated)
        guard !panel.isEmpty else { return }
        let bidders = try await bidders(of: tender, connection)
        for before in panel {
            guard let tie = try await tie(of: before.userID, to: bidders) else { continue }
            var after = before
            after.status = .refused
            after.refusal = "tied to a bidder (\(tie))"
            try await store.update(after)
            try await audit(connection, .system, "panel.refused", tenderID: tender.id, before: before, after: after)
        }
    }

    // MARK: Rules

    /// The user's first tie (their own organisation, then recorded affiliations) to one of `parties`,
    /// stated as "organisation: relation".
    private func tie(of userID: UUID, to parties: Set<UUID>) async throws -> String? {
        guard let tie = try await identity.ties(of: userID).first(where: { parties.contains($0.organisationID) }) else { return nil }
        return "\(try await identity.organisation(id: tie.organisationID).nameZh): \(tie.relation)"
    }

    /// The tender, locked for share (an award waits for a sheet being submitted), once its bids are open.
    private func evaluatedTender(_ tenderID: UUID, lot lotID: UUID? = nil, _ connection: PostgresConnection) async throws -> Tender {
        guard let tender = try await TenderStore(connection: connection, logger: database.logger).tender(id: tenderID, lock: .forShare),
              tender.status != .draft else {
            throw DomainError.notFound("no tender has id \(tenderID.lowercased)")
        }
        if let lotID, !tender.lots.contains(where: { $0.id == lotID }) {
            throw DomainError.notFound("tender \(tender.reference) has no lot \(lotID.lowercased)")
        }
        guard tender.status == .evaluation else {
            throw DomainError.conflict(tender.isOpened ? "the evaluation of \(tender.reference) is over"
                                       : "the evaluation starts when the bids are opened at the tendering deadline")
        }
        return tender
    }

    private func seat(of actor: Actor, _ tenderID: UUID, _ store: EvaluationStore) async throws -> PanelMember {
        guard let member = try await store.member(tenderID: tenderID, userID: actor.userID) else {
            throw DomainError.forbidden("you do not sit on this tender's evaluation panel")
        }
        return member
    }

    /// The organisations whose bids were opened (none before opening).
    private func bidders(of tender: Tender, _ connection: PostgresConnection) async throws -> Set<UUID> {
        guard tender.isOpened else { return [] }
        return Set(try await BidStore(connection: connection, logger: database.logger).openedBids(tenderID: tender.id).map(\.bidderID))
    }

    /// The opened bids of the lots still being evaluated.
    private func scorableBids(_ tender: Tender, _ connection: PostgresConnection) async throws -> [OpenedBid] {
        let active = Set(tender.lots.filter { $0.status == .active }.map(\.id))
        return try await BidStore(connection: connection, logger: database.logger).openedBids(tenderID: tender.id).filter { active.contains($0.lotID) }
    }

    private func checkSheet(_ entries: [ScoreEntry], bids: [OpenedBid], terms: TenderTerms, complete: Bool) throws {
        var check = Validator()
        let weights = Dictionary(uniqueKeysWithValues: terms.criteria.map { ($0.name, $0.weight) })
        let bidIDs = Set(bids.map(\.id))
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            check.check(bidIDs.contains(entry.bidID), "entries[\(index)].bidId", "is not an opened bid of a lot under evaluation")
            if let weight = weights[entry.criterion] {
                check.check((0...weight * 100).contains(entry.points.hundredths), "entries[\(index)].points",
                            "must be 0 to \(weight) points for \(entry.criterion)")
            } else {
                check.check(false, "entries[\(index)].criterion", "is not a criterion of this tender")
            }
            check.check(entry.comment.count <= 2000, "entries[\(index)].comment", "must be at most 2000 characters")
            check.check(seen.insert("\(entry.bidID)|\(entry.criterion)").inserted, "entries[\(index)]", "scores this bid and criterion twice")
        }
        if complete {
            // Entries off the sheet are refused above, so what is seen counts towards the whole sheet.
            let missing = bids.count * terms.criteria.count - seen.count
            check.check(missing <= 0, "entries", "a submitted sheet scores every bid on every criterion (\(missing) missing)")
        }
        try check.finish()
    }
}
