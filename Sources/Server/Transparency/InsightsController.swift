import Core
import Foundation
import Hummingbird
import NIOFoundationCompat
import Tabular
import Incubation
import Transparency

/// The public dashboards: spend, outcomes, satisfaction and concentration, as server-drawn SVG charts
/// with the same figures in a table and as CSV. The rows are `InsightRows`', which the API gives too.
struct InsightsController {
    let rows: InsightRows
    let incubation: IncubationService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/insights", use: show)
        router.get("/insights/:chart", use: csv)
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let insights = try await rows.insights(for: context.actor)
        let say: (String) -> String = { views.text($0, context) }
        var sections: [InsightsPage.Section] = []
        for chart in InsightRows.charts {
            let all = try await rows.rows(chart, of: insights, in: context.language)
            let title = say("insights_\(chart)")
            // The incubation funnel is drawn as on the incubator's board.
            let svg = chart == "funnel"
                ? IncubatorController.funnelChart(try await incubation.funnel(), title: title, label: { say("stage_\($0.rawValue)") })
                : BarChart(rows: InsightsPage.shown(all).map {
                    BarChart.Row(label: $0.label, value: $0.value, valueText: $0.figure, secondary: chart == "satisfaction" ? nil : $0.second)
                }, title: title).svg()
            sections.append(InsightsPage.section(chart, all: all, svg: svg, say: say))
        }
        let page = InsightsPage(sections: sections, awarded: Money(minorUnits: insights.awarded).formatted)
        return views.page("transparency/insights", title: say("insights_title"), model: page, request: request, context: context)
    }

    /// `/insights/<chart>.csv`: the chart's rows as a spreadsheet.
    func csv(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = context.parameters.get("chart") ?? ""
        guard name.hasSuffix(".csv"), InsightRows.charts.contains(String(name.dropLast(4))) else { throw DomainError.notFound("no such chart") }
        let rows = try await rows.rows(String(name.dropLast(4)), of: try await rows.insights(for: context.actor), in: context.language)
        // Through the one CSV writer, which neutralises cells that Excel would run as formulas (names are the public's to choose).
        let table = Table(header: ["label", "value", "figure", "second"],
                          rows: rows.map { [$0.label, String($0.value), $0.figure, $0.second.map(String.init) ?? ""] })
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                        body: .init(byteBuffer: ByteBuffer(data: CSVFile.write(table))))
    }
}
