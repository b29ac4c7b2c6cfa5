import Core
import Delivery
import Foundation
import Identity
import Payments
import Tendering

/// What the public dashboards show, computed from what the public may read.
public struct Insights: Sendable {
    /// One bar: its key (a code, an id, a year), its label, and its figures.
    public struct Bar: Sendable, Equatable {
        public var key: String
        public var label: String
        public var value: Int64
        /// A second figure where the chart compares two (paid beside awarded, target beside verified).
        public var secondary: Int64?
    }
    /// Awarded value (fen) by the catalogue's top-level category (key: its code).
    public var spendByCategory: [Bar]
    /// Awarded value by the buyer's jurisdiction.
    public var spendByJurisdiction: [Bar]
    /// Awarded value by budget year (the year of the purchase line the lot spends), with what was paid from those lines.
    public var spendByYear: [Bar]
    /// Per published contract: outcomes verified (value) against their targets (secondary), in the metrics' units summed.
    public var outcomes: [Bar]
    /// Per published contract with answers: share rating 4–5 (basis points), with the number of answers.
    public var satisfaction: [Bar]
    /// The five suppliers with the most awarded value, and everyone else as one bar.
    public var topSuppliers: [Bar]
    /// Total awarded value (fen).
    public var awarded: Int64
}

extension TransparencyService {
    /// The dashboards' figures (public: the policy allows every reader, visitors included). The reading is
    /// reused for the service's summary lifetime.
    public func insights(for actor: Actor?) async throws -> Insights {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        return try await insightReadings.value { [self] in try await computeInsights() }
    }

    /// The figures summed by PostgreSQL over indexed columns (`TransparencyStore`'s `awardedSums`, `paidSums`, `outcomeSums`, `satisfactionSums`), named here: the reading
    /// that paged every tender's records through the server took 14 s on the province.
    func computeInsights() async throws -> Insights {
        // Four readings at once, each on its own connection: the answer waits for the longest, not for their sum.
        async let awarded = database.read { try await store($0).awardedSums() }
        async let paid = database.read { try await store($0).paidSums() }
        async let outcomes = database.read { try await store($0).outcomeSums() }
        async let satisfaction = database.read { try await store($0).satisfactionSums() }
        var sums = try await awarded
        sums.paidByYear = try await paid.paidByYear
        sums.outcomes = try await outcomes.outcomes
        sums.satisfaction = try await satisfaction.satisfaction
        let jurisdictions = Dictionary(uniqueKeysWithValues: try await identity.jurisdictions().map { ($0.id, $0) })
        let ranked = sums.bySupplier.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.uuidString < $1.key.uuidString }
        let suppliers = try await identity.organisations(ids: Set(ranked.prefix(5).map(\.key)))
        var top = ranked.prefix(5).map { Insights.Bar(key: $0.key.lowercased, label: suppliers[$0.key]?.nameZh ?? "", value: $0.value) }
        let rest = ranked.dropFirst(5).reduce(Int64(0)) { $0 + $1.value }
        if rest > 0 { top.append(.init(key: "others", label: "", value: rest)) }
        let years = Set(sums.awardedByYear.keys).union(sums.paidByYear.keys).sorted()
        return Insights(
            spendByCategory: sums.byCategory.sorted { $0.key < $1.key }.map { .init(key: $0.key, label: $0.key, value: $0.value) },
            spendByJurisdiction: sums.byJurisdiction.sorted { $0.value > $1.value }
                .map { .init(key: $0.key.lowercased, label: jurisdictions[$0.key]?.nameZh ?? "", value: $0.value) },
            spendByYear: years.map { .init(key: String($0), label: String($0), value: sums.awardedByYear[$0] ?? 0, secondary: sums.paidByYear[$0] ?? 0) },
            outcomes: sums.outcomes.map { .init(key: $0.reference, label: $0.title, value: $0.verified, secondary: $0.target) }.sorted { $0.key < $1.key },
            satisfaction: sums.satisfaction.map { .init(key: $0.reference, label: $0.title, value: Int64($0.satisfied * 10_000 / $0.answers),
                                                        secondary: Int64($0.answers)) }.sorted { $0.key < $1.key },
            topSuppliers: top, awarded: sums.bySupplier.values.reduce(0, +))
    }
}
