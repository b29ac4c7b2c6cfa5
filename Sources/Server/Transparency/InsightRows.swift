import Catalogue
import Core
import Foundation
import Grassroots
import Identity
import Incubation
import Transparency

/// Each dashboard chart's rows as the `/insights` page draws them, its CSV downloads them and the API
/// gives them: one computation, so the three cannot tell different figures. The figures come from
/// `TransparencyService.insights(for:)`, which asks the policy; names come from the catalogue, the
/// incubation funnel from its module, and the few words (a stage, "others") from the locales.
struct InsightRows: Sendable {
    let transparency: TransparencyService
    let catalogue: PurchaseCatalogueService
    let incubation: IncubationService
    /// The grassroots network's aggregates (issue 23): this year's cases per town, where they were settled, site grades.
    let requests: RequestService
    let standards: StandardService
    let identity: IdentityService
    let localisation: Localisation
    /// The network's figures of the year, read once for the three charts that draw them and kept as long as the
    /// insights are (each reading runs the supervision figures of every county: over a second on the province).
    let networkFigures: Recent<[(jurisdictionID: UUID, figures: SupervisionFigures)]>

    static let charts = ["category", "jurisdiction", "year", "outcomes", "satisfaction", "suppliers", "funnel",
                         "requestsOnTime", "requestsSettledAt", "requestsSatisfaction", "siteGrades"]

    struct Row: Sendable, Equatable {
        /// What the row is: a category code, a jurisdiction id, a year, a contract reference, a supplier id or "others", "<year> <stage>".
        var key: String
        var label: String
        /// The figure drawn.
        var value: Int64
        /// The figure as written in the table and the CSV.
        var figure: String
        /// The figure compared with (drawn as an outline bar).
        var second: Int64?
    }

    /// The insights, with the network's figures read beside them (not after): a reading of every chart waits for the
    /// longer of the two.
    func insights(for actor: Actor?) async throws -> Insights {
        async let network = figures()
        let insights = try await transparency.insights(for: actor)
        _ = try await network
        return insights
    }

    private func figures() async throws -> [(jurisdictionID: UUID, figures: SupervisionFigures)] {
        try await networkFigures.value { [requests] in try await requests.publicFigures(year: requests.currentYear()) }
    }

    /// One chart's rows, in the reader's language where a word is not a name.
    func rows(_ chart: String, of insights: Insights, in language: Language) async throws -> [Row] {
        let money = { (fen: Int64) in Money(minorUnits: fen).formatted }
        switch chart {
        case "category":
            let names = Dictionary(try await catalogue.categories().map { ($0.code, $0.nameZh) }, uniquingKeysWith: { a, _ in a })
            return insights.spendByCategory.map { .init(key: $0.key, label: "\($0.key) \(names[$0.key] ?? "")", value: $0.value, figure: money($0.value)) }
        case "jurisdiction":
            return insights.spendByJurisdiction.map { .init(key: $0.key, label: $0.label, value: $0.value, figure: money($0.value)) }
        case "year":
            return insights.spendByYear.map {
                .init(key: $0.key, label: $0.label, value: $0.secondary ?? 0, figure: "\(money($0.secondary ?? 0)) / \(money($0.value))", second: $0.value)
            }
        case "outcomes":
            return insights.outcomes.map { .init(key: $0.key, label: $0.key, value: $0.value, figure: "\($0.value) / \($0.secondary ?? 0)", second: $0.secondary) }
        case "funnel":
            return try await incubation.funnel().map { row in
                .init(key: "\(row.year) \(row.stage.rawValue)", label: "\(row.year) \(localisation.text("stage_\(row.stage.rawValue)", language))",
                      value: Int64(row.entered), figure: "\(row.entered) / \(row.graduated)", second: Int64(row.graduated))
            }
        case "satisfaction":
            return insights.satisfaction.map {
                .init(key: $0.key, label: $0.key, value: $0.value, figure: "\(Points(hundredths: Int($0.value)).formatted) % (\($0.secondary ?? 0))")
            }
        case "suppliers":
            return insights.topSuppliers.map { bar in
                let share = insights.awarded > 0 ? Points(hundredths: Int(clamping: Int128(bar.value) * 10_000 / Int128(insights.awarded))).formatted : "0"
                return .init(key: bar.key, label: bar.key == "others" ? localisation.text("insights_others", language) : bar.label, value: bar.value,
                             figure: "\(money(bar.value)) · \(share) %")
            }
        case "requestsOnTime", "requestsSatisfaction":
            let names = Dictionary(try await identity.jurisdictions().map { ($0.id, language == .zh ? $0.nameZh : $0.nameEn) }, uniquingKeysWith: { a, _ in a })
            return try await figures().compactMap { area in
                let f = area.figures
                let rate = chart == "requestsOnTime" ? f.onTimeRate : f.satisfactionRate
                guard let rate else { return nil }
                return .init(key: area.jurisdictionID.lowercased, label: names[area.jurisdictionID] ?? "", value: Int64(rate),
                             figure: "\(rate) % (\(chart == "requestsOnTime" ? f.settled : f.rated))")
            }.sorted { $0.label < $1.label }
        case "requestsSettledAt":
            var total = SupervisionFigures()
            for area in try await figures() { total.add(area.figures) }
            guard total.settled > 0 else { return [] }
            return [SiteTier.villageStation, .townCentre, .countyCentre].map { tier in
                .init(key: tier.rawValue, label: localisation.text("siteTier_\(tier.rawValue)", language), value: Int64(total.settledShare(tier) ?? 0),
                      figure: "\(total.settledShare(tier) ?? 0) % (\(total.settledAt[tier] ?? 0))")
            }
        case "siteGrades":
            return try await standards.summary(jurisdictionCode: nil).filter { $0.inspected > 0 }.map { standing in
                let share = standing.meets * 100 / standing.inspected
                return .init(key: standing.tier.rawValue, label: localisation.text("siteTier_\(standing.tier.rawValue)", language), value: Int64(share),
                             figure: "\(share) % (\(standing.meets) / \(standing.inspected))")
            }
        default:
            throw DomainError.notFound("no chart is called \(chart)")
        }
    }
}
