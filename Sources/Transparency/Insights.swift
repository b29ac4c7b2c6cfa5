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

    func computeInsights() async throws -> Insights {
        var byCategory: [String: Int64] = [:], byJurisdiction: [UUID: Int64] = [:], byYear: [Int: (Int64, Int64)] = [:], bySupplier: [UUID: Int64] = [:]
        var outcomes: [Insights.Bar] = [], satisfaction: [Insights.Bar] = []
        var buyers: [UUID: Organisation] = [:]
        var before: UUID?
        while true {
            let page = try await tenders.tenders(TenderQuery(before: before, limit: 100), by: nil)
            let batch = try await facts(of: page.filter { [.awarded, .complete].contains($0.status) })
            let contractIDs = batch.flatMap { $0.contracts.map(\.contract.id) }
            let measuredOutcomes = try await contracts.outcomes(of: contractIDs)
            let surveys = try await contracts.satisfaction(of: contractIDs)
            for facts in batch {
                let tender = facts.tender
                if buyers[tender.buyerID] == nil { buyers[tender.buyerID] = try await identity.organisation(id: tender.buyerID) }
                for award in facts.awards {
                    guard let value = award.value?.minorUnits, let supplier = award.supplierID,
                          let lot = tender.lots.first(where: { $0.id == award.lotID }) else { continue }
                    let code = String(facts.lines[lot.purchaseLineID]?.content.catalogueCode.prefix(1) ?? "?")
                    byCategory[code, default: 0] += value
                    if let jurisdiction = buyers[tender.buyerID]?.jurisdictionID { byJurisdiction[jurisdiction, default: 0] += value }
                    // By budget year: the year of the purchase line the money is from, not the day it was awarded.
                    if let year = facts.lines[lot.purchaseLineID]?.content.year { byYear[year, default: (0, 0)].0 += value }
                    bySupplier[supplier, default: 0] += value
                }
                for contract in facts.contracts {
                    let paid = contract.claims.filter { $0.status == .paid }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
                        - contract.recoveries.filter { $0.status == .repaid }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
                    if let year = facts.lines[contract.contract.purchaseLineID]?.content.year { byYear[year, default: (0, 0)].1 += paid }
                    let measured = (measuredOutcomes[contract.contract.id] ?? []).filter { $0.decision != nil }
                    if !measured.isEmpty {
                        let target = measured.reduce(0) { $0 + $1.targets.values.reduce(0, +) }
                        let verified = measured.reduce(0) { $0 + $1.verified.values.reduce(0, +) }
                        outcomes.append(.init(key: contract.contract.reference, label: contract.contract.title, value: Int64(verified), secondary: Int64(target)))
                    }
                    if let survey = surveys[contract.contract.id], let satisfied = survey.satisfied {
                        satisfaction.append(.init(key: contract.contract.reference, label: contract.contract.title, value: Int64(satisfied.hundredths),
                                                  secondary: Int64(survey.answers)))
                    }
                }
            }
            guard page.count == 100, let last = page.last else { break }
            before = last.id
        }
        let jurisdictions = Dictionary(uniqueKeysWithValues: try await identity.jurisdictions().map { ($0.id, $0) })
        let suppliers = try await identity.organisations(ids: Set(bySupplier.keys))
        let ranked = bySupplier.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.uuidString < $1.key.uuidString }
        var top = ranked.prefix(5).map { Insights.Bar(key: $0.key.lowercased, label: suppliers[$0.key]?.nameZh ?? "", value: $0.value) }
        let rest = ranked.dropFirst(5).reduce(Int64(0)) { $0 + $1.value }
        if rest > 0 { top.append(.init(key: "others", label: "", value: rest)) }
        return Insights(
            spendByCategory: byCategory.sorted { $0.key < $1.key }.map { .init(key: $0.key, label: $0.key, value: $0.value) },
            spendByJurisdiction: byJurisdiction.sorted { $0.value > $1.value }.map { .init(key: $0.key.lowercased, label: jurisdictions[$0.key]?.nameZh ?? "", value: $0.value) },
            spendByYear: byYear.sorted { $0.key < $1.key }.map { .init(key: String($0.key), label: String($0.key), value: $0.value.0, secondary: $0.value.1) },
            outcomes: outcomes.sorted { $0.key < $1.key }, satisfaction: satisfaction.sorted { $0.key < $1.key }, topSuppliers: top,
            awarded: bySupplier.values.reduce(0, +))
    }
}
