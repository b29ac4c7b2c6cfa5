import Catalogue
import Core
import Foundation
import Identity

/// A jurisdiction to choose, indented by its depth.
struct JurisdictionChoice {
    let code: String
    let name: String
    let selected: Bool

    /// Every jurisdiction, parents before their children, the chosen one selected.
    static func choices(_ jurisdictions: [Jurisdiction], selected code: String?, language: Language) -> [JurisdictionChoice] {
        jurisdictions.sorted { $0.path.map(\.uuidString).joined() < $1.path.map(\.uuidString).joined() }.map {
            JurisdictionChoice(code: $0.code, name: String(repeating: "— ", count: $0.path.count - 1) + (language == .zh ? $0.nameZh : $0.nameEn),
                               selected: $0.code == code)
        }
    }
}

/// The public list of service items (`/catalogue`): a page of items matching the filters, with each item's list and
/// whether it is inherited from a jurisdiction above the one chosen, and how many items the chosen list holds.
struct CatalogueListPage {
    struct Row {
        let id: String
        let code: String
        let name: String
        let department: String
        let onTheSpot: Bool
        /// The jurisdiction whose list holds it.
        let list: String
        let inherited: Bool
        let days: Int
        /// The tier that accepts it, in words.
        let tier: String
    }

    struct Department {
        let id: String
        let name: String
        let selected: Bool
    }

    /// The jurisdiction chosen, with its own items and those it inherits (over every matching item).
    struct Chosen {
        let name: String
        let code: String
        let own: Int
        let inherited: Int
    }

    let q: String
    let items: [Row]
    let jurisdictions: [JurisdictionChoice]
    let departments: [Department]
    let tiers: [SelectOption]
    let spotYes: Bool
    let spotNo: Bool
    /// Over every matching item, not only the page shown.
    let total: Int
    let pager: Pager
    let chosen: Chosen?

    /// `entries`: the page shown (of `listing`); `search` the filters as asked.
    static func model(listing: ItemListing, entries: [ListedItem], search: ItemSearch, departments: [Organisation], jurisdictions: [Jurisdiction],
                      pager: Pager, language: Language, say: (String) -> String) -> CatalogueListPage {
        func name(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, name($0.nameZh, $0.nameEn)) })
        return CatalogueListPage(
            q: search.text,
            items: entries.map { entry in
                let item = entry.item
                return Row(id: item.id.lowercased, code: item.code, name: name(item.content.nameZh, item.content.nameEn), department: names[item.departmentID] ?? "",
                           onTheSpot: item.content.onTheSpot, list: entry.list.map { name($0.nameZh, $0.nameEn) } ?? "", inherited: entry.inherited,
                           days: item.content.timeLimitDays, tier: say("tier_\(item.content.authority.accept.rawValue)"))
            },
            jurisdictions: JurisdictionChoice.choices(jurisdictions, selected: listing.jurisdiction?.code, language: language),
            departments: departments.map { Department(id: $0.id.lowercased, name: name($0.nameZh, $0.nameEn), selected: $0.id == search.departmentID) },
            tiers: Tier.allCases.map { SelectOption(value: $0.rawValue, label: say("tier_\($0.rawValue)"), selected: $0 == search.tier) },
            spotYes: search.onTheSpot == true, spotNo: search.onTheSpot == false, total: listing.total, pager: pager,
            chosen: listing.jurisdiction.map { Chosen(name: name($0.nameZh, $0.nameEn), code: $0.code, own: listing.own, inherited: listing.total - listing.own) })
    }
}

/// The materials registry (`/catalogue/materials`): every certificate or stamp an item may require, those retired by
/// data sharing or a signed commitment, counted by issuer; the form to retire one for those who keep the registry.
struct MaterialsPage {
    struct Row {
        let code: String
        let name: String
        let issuer: String
        let retired: Bool
        /// Why it was retired ("" while in use).
        let reason: String
        let note: String
    }

    struct Issuer {
        let issuer: String
        let total: Int
        let retired: Int
    }

    let materials: [Row]
    let report: [Issuer]
    let total: Int
    let retiredCount: Int
    let canRetire: Bool

    static func model(materials: [Material], report: [MaterialsByIssuer], canRetire: Bool, language: Language, say: (String) -> String) -> MaterialsPage {
        MaterialsPage(
            materials: materials.map { m in
                Row(code: m.code, name: language == .zh ? m.nameZh : m.nameEn, issuer: m.issuer, retired: m.isRetired,
                    reason: m.retiredReason.map { say("retired_\($0.rawValue)") } ?? "", note: m.retiredNote ?? "")
            },
            report: report.map { Issuer(issuer: $0.issuer, total: $0.total, retired: $0.retired) },
            total: materials.count, retiredCount: materials.filter(\.isRetired).count, canRetire: canRetire)
    }
}

/// An item's published versions (`/catalogue/items/{id}/history`), newest first, each with what it changed.
struct ItemHistoryPage {
    struct Change {
        let field: String
        let before: String
        let after: String
    }

    struct Version {
        let version: Int
        let publishedAt: String
        /// The first version, which changed nothing.
        let first: Bool
        let hasChanges: Bool
        let changes: [Change]
    }

    let id: String
    let code: String
    let name: String
    let versions: [Version]

    /// `versions`: newest first, as the service gives them (at least one).
    static func model(versions: [(item: ServiceItem, changes: [FieldChange])], language: Language, say: (String) -> String) -> ItemHistoryPage {
        let current = versions[0].item
        return ItemHistoryPage(
            id: current.id.lowercased, code: current.code, name: language == .zh ? current.content.nameZh : current.content.nameEn,
            versions: versions.map { version, changes in
                Version(version: version.version, publishedAt: CatalogueController.dateFormatter.string(from: version.publishedAt),
                        first: changes.isEmpty && version.version == 1, hasChanges: !changes.isEmpty,
                        changes: changes.map { Change(field: say("itemField_\($0.field)"), before: $0.before, after: $0.after) })
            })
    }
}

/// The import page (`/catalogue/import`): the form, and after an upload what it changed or, refused, every error by
/// row and column (nothing changed).
struct ImportPage {
    struct Report {
        let created: Int
        let updated: Int
        let unchanged: Int
    }

    struct RowError {
        let row: String
        let column: String
        let message: String
    }

    /// Administrators also import the shared lists (materials, the purchase catalogue).
    let mayImportShared: Bool
    let filename: String?
    /// What was imported, in words.
    let kind: String?
    let report: Report?
    let errors: [RowError]
    /// The rows refused are of lists the user does not keep (rather than wrong).
    let refusedLists: Bool

    static func form(mayImportShared: Bool) -> ImportPage {
        ImportPage(mayImportShared: mayImportShared, filename: nil, kind: nil, report: nil, errors: [], refusedLists: false)
    }

    static func imported(_ report: ImportReport, mayImportShared: Bool, filename: String, kind: String) -> ImportPage {
        ImportPage(mayImportShared: mayImportShared, filename: filename, kind: kind,
                   report: Report(created: report.created, updated: report.updated, unchanged: report.unchanged), errors: [], refusedLists: false)
    }

    /// A refused file: each field error (`rows[7].nameZh`) by row and column.
    static func refused(_ error: DomainError, mayImportShared: Bool, filename: String, kind: String, message: (Message) -> String) -> ImportPage {
        ImportPage(mayImportShared: mayImportShared, filename: filename, kind: kind, report: nil,
                   errors: error.fields.map { field in
                       let (row, column) = CatalogueController.split(field.field)
                       return RowError(row: row, column: column, message: message(field.message))
                   },
                   refusedLists: error.kind == .forbidden)
    }
}

/// The drafts of the lists the reader keeps (`/catalogue/drafts`): new items and edits waiting to be published, an
/// edit marked stale when a newer version was published since it began.
struct DraftsPage {
    struct Row {
        let id: String
        let code: String
        let name: String
        let isNew: Bool
        let stale: Bool
        /// The published version the edit began from (0 for a new item).
        let basedOn: Int
        let updatedAt: String
    }

    let drafts: [Row]

    static func model(drafts: [ItemDraft], language: Language) -> DraftsPage {
        DraftsPage(drafts: drafts.map { d in
            Row(id: d.itemID.lowercased, code: d.code, name: language == .zh ? d.content.nameZh : d.content.nameEn, isNew: d.publishedVersion == nil,
                stale: d.isStale, basedOn: d.basedOnVersion ?? 0, updatedAt: d.updatedAt.map(CatalogueController.dateFormatter.string(from:)) ?? "")
        })
    }
}

/// A service item's page (`/catalogue/items/{id}`): what it is, its procedure and materials (those retired since
/// marked), its time limit, which tier accepts, approves and handles it, where each jurisdiction offers it, and for
/// its list's keepers the way to edit it and the form to describe where a jurisdiction offers it.
struct ItemPage {
    struct MaterialRow {
        let code: String
        let name: String
        let issuer: String
    }

    struct RetiredRow {
        let code: String
        let name: String
        let reason: String
        let note: String
    }

    /// One tier's part in the item.
    struct GridRow {
        let tier: String
        let accepts: Bool
        let approves: Bool
        let handles: Bool
        let acceptDays: Int
        let approveDays: Int
    }

    struct Local {
        let jurisdiction: String
        let address: String
        let phone: String
        let hours: String
        let notes: String
    }

    struct Choice {
        let code: String
        let name: String
    }

    let id: String
    let code: String
    let version: Int
    let name: String
    let otherName: String
    let department: String
    let departmentID: String
    let list: String
    let listCode: String
    let legalBasis: String
    let conditions: String
    let procedure: [String]
    let result: String
    let days: Int
    let onTheSpot: Bool
    let channel: String
    let fees: String
    let required: [MaterialRow]
    let retired: [RetiredRow]
    let grid: [GridRow]
    /// The reader keeps the item's list.
    let canEdit: Bool
    /// The reader has a draft of it.
    let hasDraft: Bool
    let local: [Local]
    /// The jurisdictions whose local details the reader may set (their own and those below it).
    let localChoices: [Choice]

    /// `draft`: nil unless the reader keeps the item's list (then whether they have a draft of it).
    static func model(item: ServiceItem, required: [Material], retired: [Material], department: Organisation, list: Jurisdiction?, draft: Bool?,
                      local: [LocalDetails], jurisdictions: [Jurisdiction], localChoices: [Jurisdiction], language: Language,
                      say: (String) -> String) -> ItemPage {
        func name(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }
        let c = item.content
        let byID = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0) })
        return ItemPage(
            id: item.id.lowercased, code: item.code, version: item.version, name: name(c.nameZh, c.nameEn), otherName: name(c.nameEn, c.nameZh),
            department: name(department.nameZh, department.nameEn), departmentID: department.id.lowercased,
            list: list.map { name($0.nameZh, $0.nameEn) } ?? "", listCode: list?.code ?? "",
            legalBasis: c.legalBasis, conditions: c.conditions, procedure: c.procedure, result: c.result, days: c.timeLimitDays, onTheSpot: c.onTheSpot,
            channel: say("channel_\(c.channel.rawValue)"), fees: c.fees,
            required: required.map { MaterialRow(code: $0.code, name: name($0.nameZh, $0.nameEn), issuer: $0.issuer) },
            retired: retired.map {
                RetiredRow(code: $0.code, name: name($0.nameZh, $0.nameEn), reason: $0.retiredReason.map { say("retired_\($0.rawValue)") } ?? "",
                           note: $0.retiredNote ?? "")
            },
            grid: Tier.allCases.map { tier in
                GridRow(tier: say("tier_\(tier.rawValue)"), accepts: c.authority.accept == tier, approves: c.authority.approve == tier,
                        handles: c.authority.handle == tier, acceptDays: c.authority.acceptDays, approveDays: c.authority.approveDays)
            },
            canEdit: draft != nil, hasDraft: draft ?? false,
            local: local.compactMap { d in
                byID[d.jurisdictionID].map { j in
                    Local(jurisdiction: name(j.nameZh, j.nameEn), address: d.address, phone: d.phone, hours: d.hours, notes: d.notes)
                }
            },
            localChoices: localChoices.map { Choice(code: $0.code, name: String(repeating: "— ", count: $0.path.count - 1) + name($0.nameZh, $0.nameEn)) })
    }
}

/// The guiding purchase catalogue (`/catalogue/purchase`) as it holds in the chosen jurisdiction (or nationally): each
/// category purchasable or, with its reason, on the negative list; the negative list with what is inherited from
/// above marked; for those who keep a jurisdiction's catalogue the form to add an entry, which a refusal answers with
/// its errors and what was typed.
struct PurchaseCataloguePage {
    struct Category {
        let code: String
        let level: Int
        let name: String
        let otherName: String
        let purchasable: Bool
        /// Why it may not be bought, when it is on the negative list.
        let negative: String?
    }

    struct Entry {
        let code: String
        let name: String
        let reason: String
        let note: String
        /// The jurisdiction that listed it ("national" for the national list).
        let source: String
        let inherited: Bool
        /// The local entry's id ("" for a national one).
        let id: String
        let mayRemove: Bool
    }

    struct Problem {
        let field: String
        let message: String
    }

    struct Chosen {
        let name: String
        let code: String
    }

    let categories: [Category]
    let entries: [Entry]
    let canImport: Bool
    let jurisdictions: [JurisdictionChoice]
    let errors: [Problem]
    /// The add form as typed.
    let form: [String: String]
    let reasons: [SelectOption]
    /// The jurisdictions whose negative lists the reader keeps (empty: no form).
    let keptJurisdictions: [JurisdictionChoice]
    let chosen: Chosen?
    let chosenCode: String?

    /// `kept`: the jurisdictions whose catalogue the reader keeps (none for a visitor).
    static func model(listing: NegativeListing, jurisdictions: [Jurisdiction], kept: [Jurisdiction], canImport: Bool, form: [String: String],
                      errors: [FieldError], language: Language, say: (String) -> String, message: (Message) -> String) -> PurchaseCataloguePage {
        func name(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }
        let purchasable = listing.categories.purchasableCodes
        let negative = Dictionary(listing.categories.compactMap { c in c.negativeReason.map { (c.code, $0) } }, uniquingKeysWith: { a, _ in a })
        return PurchaseCataloguePage(
            categories: listing.categories.map { c in
                Category(code: c.code, level: c.level, name: name(c.nameZh, c.nameEn), otherName: name(c.nameEn, c.nameZh), purchasable: purchasable.contains(c.code),
                         negative: negative[c.code].map { say("negative_\($0.rawValue)") })
            },
            entries: listing.entries.map { e in
                Entry(code: e.category.code, name: name(e.category.nameZh, e.category.nameEn), reason: say("negative_\(e.reason.rawValue)"),
                      note: e.entry?.note ?? "", source: e.listedBy.map { name($0.nameZh, $0.nameEn) } ?? say("negativeList_national"),
                      inherited: e.inherited, id: e.entry?.id.lowercased ?? "", mayRemove: e.mayRemove)
            },
            canImport: canImport,
            jurisdictions: JurisdictionChoice.choices(jurisdictions, selected: listing.jurisdiction?.code, language: language),
            errors: errors.map { Problem(field: say("negativeField_\($0.field)"), message: message($0.message)) },
            form: form,
            reasons: NegativeReason.allCases.map { SelectOption(value: $0.rawValue, label: say("negative_\($0.rawValue)"), selected: form["reason"] == $0.rawValue) },
            keptJurisdictions: JurisdictionChoice.choices(kept, selected: form["jurisdictionCode"] ?? listing.jurisdiction?.code, language: language),
            chosen: listing.jurisdiction.map { Chosen(name: name($0.nameZh, $0.nameEn), code: $0.code) }, chosenCode: listing.jurisdiction?.code)
    }
}
