import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// Sealed bids: submitted, replaced, confirmed or withdrawn by their bidder until the deadline,
/// readable by nobody else until the worker opens them.
public struct BidService: Sendable {
    let database: Database
    let identity: IdentityService
    let sealer: BidSealer
    let incubation: any IncubationRecords
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, sealer: BidSealer, incubation: any IncubationRecords = NoIncubationRecords(),
                clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.sealer = sealer
        self.incubation = incubation
        self.clock = clock
    }

    /// What the audit trail keeps of a bid: never its price or proposal.
    private struct AuditState: Encodable {
        var bidID: UUID
        var tenderID: UUID
        var lotID: UUID
        var bidderID: UUID
        var version: Int
        var status: BidStatus
        var commitment: String
    }

    /// Times are kept to the millisecond, as receipts show them.
    private func now() -> Date { Date(timeIntervalSince1970: (clock.now().timeIntervalSince1970 * 1000).rounded(.down) / 1000) }

    // MARK: The bidder's actions

    /// Submits a bid for a lot, or replaces the bidder's earlier one. With an idempotency key, a
    /// retried request gets the first receipt back instead of making a second version.
    public func submit(by actor: Actor, tenderID: UUID, lotID: UUID, _ content: BidContent, idempotencyKey: String? = nil) async throws -> BidReceipt {
        try Policy.authorize(actor, .submitBid, Resource(organisationID: actor.organisationID))
        var problems = content.problems
        if let key = idempotencyKey, !(1...200).contains(key.count) {
            problems.append(FieldError("Idempotency-Key", "must be 1 to 200 characters"))
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let facts = try await facts(of: actor.organisationID)
        let now = now()
        return try await database.transaction { connection in
            let (tender, lot) = try await biddable(tenderID, lotID, connection)
            let bids = BidStore(connection: connection, logger: database.logger)
            if let key = idempotencyKey {
                let mac = sealer.mac(Data("\(lotID.lowercased)\n\(content.price.minorUnits)\n\(content.proposal)\n\(content.documents.map(\.lowercased).joined(separator: ","))".utf8),
                                     tender: tenderID)
                if let earlier = try await bids.claim(key: key, bidderID: actor.organisationID, mac: mac, at: now) {
                    guard earlier.mac == mac else {
                        throw DomainError(.conflict, "this Idempotency-Key was used for a different bid; use a new key for a new bid")
                    }
                    guard let commitment = earlier.commitment, let receipt = try await bids.receipt(commitment: commitment) else {
                        throw DomainError(.conflict, "the first request with this Idempotency-Key has not finished; try again in a moment")
                    }
                    return receipt
                }
            }
            try checkOpenForBids(tender, lot, facts, content, at: now)
            // One bidder's bids on one lot, one at a time: two first bids sent at once become a bid and its replacement.
            try await bids.lockBidder(lotID: lotID, bidderID: actor.organisationID)
            let existing = try await bids.bid(lotID: lotID, bidderID: actor.organisationID)
            let action: BidReceipt.Action = existing == nil || existing?.status == .withdrawn ? .submitted : .replaced
            let receipt = try await seal(content, existing: existing, tender: tender, lotID: lotID, bidderID: actor.organisationID,
                                         action: action, at: now, bids, actor: actor, connection)
            if let key = idempotencyKey { try await bids.complete(key: key, bidderID: actor.organisationID, commitment: receipt.commitment) }
            return receipt
        }
    }

    /// Confirms a bid made before the terms changed, so that it counts under the new terms.
    public func confirm(by actor: Actor, tenderID: UUID, lotID: UUID) async throws -> BidReceipt {
        try Policy.authorize(actor, .submitBid, Resource(organisationID: actor.organisationID))
        let facts = try await facts(of: actor.organisationID)
        let now = now()
        return try await database.transaction { connection in
            let (tender, lot) = try await biddable(tenderID, lotID, connection)
            let bids = BidStore(connection: connection, logger: database.logger)
            guard let existing = try await bids.bid(lotID: lotID, bidderID: actor.organisationID), existing.status != .withdrawn,
                  let sealed = existing.sealed else {
                throw DomainError.notFound("your organisation has no bid for this lot")
            }
            guard existing.status == .needsConfirmation else { throw DomainError.conflict("this bid stands under the current terms already") }
            let content = try JSONDecoder().decode(SealedPayload.self, from: try sealer.open(sealed, tender: tenderID, bid: existing.id,
                                                                                             version: existing.version)).content
            try checkOpenForBids(tender, lot, facts, content, at: now)
            return try await seal(content, existing: existing, tender: tender, lotID: lotID, bidderID: actor.organisationID,
                                  action: .confirmed, at: now, bids, actor: actor, connection)
        }
    }

    /// Withdraws a bid before the deadline; its sealed content is destroyed.
    public func withdraw(by actor: Actor, tenderID: UUID, lotID: UUID) async throws -> BidReceipt {
        try Policy.authorize(actor, .submitBid, Resource(organisationID: actor.organisationID))
        let now = now()
        return try await database.transaction { connection in
            let (tender, _) = try await biddable(tenderID, lotID, connection)
            guard tender.acceptsBids(at: now) else { throw closed(tender, at: now) }
            let bids = BidStore(connection: connection, logger: database.logger)
            guard var bid = try await bids.bid(lotID: lotID, bidderID: actor.organisationID), bid.status != .withdrawn else {
                throw DomainError.notFound("your organisation has no bid for this lot")
            }
            bid.status = .withdrawn
            bid.sealed = nil
            bid.version += 1
            bid.submittedAt = now
            bid.commitment = SealedPayload.commitment(payload: Data(), tender: tenderID, lot: lotID, bidder: bid.bidderID, version: bid.version, at: now)
            try await bids.update(bid)
            let receipt = BidReceipt(commitment: bid.commitment, bidID: bid.id, tenderID: tenderID, lotID: lotID, version: bid.version,
                                     action: .withdrawn, submittedAt: now)
            try await bids.insert(receipt)
            try await audit(bid, "bid.withdrawn", actor: actor, connection)
            return receipt
        }
    }

    /// The bidder's own bids on a tender, unsealed for it alone.
    public func ownBids(by actor: Actor, tenderID: UUID) async throws -> [OwnBid] {
        try Policy.authorize(actor, .readSealedBid, Resource(organisationID: actor.organisationID))
        return try await database.read { connection in
            let bids = BidStore(connection: connection, logger: database.logger)
            var result: [OwnBid] = []
            for bid in try await bids.bids(tenderID: tenderID, bidderID: actor.organisationID) {
                var content: BidContent?
                if let sealed = bid.sealed {
                    content = try JSONDecoder().decode(SealedPayload.self, from: try sealer.open(sealed, tender: tenderID, bid: bid.id,
                                                                                                 version: bid.version)).content
                }
                let receipt = try await bids.receipt(commitment: bid.commitment)!
                result.append(OwnBid(id: bid.id, lotID: bid.lotID, status: bid.status, content: content, receipt: receipt))
            }
            return result
        }
    }

    // MARK: Anyone

    /// Checks a receipt: whether it is on record, still the bid's latest version, and, once the bids
    /// are open, whether the opened bid is exactly what was committed to.
    public func checkReceipt(commitment: String) async throws -> ReceiptCheck {
        try await database.read { connection in
            let bids = BidStore(connection: connection, logger: database.logger)
            guard commitment.count == 64, let receipt = try await bids.receipt(commitment: commitment.lowercased()),
                  let bid = try await bids.bid(id: receipt.bidID),
                  let tender = try await TenderStore(connection: connection, logger: database.logger).tender(id: receipt.tenderID) else {
                throw DomainError.notFound("no receipt has this commitment")
            }
            var matches: Bool?
            if receipt.commitment == bid.commitment, let opened = try await bids.openedPayload(bidID: bid.id) {
                let payload = try JSONDecoder().decode(SealedPayload.self, from: Data(opened.utf8)).encoded()
                matches = SealedPayload.commitment(payload: payload, tender: tender.id, lot: bid.lotID, bidder: bid.bidderID,
                                                   version: bid.version, at: bid.submittedAt) == receipt.commitment
            }
            return ReceiptCheck(receipt: receipt, tenderReference: tender.reference,
                                lotNumber: tender.lots.first { $0.id == bid.lotID }?.number ?? 0,
                                isCurrent: receipt.commitment == bid.commitment && bid.status != .withdrawn, matchesOpenedBid: matches)
        }
    }

    /// The opened bids of many tenders as the public sees them (bidder and price, no proposal), by tender.
    public func publicOpenedBids(tenderIDs: [UUID]) async throws -> [UUID: [OpenedBid]] {
        guard !tenderIDs.isEmpty else { return [:] }
        let pairs = try await database.read { try await BidStore(connection: $0, logger: database.logger).publicOpenedBids(tenderIDs: tenderIDs) }
        return Dictionary(grouping: pairs, by: \.tender).mapValues { $0.map(\.bid) }
    }

    /// The opened bids of a tender. Refused before opening; proposals only to those who may read them
    /// (the buyer's staff, overseers, and evaluators seated as independent).
    public func openedBids(tenderID: UUID, by actor: Actor?) async throws -> [OpenedBid] {
        try await openedBids(of: try await TenderService(database: database, identity: identity, clock: clock).tender(id: tenderID, by: actor), by: actor)
    }

    /// The same, for a tender the caller has just read with `TenderService.tender(id:by:)` as this actor
    /// (a page showing the tender and its bids reads it once).
    public func openedBids(of tender: Tender, by actor: Actor?) async throws -> [OpenedBid] {
        let tenderID = tender.id
        guard tender.isOpened else {
            throw DomainError.forbidden(tender.periods.map { "bids are sealed until they are opened at the tendering deadline (\(WorkingCalendar().describe($0.tenderEnd)), Beijing time)" }
                                        ?? "bids are sealed until they are opened at the tendering deadline")
        }
        let policyAllows = Policy.decide(actor, .readOpenedProposals, try await identity.resource(of: tender.buyerID)) == .allow
        var (opened, mayReadProposals) = try await database.read { connection in
            let opened = try await BidStore(connection: connection, logger: database.logger).openedBids(tenderID: tenderID)
            // Evaluators read the proposals they score once they have declared their independence.
            var seat: PanelMember?
            if let actor {
                seat = try await EvaluationStore(connection: connection, logger: database.logger).member(tenderID: tenderID, userID: actor.userID, forUpdate: false)
            }
            return (opened, policyAllows || seat?.status == .independent)
        }
        if !mayReadProposals {
            for index in opened.indices {
                opened[index].proposal = nil
                opened[index].documents = []
            }
        }
        return opened
    }

    // MARK: Opening (the worker's)

    /// Opens every standing bid of a tender inside the worker's transaction; returns the count per lot.
    /// A bid that fails to decrypt or to match its commitment is left sealed and recorded as tampered.
    func open(_ tender: Tender, on connection: PostgresConnection) async throws -> [UUID: Int] {
        let bids = BidStore(connection: connection, logger: database.logger)
        var counts: [UUID: Int] = [:]
        for bid in try await bids.bidsForUpdate(tenderID: tender.id) where bid.status == .submitted {
            guard let sealed = bid.sealed,
                  let payload = try? sealer.open(sealed, tender: tender.id, bid: bid.id, version: bid.version),
                  let decoded = try? JSONDecoder().decode(SealedPayload.self, from: payload),
                  SealedPayload.commitment(payload: payload, tender: tender.id, lot: bid.lotID, bidder: bid.bidderID, version: bid.version,
                                           at: bid.submittedAt) == bid.commitment else {
                database.logger.error("bid \(bid.id.lowercased) of tender \(tender.reference) does not open to its commitment")
                try await audit(bid, "bid.unopenable", actor: .system, connection)
                continue
            }
            try await bids.setOpened(bidID: bid.id, price: decoded.content.price, payload: String(decoding: payload, as: UTF8.self))
            try await audit(bid, "bid.opened", actor: .system, connection)
            counts[bid.lotID, default: 0] += 1
        }
        return counts
    }

    // MARK: Rules

    private func facts(of organisationID: UUID) async throws -> SupplierFacts {
        SupplierFacts(standing: try await identity.standing(of: organisationID), stage: try await incubation.stage(of: organisationID))
    }

    /// The tender (locked for share: the worker cannot open it meanwhile) and the lot.
    private func biddable(_ tenderID: UUID, _ lotID: UUID, _ connection: PostgresConnection) async throws -> (Tender, Lot) {
        guard let tender = try await TenderStore(connection: connection, logger: database.logger).tender(id: tenderID, lock: .forShare),
              tender.status != .draft else {
            throw DomainError.notFound("no tender has id \(tenderID.lowercased)")
        }
        guard let lot = tender.lots.first(where: { $0.id == lotID }) else { throw DomainError.notFound("the tender has no lot \(lotID.lowercased)") }
        return (tender, lot)
    }

    private func closed(_ tender: Tender, at now: Date) -> DomainError {
        let calendar = WorkingCalendar()
        guard let periods = tender.periods, tender.status != .cancelled else {
            return .conflict("the tender is \(tender.status) and takes no bids")
        }
        return now < periods.enquiryEnd
            ? .conflict("bids are taken from \(calendar.describe(periods.enquiryEnd)) (Beijing time), when the enquiry period ends")
            : .conflict("bids closed at \(calendar.describe(periods.tenderEnd)) (Beijing time)")
    }

    private func checkOpenForBids(_ tender: Tender, _ lot: Lot, _ facts: SupplierFacts, _ content: BidContent, at now: Date) throws {
        guard tender.acceptsBids(at: now) else { throw closed(tender, at: now) }
        guard lot.status == .active else { throw DomainError.conflict("lot \(lot.number) is \(lot.status)") }
        if let problem = tender.eligibilityProblem(facts, today: WorkingCalendar().dayKey(now)) {
            throw DomainError(.forbidden, "\(facts.standing.organisation.nameZh) may not bid: \(problem.message)", fields: [problem])
        }
        if !tender.terms.bidsMayExceedBudget && content.price > lot.budget {
            throw DomainError.invalid([FieldError("price", "is more than the lot's budget of \(lot.budget.formatted)")])
        }
    }

    /// Seals `content` as the next version of the bid and records its receipt.
    private func seal(_ content: BidContent, existing: StoredBid?, tender: Tender, lotID: UUID, bidderID: UUID, action: BidReceipt.Action,
                      at now: Date, _ bids: BidStore, actor: Actor, _ connection: PostgresConnection) async throws -> BidReceipt {
        let id = existing?.id ?? UUID.v7(at: now)
        let version = (existing?.version ?? 0) + 1
        let references = try await references(content.documents, bidderID: bidderID, allowRetired: action == .confirmed, connection)
        let payload = SealedPayload(content, references: references).encoded()
        let commitment = SealedPayload.commitment(payload: payload, tender: tender.id, lot: lotID, bidder: bidderID, version: version, at: now)
        let bid = StoredBid(id: id, tenderID: tender.id, lotID: lotID, bidderID: bidderID, status: .submitted, version: version,
                            termsVersion: tender.termsVersion, sealed: try sealer.seal(payload, tender: tender.id, bid: id, version: version),
                            commitment: commitment, submittedAt: now)
        if existing == nil { try await bids.insert(bid) } else { try await bids.update(bid) }
        let receipt = BidReceipt(commitment: commitment, bidID: id, tenderID: tender.id, lotID: lotID, version: version, action: action, submittedAt: now)
        try await bids.insert(receipt)
        try await audit(bid, "bid.\(action.rawValue)", actor: actor, connection)
        return receipt
    }

    /// The cited documents with their digests: each of the bidder's own library, and not retired
    /// (unless a bid made before is only being confirmed).
    private func references(_ ids: [UUID], bidderID: UUID, allowRetired: Bool, _ connection: PostgresConnection) async throws -> [DocumentReference] {
        guard !ids.isEmpty else { return [] }
        let found = try await SupplierStore(connection: connection, logger: database.logger).documents(ids: ids)
        var problems: [FieldError] = []
        let references = ids.enumerated().compactMap { index, id -> DocumentReference? in
            guard let document = found.first(where: { $0.id == id }), document.organisationID == bidderID,
                  allowRetired || document.retiredAt == nil else {
                problems.append(FieldError("documents[\(index)]", "is not a document of your organisation's library"))
                return nil
            }
            return DocumentReference(id: id, sha256: document.sha256)
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        return references
    }

    private func audit(_ bid: StoredBid, _ action: String, actor: Actor, _ connection: PostgresConnection) async throws {
        let state = AuditState(bidID: bid.id, tenderID: bid.tenderID, lotID: bid.lotID, bidderID: bid.bidderID, version: bid.version,
                               status: bid.status, commitment: bid.commitment)
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("bid", bid.id), before: nil as AuditState?, after: state, at: clock.now())
    }
}
