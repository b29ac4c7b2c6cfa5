import Identity

extension Organisation {
    /// The organisation's name in the reader's language.
    func name(in language: Language) -> String { language == .zh ? nameZh : nameEn }
}

extension Views {
    /// A sentence with its `{name}`s replaced by the values of those names.
    static func fill(_ sentence: String, named values: [String: String]) -> String {
        values.reduce(sentence) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }
}
