import Catalogue
import Core
import Foundation
import Hummingbird
import NIOFoundationCompat
import Tabular
import Incubation
import Transparency

/// The public dashboards: spend, outcomes, satisfaction and concentration, as server-drawn SVG charts
/// with the same figures in a table and as CSV.
struct InsightsController {
    let insights: Recent<Insights>
    let catalogue: PurchaseCatalogueService
    let incubation: IncubationService
    let views: Views

    static let charts = ["category", "jurisdiction", "year", "outcomes", "satisfaction", "suppliers", "funnel"]
    /// The most rows a chart draws on the page.
    static let pageRows = 30

    func register(on router: Router<AppRequestContext>) {
        router.get("/insights", use: show)
        router.get("/insights/:chart", use: csv)
    }

    /// Each chart's rows: label, the figure, its text, the second figure and the CSV's columns.
    private func rows(_ chart: String, _ insights: Insights, _ context: AppRequestContext) async throws -> [BarChart.Row] {
        let money = { (fen: Int64) in Money(minorUnits: fen).formatted }
        switch chart {
        case "category":
            let names = Dictionary(try await catalogue.categories().map { ($0.code, $0.nameZh) }, uniquingKeysWith: { a, _ in a })
            return insights.spendByCategory.map { .init(label: "\($0.key) \(names[$0.key] ?? "")", value: $0.value, valueText: money($0.value)) }
        case "jurisdiction":
            return insights.spendByJurisdiction.map { .init(label: $0.label, value: $0.value, valueText: money($0.value)) }
        case "year":
            return insights.spendByYear.map { .init(label: $0.label, value: $0.secondary ?? 0, valueText: "\(money($0.secondary ?? 0)) / \(money($0.value))", secondary: $0.value) }
        case "outcomes":
            return insights.outcomes.map { .init(label: $0.key, value: $0.value, valueText: "\($0.value) / \($0.secondary ?? 0)", secondary: $0.secondary) }
        case "funnel":
            return try await incubation.funnel().map { row in
                .init(label: "\(row.year) \(views.text("stage_\(row.stage.rawValue)", context))", value: Int64(row.entered),
                      valueText: "\(row.entered) / \(row.graduated)", secondary: Int64(row.graduated))
            }
        case "satisfaction":
            return insights.satisfaction.map { .init(label: $0.key, value: $0.value, valueText: "\(Points(hundredths: Int($0.value)).formatted) % (\($0.secondary ?? 0))") }
        default:
            return insights.topSuppliers.map { bar in
                let share = insights.awarded > 0 ? Points(hundredths: Int(bar.value * 10_000 / insights.awarded)).formatted : "0"
                return .init(label: bar.key == "others" ? views.text("insights_others", context) : bar.label, value: bar.value, valueText: "\(money(bar.value)) · \(share) %")
            }
        }
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let insights = try await insights.value()
        var sections: [[String: Any]] = []
        for chart in Self.charts {
            let all = try await rows(chart, insights, context)
            // Per-contract charts grow with the province: the page draws the largest, the CSV keeps all.
            let rows = all.count > Self.pageRows ? Array(all.sorted { ($0.secondary ?? $0.value) > ($1.secondary ?? $1.value) }.prefix(Self.pageRows)) : all
            let title = views.text("insights_\(chart)", context)
            // The incubation funnel is drawn as on the incubator's board.
            let svg = chart == "funnel"
                ? IncubatorController.funnelChart(try await incubation.funnel(), label: { views.text("stage_\($0.rawValue)", context) })
                : BarChart(rows: rows, title: title).svg()
            sections.append(["key": chart, "title": title, "about": views.text("insights_\(chart)_about", context), "empty": rows.isEmpty,
                             "svg": svg,
                             "rows": rows.map { ["label": $0.label, "value": $0.valueText] },
                             "more": all.count > rows.count ? Views.fill(views.text("insights_more", context), [String(rows.count), String(all.count)]) : ""])
        }
        return views.page("insights", title: views.text("insights_title", context),
                          data: ["sections": sections, "awarded": Money(minorUnits: insights.awarded).formatted], request: request, context: context)
    }

    /// `/insights/<chart>.csv`: the chart's rows as a spreadsheet.
    func csv(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = context.parameters.get("chart") ?? ""
        guard name.hasSuffix(".csv"), Self.charts.contains(String(name.dropLast(4))) else { throw DomainError.notFound("no such chart") }
        let rows = try await rows(String(name.dropLast(4)), try await insights.value(), context)
        // Through the one CSV writer, which neutralises cells that Excel would run as formulas (names are the public's to choose).
        let table = Table(header: ["label", "value", "figure", "second"],
                          rows: rows.map { [$0.label, String($0.value), $0.valueText, $0.secondary.map(String.init) ?? ""] })
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                        body: .init(byteBuffer: ByteBuffer(data: CSVFile.write(table))))
    }
}
