import Catalogue
import Core
import Foundation
import Grassroots
import Identity

/// An option of a select.
struct SiteOption: Equatable {
    let value: String
    let label: String
    let selected: Bool
}

/// The list of sites (`/sites`): the filters, the counts per tier of everything the jurisdiction holds, one page of sites.
struct SiteListPage {
    struct Count {
        let tier: String
        let sites: Int
        let staff: Int
    }

    struct Row {
        let id: String
        let code: String
        let name: String
        let tier: String
        let jurisdiction: String
        let operatorName: String
        let floorArea: String
        let windows: Int
        let staff: Int
        /// The latest grade's name and key (nil when never inspected).
        let grade: String?
        let gradeKey: String?
    }

    let tiers: [SiteOption]
    let jurisdictions: [SiteOption]
    let counts: [Count]
    let totalSites: Int
    let totalStaff: Int
    let sites: [Row]
    let pager: Pager
    let mayRegister: Bool
    /// The query of the export links (the jurisdiction filter), without the leading ?.
    let exportQuery: String

    static func model(page: SitePage, grades: [UUID: LatestGrade], counts: [SiteTierCount], jurisdictions: [Jurisdiction], tier: SiteTier?, jurisdictionCode: String?,
                      pager: Pager, mayRegister: Bool, language: Language, say: (String) -> String) -> SiteListPage {
        let byCode = Dictionary(jurisdictions.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        func name(_ j: Jurisdiction) -> String { language == .zh ? j.nameZh : j.nameEn }
        return SiteListPage(
            tiers: SiteTier.allCases.map { SiteOption(value: $0.rawValue, label: say("siteTier_\($0.rawValue)"), selected: $0 == tier) },
            // Counties and towns are what one filters by; villages and communities are few on the platform.
            jurisdictions: jurisdictions.filter { $0.tier != .community }.sorted { $0.code < $1.code }.map {
                SiteOption(value: $0.code, label: ($0.tier == .street ? "　" : "") + name($0), selected: $0.code == jurisdictionCode)
            },
            counts: counts.map { Count(tier: say("siteTier_\($0.tier.rawValue)"), sites: $0.sites, staff: $0.staff) },
            totalSites: counts.reduce(0) { $0 + $1.sites }, totalStaff: counts.reduce(0) { $0 + $1.staff },
            sites: page.sites.map { site in
                let c = site.content
                return Row(id: site.id.lowercased, code: c.code, name: language == .zh || c.nameEn.isEmpty ? c.nameZh : c.nameEn,
                           tier: say("siteTier_\(c.tier.rawValue)"), jurisdiction: byCode[c.jurisdictionCode].map(name) ?? c.jurisdictionCode,
                           operatorName: c.operatorName, floorArea: SiteService.area(c.floorAreaTenths), windows: c.windows, staff: c.staff.count,
                           grade: grades[site.id].map { say("siteGrade_\($0.grade.rawValue)") }, gradeKey: grades[site.id]?.grade.rawValue)
            },
            pager: pager, mayRegister: mayRegister,
            exportQuery: jurisdictionCode.map { "jurisdiction=\($0)" } ?? "")
    }
}

/// One site (`/sites/{id}`): its facts, its staff (named only to those allowed, counted for everyone), the items served.
struct SiteDetailPage {
    struct Person {
        let name: String
        let post: String
        let payBand: String
    }

    struct PostCount {
        let post: String
        let count: Int
    }

    struct Item {
        let id: String
        let code: String
        let name: String
    }

    let id: String
    let code: String
    let name: String
    let otherName: String?
    let tier: String
    let jurisdiction: String
    let operatorKind: String
    let operatorName: String
    let contract: String?
    let address: String
    let floorArea: String
    let hallArea: String
    let equipment: String
    let windows: Int
    let openingHours: String
    let staffCount: Int
    /// The latest inspection's grade, score (per cent) and day; nil when the site was never inspected.
    let latestGrade: String?
    let latestGradeKey: String?
    let latestScore: String?
    let latestInspectedOn: String?
    /// Named staff, for the offices and overseers of the jurisdiction; nil for everyone else.
    let staff: [Person]?
    /// Whether the names are withheld from this reader (then only the counts show).
    let staffHidden: Bool
    let postCounts: [PostCount]
    let items: [Item]
    let mayEdit: Bool
    let notice: String?
    /// Who is on duty, for those who may read it (then the queue is theirs to read too); nil for everyone else.
    let duties: [Duty]?
    /// Whether the reader reads the site's queue (those who may see who is on duty).
    let mayReadQueue: Bool
    /// The duties form's text (the list as it stands, or as typed when refused).
    let dutiesText: String
    let problem: ProblemBlock?

    struct Duty {
        let name: String
        let username: String
        let duty: String
    }

    static func model(view: SiteView, jurisdiction: Jurisdiction?, items: [ServiceItem], contract: String?, grade: LatestGrade?, notice: String?,
                      duties: [(holder: DutyHolder, username: String, name: String)]?, dutiesText: String?, problem: DomainError?,
                      language: Language, say: (String) -> String, message: (Message) -> String) -> SiteDetailPage {
        let site = view.site
        let c = site.content
        let english = !c.nameEn.isEmpty && language == .en
        return SiteDetailPage(
            id: site.id.lowercased, code: c.code, name: english ? c.nameEn : c.nameZh,
            otherName: english ? c.nameZh : (c.nameEn.isEmpty ? nil : c.nameEn),
            tier: say("siteTier_\(c.tier.rawValue)"),
            jurisdiction: jurisdiction.map { language == .zh ? $0.nameZh : $0.nameEn } ?? c.jurisdictionCode,
            operatorKind: say("siteOperator_\(c.operatorKind.rawValue)"), operatorName: c.operatorName, contract: contract, address: c.address,
            floorArea: SiteService.area(c.floorAreaTenths), hallArea: SiteService.area(c.hallAreaTenths),
            equipment: c.equipment.joined(separator: language == .zh ? "、" : ", "), windows: c.windows, openingHours: c.openingHours,
            staffCount: c.staff.count,
            latestGrade: grade.map { say("siteGrade_\($0.grade.rawValue)") }, latestGradeKey: grade?.grade.rawValue,
            latestScore: grade.map { scorePercent($0.score) }, latestInspectedOn: grade?.inspectedOn,
            staff: view.staff?.map { Person(name: $0.name, post: say("postType_\($0.post.rawValue)"), payBand: $0.payBand) },
            staffHidden: view.staff == nil,
            postCounts: site.staffCounts.filter { $0.count > 0 }.map { PostCount(post: say("postType_\($0.post.rawValue)"), count: $0.count) },
            items: items.map { Item(id: $0.id.lowercased, code: $0.code, name: language == .zh ? $0.content.nameZh : $0.content.nameEn) },
            mayEdit: view.mayEdit, notice: notice,
            duties: duties?.map { Duty(name: $0.name, username: $0.username, duty: say("siteDuty_\($0.holder.duty.rawValue)")) },
            mayReadQueue: duties != nil,
            // The list as the form reads it back: duties by their Chinese names on Chinese pages, by their codes in English.
            dutiesText: dutiesText ?? (duties ?? []).map {
                "\($0.username)|\(language == .zh ? say("siteDuty_\($0.holder.duty.rawValue)") : $0.holder.duty.rawValue)"
            }.joined(separator: "\n"),
            problem: problem.map { ProblemBlock($0, message: message) { _ in (say("sites_duties"), "#site-duties") } })
    }
}

/// The register and edit form: every field with its typed value and its own error, the errors summarised above.
struct SiteFormPage {
    typealias Field = FormField

    let isNew: Bool
    let action: String
    let siteID: String?
    let problem: ProblemBlock?
    let tiers: [SiteOption]
    let operatorKinds: [SiteOption]
    let jurisdictions: [SiteOption]
    let code: Field
    let nameZh: Field
    let nameEn: Field
    let tier: Field
    let jurisdictionCode: Field
    let operatorKind: Field
    let operatorName: Field
    let contract: Field
    let address: Field
    let floorArea: Field
    let hallArea: Field
    let equipment: Field
    let windows: Field
    let staff: Field
    let openingHours: Field
    let items: Field

    /// The form field a service's field error belongs to (`staff[2].name` → staff, `contractId` → contract).
    static func formField(of field: String) -> String {
        let head = String(field.prefix { $0 != "[" && $0 != "." })
        return head == "contractId" ? "contract" : head
    }

    static let fieldNames = ["code", "nameZh", "nameEn", "tier", "jurisdictionCode", "operatorKind", "operatorName", "contract", "address",
                             "floorArea", "hallArea", "equipment", "windows", "staff", "openingHours", "items"]

    static func model(siteID: UUID?, form: [String: String], jurisdictions: [Jurisdiction], problem: DomainError?, language: Language,
                      say: (String) -> String, message: (Message) -> String) -> SiteFormPage {
        let errors = FormErrors(problem, formField: formField(of:), message: message)
        func field(_ name: String) -> Field { errors.field(name, prefix: "site", form: form) }
        let block = problem.map { problem in
            ProblemBlock(problem, message: message) { f in
                let name = formField(of: f.field)
                return fieldNames.contains(name) ? (say("siteField_\(name)"), "#" + FormField.id("site", name)) : (f.field, nil)
            }
        }
        return SiteFormPage(
            isNew: siteID == nil, action: siteID.map { "/sites/\($0.lowercased)" } ?? "/sites", siteID: siteID?.lowercased, problem: block,
            tiers: SiteTier.allCases.map { SiteOption(value: $0.rawValue, label: say("siteTier_\($0.rawValue)"), selected: form["tier"] == $0.rawValue) },
            operatorKinds: OperatorKind.allCases.map {
                SiteOption(value: $0.rawValue, label: say("siteOperator_\($0.rawValue)"), selected: form["operatorKind"] == $0.rawValue)
            },
            jurisdictions: jurisdictions.sorted { $0.code < $1.code }.map {
                SiteOption(value: $0.code, label: "\(language == .zh ? $0.nameZh : $0.nameEn) (\($0.code))", selected: form["jurisdictionCode"] == $0.code)
            },
            code: field("code"), nameZh: field("nameZh"), nameEn: field("nameEn"), tier: field("tier"), jurisdictionCode: field("jurisdictionCode"),
            operatorKind: field("operatorKind"), operatorName: field("operatorName"), contract: field("contract"), address: field("address"),
            floorArea: field("floorArea"), hallArea: field("hallArea"), equipment: field("equipment"), windows: field("windows"), staff: field("staff"),
            openingHours: field("openingHours"), items: field("items"))
    }
}

/// The import page: the form, and after a file what it did or every error of every row.
struct SiteImportPage {
    struct RowError {
        let row: String
        let column: String
        let message: String
    }

    let filename: String
    let report: SiteImportReport?
    let refusal: String?
    let errors: [RowError]
}
