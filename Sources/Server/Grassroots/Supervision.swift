import Catalogue
import Core
import Foundation
import Grassroots
import Identity

/// The supervision report with the names of its areas, items and sites, as the page, its CSV and the API show it.
struct SupervisionTables {
    struct Row {
        /// A jurisdiction's code, an item's code or a site's code.
        let code: String
        let nameZh: String
        let nameEn: String
        /// The site's id (site rows only).
        let siteID: UUID?
        let figures: SupervisionFigures

        func name(_ language: Language) -> String { language == .zh || nameEn.isEmpty ? nameZh : nameEn }
    }

    let jurisdiction: Jurisdiction
    let year: Int
    let total: SupervisionFigures
    let areas: [Row]
    let items: [Row]
    let sites: [Row]

    static func build(_ report: SupervisionReport, jurisdiction: Jurisdiction, identity: IdentityService, catalogue: ServiceItemService,
                      sites: SiteService) async throws -> SupervisionTables {
        let jurisdictions = Dictionary(try await identity.jurisdictions().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let items = Dictionary(try await catalogue.items(ids: report.items.map(\.itemID)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let named = try await sites.sites(ids: report.sites.map(\.siteID))
        let siteRows = report.sites.compactMap { row in
            named[row.siteID].map { Row(code: $0.content.code, nameZh: $0.content.nameZh, nameEn: $0.content.nameEn, siteID: $0.id, figures: row.figures) }
        }
        return SupervisionTables(
            jurisdiction: jurisdiction, year: report.year, total: report.total,
            areas: report.areas.map { area in
                // Cases of the jurisdiction's own sites (the county centre) have no area below it.
                let place = area.jurisdictionID.flatMap { jurisdictions[$0] } ?? jurisdiction
                return Row(code: place.code, nameZh: place.nameZh, nameEn: place.nameEn, siteID: nil, figures: area.figures)
            }.sorted { $0.code < $1.code },
            items: report.items.map { Row(code: $0.code, nameZh: items[$0.itemID]?.content.nameZh ?? "", nameEn: items[$0.itemID]?.content.nameEn ?? "",
                                          siteID: nil, figures: $0.figures) },
            sites: siteRows)
    }

    /// The areas, items and sites as CSV (UTF-8 with a BOM, for Excel), one section after the other.
    func csv(language: Language, say: (String) -> String) -> Data {
        func cell(_ text: String) -> String { text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text }
        func percent(_ value: Int?) -> String { value.map(String.init) ?? "" }
        let header = ["supervision_kind", "supervision_code", "supervision_name", "supervision_registered", "supervision_settled", "supervision_onTimeRate",
                      "supervision_refused", "supervision_reopened", "supervision_open", "supervision_late", "supervision_satisfactionRate", "supervision_atVillage",
                      "supervision_atTown", "supervision_atCounty"].map(say)
        var lines = [header.map(cell).joined(separator: ",")]
        for (kind, rows) in [("supervision_area", areas), ("supervision_item", items), ("supervision_site", sites)] {
            for row in rows {
                let f = row.figures
                lines.append(([say(kind), row.code, row.name(language), String(f.registered), String(f.settled), percent(f.onTimeRate), String(f.refused),
                               String(f.reopened), String(f.open), String(f.late), percent(f.satisfactionRate), percent(f.settledShare(.villageStation)),
                               percent(f.settledShare(.townCentre)), percent(f.settledShare(.countyCentre))]).map(cell).joined(separator: ","))
            }
        }
        return Data("\u{FEFF}".utf8) + Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }
}

/// The supervision page (`/requests/supervision`): the filters, the totals, a chart of the on-time rate per area, and
/// the tables per area, item and site.
struct SupervisionPage {
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }
    struct Line {
        let code: String
        let name: String
        let href: String?
        let registered: Int
        let settled: Int
        let onTimeRate: String
        let refused: Int
        let reopened: Int
        let open: Int
        let late: Int
        let satisfactionRate: String
        let atVillage: String
        let atTown: String
        let atCounty: String
        /// Items only: the risk grade and the share of approvals re-checked, with the form's choices.
        let risk: String?
        let grades: [Option]
        let samplePercent: Int
    }
    let jurisdictions: [Option]
    let years: [Option]
    let place: String
    let year: Int
    let total: Line
    let chart: String
    let areas: [Line]
    let items: [Line]
    let sites: [Line]
    let csvQuery: String
    let jurisdictionCode: String
    let mayGradeRisks: Bool

    static func model(_ tables: SupervisionTables, jurisdictions: [Jurisdiction], years: ClosedRange<Int>, risks: [ItemRisk], mayGradeRisks: Bool,
                      language: Language, say: (String) -> String) -> SupervisionPage {
        func percent(_ value: Int?) -> String { value.map { "\($0)%" } ?? "—" }
        func line(_ row: SupervisionTables.Row, href: String?, item: Bool = false) -> Line {
            let f = row.figures
            let risk = item ? risks.first { $0.itemCode == row.code } : nil
            return Line(code: row.code, name: row.name(language), href: href, registered: f.registered, settled: f.settled, onTimeRate: percent(f.onTimeRate),
                        refused: f.refused, reopened: f.reopened, open: f.open, late: f.late, satisfactionRate: percent(f.satisfactionRate),
                        atVillage: percent(f.settledShare(.villageStation)), atTown: percent(f.settledShare(.townCentre)),
                        atCounty: percent(f.settledShare(.countyCentre)),
                        risk: risk.map { say("riskGrade_\($0.grade.rawValue)") + ($0.grade == .high ? " · \($0.samplePercent)%" : "") },
                        grades: RiskGrade.allCases.map { Option(value: $0.rawValue, label: say("riskGrade_\($0.rawValue)"), selected: $0 == (risk?.grade ?? .normal)) },
                        samplePercent: risk?.samplePercent ?? 0)
        }
        let place = language == .zh ? tables.jurisdiction.nameZh : tables.jurisdiction.nameEn
        let chart = BarChart(rows: tables.areas.map {
            BarChart.Row(label: $0.name(language), value: Int64($0.figures.onTimeRate ?? 0), valueText: percent($0.figures.onTimeRate))
        }, title: say("supervision_chart")).svg()
        return SupervisionPage(
            jurisdictions: jurisdictions.filter { $0.tier != .community }.sorted { $0.code < $1.code }.map {
                Option(value: $0.code, label: ($0.tier == .street ? "　" : "") + (language == .zh ? $0.nameZh : $0.nameEn),
                       selected: $0.code == tables.jurisdiction.code)
            },
            years: years.reversed().map { Option(value: String($0), label: String($0), selected: $0 == tables.year) },
            place: place, year: tables.year,
            total: line(SupervisionTables.Row(code: tables.jurisdiction.code, nameZh: tables.jurisdiction.nameZh, nameEn: tables.jurisdiction.nameEn,
                                              siteID: nil, figures: tables.total), href: nil),
            chart: chart,
            areas: tables.areas.map { line($0, href: $0.code == tables.jurisdiction.code ? nil : "/requests/supervision?jurisdiction=\($0.code)&year=\(tables.year)") },
            items: tables.items.map { line($0, href: nil, item: true) },
            sites: tables.sites.map { line($0, href: $0.siteID.map { "/sites/\($0.lowercased)/requests?scope=overdue" }) },
            csvQuery: "jurisdiction=\(tables.jurisdiction.code)&year=\(tables.year)", jurisdictionCode: tables.jurisdiction.code,
            mayGradeRisks: mayGradeRisks)
    }
}
