import Catalogue
import Core
import Foundation
import Identity
import Tendering

/// The purchase lists (`/purchase-lists`): a page of budget lines matching the filters, with totals over every matching
/// line; for a buyer's own staff the line form (as typed when refused, every problem beside its input) and the import,
/// with what an import did or, refused, each problem by row and column.
struct PurchaseListPage {
    struct Row {
        let reference: String
        let year: Int
        let buyer: String
        let code: String
        let title: String
        let targetGroup: String
        let quantity: Int
        let unit: String
        let budget: String
        let funding: String
        let tier: String
    }

    struct Own {
        let id: String
        let name: String
    }

    /// What an import did: its report, or each problem of the refused file.
    struct Imported {
        let filename: String
        let report: ImportPage.Report?
        let isRefused: Bool
        let refused: [ImportPage.RowError]

        static func done(_ report: ImportReport, filename: String) -> Imported {
            Imported(filename: filename, report: ImportPage.Report(created: report.created, updated: report.updated, unchanged: report.unchanged),
                     isRefused: false, refused: [])
        }

        /// A conflict (a line's money depends on what the file changes) names the line in its sentence; other refusals each row and column.
        static func refused(_ error: DomainError, filename: String, message: (Message) -> String) -> Imported {
            let rows = error.kind == .conflict ? [ImportPage.RowError(row: "", column: error.fields.first?.field ?? "", message: message(error.detail))]
                : error.fields.map { field in
                    let (row, column) = CatalogueController.split(field.field)
                    return ImportPage.RowError(row: row, column: column, message: message(field.message))
                }
            return Imported(filename: filename, report: nil, isRefused: true, refused: rows)
        }
    }

    /// The year filter as typed.
    let year: String
    let buyers: [SelectOption]
    let lines: [Row]
    /// Over every matching line, not only the page shown.
    let total: String
    let count: Int
    let pager: Pager
    /// The filters of the download links, when a buyer is chosen.
    let download: String?
    /// The reader's own organisation, when its staff keep its list.
    let own: Own?
    /// The line form's inputs (ids `line-<name>`).
    let line: [String: FormField]
    let fundingSources: [SelectOption]
    let tiers: [SelectOption]
    let imported: Imported?
    let problem: ProblemBlock?

    /// `lines`: the page shown; `buyers` every buyer to filter by; `own` the reader's organisation when it keeps its list.
    static func model(lines: [PurchaseLine], totals: (count: Int, budget: Money), buyers: [Organisation], year: Int?, buyerID: UUID?, own: UUID?,
                      pager: Pager, form: [String: String] = [:], refusal: DomainError? = nil, imported: Imported? = nil, language: Language,
                      say: (String) -> String, message: (Message) -> String) -> PurchaseListPage {
        let names = Dictionary(uniqueKeysWithValues: buyers.map { ($0.id, $0.name(in: language)) })
        let refused = RefusedForm(refusal, prefix: "line", names: PurchaseLineForm.fields, form: form, label: { say("lineField_\($0)") }, message: message)
        return PurchaseListPage(
            year: year.map(String.init) ?? "",
            buyers: buyers.map { SelectOption(value: $0.id.lowercased, label: $0.name(in: language), selected: $0.id == buyerID) },
            lines: lines.map { line in
                let c = line.content
                return Row(reference: c.reference, year: c.year, buyer: names[line.buyerID] ?? "", code: c.catalogueCode, title: c.title,
                           targetGroup: c.targetGroup, quantity: c.quantity, unit: c.unit, budget: c.budget.formatted,
                           funding: say("funding_\(c.fundingSource.rawValue)"), tier: say("tier_\(c.tier.rawValue)"))
            },
            total: totals.budget.formatted, count: totals.count, pager: pager,
            download: buyerID.map { "buyer=\($0.lowercased)" + (year.map { "&year=\($0)" } ?? "") },
            own: own.map { Own(id: $0.lowercased, name: names[$0] ?? "") },
            line: refused.fields,
            fundingSources: FundingSource.allCases.map { SelectOption(value: $0.rawValue, label: say("funding_\($0.rawValue)"), selected: form["fundingSource"] == $0.rawValue) },
            tiers: Tier.allCases.map { SelectOption(value: $0.rawValue, label: say("tier_\($0.rawValue)"), selected: form["tier"] == $0.rawValue) },
            imported: imported, problem: refused.problem)
    }
}

/// The line form as typed, and the line it describes.
struct PurchaseLineForm {
    /// The form's inputs, in the order it shows them (ids `line-<name>`, labels `lineField_<name>`).
    static let fields = ["year", "reference", "catalogueCode", "title", "targetGroup", "quantity", "unit", "budget", "fundingSource", "tier"]

    let values: [String: String]

    init(_ form: FormData) {
        values = Dictionary(uniqueKeysWithValues: Self.fields.map { ($0, form[$0] ?? "") })
    }

    init(values: [String: String]) {
        self.values = values
    }

    /// The line typed, or every problem of the form at once in its order: where a number or choice cannot be read, a stand-in
    /// that passes lets the line's own rules still speak about the other fields.
    func content() throws(DomainError) -> PurchaseLineContent {
        func value(_ name: String) -> String { values[name] ?? "" }
        var check = Validator()
        let year = Int(value("year"))
        check.check(year != nil, "year", "is not a year")
        let quantity = Int(value("quantity"))
        check.check(quantity != nil, "quantity", "must be a whole number")
        let budget = Money.parse(yuan: value("budget"))
        check.check(budget != nil, "budget", "is not an amount in yuan, e.g. 260000 or 260,000.00")
        let funding = FundingSource(rawValue: value("fundingSource"))
        check.check(funding != nil, "fundingSource", "choose where the money comes from")
        let tier = Tier(rawValue: value("tier"))
        check.check(tier != nil, "tier", "choose a tier")
        let content = PurchaseLineContent(
            year: year ?? PurchaseLineContent.years.lowerBound, reference: value("reference"), catalogueCode: value("catalogueCode").uppercased(),
            title: value("title"), targetGroup: value("targetGroup"), quantity: quantity ?? 1, unit: value("unit"),
            budget: budget ?? .yuan(1), fundingSource: funding ?? .generalBudget, tier: tier ?? .street)
        if !check.errors.isEmpty {
            let unread = Set(check.errors.map(\.field))
            let all = check.errors + content.problems.filter { !unread.contains($0.field) }
            func place(_ error: FieldError) -> Int { Self.fields.firstIndex(of: error.field) ?? Self.fields.count }
            throw DomainError.invalid(all.sorted { place($0) < place($1) })
        }
        return content
    }
}
