import Core
import Foundation
import Identity

/// Where a service is applied for.
public enum Channel: String, CaseIterable, Codable, Sendable {
    case window, online, both
}

/// Which tier accepts (受理), approves (审批) and handles (经办) an item, with the time limits of
/// acceptance and approval when they sit at different tiers (seed 000).
public struct TierAuthority: Codable, Sendable, Equatable {
    public var accept: Tier
    public var approve: Tier
    public var handle: Tier
    public var acceptDays: Int
    public var approveDays: Int

    public init(accept: Tier, approve: Tier, handle: Tier, acceptDays: Int, approveDays: Int) {
        self.accept = accept
        self.approve = approve
        self.handle = handle
        self.acceptDays = acceptDays
        self.approveDays = approveDays
    }

    /// What is wrong with the matrix, if anything: approval may not sit below acceptance.
    public var problems: [FieldError] {
        var problems: [FieldError] = []
        if approve.depth > accept.depth {
            problems.append(FieldError("approveTier", "approves at the \(approve) tier, below the \(accept) tier that accepts"))
        }
        return problems
    }
}

/// What a version of a service item says: the "five disclosures" and the tier matrix.
public struct ItemContent: Codable, Sendable, Equatable {
    public var nameZh: String
    public var nameEn: String
    public var legalBasis: String
    public var conditions: String
    public var procedure: [String]
    public var result: String
    /// The promised time limit in working days (0 for on-the-spot items).
    public var timeLimitDays: Int
    public var onTheSpot: Bool
    public var channel: Channel
    public var fees: String
    public var authority: TierAuthority
    public var materialIDs: [UUID]

    public init(nameZh: String, nameEn: String, legalBasis: String, conditions: String, procedure: [String], result: String,
                timeLimitDays: Int, onTheSpot: Bool, channel: Channel, fees: String, authority: TierAuthority, materialIDs: [UUID]) {
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.legalBasis = legalBasis
        self.conditions = conditions
        self.procedure = procedure
        self.result = result
        self.timeLimitDays = timeLimitDays
        self.onTheSpot = onTheSpot
        self.channel = channel
        self.fees = fees
        self.authority = authority
        self.materialIDs = materialIDs
    }
}

/// A service item as published: one canonical item, its current published version.
public struct ServiceItem: Codable, Sendable, Equatable {
    public var id: UUID
    /// e.g. MZ-001 (department initials and a number)
    public var code: String
    public var departmentID: UUID
    /// The jurisdiction whose list the item is on: its department's, or one below it stated on the item.
    public var jurisdictionID: UUID
    public var version: Int
    public var content: ItemContent
    public var publishedAt: Date
}

/// A jurisdiction's list of items: its own and those it inherits from the jurisdictions above it.
public struct ItemListing: Sendable {
    /// The jurisdiction asked for; nil for every list at once.
    public var jurisdiction: Jurisdiction?
    public var entries: [ListedItem]
    /// Over every item the search matches, not only this page: all of them, and those on the jurisdiction's own list.
    public var total = 0
    public var own = 0
    /// The entries are "did you mean" suggestions (no name contains the text): one page, never more.
    public var suggested = false
}

/// One item of a listing, with the list it is on.
public struct ListedItem: Sendable {
    public var item: ServiceItem
    /// The jurisdiction whose list the item is on.
    public var list: Jurisdiction?
    /// The item is on the list of a jurisdiction above the one asked for.
    public var inherited: Bool
}

public enum RetirementReason: String, CaseIterable, Codable, Sendable {
    /// The office looks the fact up itself (信息共享).
    case dataSharing = "data_sharing"
    /// The applicant signs a commitment instead (告知承诺).
    case commitment
}

/// A certificate or stamp (证明材料) that items may require.
public struct Material: Codable, Sendable, Equatable {
    public var id: UUID
    public var code: String
    public var nameZh: String
    public var nameEn: String
    public var issuer: String
    public var retiredAt: Date?
    public var retiredReason: RetirementReason?
    public var retiredNote: String?

    public var isRetired: Bool { retiredAt != nil }
}

/// The materials report: by issuer, how many there are and how many were retired.
public struct MaterialsByIssuer: Sendable, Equatable {
    public var issuer: String
    public var total: Int
    public var retired: Int
}

/// Search filters for the public list.
public struct ItemSearch: Sendable {
    /// The longest search text accepted (as the API contract says).
    public static let maximumTextLength = 100

    public var text: String
    public var departmentID: UUID?
    /// The code of a jurisdiction: only the items of its list, its own and those it inherits from above.
    public var jurisdiction: String?
    /// Items accepted at this tier (where residents apply).
    public var tier: Tier?
    public var onTheSpot: Bool?
    public var limit: Int
    /// Keyset paging: only items after this one in the search's own order (names containing the text, or codes).
    /// "Did you mean" suggestions are one page: after a cursor there are none.
    public var after: ServiceItem?

    public init(text: String = "", departmentID: UUID? = nil, jurisdiction: String? = nil, tier: Tier? = nil, onTheSpot: Bool? = nil,
                limit: Int = 50, after: ServiceItem? = nil) {
        self.after = after
        self.text = text
        self.departmentID = departmentID
        self.jurisdiction = jurisdiction
        self.tier = tier
        self.onTheSpot = onTheSpot
        self.limit = limit
    }
}

/// How one jurisdiction offers an item: its own address, phone, hours and notes, never its own name.
public struct LocalDetails: Codable, Sendable, Equatable {
    public var jurisdictionID: UUID
    public var address: String
    public var phone: String
    public var hours: String
    public var notes: String

    public init(jurisdictionID: UUID, address: String, phone: String, hours: String, notes: String) {
        self.jurisdictionID = jurisdictionID
        self.address = address
        self.phone = phone
        self.hours = hours
        self.notes = notes
    }
}

extension ItemContent {
    /// What is wrong with this content, by field. One set of rules for the edit page, the API and imports.
    public func problems(materials: [UUID: Material]) -> [FieldError] {
        var check = Validator()
        for (field, value, max) in [("nameZh", nameZh, 200), ("nameEn", nameEn, 300), ("legalBasis", legalBasis, 2000),
                                    ("conditions", conditions, 2000), ("result", result, 1000), ("fees", fees, 500)] {
            _ = check.text(value, field, max: max)
        }
        check.check(!procedure.isEmpty, "procedure", "needs at least one step")
        check.check(procedure.count <= 30 && procedure.allSatisfy { $0.count <= 500 }, "procedure", "has at most 30 steps of 500 characters")
        for (field, days) in [("timeLimitDays", timeLimitDays), ("acceptDays", authority.acceptDays), ("approveDays", authority.approveDays)] {
            check.check((0...365).contains(days), field, "must be a whole number of days from 0 to 365")
        }
        check.check(!onTheSpot || timeLimitDays == 0, "timeLimitDays", "an on-the-spot item is done the same day: 0")
        var errors = check.errors + authority.problems
        var seen = Set<UUID>()
        for id in materialIDs {
            guard let material = materials[id] else { errors.append(FieldError("materials", "\(id.uuidString.lowercased()) is not in the materials registry")); continue }
            if material.isRetired { errors.append(FieldError("materials", "\(material.code) has been retired and may not be required")) }
            if !seen.insert(id).inserted { errors.append(FieldError("materials", "\(material.code) is listed twice")) }
        }
        return errors
    }
}

/// The next version of an item being prepared by the catalogue's staff. Nothing in it is public until
/// it is published; an item has at most one draft.
public struct ItemDraft: Sendable, Equatable {
    public var itemID: UUID
    public var code: String
    public var departmentID: UUID
    /// The jurisdiction whose list the item is on.
    public var jurisdictionID: UUID
    /// The published version the draft was started from; nil for an item never published.
    public var basedOnVersion: Int?
    /// The item's published version now (nil if never published).
    public var publishedVersion: Int?
    public var content: ItemContent
    /// When the draft was last saved; nil for a draft not saved yet (the edit form of a published item).
    public var updatedAt: Date?

    /// A newer version was published (by an import, say) after the draft was started: publishing it
    /// would silently undo that version, so it is refused.
    public var isStale: Bool { basedOnVersion != publishedVersion }
}

extension ItemDraft {
    /// The edit form of a published item before any draft is saved: its published content.
    public init(editing item: ServiceItem) {
        self.init(itemID: item.id, code: item.code, departmentID: item.departmentID, jurisdictionID: item.jurisdictionID,
                  basedOnVersion: item.version, publishedVersion: item.version, content: item.content, updatedAt: nil)
    }
}

/// An item's identity and list, published or not: what access to it is decided on.
struct ItemHeader: Sendable {
    var id: UUID
    var code: String
    var departmentID: UUID
    var jurisdictionID: UUID
    var publishedVersion: Int?
}
