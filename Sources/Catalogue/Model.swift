import Core
import Foundation
import Identity

/// Why an entry is on the negative list (Decree 102 art. 10): what government may not buy as a service.
public enum NegativeReason: String, CaseIterable, Codable, Sendable {
    case goods
    case works
    case financing
    /// The buyer's own staffing or labour dispatch.
    case staffing
    /// Duties the government must perform itself.
    case governmentDuty = "government_duty"
}

/// One entry of the guiding purchase catalogue (指导性目录).
public struct PurchaseCategory: Codable, Sendable, Equatable {
    public var id: UUID
    public var code: String
    public var parentCode: String?
    public var level: Int
    public var nameZh: String
    public var nameEn: String
    /// Set on an entry of the negative list; its descendants are excluded with it.
    public var negativeReason: NegativeReason?

    /// The level a code has by its shape, or nil when it has no valid shape:
    /// A (1), A01 (2), A0101 (3).
    public static func level(of code: String) -> Int? {
        let characters = Array(code)
        guard let first = characters.first, first.isASCII, first.isUppercase,
              characters.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        switch characters.count {
        case 1: return 1
        case 3: return 2
        case 5: return 3
        default: return nil
        }
    }

    /// The parent a code has by its shape: A0101 → A01 → A.
    public static func parentCode(of code: String) -> String? {
        switch level(of: code) {
        case 2: String(code.prefix(1))
        case 3: String(code.prefix(3))
        default: nil
        }
    }
}

extension Array where Element == PurchaseCategory {
    /// Why `code` may not be bought, or nil when it may: it must be in the catalogue, a third-level
    /// service, and neither on the negative list nor under an entry that is. The array must hold the
    /// code's lineage (or the whole catalogue).
    public func purchaseProblem(_ code: String) -> Message? {
        Self.purchaseProblem(code, in: Dictionary(uniqueKeysWithValues: map { ($0.code, $0) }))
    }

    private static func purchaseProblem(_ code: String, in byCode: [String: PurchaseCategory]) -> Message? {
        guard let category = byCode[code] else { return "\(code) is not in the guiding purchase catalogue" }
        guard category.level == 3 else { return "\(code) is a heading; choose one of the services (third level) under it" }
        var current: String? = code
        while let c = current {
            if let entry = byCode[c], let reason = entry.negativeReason {
                return "\(code) is on the negative list (\(entry.code) \(entry.nameZh): \(reason.rawValue)) and may not be bought as a service"
            }
            current = PurchaseCategory.parentCode(of: c)
        }
        return nil
    }

    /// The codes that may be bought (see `purchaseProblem`).
    public var purchasableCodes: Set<String> {
        let byCode = Dictionary(uniqueKeysWithValues: map { ($0.code, $0) })
        return Set(map(\.code).filter { Self.purchaseProblem($0, in: byCode) == nil })
    }
}

/// A jurisdiction's own addition to the negative list: it binds that jurisdiction and every one below it.
public struct NegativeEntry: Codable, Sendable, Equatable {
    public var id: UUID
    public var jurisdictionID: UUID
    /// A code of the guiding catalogue; a heading takes everything under it along.
    public var code: String
    public var reason: NegativeReason
    public var note: String
    public var createdAt: Date
}

/// One entry of the negative list as it holds in a jurisdiction: national (the guiding catalogue's own),
/// inherited from a jurisdiction above, or the jurisdiction's own; with what the reader may do to it.
public struct ApplicableNegativeEntry: Sendable {
    public var category: PurchaseCategory
    public var reason: NegativeReason
    /// The local entry; nil for a national one.
    public var entry: NegativeEntry?
    /// The jurisdiction that listed it; nil for a national one.
    public var listedBy: Jurisdiction?
    /// Listed by a jurisdiction above the one asked for (national entries count as inherited).
    public var inherited: Bool
    /// Whether the reader may remove it (a local entry of a jurisdiction whose catalogue they keep).
    public var mayRemove: Bool
}

/// The guiding catalogue as it holds in one jurisdiction (or nationally), with its negative list.
public struct NegativeListing: Sendable {
    /// The jurisdiction asked for; nil for the national view with every jurisdiction's entries.
    public var jurisdiction: Jurisdiction?
    /// Every entry of the catalogue, with the local entries that bind this jurisdiction applied.
    public var categories: [PurchaseCategory]
    public var entries: [ApplicableNegativeEntry]
}

extension Array where Element == PurchaseCategory {
    /// The catalogue as it holds where `entries` bind: each listed code that is not on the national
    /// negative list carries the entry's reason, so `purchaseProblem` and `purchasableCodes` apply them.
    public func applying(_ entries: [NegativeEntry]) -> [PurchaseCategory] {
        let reasons = Dictionary(entries.map { ($0.code, $0.reason) }, uniquingKeysWith: { first, _ in first })
        return map { category in
            var category = category
            if category.negativeReason == nil { category.negativeReason = reasons[category.code] }
            return category
        }
    }
}

/// What an import changed.
public struct ImportReport: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
    }
}
