import Mustache
import Synchronization

/// A page model flattened for Mustache before it renders (issue 25). Mustache finds a struct's keys through `Mirror`,
/// reflecting every stored property on each lookup, and a key a list's row does not have (a word of `t`, a flag of the
/// page) is looked for in the row, then in each context further out. Profiled on the tender list (50 rows), those
/// lookups were two thirds of the request. Flattened once, each struct of the model becomes a dictionary: one
/// reflection per struct, then hashed lookups.
///
/// What the templates see does not change: the same names, nil optionals left out (so a section on one is skipped and a
/// lookup goes further out, as with `Mirror`), lists as lists. Values that render themselves (strings, numbers, enums,
/// Foundation's types, Mustache's lambdas) and models that already name their keys (`MustacheParent`) are kept as they are.
enum TemplateData {
    static func flatten(_ value: Any) -> Any? {
        switch value {
        case is String, is Int, is Bool, is MustacheParent, is MustacheLambda, is MustacheCustomRepresentation:
            return value
        default:
            break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { flatten($0.value) }
        case .collection:
            guard value is [Any] else { return value }
            return mirror.children.compactMap { flatten($0.value) }
        case .struct where flattens(type(of: value)):
            return fields(of: mirror)
        default:
            return value
        }
    }

    /// Our own page models, not the standard library's or Foundation's structs (a `Date` renders as itself).
    /// A page model's stored properties by name, each flattened; nil optionals left out.
    static func fields(of model: Any) -> [String: Any] {
        fields(of: Mirror(reflecting: model))
    }

    private static func fields(of mirror: Mirror) -> [String: Any] {
        var object: [String: Any] = [:]
        object.reserveCapacity(Int(mirror.children.count))
        for child in mirror.children {
            guard let label = child.label, let flat = flatten(child.value) else { continue }
            object[label] = flat
        }
        return object
    }

    /// Known per type, as naming a type costs more than the lookup.
    private static func flattens(_ type: Any.Type) -> Bool {
        let key = ObjectIdentifier(type)
        if let known = known.withLock({ $0[key] }) { return known }
        let name = String(reflecting: type)
        let answer = !(name.hasPrefix("Swift.") || name.hasPrefix("Foundation") || name.hasPrefix("Mustache.") || name.hasPrefix("NIO"))
        known.withLock { $0[key] = answer }
        return answer
    }

    private static let known = Mutex<[ObjectIdentifier: Bool]>([:])
}
