import Catalogue
import Core
import Foundation
import Tabular

/// The columns and cells of a service-sites file (Contracts/imports/service-sites.md), apart from the database.
enum SiteFile {
    static let format = TableFormat([
        .init("code", zh: "站点编码", en: "Code"),
        .init("nameZh", zh: "名称", en: "Name"),
        .init("nameEn", zh: "英文名称", en: "English name", required: false),
        .init("tier", zh: "层级", en: "Tier"),
        .init("jurisdiction", zh: "行政区划代码", en: "Jurisdiction code"),
        .init("operatorKind", zh: "运营方类型", en: "Operator kind"),
        .init("operatorName", zh: "运营方", en: "Operator"),
        .init("contract", zh: "合同编号", en: "Contract", required: false),
        .init("address", zh: "地址", en: "Address"),
        .init("floorArea", zh: "建筑面积（平方米）", en: "Floor area (m²)"),
        .init("hallArea", zh: "服务场所面积（平方米）", en: "Service hall area (m²)"),
        .init("equipment", zh: "设备", en: "Equipment", required: false),
        .init("windows", zh: "窗口数", en: "Windows"),
        .init("staff", zh: "工作人员", en: "Staff", required: false),
        .init("openingHours", zh: "开放时间", en: "Opening hours"),
        .init("items", zh: "服务事项", en: "Items", required: false),
    ])

    /// The words a file may use for each code, Chinese first (what an export writes).
    static let tiers: [(SiteTier, [String])] = [(.countyCentre, ["县级服务中心", "county_centre"]),
                                                (.townCentre, ["镇（街道）服务中心", "镇(街道)服务中心", "town_centre"]),
                                                (.villageStation, ["村（社区）服务站", "村(社区)服务站", "village_station"])]
    static let operators: [(OperatorKind, [String])] = [(.governmentOffice, ["政府机构", "government_office"]),
                                                        (.villageCommittee, ["村（居）委会", "村(居)委会", "village_committee"]),
                                                        (.socialOrganisation, ["社会组织", "social_organisation"])]
    static let posts: [(PostType, [String])] = [(.establishment, ["编制", "establishment"]), (.publicWelfare, ["公益岗", "public_welfare"]),
                                                (.labourAssistant, ["协理员", "labour_assistant"]), (.committeeMember, ["兼职", "committee_member"])]

    static func word<T: Equatable>(_ value: T, _ words: [(T, [String])]) -> String { words.first { $0.0 == value }?.1.first ?? "" }
    static func value<T>(_ text: String, _ words: [(T, [String])]) -> T? {
        words.first { $0.1.contains { $0.caseInsensitiveCompare(text) == .orderedSame } }?.0
    }

    /// A list cell: entries separated by ; or ；(or 、 for lists of plain words).
    static func list(_ cell: String, words: Bool = true) -> [String] {
        cell.split(whereSeparator: { $0 == ";" || $0 == "；" || (words && $0 == "、") }).map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// The column a content problem belongs to (`staff[2].name` → staff).
    static func column(of field: String) -> String {
        let head = String(field.prefix { $0 != "[" && $0 != "." })
        switch head {
        case "jurisdictionCode": return "jurisdiction"
        case "contractId": return "contract"
        default: return head
        }
    }

    /// A row as content, recording what cannot be read; nil when a code-word cell is unreadable.
    static func content(of row: TableFormat.Row, items: [String: ServiceItem], errors: inout RowErrors) -> SiteContent? {
        var readable = true
        let tier = value(row["tier"], tiers)
        if tier == nil {
            errors.add(row, "tier", "\(row["tier"]) is not a tier: \(tiers.map { $0.1[0] }.joined(separator: ", "))")
            readable = false
        }
        let operatorKind = value(row["operatorKind"], operators)
        if operatorKind == nil {
            errors.add(row, "operatorKind", "\(row["operatorKind"]) is not an operator kind: \(operators.map { $0.1[0] }.joined(separator: ", "))")
            readable = false
        }
        let floor = area(row, "floorArea", &errors)
        let hall = area(row, "hallArea", &errors)
        var windows = 0
        if let number = NumberText.integer(row["windows"]), let small = Int(exactly: number) {
            windows = small
        } else {
            errors.add(row, "windows", "\(row["windows"]) is not a whole number")
        }
        var staff: [SiteStaff] = []
        for (index, entry) in list(row["staff"], words: false).enumerated() {
            let parts = entry.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            guard parts.count == 3, let post = value(parts[1], posts) else {
                errors.add(row, "staff", "person \(index + 1) (\(entry)) is not written name|post|pay band with a post of \(posts.map { $0.1[0] }.joined(separator: ", "))")
                continue
            }
            staff.append(SiteStaff(name: parts[0], post: post, payBand: parts[2]))
        }
        var itemIDs: [UUID] = []
        for code in list(row["items"]) {
            if let item = items[code] { itemIDs.append(item.id) } else { errors.add(row, "items", "the catalogue has no published item \(code)") }
        }
        guard readable, let tier, let operatorKind else { return nil }
        return SiteContent(code: row["code"], nameZh: row["nameZh"], nameEn: row["nameEn"], tier: tier, jurisdictionCode: row["jurisdiction"],
                           operatorKind: operatorKind, operatorName: row["operatorName"], address: row["address"],
                           floorAreaTenths: floor ?? 0, hallAreaTenths: hall ?? 0, equipment: list(row["equipment"]), windows: windows,
                           staff: staff, openingHours: row["openingHours"], itemIDs: itemIDs).trimmed
    }

    /// An area in m² with at most one decimal, as tenths; an unreadable one is recorded (its range is the content's rule).
    private static func area(_ row: TableFormat.Row, _ column: String, _ errors: inout RowErrors) -> Int? {
        guard let tenths = NumberText.scaled(row[column], decimals: 1), let value = Int(exactly: tenths) else {
            errors.add(row, column, "\(row[column]) is not an area in m² with at most one decimal (e.g. 42.6)")
            return nil
        }
        return value
    }

    /// An area in tenths of a m², as a file and a form write it (42.6, 15).
    static func area(_ tenths: Int) -> String { tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)" }

    /// The cells of a site's row by column key.
    static func cells(of c: SiteContent, itemCodes: [UUID: String], contract: String?) -> [String: String] {
        ["code": c.code, "nameZh": c.nameZh, "nameEn": c.nameEn, "tier": word(c.tier, tiers), "jurisdiction": c.jurisdictionCode,
         "operatorKind": word(c.operatorKind, operators), "operatorName": c.operatorName, "contract": contract ?? "", "address": c.address,
         "floorArea": area(c.floorAreaTenths), "hallArea": area(c.hallAreaTenths), "equipment": c.equipment.joined(separator: "、"),
         "windows": String(c.windows), "staff": c.staff.map { "\($0.name)|\(word($0.post, posts))|\($0.payBand)" }.joined(separator: "；"),
         "openingHours": c.openingHours, "items": c.itemIDs.compactMap { itemCodes[$0] }.joined(separator: "；")]
    }
}
