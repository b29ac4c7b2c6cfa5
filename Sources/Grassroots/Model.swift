import Core
import Foundation

/// The tier of a service site in the three-tier network (DOMAIN §6): the county (or district) centre, a
/// town or street centre, a village or community station.
public enum SiteTier: String, CaseIterable, Codable, Sendable, Termed {
    case countyCentre = "county_centre"
    case townCentre = "town_centre"
    case villageStation = "village_station"

    public static var termKey: String { "siteTier_" }

    /// The jurisdiction tiers a site of this tier may sit in: a county centre in its county, a town centre in its
    /// town or street, a village station in its village or community, or in its town where the village is not a
    /// jurisdiction of the platform (ARCHITECTURE.md, "Grassroots: service sites").
    public var jurisdictionTiers: Set<Tier> {
        switch self {
        case .countyCentre: [.district]
        case .townCentre: [.street]
        case .villageStation: [.street, .community]
        }
    }
}

/// Who runs a site.
public enum OperatorKind: String, CaseIterable, Codable, Sendable, Termed {
    /// A government office or public institution (the county's and towns' centres: 事业单位).
    case governmentOffice = "government_office"
    /// A village or residents' committee (村委会/居委会).
    case villageCommittee = "village_committee"
    /// A social organisation under a contract with the county (政府购买服务).
    case socialOrganisation = "social_organisation"

    public static var termKey: String { "siteOperator_" }
}

/// How a member of a site's staff is employed (seed 004).
public enum PostType: String, CaseIterable, Codable, Sendable, Termed {
    /// On the establishment (有编制), paid by the county's budget.
    case establishment
    /// A purchased public-welfare post (购买公益性岗位), ¥500 a month in Fufeng.
    case publicWelfare = "public_welfare"
    /// A labour and social-security assistant (劳动保障协理员), ¥1,000–1,100 a month in Fufeng.
    case labourAssistant = "labour_assistant"
    /// A member of the village or residents' committee serving part-time (村(居)委会成员兼职; seed 004:
    /// "村级业务大多由村委会成员兼职").
    case committeeMember = "committee_member"

    public static var termKey: String { "postType_" }
}

/// One member of a site's staff. The name is personal data (shown only to the offices of the jurisdiction).
public struct SiteStaff: Codable, Sendable, Equatable {
    public var name: String
    public var post: PostType
    /// As the county states it: "500元/月", "1000–1100元/月", "财政全额拨款".
    public var payBand: String

    public init(name: String, post: PostType, payBand: String) {
        self.name = name
        self.post = post
        self.payBand = payBand
    }
}

/// What is typed in for a site (the register and edit forms, the API's body, a row of a file).
public struct SiteContent: Codable, Sendable, Equatable {
    /// The site's code, unique on the platform, the key imports match on (e.g. 610324001-T).
    public var code: String
    public var nameZh: String
    public var nameEn: String
    public var tier: SiteTier
    /// The administrative division code of the site's jurisdiction.
    public var jurisdictionCode: String
    public var operatorKind: OperatorKind
    public var operatorName: String
    /// The contract a social organisation runs the site under, when the platform holds it.
    public var contractID: UUID?
    public var address: String
    /// Floor area (建筑面积) in tenths of a square metre.
    public var floorAreaTenths: Int
    /// The public space services are given in (服务场所面积), in tenths of a square metre.
    public var hallAreaTenths: Int
    public var equipment: [String]
    public var windows: Int
    public var staff: [SiteStaff]
    public var openingHours: String
    /// The catalogue items (catalogue.items ids) served at the site, in the order given.
    public var itemIDs: [UUID]

    public init(code: String, nameZh: String, nameEn: String = "", tier: SiteTier, jurisdictionCode: String, operatorKind: OperatorKind,
                operatorName: String, contractID: UUID? = nil, address: String, floorAreaTenths: Int, hallAreaTenths: Int,
                equipment: [String] = [], windows: Int, staff: [SiteStaff] = [], openingHours: String, itemIDs: [UUID] = []) {
        self.code = code
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.tier = tier
        self.jurisdictionCode = jurisdictionCode
        self.operatorKind = operatorKind
        self.operatorName = operatorName
        self.contractID = contractID
        self.address = address
        self.floorAreaTenths = floorAreaTenths
        self.hallAreaTenths = hallAreaTenths
        self.equipment = equipment
        self.windows = windows
        self.staff = staff
        self.openingHours = openingHours
        self.itemIDs = itemIDs
    }

    public static let maximumCode = 40
    public static let maximumName = 100
    public static let maximumAddress = 200
    public static let maximumHours = 200
    public static let maximumEquipment = 50
    public static let maximumEquipmentName = 50
    public static let maximumStaff = 200
    public static let maximumStaffName = 50
    public static let maximumPayBand = 40
    public static let maximumItems = 500

    /// Every problem of the content that needs no database, named by the field as the API and the forms name it
    /// (`staff[2].name`), so the pages show each beside its field.
    public var problems: [FieldError] {
        var v = Validator()
        v.check(!code.isEmpty, "code", "is required")
        v.check(code.count <= Self.maximumCode && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") },
                "code", "must be at most \(Self.maximumCode) letters, digits and hyphens (e.g. 610324001-T)")
        _ = v.text(nameZh, "nameZh", max: Self.maximumName)
        _ = v.text(nameEn, "nameEn", max: Self.maximumName * 2, required: false)
        v.check(!jurisdictionCode.isEmpty, "jurisdictionCode", "is required")
        _ = v.text(operatorName, "operatorName", max: Self.maximumName)
        v.check(contractID == nil || operatorKind == .socialOrganisation, "contractId",
                "only a site run by a social organisation is run under a contract")
        _ = v.text(address, "address", max: Self.maximumAddress)
        v.check(Bounds.siteFloorAreaTenths.contains(floorAreaTenths), "floorArea", "must be from 0.1 to 10000 m²")
        v.check(Bounds.siteHallAreaTenths.contains(hallAreaTenths), "hallArea", "must be from 0 to 100000 m²")
        v.check(Bounds.siteWindows.contains(windows), "windows", "must be from \(Bounds.siteWindows.lowerBound) to \(Bounds.siteWindows.upperBound)")
        v.check(equipment.count <= Self.maximumEquipment, "equipment", "may list at most \(Self.maximumEquipment) pieces of equipment")
        for (index, piece) in equipment.enumerated() {
            v.check(!piece.trimmingSpaces.isEmpty, "equipment[\(index)]", "is required")
            v.check(piece.count <= Self.maximumEquipmentName, "equipment[\(index)]", "must be at most \(Self.maximumEquipmentName) characters")
        }
        v.check(staff.count <= Self.maximumStaff, "staff", "may list at most \(Self.maximumStaff) people")
        for (index, person) in staff.enumerated() {
            _ = v.text(person.name, "staff[\(index)].name", max: Self.maximumStaffName)
            _ = v.text(person.payBand, "staff[\(index)].payBand", max: Self.maximumPayBand)
        }
        _ = v.text(openingHours, "openingHours", max: Self.maximumHours)
        v.check(itemIDs.count <= Self.maximumItems, "items", "may list at most \(Self.maximumItems) items")
        v.check(Set(itemIDs).count == itemIDs.count, "items", "lists an item twice")
        return v.errors
    }

    /// The content with its texts trimmed, as it is stored.
    public var trimmed: SiteContent {
        var c = self
        c.code = code.trimmingSpaces
        c.nameZh = nameZh.trimmingSpaces
        c.nameEn = nameEn.trimmingSpaces
        c.jurisdictionCode = jurisdictionCode.trimmingSpaces
        c.operatorName = operatorName.trimmingSpaces
        c.address = address.trimmingSpaces
        c.equipment = equipment.map(\.trimmingSpaces)
        c.staff = staff.map { SiteStaff(name: $0.name.trimmingSpaces, post: $0.post, payBand: $0.payBand.trimmingSpaces) }
        c.openingHours = openingHours.trimmingSpaces
        return c
    }
}

/// A registered site: its content, where it sits, and who may see and do what with it.
public struct ServiceSite: Codable, Sendable, Equatable {
    /// Also the site's audit chain (`site`).
    public var id: UUID
    public var content: SiteContent
    public var jurisdictionID: UUID
    /// The site's jurisdiction and its ancestors, root first (what access is decided on).
    public var jurisdictionPath: [UUID]
    public var updatedAt: Date

    public init(id: UUID, content: SiteContent, jurisdictionID: UUID, jurisdictionPath: [UUID], updatedAt: Date) {
        self.id = id
        self.content = content
        self.jurisdictionID = jurisdictionID
        self.jurisdictionPath = jurisdictionPath
        self.updatedAt = updatedAt
    }

    public var resource: Resource { Resource(jurisdictionPath: jurisdictionPath) }

    /// Staff by post type, every type listed (what everyone may see).
    public var staffCounts: [(post: PostType, count: Int)] {
        PostType.allCases.map { post in (post, content.staff.filter { $0.post == post }.count) }
    }
}

/// A site as one reader may see it: staff names only when the policy lets the reader read them.
public struct SiteView: Sendable, Equatable {
    public var site: ServiceSite
    /// The staff with their names, or nil when the reader may see only the counts.
    public var staff: [SiteStaff]?
    /// Whether the reader may edit the site.
    public var mayEdit: Bool
}

/// The filters and the cursor of a list of sites (ordered by code, which puts each town's stations after it).
public struct SiteQuery: Sendable, Equatable {
    public var tier: SiteTier?
    /// A jurisdiction's code: its sites and those of the jurisdictions below it.
    public var jurisdictionCode: String?
    /// The code of the last site of the previous page.
    public var after: String?
    public var limit: Int

    public init(tier: SiteTier? = nil, jurisdictionCode: String? = nil, after: String? = nil, limit: Int = 50) {
        self.tier = tier
        self.jurisdictionCode = jurisdictionCode
        self.after = after
        self.limit = limit
    }
}

/// How many sites (and staff, by post type) a list's filters hold per tier, however many pages they fill.
public struct SiteTierCount: Sendable, Equatable {
    public var tier: SiteTier
    public var sites: Int
    public var staff: Int
}

/// What an import did.
public struct SiteImportReport: Sendable, Equatable {
    public var created: Int
    public var updated: Int
    public var unchanged: Int

    public init(created: Int, updated: Int, unchanged: Int) {
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// Contracts as the sites refer to them: Delivery's, looked up through its public API by whoever builds the service.
public protocol SiteContracts: Sendable {
    /// The contract's reference (HT-2026-0005), or nil when there is no such contract.
    func reference(of contractID: UUID) async throws -> String?
    /// The id of the contract with this reference, or nil.
    func contractID(reference: String) async throws -> UUID?
}

extension StringProtocol {
    /// The text without leading and trailing white space (ideographic spaces too).
    var trimmingSpaces: String {
        String(String(self).drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
