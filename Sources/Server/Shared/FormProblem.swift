import Core
import Foundation

// A refused form, as every form answers it (issue 22): the summary at the top names each field by its label on the
// page and links to its input; each input shows its own error beside it and what was typed.

/// A refusal as the pages show it (`{{> shared/problem}}`): the detail and every field's message, linked to its input.
struct ProblemBlock {
    struct Field {
        let field: String
        let message: String
        let href: String?
    }

    let detail: String
    let hasFields: Bool
    let fields: [Field]

    /// The refusal in the page's words; `describe` names each field's label and the input it links to (nil: no link).
    init(_ error: DomainError, message: (Message) -> String, describe: (FieldError) -> (label: String, href: String?)) {
        detail = message(error.detail)
        hasFields = !error.fields.isEmpty
        fields = error.fields.map { field in
            let (label, href) = describe(field)
            return Field(field: label, message: message(field.message), href: href)
        }
    }

    /// The refusal of a form whose inputs it does not link: each field named as the service names it.
    init(_ error: DomainError, message: (Message) -> String) {
        self.init(error, message: message) { f in (f.field, nil) }
    }

    /// A refusal told in the page's own words, naming no field.
    init(detail: String) {
        self.detail = detail
        hasFields = false
        fields = []
    }
}

/// A form's input with what was typed and its own error, `id` naming it for the label and the summary's link.
struct FormField {
    let id: String
    let value: String
    let error: String?

    /// The id of form field `name` on a form whose ids start with `prefix`.
    static func id(_ prefix: String, _ name: String) -> String { prefix + "-" + name }
}

/// A refusal's field messages by the form field each belongs to, said in the page's language.
struct FormErrors {
    private var messages: [String: [String]] = [:]

    init(_ problem: DomainError?, formField: (String) -> String, message: (Message) -> String) {
        for field in problem?.fields ?? [] { messages[formField(field.field), default: []].append(message(field.message)) }
    }

    /// The field's messages joined, or nil when it has none.
    subscript(_ name: String) -> String? { messages[name].map { $0.joined(separator: "; ") } }

    /// A form field with its typed value and its error; its id is `prefix-name`.
    func field(_ name: String, prefix: String, form: [String: String]) -> FormField {
        FormField(id: FormField.id(prefix, name), value: form[name] ?? "", error: self[name])
    }
}

/// A refused form's summary and fields in one: `names` are the form's inputs (ids `prefix-name`), `formField` finds
/// the input a service's field belongs to (`criteria[1].weight` → `criterion1`), `label` its words on the page.
/// A field the form has no input for is named as the service names it, unlinked. The summary lists them in the form's order.
struct RefusedForm {
    let problem: ProblemBlock?
    let fields: [String: FormField]

    init(_ refusal: DomainError?, prefix: String, names: [String], form: [String: String], formField: (String) -> String = { $0 },
         label: (String) -> String, message: (Message) -> String) {
        // The summary lists the problems in the form's order (those of no input last, as the service said them).
        var refusal = refusal
        if let said = refusal?.fields {
            let place = said.map { names.firstIndex(of: formField($0.field)) ?? names.count }
            refusal?.fields = said.indices.sorted { (place[$0], $0) < (place[$1], $1) }.map { said[$0] }
        }
        let errors = FormErrors(refusal, formField: formField, message: message)
        fields = Dictionary(uniqueKeysWithValues: names.map { ($0, errors.field($0, prefix: prefix, form: form)) })
        problem = refusal.map { refusal in
            ProblemBlock(refusal, message: message) { f in
                let name = formField(f.field)
                return names.contains(name) ? (label(name), "#" + FormField.id(prefix, name)) : (f.field, nil)
            }
        }
    }
}
