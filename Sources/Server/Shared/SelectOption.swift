import Core
import Identity
import Mustache

/// An option of a select as a page model gives it: its value, its words, and whether it is chosen.
struct SelectOption {
    let value: String
    let label: String
    let selected: Bool

    init(value: String, label: String, selected: Bool = false) {
        self.value = value
        self.label = label
        self.selected = selected
    }
}

/// Named without reflection: Mustache looks a struct's keys up through `Mirror`, which took half of a page with a few
/// hundred options (the directory's areas and services, profiled). A page's long lists implement `MustacheParent`; a
/// key the list item does not have is nil, and the template looks it up further out, as with `Mirror`.
extension SelectOption: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}

extension SelectOption {
    /// The jurisdictions as a select's options, indented by depth (a district, "— " its streets), in the page's language.
    static func jurisdictions(_ all: [Jurisdiction], selected: (String) -> Bool, language: Language) -> [SelectOption] {
        all.map { j in
            SelectOption(value: j.code, label: String(repeating: "— ", count: max(0, j.path.count - 1)) + (language == .zh ? j.nameZh : j.nameEn),
                         selected: selected(j.code))
        }
    }
}

/// The words a page model needs, without HTTP: the page's language, a template word by key, a message in that
/// language. Page-model tests pass keys and English through.
struct PageWords {
    let language: Language
    let say: (String) -> String
    let message: (Message) -> String

    init(language: Language, say: @escaping (String) -> String, message: @escaping (Message) -> String) {
        self.language = language
        self.say = say
        self.message = message
    }

    init(_ views: Views, _ context: AppRequestContext) {
        self.init(language: context.language, say: { views.text($0, context) }, message: { views.say($0, context) })
    }
}
