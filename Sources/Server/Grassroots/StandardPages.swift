import Core
import Foundation
import Grassroots
import Identity

/// A requirement as the pages list it: what it asks, in the reader's language, and its points.
struct RequirementLine {
    let code: String
    let kind: String
    /// What a minimum or an equipment requirement asks (≥ 15 m², ≥ 2, 计算机); empty for the confirmed kinds.
    let value: String
    let measured: Bool
    let points: Int

    init(_ r: Requirement, say: (String) -> String) {
        code = r.code
        kind = say("requirementKind_\(r.kind.rawValue)")
        switch r.kind {
        case .minFloorArea, .minHallArea: value = "≥ \(StandardForm.value(of: r)) m²"
        case .minWindows, .minStaff: value = "≥ \(StandardForm.value(of: r))"
        case .equipment: value = StandardForm.value(of: r)
        case .hoursPosted, .fiveDisclosures, .firstResponsible, .abPosts: value = ""
        }
        measured = r.kind.isMeasured
        points = r.points
    }
}

/// A share in tenths of a per cent as the pages write it (70.1 %), or a dash.
func sharePercent(_ permille: Int?) -> String {
    guard let permille else { return "—" }
    return "\(permille / 10).\(permille % 10) %"
}

/// A score in hundredths of a per cent (87.50).
func scorePercent(_ hundredths: Int) -> String {
    "\(hundredths / 100).\(String(format: "%02d", hundredths % 100))"
}

/// `/standards`: the county's summary per tier (share of sites meeting the standard, share below) and the standards.
struct StandardListPage {
    struct Standing {
        let tier: String
        let sites: Int
        let inspected: Int
        let meets: Int
        let basic: Int
        let below: Int
        let meetingShare: String
        let belowShare: String
        /// The width of the bar of sites below the standard, in per cent of the inspected (an inline SVG).
        let belowWidth: Int
    }

    struct Row {
        let id: String
        let jurisdiction: String
        let tier: String
        let title: String
        let version: Int
        let requirements: Int
        let marks: String
    }

    let jurisdictions: [SiteOption]
    let jurisdictionCode: String
    let standings: [Standing]
    let standards: [Row]
    let mayKeep: Bool

    static func model(standings: [TierStanding], standards: [SiteStandard], jurisdictions: [Jurisdiction], jurisdictionCode: String?,
                      mayKeep: Bool, language: Language, say: (String) -> String) -> StandardListPage {
        let byID = Dictionary(jurisdictions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func name(_ j: Jurisdiction) -> String { language == .zh ? j.nameZh : j.nameEn }
        return StandardListPage(
            jurisdictions: jurisdictions.filter { $0.tier != .community }.sorted { $0.code < $1.code }.map {
                SiteOption(value: $0.code, label: ($0.tier == .street ? "　" : "") + name($0), selected: $0.code == jurisdictionCode)
            },
            jurisdictionCode: jurisdictionCode ?? "",
            standings: standings.map {
                Standing(tier: say("siteTier_\($0.tier.rawValue)"), sites: $0.sites, inspected: $0.inspected, meets: $0.meets, basic: $0.basic,
                         below: $0.below, meetingShare: sharePercent($0.meetingShare), belowShare: sharePercent($0.belowShare),
                         belowWidth: (($0.belowShare ?? 0) + 5) / 10)
            },
            standards: standards.map { s in
                let c = s.content
                return Row(id: s.id.lowercased, jurisdiction: byID[s.jurisdictionID].map(name) ?? c.jurisdictionCode, tier: say("siteTier_\(c.tier.rawValue)"),
                           title: language == .en && !c.titleEn.isEmpty ? c.titleEn : c.titleZh, version: s.current.version,
                           requirements: c.requirements.count, marks: "\(c.meetsMark) / \(c.basicMark)")
            },
            mayKeep: mayKeep)
    }
}

/// `/standards/{id}`: the version in force, and the earlier versions.
struct StandardDetailPage {
    struct Version {
        let version: Int
        let createdAt: String
        let marks: String
        let requirements: [RequirementLine]
    }

    let id: String
    let title: String
    let jurisdiction: String
    let tier: String
    let version: Int
    let meetsMark: Int
    let basicMark: Int
    let totalPoints: Int
    let requirements: [RequirementLine]
    let earlier: [Version]
    let mayEdit: Bool
    let notice: String?

    static func model(view: StandardView, versions: [StandardVersion], jurisdiction: Jurisdiction?, notice: String?, language: Language,
                      say: (String) -> String) -> StandardDetailPage {
        let s = view.standard
        let c = s.content
        return StandardDetailPage(
            id: s.id.lowercased, title: language == .en && !c.titleEn.isEmpty ? c.titleEn : c.titleZh,
            jurisdiction: jurisdiction.map { language == .zh ? $0.nameZh : $0.nameEn } ?? c.jurisdictionCode,
            tier: say("siteTier_\(c.tier.rawValue)"), version: s.current.version, meetsMark: c.meetsMark, basicMark: c.basicMark,
            totalPoints: c.totalPoints, requirements: c.requirements.map { RequirementLine($0, say: say) },
            earlier: versions.filter { $0.version != s.current.version }.map { v in
                Version(version: v.version, createdAt: WorkingCalendar().describe(v.createdAt), marks: "\(v.content.meetsMark) / \(v.content.basicMark)",
                        requirements: v.content.requirements.map { RequirementLine($0, say: say) })
            },
            mayEdit: view.mayEdit, notice: notice)
    }
}

/// The standard's form: the head fields and one line per requirement, each field with its value and its own error.
struct StandardFormPage {
    typealias Field = FormField

    struct Line {
        /// The line's number as shown (from 1).
        let index: Int
        /// The prefix of its fields' names (req0).
        let name: String
        let kinds: [SiteOption]
        let code: Field
        let kind: Field
        let value: Field
        let points: Field
    }

    let isNew: Bool
    let action: String
    let standardID: String?
    let problem: ProblemBlock?
    let tiers: [SiteOption]
    let jurisdictions: [SiteOption]
    let jurisdictionCode: Field
    let tier: Field
    let titleZh: Field
    let titleEn: Field
    let meetsMark: Field
    let basicMark: Field
    let lines: [Line]

    /// The form field of a service's field error (`requirements[3].threshold` → req3_value).
    static func formField(of field: String) -> String {
        guard field.hasPrefix("requirements["), let close = field.firstIndex(of: "]") else { return String(field.prefix { $0 != "[" && $0 != "." }) }
        let line = field[field.index(field.startIndex, offsetBy: 13)..<close]
        let part = field[field.index(after: close)...].drop { $0 == "." }
        let name = part == "threshold" || part == "equipment" ? "value" : (part.isEmpty ? "code" : String(part))
        return "req\(line)_\(name)"
    }

    static func fieldNames(lines: Int) -> [String] {
        StandardForm.headFields + (0..<lines).flatMap { line in StandardForm.lineFields.map { "req\(line)_\($0)" } }
    }

    static func model(standardID: UUID?, form: [String: String], lines: Int, jurisdictions: [Jurisdiction], problem: DomainError?, language: Language,
                      say: (String) -> String, message: (Message) -> String) -> StandardFormPage {
        let errors = FormErrors(problem, formField: formField(of:), message: message)
        func field(_ name: String) -> Field { errors.field(name, prefix: "standard", form: form) }
        let names = Set(fieldNames(lines: lines))
        let block = problem.map { problem in
            ProblemBlock(problem, message: message) { f in
                let name = formField(of: f.field)
                let known = names.contains(name)
                let label: String
                if name.hasPrefix("req"), let underscore = name.firstIndex(of: "_") {
                    let line = Int(name[name.index(name.startIndex, offsetBy: 3)..<underscore]) ?? 0
                    label = "\(say("standards_requirement")) \(line + 1) · \(say("standardField_\(name[name.index(after: underscore)...])"))"
                } else {
                    label = known ? say("standardField_\(name)") : f.field
                }
                return (label, known ? "#" + FormField.id("standard", name) : nil)
            }
        }
        return StandardFormPage(
            isNew: standardID == nil, action: standardID.map { "/standards/\($0.lowercased)" } ?? "/standards", standardID: standardID?.lowercased,
            problem: block,
            tiers: SiteTier.allCases.map { SiteOption(value: $0.rawValue, label: say("siteTier_\($0.rawValue)"), selected: form["tier"] == $0.rawValue) },
            jurisdictions: jurisdictions.sorted { $0.code < $1.code }.map {
                SiteOption(value: $0.code, label: "\(language == .zh ? $0.nameZh : $0.nameEn) (\($0.code))", selected: form["jurisdictionCode"] == $0.code)
            },
            jurisdictionCode: field("jurisdictionCode"), tier: field("tier"), titleZh: field("titleZh"), titleEn: field("titleEn"),
            meetsMark: field("meetsMark"), basicMark: field("basicMark"),
            lines: (0..<lines).map { line in
                let kind = form["req\(line)_kind"] ?? ""
                return Line(index: line + 1, name: "req\(line)",
                            kinds: RequirementKind.allCases.map { SiteOption(value: $0.rawValue, label: say("requirementKind_\($0.rawValue)"), selected: $0.rawValue == kind) },
                            code: field("req\(line)_code"), kind: field("req\(line)_kind"), value: field("req\(line)_value"), points: field("req\(line)_points"))
            })
    }
}

/// `/sites/{id}/inspections`: the site's grade history and what its latest inspection found missing.
struct SiteGradesPage {
    struct Row {
        let id: String
        let inspectedOn: String
        let version: Int
        let score: String
        let grade: String
        let gradeKey: String
        let missing: Int
    }

    let siteID: String
    let code: String
    let name: String
    let tier: String
    let standard: String?
    let standardID: String?
    let latestGrade: String?
    let latestGradeKey: String?
    let latestScore: String?
    let missing: [RequirementLine]
    let allMet: Bool
    let history: [Row]
    let mayInspect: Bool
    let notice: String?

    static func model(site: ServiceSite, standard: SiteStandard?, inspections: [InspectionView], mayInspect: Bool, notice: String?,
                      language: Language, say: (String) -> String) -> SiteGradesPage {
        let c = site.content
        let latest = inspections.first
        return SiteGradesPage(
            siteID: site.id.lowercased, code: c.code, name: language == .en && !c.nameEn.isEmpty ? c.nameEn : c.nameZh,
            tier: say("siteTier_\(c.tier.rawValue)"),
            standard: standard.map { language == .en && !$0.content.titleEn.isEmpty ? $0.content.titleEn : $0.content.titleZh },
            standardID: standard?.id.lowercased,
            latestGrade: latest.map { say("siteGrade_\($0.inspection.grade.rawValue)") }, latestGradeKey: latest?.inspection.grade.rawValue,
            latestScore: latest.map { scorePercent($0.inspection.score) },
            missing: latest?.missing.map { RequirementLine($0, say: say) } ?? [],
            allMet: latest != nil && latest?.missing.isEmpty == true,
            history: inspections.map { v in
                Row(id: v.inspection.id.lowercased, inspectedOn: v.inspection.inspectedOn, version: v.inspection.standardVersion,
                    score: scorePercent(v.inspection.score), grade: say("siteGrade_\(v.inspection.grade.rawValue)"), gradeKey: v.inspection.grade.rawValue,
                    missing: v.missing.count)
            },
            mayInspect: mayInspect, notice: notice)
    }
}

/// `/sites/{id}/inspections/{inspectionId}`: every requirement's score and the evidence.
struct InspectionPage {
    struct Score {
        let code: String
        let kind: String
        let value: String
        let points: Int
        let met: Bool
        let observed: String?
        let files: [File]
    }

    struct File {
        let href: String?
        let filename: String
        let sha256: String
        let size: Int
    }

    let siteID: String
    let code: String
    let name: String
    let inspectedOn: String
    let version: Int
    let points: Int
    let totalPoints: Int
    let score: String
    let grade: String
    let gradeKey: String
    let notes: String?
    let scores: [Score]

    static func model(site: ServiceSite, view: InspectionView, language: Language, say: (String) -> String) -> InspectionPage {
        let i = view.inspection
        let byCode = Dictionary(view.requirements.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let base = "/sites/\(site.id.lowercased)/inspections/\(i.id.lowercased)/evidence/"
        return InspectionPage(
            siteID: site.id.lowercased, code: site.content.code,
            name: language == .en && !site.content.nameEn.isEmpty ? site.content.nameEn : site.content.nameZh,
            inspectedOn: i.inspectedOn, version: i.standardVersion, points: i.points, totalPoints: i.totalPoints, score: scorePercent(i.score),
            grade: say("siteGrade_\(i.grade.rawValue)"), gradeKey: i.grade.rawValue, notes: i.notes.isEmpty ? nil : i.notes,
            scores: i.scores.map { score in
                let line = byCode[score.code].map { RequirementLine($0, say: say) }
                return Score(code: score.code, kind: line?.kind ?? score.code, value: line?.value ?? "", points: line?.points ?? 0, met: score.met,
                             observed: score.observed,
                             files: i.evidence.filter { $0.requirementCode == score.code }.map {
                                 File(href: view.mayReadEvidence ? base + $0.id.lowercased : nil, filename: $0.filename, sha256: $0.sha256, size: $0.size)
                             })
            })
    }
}

/// The inspection form: the day, a yes/no per confirmed requirement (the measured ones shown as the record has them),
/// notes, and up to three files each for a requirement.
struct InspectionFormPage {
    struct Confirm {
        let code: String
        let kind: String
        let points: Int
        let field: String
        let yes: Bool
        let no: Bool
        let error: String?
    }

    struct Measured {
        let code: String
        let kind: String
        let value: String
        let points: Int
        let met: Bool
        let observed: String
    }

    struct Upload {
        let index: Int
        let options: [SiteOption]
        let error: String?
    }

    let siteID: String
    let code: String
    let name: String
    let standard: String
    let version: Int
    let problem: ProblemBlock?
    let inspectedOn: StandardFormPage.Field
    let notes: StandardFormPage.Field
    let confirms: [Confirm]
    let measured: [Measured]
    let uploads: [Upload]

    static let uploadCount = 3

    static func model(site: ServiceSite, standard: SiteStandard, form: [String: String], problem: DomainError?, language: Language,
                      say: (String) -> String, message: (Message) -> String) -> InspectionFormPage {
        let errors = FormErrors(problem, formField: { field in
            if field.hasPrefix("confirmations.") { return "confirm_" + field.dropFirst("confirmations.".count) }
            if field.hasPrefix("evidence[") { return "file" + field.dropFirst("evidence[".count).prefix { $0 != "]" } }
            return field
        }, message: message)
        func field(_ name: String) -> StandardFormPage.Field { errors.field(name, prefix: "inspection", form: form) }
        let c = standard.content
        let block = problem.map { problem in
            ProblemBlock(problem, message: message) { ($0.field, nil) }
        }
        return InspectionFormPage(
            siteID: site.id.lowercased, code: site.content.code,
            name: language == .en && !site.content.nameEn.isEmpty ? site.content.nameEn : site.content.nameZh,
            standard: language == .en && !c.titleEn.isEmpty ? c.titleEn : c.titleZh, version: standard.current.version, problem: block,
            inspectedOn: field("inspectedOn"), notes: field("notes"),
            confirms: c.requirements.filter { !$0.kind.isMeasured }.map { r in
                let name = "confirm_\(r.code)"
                return Confirm(code: r.code, kind: say("requirementKind_\(r.kind.rawValue)"), points: r.points, field: name, yes: form[name] == "yes",
                               no: form[name] == "no", error: errors[name])
            },
            measured: c.requirements.compactMap { r in
                guard let found = r.check(site.content) else { return nil }
                let line = RequirementLine(r, say: say)
                return Measured(code: r.code, kind: line.kind, value: line.value, points: r.points, met: found.met, observed: found.observed)
            },
            uploads: (0..<uploadCount).map { index in
                Upload(index: index, options: c.requirements.map {
                    SiteOption(value: $0.code, label: "\($0.code) \(say("requirementKind_\($0.kind.rawValue)"))", selected: form["fileReq\(index)"] == $0.code)
                }, error: errors["file\(index)"])
            })
    }
}
