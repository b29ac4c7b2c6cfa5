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
