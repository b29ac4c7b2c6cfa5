import Algorithms
import Core
import Delivery
import Foundation
import Identity
import Payments
import Tendering

/// A pattern overseers look at twice (DOMAIN.md §5). Each says what it saw, in words and in values for
/// the page's language, and links to its evidence.
public struct RedFlag: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case singleBidder = "single_bidder"
        case dominantSupplier = "dominant_supplier"
        case abnormallyLowAccepted = "abnormally_low_accepted"
        case latePublication = "late_publication"
        case paymentBeforeSignOff = "payment_before_sign_off"
        case splitPurchase = "split_purchase"
    }
    public var kind: Kind
    /// The buyer whose purchase it concerns.
    public var buyerID: UUID
    /// Values for the sentence, in order.
    public var values: [String]
    public var english: String
    /// Where the evidence is, as a page path.
    public var evidence: String
    /// The record the flag is about, as its audit trail names it ("tender", "contract", …).
    public var subjectType: String
    public var subjectID: UUID
    /// Whether the reader may open a monitoring case on it (set for the actor by `redFlags(for:)`).
    public var mayOpenCase = false
    /// Names the flag in a reading, for paging: its kind and subject (and its place among the subject's flags of that kind).
    public var key = ""

    /// Where the same evidence is in the JSON API.
    public var evidenceAPI: String {
        let id = subjectID.lowercased
        return switch kind {
        case .singleBidder: "/api/v1/tenders/\(id)/bids"
        case .abnormallyLowAccepted: "/api/v1/tenders/\(id)/evaluation"
        case .dominantSupplier: "/api/v1/organisations/\(id)"
        case .latePublication, .paymentBeforeSignOff: "/api/v1/contracts/\(id)"
        case .splitPurchase: "/api/v1/purchase-lines/\(id)"
        }
    }
}

/// The thresholds of the red flags, in one place.
public struct RedFlagRules: Sendable {
    /// A supplier winning at least this share of a buyer's awarded value in a year (basis points)…
    public var dominantShare = 5000
    /// …among at least this many awards of that buyer that year.
    public var dominantMinimumAwards = 3
    /// The amount above which a purchase must be tendered openly: lines just under it look split.
    public var splitThreshold = Money.yuan(200_000)
    /// "Just under": within this share under the threshold (basis points).
    public var splitMargin = 1500

    public init() {}
}

/// The red flags as pure functions of the public record, so each can be tested on its own.
public enum RedFlagRulebook {
    /// Lots awarded when only one bid was opened for them.
    static func singleBidder(_ tender: Tender, awards: [Award], bids: [OpenedBid]) -> [RedFlag] {
        awards.compactMap { award in
            guard award.bidID != nil, let lot = tender.lots.first(where: { $0.id == award.lotID }),
                  bids.filter({ $0.lotID == award.lotID }).count == 1 else { return nil }
            return RedFlag(kind: .singleBidder, buyerID: tender.buyerID, values: [tender.reference, String(lot.number)],
                           english: "\(tender.reference) lot \(lot.number) was awarded on a single bid", evidence: "/tenders/\(tender.id.lowercased)",
                           subjectType: "tender", subjectID: tender.id)
        }
    }

    /// Awards of a price flagged as abnormally low against the lot's other bids.
    static func abnormallyLowAccepted(_ tender: Tender, awards: [Award], bids: [OpenedBid]) -> [RedFlag] {
        awards.compactMap { award in
            guard let bid = bids.first(where: { $0.id == award.bidID }), let flag = AbnormalPrice.check(bid, among: bids),
                  let lot = tender.lots.first(where: { $0.id == award.lotID }) else { return nil }
            let under = flag.percentUnderMean.map { "\($0) % under the others' mean" } ?? flag.percentUnderNext.map { "\($0) % under the next price" } ?? ""
            return RedFlag(kind: .abnormallyLowAccepted, buyerID: tender.buyerID,
                           values: [tender.reference, String(lot.number), bid.price.formatted, String(flag.percentUnderMean ?? flag.percentUnderNext ?? 0)],
                           english: "\(tender.reference) lot \(lot.number) was awarded at \(bid.price.formatted), \(under)",
                           evidence: "/tenders/\(tender.id.lowercased)/evaluation", subjectType: "tender", subjectID: tender.id)
        }
    }

    /// Per buyer and year: a supplier with at least the rule's share of the awarded value, among at least the rule's
    /// number of awards (the shares are summed by SQL, over every award; this says which of them are flagged, and how).
    static func dominantSuppliers(_ shares: [SupplierShare], rules: RedFlagRules) -> [RedFlag] {
        shares.filter { $0.buyerAwards >= rules.dominantMinimumAwards && $0.buyerTotal > 0 && $0.won * 10_000 >= Int128(rules.dominantShare) * $0.buyerTotal }
            .sorted { ($0.buyerID.lowercased, $0.year, $0.supplierID.uuidString) < ($1.buyerID.lowercased, $1.year, $1.supplierID.uuidString) }
            .map { share in
                let percent = Int(clamping: share.won * 100 / share.buyerTotal)
                let won = Money(minorUnits: Int64(clamping: share.won)).formatted
                return RedFlag(kind: .dominantSupplier, buyerID: share.buyerID,
                               values: [share.supplierID.lowercased, String(percent), String(share.year), won],
                               english: "one supplier won \(percent) % (\(won)) of the buyer's awarded value in \(share.year)",
                               evidence: "/organisations/\(share.supplierID.lowercased)", subjectType: "organisation", subjectID: share.supplierID)
            }
    }

    /// Signed contracts published after the deadline, or still unpublished past it.
    static func latePublication(_ contract: Contract, now: Date, calendar: WorkingCalendar) -> RedFlag? {
        // A deadline the calendar cannot count (its year not loaded) is not called missed.
        guard let deadline = try? contract.missedPublicationDeadline(now: now, calendar: calendar) else { return nil }
        let days = daysLate(calendar, from: deadline, to: contract.publishedAt ?? now)
        return RedFlag(kind: .latePublication, buyerID: contract.buyerID,
                       values: [contract.reference, calendar.describe(deadline), contract.publishedAt.map(calendar.describe) ?? "", days],
                       english: "\(contract.reference) was due for publication by \(calendar.describe(deadline)) and "
                           + (contract.publishedAt.map { "was published \(calendar.describe($0))" } ?? "is not published"),
                       evidence: "/contracts/\(contract.id.lowercased)", subjectType: "contract", subjectID: contract.id)
    }

    /// Working days from the deadline to `end`. Where the count runs into a year the calendar does not hold,
    /// the days it can count, as "≥n": the flag stands, its size is not guessed.
    static func daysLate(_ calendar: WorkingCalendar, from deadline: Date, to end: Date) -> String {
        if let days = try? calendar.workingDays(from: deadline, to: end) { return String(days) }
        var counted = 0
        while let next = try? calendar.close(ofWorkingDay: counted + 1, after: deadline), calendar.dayKey(next) <= calendar.dayKey(end) { counted += 1 }
        return "≥\(counted)"
    }

    /// Payments dated before the claim they pay, and so before the sign-off the claim rests on.
    static func paymentsBeforeSignOff(_ contract: Contract, claims: [Claim], calendar: WorkingCalendar) -> [RedFlag] {
        claims.compactMap { claim in
            guard claim.status == .paid, let paidOn = claim.paidOn, paidOn < calendar.dayKey(claim.claimedAt) else { return nil }
            return RedFlag(kind: .paymentBeforeSignOff, buyerID: contract.buyerID, values: [contract.reference, String(claim.number), paidOn, calendar.dayKey(claim.claimedAt)],
                           english: "\(contract.reference) claim \(claim.number) is recorded as paid on \(paidOn), before it was claimed on a sign-off (\(calendar.dayKey(claim.claimedAt)))",
                           evidence: "/contracts/\(contract.id.lowercased)", subjectType: "contract", subjectID: contract.id)
        }
    }

    /// A buyer's lines of one catalogue code and year, each just under the threshold, together above it.
    static func splitPurchases(_ lines: [PurchaseLine], rules: RedFlagRules) -> [RedFlag] {
        let threshold = rules.splitThreshold.minorUnits
        let floor = threshold - threshold * Int64(rules.splitMargin) / 10_000
        let near = lines.filter { $0.content.budget.minorUnits >= floor && $0.content.budget.minorUnits < threshold }
        let groups = Dictionary(grouping: near) { "\($0.buyerID.lowercased) \($0.content.year) \($0.content.catalogueCode)" }
        return groups.keys.sorted().compactMap { key in
            let group = groups[key]!.sorted { $0.content.reference < $1.content.reference }
            let total = group.reduce(Int64(0)) { $0 + $1.content.budget.minorUnits }
            guard group.count >= 2, total >= threshold else { return nil }
            let references = group.map(\.content.reference).joined(separator: ", ")
            return RedFlag(kind: .splitPurchase, buyerID: group[0].buyerID,
                           values: [references, group[0].content.catalogueCode, rules.splitThreshold.formatted, Money(minorUnits: total).formatted],
                           english: "lines \(references) (\(group[0].content.catalogueCode)) are each just under \(rules.splitThreshold.formatted) and together \(Money(minorUnits: total).formatted)",
                           evidence: "/purchase-lists?year=\(group[0].content.year)", subjectType: "purchase_line", subjectID: group[0].id)
        }
    }
}

extension TransparencyService {
    /// The red flags the actor may read: those of the buyers in an overseer's jurisdiction and below it, every
    /// one for administrators; each says whether the actor may open a monitoring case on it. A visitor is
    /// refused (401) and so is anyone who may read no buyer's flags (403), before anything is read. The
    /// whole reading is reused for the service's summary lifetime; who sees what of it is decided each time.
    public func redFlags(for actor: Actor?) async throws -> [RedFlag] {
        try Policy.authorize(actor, .readRedFlags, Resource(jurisdictionPath: actor?.jurisdictionPath ?? []))
        let all = try await flagReadings.value { [self] in try await allRedFlags() }
        var resources: [UUID: Resource] = [:]
        var visible: [RedFlag] = []
        for var flag in all {
            let buyer: Resource
            if let known = resources[flag.buyerID] { buyer = known } else { buyer = try await identity.resource(of: flag.buyerID) }
            resources[flag.buyerID] = buyer
            guard Policy.decide(actor, .readRedFlags, buyer) == .allow else { continue }
            flag.mayOpenCase = Policy.decide(actor, .monitor, buyer) == .allow
            visible.append(flag)
        }
        return visible
    }

    /// Every red flag in the record now, newest purchases first within each kind, for nobody in particular:
    /// `redFlags(for:)` decides who sees which. SQL picks the few records a flag may concern (over indexed columns and the
    /// counts each lot keeps); the rulebook decides on those records, so each rule is written once.
    func allRedFlags(rules: RedFlagRules = RedFlagRules()) async throws -> [RedFlag] {
        let calendar = try await tenders.calendar()
        let now = clock.now()
        async let onTenders = tenderFlags()
        async let shares = awards.supplierShares(calendar: calendar, minimumAwards: rules.dominantMinimumAwards, shareBasisPoints: rules.dominantShare)
        async let onContracts = contractFlags(calendar: calendar, now: now)
        let threshold = rules.splitThreshold.minorUnits
        async let nearThreshold = lists.lines(budgetFrom: Money(minorUnits: threshold - threshold * Int64(rules.splitMargin) / 10_000), below: rules.splitThreshold)
        var flags = try await onTenders
        flags += RedFlagRulebook.dominantSuppliers(try await shares, rules: rules)
        flags += try await onContracts
        flags += RedFlagRulebook.splitPurchases(try await nearThreshold, rules: rules)
        var seen: [String: Int] = [:]
        for index in flags.indices {
            let base = "\(flags[index].kind.rawValue)-\(flags[index].subjectID.lowercased)"
            let earlier = seen[base, default: 0]
            seen[base] = earlier + 1
            flags[index].key = earlier == 0 ? base : "\(base)-\(earlier)"
        }
        return flags
    }

    /// Lots awarded on a single bid, and abnormally low prices accepted, in the tenders that may hold one; newest first.
    private func tenderFlags() async throws -> [RedFlag] {
        var flags: [RedFlag] = []
        for batch in try await awards.tendersWithAwardsToCheck().chunks(ofCount: 500) {
            let decided = try await tenders.publishedTenders(ids: Array(batch)).filter { [.awarded, .complete].contains($0.status) }
            let awarded = Dictionary(grouping: try await awards.publicAwards(of: decided.map(\.id)), by: \.tenderID)
            let opened = try await bids.publicOpenedBids(tenderIDs: decided.map(\.id))
            for tender in decided {
                flags += RedFlagRulebook.singleBidder(tender, awards: awarded[tender.id] ?? [], bids: opened[tender.id] ?? [])
                flags += RedFlagRulebook.abnormallyLowAccepted(tender, awards: awarded[tender.id] ?? [], bids: opened[tender.id] ?? [])
            }
        }
        return flags
    }

    /// Contracts published late or not at all, and payments dated before their claims, oldest contract first. The late
    /// and the unpublished are read as the platform (the public does not see the unpublished).
    private func contractFlags(calendar: WorkingCalendar, now: Date) async throws -> [RedFlag] {
        async let possiblyLate = contracts.contractsPossiblyPublishedLate(now: now)
        let paidEarly = try await payments.contractsPaidBeforeClaimed(calendar: calendar)
        var flags: [RedFlag] = []
        for contract in try await possiblyLate {
            if let late = RedFlagRulebook.latePublication(contract, now: now, calendar: calendar) { flags.append(late) }
        }
        for batch in paidEarly.chunks(ofCount: 500) {
            let claims = try await payments.money(of: Array(batch)).claims
            for contract in try await contracts.signedContracts(ids: Array(batch)) {
                flags += RedFlagRulebook.paymentsBeforeSignOff(contract, claims: claims[contract.id] ?? [], calendar: calendar)
            }
        }
        return flags
    }

    /// A page of the red flags the actor may read (as `redFlags(for:)`), kind by kind: at most `limit` after the flag
    /// whose key is `after` (a key naming none starts again from the first), with how many there are of each kind in all.
    public func redFlags(for actor: Actor?, after: String?, limit: Int) async throws -> (page: [RedFlag], counts: [RedFlag.Kind: Int]) {
        let order = Dictionary(uniqueKeysWithValues: RedFlag.Kind.allCases.enumerated().map { ($1, $0) })
        let all = try await redFlags(for: actor).enumerated().sorted { (order[$0.element.kind]!, $0.offset) < (order[$1.element.kind]!, $1.offset) }.map(\.element)
        let start = after.flatMap { key in all.firstIndex { $0.key == key }.map { $0 + 1 } } ?? 0
        return (Array(all[start...].prefix(limit)), Dictionary(grouping: all, by: \.kind).mapValues(\.count))
    }
}
