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
