import Core
import Foundation
import Identity

/// An organisation's facts as every page names them.
struct OrganisationFacts {
    let id: String
    let reference: String
    let name: String
    let nameZh: String
    let nameEn: String
    let creditCode: String
    let kind: String
    let kindLabel: String

    init(_ organisation: Organisation, words: PageWords) {
        id = organisation.id.lowercased
        reference = organisation.reference
        name = words.language == .zh ? organisation.nameZh : organisation.nameEn
        nameZh = organisation.nameZh
        nameEn = organisation.nameEn
        creditCode = organisation.creditCode ?? ""
        kind = organisation.kind.rawValue
        kindLabel = words.say("kind_\(organisation.kind.rawValue)")
    }
}

/// `/organisations`: a page of organisations in name order, filtered by kind.
struct OrganisationsPage {
    let organisations: [OrganisationFacts]
    let kinds: [SelectOption]
    let empty: Bool
    let next: String?
}

/// `/jurisdictions`: the tree of jurisdictions, roots first.
struct JurisdictionsPage {
    struct Node {
        let name: String
        let code: String
        let tier: String
        let children: [Node]
    }
    let roots: [Node]

    init(_ all: [Jurisdiction], words: PageWords) {
        let byParent = Dictionary(grouping: all, by: \.parentID)
        func node(_ j: Jurisdiction) -> Node {
            Node(name: words.language == .zh ? j.nameZh : j.nameEn, code: j.code, tier: words.say("tier_\(j.tier.rawValue)"),
                 children: (byParent[j.id] ?? []).map(node))
        }
        roots = (byParent[nil] ?? []).map(node)
    }
}

/// `/login`: where to go after, the name typed, and why the last try was refused.
struct LoginPage {
    let next: String
    let username: String
    let error: String?
}

/// `/admin/organisations/new`: the administrator's form, refused with every error beside its field.
struct NewOrganisationPage {
    static let inputs = ["kind", "nameZh", "nameEn", "creditCode", "jurisdictionCode"]
    let kinds: [SelectOption]
    let jurisdictions: [SelectOption]
    let refused: RefusedForm

    init(jurisdictions: [Jurisdiction], form: [String: String], refusal: DomainError?, words: PageWords) {
        kinds = OrganisationKind.allCases.map {
            SelectOption(value: $0.rawValue, label: words.say("kind_\($0.rawValue)"), selected: form["kind"] == $0.rawValue)
        }
        self.jurisdictions = SelectOption.jurisdictions(jurisdictions, selected: { form["jurisdictionCode"] == $0 }, language: words.language)
        refused = RefusedForm(refusal, prefix: "org", names: Self.inputs, form: form, label: { words.say("field_\($0)") },
                              message: { words.message($0) })
    }
}
