import Core
import Foundation
import Identity
import Store
import Tendering
import Transparency

/// A monitoring case in a list: its question, the buyer asked, where it stands.
struct MonitoringCaseRow {
    let id: String
    let title: String
    let buyer: String
    let status: String
    let openedAt: String

    static func rows(_ cases: [MonitoringCase], names: [UUID: Organisation], say: (String) -> String) -> [MonitoringCaseRow] {
        let calendar = WorkingCalendar()
        return cases.map {
            MonitoringCaseRow(id: $0.id.lowercased, title: $0.title, buyer: names[$0.buyerID]?.nameZh ?? "", status: say("case_status_\($0.status.rawValue)"),
                    openedAt: calendar.describe($0.openedAt))
        }
    }
}

/// The overseers' workspace (`/oversight`): every kind of red flag with its count over all pages and its flags on this
/// page, each said in the reader's language and linked to its evidence, with the form to open a case where the reader may;
/// the newest monitoring cases.
struct OversightPage {
    struct Flag {
        let key: String
        let sentence: String
        let buyer: String
        let buyerId: String
        let evidence: String
        let subjectType: String
        let subjectId: String
        let mayOpenCase: Bool
    }

    struct Group {
        let title: String
        let explanation: String
        /// Over every page.
        let count: Int
        let none: Bool
        let flags: [Flag]
    }

    let groups: [Group]
    let total: Int
    let cases: [MonitoringCaseRow]
    /// More cases than the page shows.
    let moreCases: Bool
    let pager: Pager

    /// `flags`: the page shown; `counts` per kind over all of them; `cases` the newest (`moreCases`: others follow).
    static func model(flags: [RedFlag], counts: [RedFlag.Kind: Int], cases: [MonitoringCase], moreCases: Bool, names: [UUID: Organisation],
                      pager: Pager, say: (String) -> String) -> OversightPage {
        OversightPage(
            groups: RedFlag.Kind.allCases.map { kind in
                Group(title: say("flag_title_\(kind.rawValue)"), explanation: say("flag_about_\(kind.rawValue)"), count: counts[kind] ?? 0,
                      none: counts[kind] == nil,
                      flags: flags.filter { $0.kind == kind }.map { flag in
                          // A late publication not yet published says so rather than naming a day.
                          let unpublished = flag.kind == .latePublication && flag.values[2].isEmpty
                          return Flag(key: flag.key, sentence: Views.fill(say("flag_\(flag.kind.rawValue)\(unpublished ? "_unpublished" : "")"), flag.values),
                                      buyer: names[flag.buyerID]?.nameZh ?? "", buyerId: flag.buyerID.lowercased, evidence: flag.evidence,
                                      subjectType: flag.subjectType, subjectId: flag.subjectID.lowercased, mayOpenCase: flag.mayOpenCase)
                      })
            },
            total: counts.values.reduce(0, +), cases: MonitoringCaseRow.rows(cases, names: names, say: say), moreCases: moreCases, pager: pager)
    }
}

/// Every monitoring case the reader may see (`/oversight/cases`), newest first, a page at a time.
struct CaseListPage {
    let cases: [MonitoringCaseRow]
    /// Over every case the reader sees.
    let total: Int
    let pager: Pager
}

/// A refused form of the case page (its reply or its closing) with what was typed.
struct RefusedCaseForm {
    enum Form { case post, close }

    let form: Form
    let text: String
    let problem: DomainError
}

/// One monitoring case (`/oversight/cases/{id}`): the question, the exchange, the subject's audit trail with its hash
/// chain checked as the page was drawn, and the reply and closing forms the service leaves the reader.
struct CasePage {
    struct Post {
        let author: String
        let side: String
        let text: String
        let at: String
    }

    struct Entry {
        let seq: Int
        let at: String
        let action: String
    }

    let caseId: String
    let title: String
    let status: String
    let evidence: String
    let buyer: String
    let outcome: String?
    let posts: [Post]
    let trail: [Entry]
    let intact: Bool
    let failures: [String]
    /// The reply (`text`, id `post-text`), when the reader may write in the case.
    let postForm: FormField?
    /// The outcome (id `close-outcome`), when the reader may close it.
    let closeForm: FormField?
    let problem: ProblemBlock?

    static func model(trail: CaseTrail, buyer: Organisation, refused: RefusedCaseForm? = nil, say: (String) -> String,
                      message: (Message) -> String) -> CasePage {
        let calendar = WorkingCalendar()
        let found = trail.monitoringCase
        func form(_ which: RefusedCaseForm.Form, prefix: String, name: String, label: String) -> RefusedForm {
            let mine = refused?.form == which ? refused : nil
            return RefusedForm(mine?.problem, prefix: prefix, names: [name], form: mine.map { [name: $0.text] } ?? [:], label: { _ in say(label) },
                               message: message)
        }
        let post = form(.post, prefix: "post", name: "text", label: "case_reply")
        let close = form(.close, prefix: "close", name: "outcome", label: "case_outcome")
        return CasePage(
            caseId: found.id.lowercased, title: found.title, status: say("case_status_\(found.status.rawValue)"), evidence: found.evidence, buyer: buyer.nameZh,
            outcome: found.outcome,
            posts: found.posts.map { Post(author: $0.authorName, side: say("case_side_\($0.side)"), text: $0.text, at: calendar.describe($0.postedAt)) },
            trail: trail.entries.map { Entry(seq: $0.seq, at: calendar.describe($0.occurredAt), action: $0.action) },
            intact: trail.report.isIntact, failures: trail.report.failures.map(\.description),
            postForm: found.may.contains(.post) ? post.fields["text"] : nil, closeForm: found.may.contains(.close) ? close.fields["outcome"] : nil,
            problem: post.problem ?? close.problem ?? refused.map { ProblemBlock($0.problem, message: message) })
    }
}

/// Residents' voice (`/voice`): an area's needs, most supported first, a page at a time, each with the purchase lines
/// that answer it (and the tender that took a line up); the forms to propose and support (one voice a device), and for
/// a buyer's staff the form linking one of their lines to a need.
struct VoicePage {
    struct TenderLink {
        let id: String
        let reference: String
    }

    struct Answer {
        let line: String
        let tender: TenderLink?
    }

    struct AnswerForm {
        let lines: [SelectOption]
    }

    struct Need {
        let id: String
        let title: String
        let description: String
        let supports: Int
        let area: String
        let proposedOn: String
        let answers: [Answer]
        let answerForm: AnswerForm?
    }

    /// What a form just did, said at the top.
    enum Notice: String { case proposed, supported, alreadySupported, answered }

    let needs: [Need]
    let areas: [SelectOption]
    /// Over every need of the area.
    let total: Int
    let pager: Pager
    /// The device's single-use token, shared by the page's resident forms.
    let deviceToken: String
    let proposed: Bool
    let supported: Bool
    let alreadySupported: Bool
    let answered: Bool
    /// The proposal form's inputs (ids `need-<name>`), as typed when refused, and the areas to choose from.
    let need: [String: FormField]
    let needAreas: [SelectOption]
    let problem: ProblemBlock?

    /// The proposal form's inputs; the service names the area `jurisdiction`.
    static let needFields = ["area", "title", "description"]

    /// `needs`: the page shown; `area` the filter; `lines` the purchase lines the reader may link to a need; `proposal` what
    /// was typed in a refused proposal, `problem` its refusal or another form's (said as `problem` gives it).
    static func model(needs: [Transparency.Need], jurisdictions: [Jurisdiction], area: UUID?, total: Int, lines: [PurchaseLine], pager: Pager,
                      deviceToken: String, notice: Notice? = nil, proposal: [String: String]? = nil, problem: DomainError? = nil,
                      summary: ProblemBlock? = nil, say: (String) -> String, message: (Message) -> String) -> VoicePage {
        let names = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0.nameZh) })
        let calendar = WorkingCalendar()
        let choices = lines.map { SelectOption(value: $0.id.lowercased, label: "\($0.content.year) \($0.content.reference) \($0.content.title)") }
        let labels = ["area": "voice_area", "title": "voice_needTitle", "description": "voice_needDescription"]
        // A refusal said in the page's own words (`summary`: a used token) names no field; what was typed still comes back.
        let refused = RefusedForm(proposal == nil || summary != nil ? nil : problem, prefix: "need", names: needFields, form: proposal ?? [:],
                                  formField: { $0 == "jurisdiction" ? "area" : $0 }, label: { say(labels[$0] ?? $0) }, message: message)
        let typedArea = proposal?["area"]
        return VoicePage(
            needs: needs.map { need in
                Need(id: need.id.lowercased, title: need.title, description: need.description, supports: need.supports,
                     area: names[need.jurisdictionID] ?? "", proposedOn: calendar.dayKey(need.proposedAt),
                     answers: need.answers.map { answer in
                         Answer(line: "\(answer.lineReference) \(answer.lineTitle)",
                                tender: answer.tenderID.flatMap { id in answer.tenderReference.map { TenderLink(id: id.lowercased, reference: $0) } })
                     },
                     answerForm: choices.isEmpty ? nil : AnswerForm(lines: choices))
            },
            areas: jurisdictions.map { SelectOption(value: $0.id.lowercased, label: $0.nameZh, selected: $0.id == area) },
            total: total, pager: pager, deviceToken: deviceToken,
            proposed: notice == .proposed, supported: notice == .supported, alreadySupported: notice == .alreadySupported, answered: notice == .answered,
            need: refused.fields,
            needAreas: jurisdictions.map { SelectOption(value: $0.id.lowercased, label: $0.nameZh, selected: $0.id.lowercased == typedArea) },
            problem: refused.problem ?? summary ?? problem.map { ProblemBlock($0, message: message) })
    }
}

/// The public dashboards (`/insights`): each chart drawn, with its figures in a table (the largest rows where a chart
/// grows with the province) and its CSV.
struct InsightsPage {
    struct Row {
        let label: String
        let value: String
    }

    struct Section {
        let key: String
        let title: String
        let about: String
        let empty: Bool
        /// The chart, drawn on the server.
        let svg: String
        let rows: [Row]
        /// How many of how many rows are shown, when not all are.
        let more: String?
    }

    let sections: [Section]
    let awarded: String

    /// The most rows a chart draws on the page.
    static let pageRows = 30

    /// The rows the page draws of a chart's `all`: every one, or the largest `pageRows`.
    static func shown(_ all: [InsightRows.Row]) -> [InsightRows.Row] {
        all.count > pageRows ? Array(all.sorted { ($0.second ?? $0.value) > ($1.second ?? $1.value) }.prefix(pageRows)) : all
    }

    /// A chart's section: `all` its rows, `svg` the chart of those shown.
    static func section(_ chart: String, all: [InsightRows.Row], svg: String, say: (String) -> String) -> Section {
        let shown = shown(all)
        let title = say("insights_\(chart)")
        return Section(key: chart, title: title, about: say("insights_\(chart)_about"), empty: shown.isEmpty, svg: svg,
                       rows: shown.map { Row(label: $0.label, value: $0.figure) },
                       more: all.count > shown.count ? Views.fill(say("insights_more"), [String(shown.count), String(all.count)]) : nil)
    }
}
