import Catalogue
import Core
import Foundation
import Grassroots

/// Dates on the case pages: Beijing time, to the minute.
enum CaseDate {
    static func text(_ date: Date?) -> String? {
        guard let date else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }
}

/// A case as one row of a queue (applicant masked).
struct CaseRow {
    let id: String
    let trackingCode: String
    let item: String
    let applicant: String
    let state: String
    let due: String?
    let alert: String?
    let late: Bool

    init(_ r: ServiceRequest, items: [UUID: ServiceItem], alert: AlertLevel, language: Language, say: (String) -> String) {
        id = r.id.lowercased
        trackingCode = r.trackingCode
        let item = items[r.itemID]
        self.item = r.itemCode + " " + (item.map { language == .zh ? $0.content.nameZh : $0.content.nameEn } ?? "")
        applicant = r.applicantMasked
        state = say("requestState_\(r.state.rawValue)") + (r.outcome.map { " · " + say("requestOutcome_\($0.rawValue)") } ?? "")
        due = CaseDate.text(r.dueAt)
        self.alert = alert == .none ? nil : say("alertLevel_\(alert.rawValue)")
        late = alert != .none
    }
}

/// "My windows" (`/requests`): each site where the reader is on duty, with its queue's counts.
struct RequestPostsPage {
    struct Post {
        let siteID: String
        let site: String
        let duties: String
        let waiting: Int
        let overdue: Int
        let returned: Int
        let awaitingMaterials: Int
        let window: Bool
        /// The centre's heads, approvers and handlers watch the cases of its jurisdiction (the supervision page).
        let supervises: Bool
        let jurisdictionCode: String
    }
    let posts: [Post]
}

/// A site's queue (`/sites/{id}/requests`).
struct RequestQueuePage {
    struct Scope {
        let href: String
        let label: String
        let current: Bool
    }
    let siteID: String
    let site: String
    let scopes: [Scope]
    let counts: QueueCounts
    let rows: [CaseRow]
    let pager: Pager
    let mayRegister: Bool
    let notice: String?
    /// Approvals drawn for this site to re-check, those to do first.
    let rechecks: [Recheck]

    struct Recheck {
        let href: String
        let sampledAt: String
        let state: String
        let open: Bool
    }
}

/// The window's registration form (`/sites/{id}/requests/new`): the items the site serves, each with its materials as
/// check boxes; every error beside its field and summarised at the top; what was typed kept.
struct RequestFormPage {
    struct Material {
        /// The check box's name: each item's materials are posted apart (`presented-FM-001`).
        let field: String
        let code: String
        let name: String
        let checked: Bool
    }
    struct Item {
        let code: String
        let name: String
        let selected: Bool
        let materials: [Material]
        let limit: String
    }
    typealias Field = FormField
    let siteID: String
    let site: String
    let problem: ProblemBlock?
    let items: [Item]
    let itemError: String?
    let presentedError: String?
    let name: Field
    let idNumber: Field
    let phone: Field

    static let fieldNames = ["itemCode", "name", "idNumber", "phone", "presented"]

    /// The form field a service error belongs to (`applicant.idNumber` → idNumber).
    static func formField(of field: String) -> String {
        field.hasPrefix("applicant.") ? String(field.dropFirst("applicant.".count)) : field
    }

    static func model(site: ServiceSite, items: [(ServiceItem, [Catalogue.Material])], form: [String: String], presented: Set<String>,
                      problem: DomainError?, language: Language, say: (String) -> String, message: (Message) -> String) -> RequestFormPage {
        let errors = FormErrors(problem, formField: formField(of:), message: message)
        func field(_ name: String) -> Field { errors.field(name, prefix: "f", form: form) }
        let block = problem.map { problem in
            ProblemBlock(problem, message: message) { f in
                let name = formField(of: f.field)
                return fieldNames.contains(name) ? (say("requestField_\(name)"), "#" + FormField.id("f", name)) : (f.field, nil)
            }
        }
        return RequestFormPage(
            siteID: site.id.lowercased, site: language == .zh || site.content.nameEn.isEmpty ? site.content.nameZh : site.content.nameEn,
            problem: block,
            items: items.map { item, materials in
                Item(code: item.code, name: language == .zh ? item.content.nameZh : item.content.nameEn, selected: form["itemCode"] == item.code,
                     materials: materials.map { Material(field: "presented-\(item.code)", code: $0.code, name: language == .zh ? $0.nameZh : $0.nameEn,
                                                        checked: form["itemCode"] == item.code && presented.contains($0.code)) },
                     limit: item.content.onTheSpot ? say("requests_onTheSpot") : "\(item.content.timeLimitDays) \(say("requests_workingDays"))")
            },
            itemError: errors["itemCode"], presentedError: errors["presented"],
            name: field("name"), idNumber: field("idNumber"), phone: field("phone"))
    }
}

/// One case (`/requests/{id}`): where it is, its deadlines, the chain, its steps, the applicant (in full for its
/// chain's staff), and the forms of what the reader may do now.
struct RequestDetailPage {
    struct Step {
        let at: String
        let action: String
    }
    struct Material {
        let code: String
        let name: String
    }
    let id: String
    let trackingCode: String
    let item: String
    let itemID: String
    let state: String
    let outcome: String?
    let reason: String?
    let result: String?
    let acceptingSite: String
    let approvingSite: String
    let handlingSite: String
    let currentSite: String
    let registeredAt: String
    let acceptedAt: String?
    let due: String?
    let finalDue: String?
    let alert: String?
    let onTime: String?
    let applicantName: String
    let applicantID: String
    let applicantPhone: String
    let applicantHidden: Bool
    let missing: [Material]
    let steps: [Step]
    let rating: String?
    let problem: ProblemBlock?
    let notice: String?
    // What the reader may do now.
    let maySupply: Bool
    let mayForward: Bool
    let mayRefuseAtWindow: Bool
    let mayApprove: Bool
    let mayRefuse: Bool
    let mayComplete: Bool
    let mayHandOver: Bool
    let mayWithdraw: Bool
    let mayTakeOver: Bool
    let hasActions: Bool
    /// The tier above's re-check of the approval, when it was drawn for one: where, and what it found.
    let recheck: String?
    let mayRecheck: Bool

    static func model(view: RequestView, item: ServiceItem?, sites: [UUID: ServiceSite], materials: [UUID: Catalogue.Material], alert: AlertLevel,
                      problem: DomainError?, notice: String?, language: Language, say: (String) -> String, message: (Message) -> String) -> RequestDetailPage {
        let r = view.request
        func site(_ id: UUID) -> String {
            guard let s = sites[id] else { return "—" }
            return language == .zh || s.content.nameEn.isEmpty ? s.content.nameZh : s.content.nameEn
        }
        let a = view.actions
        return RequestDetailPage(
            id: r.id.lowercased, trackingCode: r.trackingCode,
            item: r.itemCode + " " + (item.map { language == .zh ? $0.content.nameZh : $0.content.nameEn } ?? ""), itemID: r.itemID.lowercased,
            state: say("requestState_\(r.state.rawValue)"), outcome: r.outcome.map { say("requestOutcome_\($0.rawValue)") },
            reason: r.reason, result: r.result,
            acceptingSite: site(r.acceptingSiteID), approvingSite: site(r.approvingSiteID), handlingSite: site(r.handlingSiteID),
            currentSite: site(r.siteID), registeredAt: CaseDate.text(r.registeredAt) ?? "", acceptedAt: CaseDate.text(r.acceptedAt),
            due: CaseDate.text(r.dueAt), finalDue: CaseDate.text(r.finalDueAt),
            alert: alert == .none ? nil : say("alertLevel_\(alert.rawValue)"),
            onTime: r.onTime.map { say($0 ? "requests_onTime" : "requests_late") },
            applicantName: view.applicant?.name ?? r.applicantMasked, applicantID: view.applicant?.idNumber ?? r.idNumberMasked,
            applicantPhone: view.applicant?.phone ?? r.phoneMasked, applicantHidden: view.applicant == nil,
            missing: r.missing.compactMap { materials[$0] }.map { Material(code: $0.code, name: language == .zh ? $0.nameZh : $0.nameEn) },
            steps: view.steps.map { Step(at: CaseDate.text($0.at) ?? "", action: say("requestStep_" + $0.action.replacingOccurrences(of: "request.", with: ""))) },
            rating: view.rating.map { say("caseRating_\($0.rawValue)") },
            problem: problem.map { ProblemBlock($0, message: message) { (say("requestField_\($0.field)"), nil) } },
            notice: notice,
            maySupply: a.contains(.supplyMaterials), mayForward: a.contains(.forward), mayRefuseAtWindow: a.contains(.refuseAtWindow),
            mayApprove: a.contains(.approve), mayRefuse: a.contains(.refuse), mayComplete: a.contains(.complete), mayHandOver: a.contains(.handOver),
            mayWithdraw: a.contains(.withdraw), mayTakeOver: a.contains(.takeOver), hasActions: !a.isEmpty,
            recheck: view.recheck.map { check in
                let place = sites[check.siteID].map { language == .zh || $0.content.nameEn.isEmpty ? $0.content.nameZh : $0.content.nameEn } ?? ""
                guard let outcome = check.outcome else { return say("requests_recheckOpen") + " · " + place }
                return say("recheckOutcome_\(outcome.rawValue)") + " · " + place + (check.finding.map { "：" + $0 } ?? "")
            },
            mayRecheck: a.contains(.recheck))
    }
}

/// The printable notice (`/requests/{id}/notice`): the receipt with the tracking code, and, while materials are
/// missing, every one of them at once (一次性告知书).
struct RequestNoticePage {
    struct Material {
        let code: String
        let name: String
    }
    let trackingCode: String
    let item: String
    let site: String
    let applicant: String
    let registeredAt: String
    let finalDue: String?
    let missing: [Material]
    let accepted: Bool
}

/// The public tracking page (`/track`): the form, and after it the case's steps and deadlines and the rating form.
struct TrackPage {
    struct Step {
        let at: String
        let action: String
    }
    struct Choice {
        let value: String
        let label: String
    }
    let code: String
    var problem: ProblemBlock?
    let found: Bool
    let item: String
    let site: String
    let state: String
    let outcome: String?
    let reason: String?
    let result: String?
    let registeredAt: String
    let due: String?
    let finalDue: String?
    let missing: [String]
    let steps: [Step]
    let rating: String?
    let mayRate: Bool
    let choices: [Choice]
    let notice: String?
    /// The four digits, kept only to post the rating with them (never shown).
    let phoneTail: String

    static func empty(code: String, problem: ProblemBlock?, notice: String?) -> TrackPage {
        TrackPage(code: code, problem: problem, found: false, item: "", site: "", state: "", outcome: nil, reason: nil, result: nil, registeredAt: "",
                  due: nil, finalDue: nil, missing: [], steps: [], rating: nil, mayRate: false, choices: [], notice: notice, phoneTail: "")
    }

    static func model(_ tracked: TrackedRequest, materials: [UUID: Material], phoneTail: String, notice: String?, language: Language,
                      say: (String) -> String) -> TrackPage {
        let r = tracked.request
        return TrackPage(
            code: r.trackingCode, problem: nil, found: true,
            item: r.itemCode + " " + (language == .zh ? tracked.itemNameZh : tracked.itemNameEn),
            site: language == .zh || tracked.acceptingSiteNameEn.isEmpty ? tracked.acceptingSiteNameZh : tracked.acceptingSiteNameEn,
            state: say("requestState_\(r.state.rawValue)"), outcome: r.outcome.map { say("requestOutcome_\($0.rawValue)") },
            reason: r.reason, result: r.result, registeredAt: CaseDate.text(r.registeredAt) ?? "", due: CaseDate.text(r.dueAt),
            finalDue: CaseDate.text(r.finalDueAt),
            missing: r.missing.compactMap { materials[$0] }.map { language == .zh ? $0.nameZh : $0.nameEn },
            steps: tracked.steps.map { Step(at: CaseDate.text($0.at) ?? "", action: say("requestStep_" + $0.action.replacingOccurrences(of: "request.", with: ""))) },
            rating: tracked.rating.map { say("caseRating_\($0.rawValue)") }, mayRate: tracked.mayRate,
            choices: Satisfaction.allCases.map { Choice(value: $0.rawValue, label: say("caseRating_\($0.rawValue)")) },
            notice: notice, phoneTail: phoneTail)
    }
}
