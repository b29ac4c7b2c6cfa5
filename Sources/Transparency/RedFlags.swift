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

    /// Per buyer and year: a supplier with at least the rule's share of the awarded value.
    static func dominantSuppliers(_ awards: [(award: Award, buyerID: UUID, year: Int)], rules: RedFlagRules) -> [RedFlag] {
        var flags: [RedFlag] = []
        let groups = Dictionary(grouping: awards.filter { $0.award.supplierID != nil && $0.award.value != nil }) { "\($0.buyerID.lowercased) \($0.year)" }
        for key in groups.keys.sorted() {
            let group = groups[key]!
            guard group.count >= rules.dominantMinimumAwards else { continue }
            // In Int128, so that no sum of stored awards can trap the reading.
            let total = group.reduce(Int128(0)) { $0 + Int128($1.award.value!.minorUnits) }
            let bySupplier = Dictionary(grouping: group, by: { $0.award.supplierID! }).mapValues { $0.reduce(Int128(0)) { $0 + Int128($1.award.value!.minorUnits) } }
            for (supplier, won) in bySupplier.sorted(by: { $0.key.uuidString < $1.key.uuidString }) where total > 0 && won * 10_000 >= Int128(rules.dominantShare) * total {
                let share = Int(clamping: won * 100 / total)
                flags.append(RedFlag(kind: .dominantSupplier, buyerID: group[0].buyerID,
                                     values: [supplier.lowercased, String(share), String(group[0].year), Money(minorUnits: Int64(clamping: won)).formatted],
                                     english: "one supplier won \(share) % (\(Money(minorUnits: Int64(clamping: won)).formatted)) of the buyer's awarded value in \(group[0].year)",
                                     evidence: "/organisations/\(supplier.lowercased)", subjectType: "organisation", subjectID: supplier))
            }
        }
        return flags
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
    /// `redFlags(for:)` decides who sees which.
    func allRedFlags(rules: RedFlagRules = RedFlagRules()) async throws -> [RedFlag] {
        let calendar = try await tenders.calendar()
        var flags: [RedFlag] = []
        var awardsByBuyer: [(award: Award, buyerID: UUID, year: Int)] = []
        var before: UUID?
        while true {
            let page = try await tenders.tenders(TenderQuery(before: before, limit: 100), by: nil)
            let decidedTenders = page.filter { [.awarded, .complete].contains($0.status) }
            let pageAwards = Dictionary(grouping: try await awards.publicAwards(of: decidedTenders.map(\.id)), by: \.tenderID)
            let pageBids = try await bids.publicOpenedBids(tenderIDs: decidedTenders.map(\.id))
            for tender in decidedTenders {
                let decided = pageAwards[tender.id] ?? []
                let opened = pageBids[tender.id] ?? []
                flags += RedFlagRulebook.singleBidder(tender, awards: decided, bids: opened)
                flags += RedFlagRulebook.abnormallyLowAccepted(tender, awards: decided, bids: opened)
                awardsByBuyer += decided.map { ($0, tender.buyerID, calendar.year(of: $0.decidedAt)) }
            }
            guard page.count == 100, let last = page.last else { break }
            before = last.id
        }
        flags += RedFlagRulebook.dominantSuppliers(awardsByBuyer, rules: rules)
        // Contracts: the late and the unpublished are read as the platform (the public does not see the unpublished).
        for batch in try await contracts.signedContracts().chunks(ofCount: 500) {
            let claims = try await payments.money(of: batch.map(\.id)).claims
            for contract in batch {
                if let late = RedFlagRulebook.latePublication(contract, now: clock.now(), calendar: calendar) { flags.append(late) }
                flags += RedFlagRulebook.paymentsBeforeSignOff(contract, claims: claims[contract.id] ?? [], calendar: calendar)
            }
        }
        flags += RedFlagRulebook.splitPurchases(try await allLines(), rules: rules)
        var seen: [String: Int] = [:]
        for index in flags.indices {
            let base = "\(flags[index].kind.rawValue)-\(flags[index].subjectID.lowercased)"
            let earlier = seen[base, default: 0]
            seen[base] = earlier + 1
            flags[index].key = earlier == 0 ? base : "\(base)-\(earlier)"
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

    private func allLines() async throws -> [PurchaseLine] {
        var result: [PurchaseLine] = []
        var after: PurchaseLine?
        while true {
            let page = try await lists.lines(PurchaseLineQuery(after: after, limit: 500))
            result += page
            guard page.count == 500, let last = page.last else { break }
            after = last
        }
        return result
    }
}
