import Core
import Foundation

/// The standard's form as the pages send it: the county, tier, titles and marks, and one line of fields per
/// requirement (`req3_code`, `req3_kind`, `req3_value`, `req3_points`); blank lines are skipped. The value of an area is
/// in m² with one decimal, of windows and staff a whole number, of equipment its name; the confirmed kinds take none.
public enum StandardForm {
    public static let headFields = ["jurisdictionCode", "tier", "titleZh", "titleEn", "meetsMark", "basicMark"]
    public static let lineFields = ["code", "kind", "value", "points"]

    /// How many requirement lines a form shows: those held and some blank ones, at most the standard's limit.
    public static func lines(holding count: Int) -> Int { min(StandardContent.maximumRequirements, count + 5) }

    /// The form's fields read as content. Everything unreadable and every rule of the content is refused together,
    /// each field named by its form line (`requirements[3].value`), so the page shows it beside its input.
    public static func content(_ form: [String: String]) throws -> StandardContent {
        var errors: [FieldError] = []
        func text(_ key: String) -> String { form[key]?.trimmingSpaces ?? "" }
        let tier = SiteTier(rawValue: text("tier"))
        if tier == nil { errors.append(FieldError("tier", "is required")) }
        func mark(_ key: String) -> Int {
            guard let value = NumberText.integer(text(key)), let small = Int(exactly: value), Bounds.gradeMark.contains(small) else {
                errors.append(FieldError(key, "must be a whole number from \(Bounds.gradeMark.lowerBound) to \(Bounds.gradeMark.upperBound)"))
                return Bounds.gradeMark.lowerBound
            }
            return small
        }
        let meets = mark("meetsMark")
        let basic = mark("basicMark")
        var requirements: [Requirement] = []
        var lineOf: [Int] = []
        for line in 0..<StandardContent.maximumRequirements {
            let prefix = "req\(line)_"
            let code = text(prefix + "code"), kindText = text(prefix + "kind"), value = text(prefix + "value"), pointsText = text(prefix + "points")
            if code.isEmpty && value.isEmpty && pointsText.isEmpty { continue }
            let field = "requirements[\(line)]"
            guard let kind = RequirementKind(rawValue: kindText) else {
                errors.append(FieldError("\(field).kind", "is required"))
                continue
            }
            var threshold: Int?
            var equipment: String?
            switch kind {
            case .minFloorArea, .minHallArea:
                if let tenths = NumberText.scaled(value, decimals: 1), let small = Int(exactly: tenths) { threshold = small } else {
                    errors.append(FieldError("\(field).threshold", "\(value) is not an area in m² with at most one decimal (e.g. 42.6)"))
                }
            case .minWindows, .minStaff:
                if let number = NumberText.integer(value), let small = Int(exactly: number) { threshold = small } else {
                    errors.append(FieldError("\(field).threshold", "\(value) is not a whole number"))
                }
            case .equipment: equipment = value
            case .hoursPosted, .fiveDisclosures, .firstResponsible, .abPosts: break
            }
            var points = 0
            if let number = NumberText.integer(pointsText), let small = Int(exactly: number) { points = small } else {
                errors.append(FieldError("\(field).points", "must be a whole number from \(Bounds.requirementPoints.lowerBound) to \(Bounds.requirementPoints.upperBound)"))
                points = Bounds.requirementPoints.lowerBound
            }
            requirements.append(Requirement(code: code, kind: kind, threshold: threshold, equipment: equipment, points: points))
            lineOf.append(line)
        }
        let content = StandardContent(jurisdictionCode: text("jurisdictionCode"), tier: tier ?? .villageStation, titleZh: text("titleZh"),
                                      titleEn: text("titleEn"), requirements: requirements, meetsMark: meets, basicMark: basic)
        // The content's own rules name requirements by their place in the list; the form names them by line.
        let problems = content.problems.map { problem -> FieldError in
            guard problem.field.hasPrefix("requirements["), let close = problem.field.firstIndex(of: "]"),
                  let index = Int(problem.field[problem.field.index(problem.field.startIndex, offsetBy: 13)..<close]), lineOf.indices.contains(index) else {
                return problem
            }
            return FieldError("requirements[\(lineOf[index])]" + problem.field[problem.field.index(after: close)...], problem.message)
        }
        if !errors.isEmpty {
            let named = Set(errors.map(\.field))
            throw DomainError.invalid(errors + problems.filter { !named.contains($0.field) && !($0.field == "basicMark" && named.contains("meetsMark")) })
        }
        return content
    }

    /// The form's fields of a standard's content, as `content(_:)` reads them back.
    public static func fields(of content: StandardContent) -> [String: String] {
        var form = ["jurisdictionCode": content.jurisdictionCode, "tier": content.tier.rawValue, "titleZh": content.titleZh,
                    "titleEn": content.titleEn, "meetsMark": String(content.meetsMark), "basicMark": String(content.basicMark)]
        for (line, r) in content.requirements.enumerated() {
            form["req\(line)_code"] = r.code
            form["req\(line)_kind"] = r.kind.rawValue
            form["req\(line)_value"] = value(of: r)
            form["req\(line)_points"] = String(r.points)
        }
        return form
    }

    /// What a requirement asks for as the pages write it: an area in m², a count, a piece of equipment, or nothing.
    public static func value(of requirement: Requirement) -> String {
        switch requirement.kind {
        case .minFloorArea, .minHallArea: requirement.threshold.map(SiteFile.area) ?? ""
        case .minWindows, .minStaff: requirement.threshold.map(String.init) ?? ""
        case .equipment: requirement.equipment ?? ""
        case .hoursPosted, .fiveDisclosures, .firstResponsible, .abPosts: ""
        }
    }
}
