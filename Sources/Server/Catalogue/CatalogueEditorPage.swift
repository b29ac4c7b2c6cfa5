import Catalogue
import Core
import Foundation
import Identity

/// The item editor (`/catalogue/new`, `/catalogue/items/{id}/edit`): a new item's code, department and list, or an
/// existing item's draft with what publishing it would change; the content as typed, each problem beside its input
/// (ids `item-<name>`) and summarised at the top.
struct CatalogueEditorPage {
    struct TierField {
        let name: String
        let label: String
        let tiers: [SelectOption]
        let input: FormField
    }

    struct MaterialChoice {
        let code: String
        let name: String
        let issuer: String
        let checked: Bool
        let retired: Bool
    }

    struct Change {
        let field: String
        let before: String
        let after: String
    }

    /// The draft being edited (nil for a new item).
    struct Draft {
        let itemId: String
        let code: String
        let published: Bool
        let version: Int
        /// A newer version was published since the draft began.
        let stale: Bool
        let basedOn: Int
        /// Only a saved draft can be published or discarded.
        let saved: Bool
        let changes: [Change]
        let hasChanges: Bool
    }

    let isNew: Bool
    let action: String
    let draft: Draft?
    /// Every input as typed, with its problem.
    let f: [String: FormField]
    let onTheSpot: Bool
    let channels: [SelectOption]
    let tierFields: [TierField]
    let materials: [MaterialChoice]
    /// For a new item: the departments that may own it and the lists the reader keeps.
    let departments: [SelectOption]
    let lists: [SelectOption]
    let notice: String?
    let problem: ProblemBlock?

    /// The form's inputs in its order; `draft` is the refusal of the draft as a whole (a list the reader does not keep, a publication refused).
    static let fields = ["code", "department", "jurisdictionCode", "nameZh", "nameEn", "legalBasis", "conditions", "procedure", "result", "onTheSpot",
                         "timeLimitDays", "channel", "fees", "acceptTier", "approveTier", "handleTier", "acceptDays", "approveDays", "materials"]

    /// An input's words on the page.
    static func label(_ name: String, say: (String) -> String) -> String {
        switch name {
        case "code": say("editor_code")
        case "department": say("catalogue_department")
        case "jurisdictionCode": say("editor_list")
        default: say("itemField_\(name)")
        }
    }

    /// `draft`: the draft edited (nil: a new item) with its pending `changes`; `materials` those that may be chosen; `departments`
    /// and `lists` for a new item; `errors` what was refused, in the service's words and order.
    static func model(draft: ItemDraft?, changes: [FieldChange], form: EditorForm, errors: [FieldError], materials: [Material],
                      departments: [Organisation], lists: [Jurisdiction], notice: String?, language: Language, say: (String) -> String,
                      message: (Message) -> String) -> CatalogueEditorPage {
        func name(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }
        // Headed "not saved, please correct", as the editor always said it.
        let refusal = errors.isEmpty ? nil : DomainError(.invalid, .verbatim(say("editor_errors")), fields: errors)
        let prefix = "item"
        let inputs = FormErrors(refusal, formField: { $0 }, message: message)
        let f = Dictionary(uniqueKeysWithValues: fields.map { ($0, inputs.field($0, prefix: prefix, form: form.fields)) })
        // The service's order, as before: each problem by its input's words, linked to it; a problem of the whole draft unlinked.
        let problem = refusal.map { refusal in
            ProblemBlock(refusal, message: message) { e in (label(e.field, say: say), fields.contains(e.field) ? "#" + FormField.id(prefix, e.field) : nil) }
        }
        let selected = Set(form.values("materials"))
        return CatalogueEditorPage(
            isNew: draft == nil, action: draft.map { "/catalogue/items/\($0.itemID.lowercased)/edit" } ?? "/catalogue/new",
            draft: draft.map { d in
                Draft(itemId: d.itemID.lowercased, code: d.code, published: d.publishedVersion != nil, version: d.publishedVersion ?? 0, stale: d.isStale,
                      basedOn: d.basedOnVersion ?? 0, saved: d.updatedAt != nil,
                      changes: changes.map { Change(field: say("itemField_\($0.field)"), before: $0.before, after: $0.after) }, hasChanges: !changes.isEmpty)
            },
            f: f, onTheSpot: form.value("onTheSpot") == "on",
            channels: Channel.allCases.map { SelectOption(value: $0.rawValue, label: say("channel_\($0.rawValue)"), selected: form.value("channel") == $0.rawValue) },
            tierFields: ["acceptTier", "approveTier", "handleTier"].map { field in
                TierField(name: field, label: say("itemField_\(field)"),
                          tiers: Tier.allCases.map { SelectOption(value: $0.rawValue, label: say("tier_\($0.rawValue)"), selected: form.value(field) == $0.rawValue) },
                          input: f[field]!)
            },
            materials: materials.filter { !$0.isRetired || selected.contains($0.code) }.map {
                MaterialChoice(code: $0.code, name: name($0.nameZh, $0.nameEn), issuer: $0.issuer, checked: selected.contains($0.code), retired: $0.isRetired)
            },
            departments: departments.map { SelectOption(value: $0.id.lowercased, label: name($0.nameZh, $0.nameEn), selected: $0.id.lowercased == form.value("department")) },
            lists: lists.map {
                SelectOption(value: $0.code, label: String(repeating: "— ", count: $0.path.count - 1) + name($0.nameZh, $0.nameEn),
                             selected: $0.code == form.value("jurisdictionCode"))
            },
            notice: notice, problem: problem)
    }
}
