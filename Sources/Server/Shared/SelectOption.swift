import Core
import Identity

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
