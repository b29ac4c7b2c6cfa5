import Core
import Foundation

/// What a requirement of a site standard asks (seed 003: facility and resource standards per tier). The first five
/// the platform checks from the site's record; the others an inspector confirms on the spot.
public enum RequirementKind: String, CaseIterable, Codable, Sendable, Termed {
    /// Floor area at least `threshold` tenths of a m².
    case minFloorArea = "min_floor_area"
    /// Service-hall area at least `threshold` tenths of a m².
    case minHallArea = "min_hall_area"
    /// At least `threshold` service windows.
    case minWindows = "min_windows"
    /// At least `threshold` staff.
    case minStaff = "min_staff"
    /// The piece of equipment `equipment` is on the site's list.
    case equipment
    /// Opening hours posted at the entrance.
    case hoursPosted = "hours_posted"
    /// The five disclosures (五公开) posted: items, procedure, materials, time limit, result.
    case fiveDisclosures = "five_disclosures"
    /// The first-responsible rule (首问负责) in place: the accepting clerk owns the case to the end.
    case firstResponsible = "first_responsible"
    /// A/B posts (AB岗) in place: each window has a named backup clerk.
    case abPosts = "ab_posts"

    public static var termKey: String { "requirementKind_" }

    /// Whether the platform decides it from the site's record (otherwise the inspector says whether it is met).
    public var isMeasured: Bool { [.minFloorArea, .minHallArea, .minWindows, .minStaff, .equipment].contains(self) }

    /// The range of the threshold a minimum asks for; nil for the kinds that take none.
    public var thresholds: ClosedRange<Int>? {
        switch self {
        case .minFloorArea: Bounds.siteFloorAreaTenths
        case .minHallArea: 1...Bounds.siteHallAreaTenths.upperBound
        case .minWindows: 1...Bounds.siteWindows.upperBound
        case .minStaff: Bounds.requiredStaff
        default: nil
        }
    }
}

/// One requirement of a standard: what it asks and the points it is worth.
public struct Requirement: Codable, Sendable, Equatable {
    /// Unique within the standard (R1, R2…); inspections name requirements by it.
    public var code: String
    public var kind: RequirementKind
    /// The least value of a minimum (areas in tenths of a m², windows, staff); nil for the other kinds.
    public var threshold: Int?
    /// The piece of equipment asked for (kind `equipment` only), as sites list it (计算机).
    public var equipment: String?
    public var points: Int

    public init(code: String, kind: RequirementKind, threshold: Int? = nil, equipment: String? = nil, points: Int) {
        self.code = code
        self.kind = kind
        self.threshold = threshold
        self.equipment = equipment
        self.points = points
    }

    /// Whether the site's record meets a measurable requirement, and what the record holds; nil for the kinds an
    /// inspector confirms.
    public func check(_ site: SiteContent) -> (met: Bool, observed: String)? {
        switch kind {
        case .minFloorArea: (site.floorAreaTenths >= threshold ?? .max, SiteFile.area(site.floorAreaTenths))
        case .minHallArea: (site.hallAreaTenths >= threshold ?? .max, SiteFile.area(site.hallAreaTenths))
        case .minWindows: (site.windows >= threshold ?? .max, String(site.windows))
        case .minStaff: (site.staff.count >= threshold ?? .max, String(site.staff.count))
        case .equipment:
            (site.equipment.contains { $0.trimmingSpaces == (equipment ?? "").trimmingSpaces }, site.equipment.joined(separator: "、"))
        case .hoursPosted, .fiveDisclosures, .firstResponsible, .abPosts: nil
        }
    }
}

/// The grade an inspection gives (达标 / 基本达标 / 不达标). Only `meets` meets the standard; the county's summary
/// counts the other two as below it, as seed 003's figures do.
public enum SiteGrade: String, CaseIterable, Codable, Sendable, Termed {
    case meets
    case basic
    case below

    public static var termKey: String { "siteGrade_" }
}

/// What is typed in for a standard (its form, the API's body): the jurisdiction and tier it is for, its title, the
/// requirements and the marks of the grades. An edit of the requirements, title or marks is a new version.
public struct StandardContent: Codable, Sendable, Equatable {
    /// A county's (district's) division code: standards are kept by counties.
    public var jurisdictionCode: String
    public var tier: SiteTier
    public var titleZh: String
    public var titleEn: String
    public var requirements: [Requirement]
    /// The least score, in per cent of the points, that meets the standard (达标).
    public var meetsMark: Int
    /// The least score that basically meets it (基本达标); at most `meetsMark`.
    public var basicMark: Int

    public init(jurisdictionCode: String, tier: SiteTier, titleZh: String, titleEn: String = "", requirements: [Requirement],
                meetsMark: Int = 85, basicMark: Int = 60) {
        self.jurisdictionCode = jurisdictionCode
        self.tier = tier
        self.titleZh = titleZh
        self.titleEn = titleEn
        self.requirements = requirements
        self.meetsMark = meetsMark
        self.basicMark = basicMark
    }

    public static let maximumRequirements = 50
    public static let maximumTitle = 200
    public static let maximumCode = 20

    /// Every problem of the content that needs no database, named as the API names the fields
    /// (`requirements[2].threshold`), so the form shows each beside its line.
    public var problems: [FieldError] {
        var v = Validator()
        v.check(!jurisdictionCode.isEmpty, "jurisdictionCode", "is required")
        _ = v.text(titleZh, "titleZh", max: Self.maximumTitle)
        _ = v.text(titleEn, "titleEn", max: Self.maximumTitle * 2, required: false)
        v.check(!requirements.isEmpty, "requirements", "list at least one requirement")
        v.check(requirements.count <= Self.maximumRequirements, "requirements", "may list at most \(Self.maximumRequirements) requirements")
        var codes: Set<String> = []
        var kinds: Set<RequirementKind> = []
        var pieces: Set<String> = []
        for (index, r) in requirements.enumerated() {
            let field = "requirements[\(index)]"
            v.check(!r.code.isEmpty && r.code.count <= Self.maximumCode && r.code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") },
                    "\(field).code", "must be 1 to \(Self.maximumCode) letters, digits, hyphens or underscores (e.g. R1)")
            v.check(codes.insert(r.code).inserted, "\(field).code", "\(r.code) is the code of an earlier requirement")
            v.check(Bounds.requirementPoints.contains(r.points), "\(field).points",
                    "must be a whole number from \(Bounds.requirementPoints.lowerBound) to \(Bounds.requirementPoints.upperBound)")
            if let range = r.kind.thresholds {
                if let threshold = r.threshold {
                    v.check(range.contains(threshold), "\(field).threshold", "must be from \(range.lowerBound) to \(range.upperBound)")
                } else {
                    v.check(false, "\(field).threshold", "is required for a minimum")
                }
            } else {
                v.check(r.threshold == nil, "\(field).threshold", "only a minimum takes a threshold")
            }
            if r.kind == .equipment {
                let piece = (r.equipment ?? "").trimmingSpaces
                v.check(!piece.isEmpty, "\(field).equipment", "is required")
                v.check(piece.count <= SiteContent.maximumEquipmentName, "\(field).equipment",
                        "must be at most \(SiteContent.maximumEquipmentName) characters")
                v.check(piece.isEmpty || pieces.insert(piece).inserted, "\(field).equipment", "\(piece) is asked for by an earlier requirement")
            } else {
                v.check(r.equipment == nil, "\(field).equipment", "only an equipment requirement names a piece of equipment")
                v.check(kinds.insert(r.kind).inserted, "\(field).kind", "\(r.kind) is asked for by an earlier requirement")
            }
        }
        v.check(Bounds.gradeMark.contains(meetsMark), "meetsMark", "must be a whole number from \(Bounds.gradeMark.lowerBound) to \(Bounds.gradeMark.upperBound)")
        v.check(Bounds.gradeMark.contains(basicMark), "basicMark", "must be a whole number from \(Bounds.gradeMark.lowerBound) to \(Bounds.gradeMark.upperBound)")
        v.check(basicMark <= meetsMark, "basicMark", "must not be above the mark that meets the standard, \(meetsMark)")
        return v.errors
    }

    /// The content with its texts trimmed, as it is stored.
    public var trimmed: StandardContent {
        var c = self
        c.jurisdictionCode = jurisdictionCode.trimmingSpaces
        c.titleZh = titleZh.trimmingSpaces
        c.titleEn = titleEn.trimmingSpaces
        c.requirements = requirements.map { r in
            var r = r
            r.code = r.code.trimmingSpaces
            r.equipment = r.equipment.map(\.trimmingSpaces)
            return r
        }
        return c
    }

    /// The grade of a number of points out of this version's total (rounded down to hundredths of a per cent).
    public func grade(points: Int, of total: Int) -> (score: Int, grade: SiteGrade) {
        let score = total > 0 ? points * 10_000 / total : 0
        let grade: SiteGrade = score >= meetsMark * 100 ? .meets : score >= basicMark * 100 ? .basic : .below
        return (score, grade)
    }

    public var totalPoints: Int { requirements.reduce(0) { $0 + $1.points } }
}

/// One version of a standard, as stored.
public struct StandardVersion: Codable, Sendable, Equatable {
    public var version: Int
    public var content: StandardContent
    public var createdAt: Date
    public var createdBy: UUID
}

/// A standard: a jurisdiction's requirements of one site tier, with every version it has had.
public struct SiteStandard: Sendable, Equatable {
    /// Also the standard's audit chain (`site-standard`).
    public var id: UUID
    public var jurisdictionID: UUID
    public var jurisdictionPath: [UUID]
    /// The version in force (the latest).
    public var current: StandardVersion
    public var updatedAt: Date

    public var resource: Resource { Resource(jurisdictionPath: jurisdictionPath) }
    public var content: StandardContent { current.content }
}

/// A standard as one reader sees it: whether the reader may revise it.
public struct StandardView: Sendable, Equatable {
    public var standard: SiteStandard
    public var mayEdit: Bool
    public var mayInspect: Bool
}

/// How one requirement fared in an inspection.
public struct RequirementScore: Codable, Sendable, Equatable {
    public var code: String
    public var met: Bool
    /// What the site's record held, for a measured requirement (42.6, 3, 计算机、电话).
    public var observed: String?
}

/// An evidence file of an inspection: a photo or a document, its digest taken on upload.
public struct InspectionEvidence: Codable, Sendable, Equatable {
    public var id: UUID
    public var inspectionID: UUID
    public var requirementCode: String
    public var filename: String
    public var kind: FileKind
    public var size: Int
    public var sha256: String

    /// Photos and documents: 10 MB each, 10 an inspection (as a contract report's evidence).
    public static let maximumSize = 10 * 1024 * 1024
    public static let maximumPerInspection = 10
    public static let kinds: Set<FileKind> = [.pdf, .png, .jpeg]
}

/// A recorded inspection: the version it scored against, each requirement's score, the grade.
public struct Inspection: Codable, Sendable, Equatable {
    public var id: UUID
    public var siteID: UUID
    public var standardID: UUID
    public var standardVersion: Int
    /// yyyy-MM-dd
    public var inspectedOn: String
    public var inspectorID: UUID
    public var inspectorOrganisationID: UUID
    public var scores: [RequirementScore]
    public var points: Int
    public var totalPoints: Int
    /// Points over the total in hundredths of a per cent (8750 = 87.5 %), rounded down.
    public var score: Int
    public var grade: SiteGrade
    public var notes: String
    public var recordedAt: Date
    public var evidence: [InspectionEvidence]
}

/// A site's latest grade, as its list row and its page show it.
public struct LatestGrade: Sendable, Equatable {
    public var grade: SiteGrade
    /// Hundredths of a per cent, as `Inspection.score`.
    public var score: Int
    /// yyyy-MM-dd
    public var inspectedOn: String
}

/// An inspection with the requirements it was scored on, for the pages and the API (what the site misses).
public struct InspectionView: Sendable, Equatable {
    public var inspection: Inspection
    public var requirements: [Requirement]
    /// The requirements not met, in the standard's order.
    public var missing: [Requirement] {
        let failed = Set(inspection.scores.filter { !$0.met }.map(\.code))
        return requirements.filter { failed.contains($0.code) }
    }
    /// Whether the reader may download the evidence files.
    public var mayReadEvidence: Bool
}

/// A file an inspector attaches to a requirement.
public struct InspectionUpload: Sendable {
    public var requirementCode: String
    public var filename: String
    public var data: Data

    public init(requirementCode: String, filename: String, data: Data) {
        self.requirementCode = requirementCode
        self.filename = filename
        self.data = data
    }
}

/// What an inspector records: the day, whether each confirmed requirement is met, notes and files.
public struct InspectionInput: Sendable {
    /// yyyy-MM-dd, not in the future.
    public var inspectedOn: String
    /// Requirement code → met, for every requirement the inspector confirms (the measured ones come from the record).
    public var confirmations: [String: Bool]
    public var notes: String
    public var evidence: [InspectionUpload]

    public init(inspectedOn: String, confirmations: [String: Bool], notes: String = "", evidence: [InspectionUpload] = []) {
        self.inspectedOn = inspectedOn
        self.confirmations = confirmations
        self.notes = notes
        self.evidence = evidence
    }

    public static let maximumNotes = 4000
}

/// One tier's line of a jurisdiction's summary: how many sites there are, how many were inspected, and the grades
/// of their latest inspections.
public struct TierStanding: Sendable, Equatable {
    public var tier: SiteTier
    public var sites: Int
    public var inspected: Int
    public var meets: Int
    public var basic: Int
    public var below: Int

    public init(tier: SiteTier, sites: Int, inspected: Int, meets: Int, basic: Int, below: Int) {
        self.tier = tier
        self.sites = sites
        self.inspected = inspected
        self.meets = meets
        self.basic = basic
        self.below = below
    }

    /// Inspected sites whose latest grade is not `meets`.
    public var belowStandard: Int { basic + below }
    /// Shares of the inspected sites in tenths of a per cent (rounded to the nearest), nil when none was inspected.
    public var meetingShare: Int? { Self.share(meets, of: inspected) }
    public var belowShare: Int? { Self.share(belowStandard, of: inspected) }

    static func share(_ part: Int, of whole: Int) -> Int? {
        whole > 0 ? (part * 2_000 + whole) / (2 * whole) : nil
    }
}
