import Core
import Delivery
import Foundation
import Identity
import Payments

/// The contract page's model (template `contracts/contract`): the parties, milestones with their reports and
/// sign-offs, the rate card, the calculation in the reader's language, claims and recoveries, and which forms the
/// reader may use (as the service's policy decided with the contract). A refused report or sign-off comes back in
/// its milestone with what was typed and every problem beside its input.
struct ContractPage {
    /// A select's option.
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct Metric {
        let code: String
        let definition: String
        let unit: String
        let target: Int
        let dataSource: String
        let validationMethod: String
        /// The latest report's figure; nil before a report.
        let reported: Int?
        /// The figure of the sign-off in force; nil before one.
        let verified: Int?
        /// The platform's records of the metric, with what they count (where the metric names them).
        let platform: String?
        /// The report form's input for the metric.
        let input: FormField?
    }

    struct Evidence {
        let id: String
        let filename: String
        let kind: String
        let size: String
        let sha256: String
        let obtainedHow: String
        let obtainedOn: String
    }

    struct Report {
        let version: Int
        let submittedAt: String
        let beneficiaries: Int
        let narrative: String
        let results: String
        let evidence: [Evidence]
    }

    struct Countersign {
        let id: String
    }

    struct SignOff {
        let decision: String
        let evaluator: String
        let signedAt: String
        let reasons: String
        let verified: String
        let beneficiaries: Int
        let platform: String?
        /// Whether it corrects an earlier sign-off.
        let correction: Bool
        let countersigner: String?
        let awaitingCountersign: Bool
        let mayCountersign: Countersign?
    }

    /// A row of the sign-off sheet: a metric with what was reported and the figure the sheet holds.
    struct SheetRow {
        let code: String
        let definition: String
        let unit: String
        let reported: Int
        /// The survey's share of 4–5 ratings, beside a `satisfaction` metric.
        let survey: String?
        let platform: String?
        /// The verified figure: as proposed (what was reported, no more than the platform's records), or as typed.
        let input: FormField
    }

    /// The evaluator's sign-off sheet of a milestone with a report.
    struct SignOffSheet {
        let correction: Bool
        let version: Int
        let reportedBeneficiaries: Int
        let rows: [SheetRow]
        let beneficiaries: FormField
        let decision: FormField
        let decisions: [Option]
        let reasons: FormField
    }

    struct Milestone {
        let id: String
        let number: Int
        let title: String
        let dueOn: String
        let deliverables: String
        let share: String
        let status: String
        let statusKey: String
        let metrics: [Metric]
        let reports: [Report]
        let signOffs: [SignOff]
        let mayReport: Bool
        let maySignOff: SignOffSheet?
        /// The report form's inputs other than the metrics' (beneficiaries, narrative, the evidence rows), when it was refused.
        let f: [String: FormField]?
    }

    struct RatePrice {
        let metric: String
        let price: String
        let cap: String?
    }

    struct RateCardFacts {
        let maximum: String
        let fee: String
        let partialRule: String
        let prices: [RatePrice]
        let capPerBeneficiary: String?
    }

    /// A calculation line: its words, its amount, and whether it is a total.
    struct Line {
        let text: String
        let amount: String
        let total: Bool
    }

    struct Calculation {
        let lines: [Line]
        let payable: String
        let earned: String
    }

    struct PayForm {
        /// Made when the page was drawn, so a double submission records one payment.
        let key: String
    }

    struct ClaimRow {
        let id: String
        let number: Int
        let amount: String
        let status: String
        let claimedAt: String
        let explanation: [Line]
        let treasuryReference: String?
        let paidOn: String?
        let rejectionReason: String?
        let mayDecide: Bool
        let mayRedate: Bool
        let mayPay: PayForm?
        let mayReject: Bool
    }

    struct RecoveryRow {
        let id: String
        let amount: String
        let reason: String
        let status: String
        let createdAt: String
        let claimNumber: Int
        let mayRepay: Bool
    }

    struct EngagementRow {
        let id: String
        let institution: String
        let startsOn: String
        let endsOn: String
        let evaluatorNames: String
        let hasEvaluators: Bool
        let open: Bool
        let fee: String?
        let endedAt: String?
        let mayEnd: Bool
    }

    struct Institution {
        let id: String
        let name: String
        let selected: Bool
    }

    /// The engagement form: the contract's term proposed, or what was typed when it was refused.
    struct EngageForm {
        let institutions: [Institution]
        let startsOn: String
        let endsOn: String
        let fee: String
    }

    struct Indicator {
        let kind: String
        let name: String
        let weight: String
        let score: String
        let note: String
    }

    struct Evaluation {
        let phase: String
        let score: String
        let grade: String
        let summary: String
        let evaluator: String
        let at: String
        let indicators: [Indicator]
    }

    struct IndicatorRow {
        let index: Int
        let kind: String
        let kindLabel: String
        let name: String
        let weight: Int
        let note: String?
    }

    struct EvaluationForm {
        let rows: [IndicatorRow]
        let phases: [Option]
        let hasPhases: Bool
    }

    /// One bar of the ratings chart (5 at the top), with where the SVG draws it.
    struct Bar {
        let rating: Int
        let count: Int
        let width: Int
        let y: Int
        let textY: Int
        let labelX: Int
    }

    struct Satisfaction {
        let answers: Int
        let comments: [String]
        let bars: [Bar]
        let average: String?
        let satisfied: String?
    }

    struct Change {
        let field: String
        let before: String
        let after: String
    }

    struct AmendmentRow {
        let number: Int
        let reason: String
        let status: String
        let proposedAt: String
        let changes: [Change]
        let buyerSignedAt: String?
        let supplierSignedAt: String?
    }

    struct OpenAmendment {
        let number: Int
        /// Whether the reader's side has yet to sign it.
        let maySign: Bool
    }

    /// The amendment form: the contract's terms as they stand, or what was typed when it was refused.
    struct AmendmentForm {
        let endsOn: String
        let terms: String
        let termJustification: String
        let reason: String
        /// It was refused: drawn open.
        let refused: Bool
    }

    struct EditorRecord {
        let value: String
        let label: String
        let selected: Bool
    }

    struct EditorMetric {
        let index: Int
        let k: Int
        let code: String
        let unit: String
        let target: String
        let definition: String
        let dataSource: String
        let validationMethod: String
        let records: [EditorRecord]
    }

    struct EditorBlock {
        let index: Int
        let title: String
        let dueOn: String
        let share: String
        let deliverables: String
        let metrics: [EditorMetric]
    }

    struct EditorPrice {
        let code: String
        let price: String
        let cap: String
    }

    /// The buyer's milestones and rate card editor of a draft nobody has signed.
    struct Editor {
        let blocks: [EditorBlock]
        let maximum: String
        let fee: String
        let capPerBeneficiary: String
        let proportional: Bool
        let prices: [EditorPrice]
        let hasPrices: Bool
    }

    let id: String
    let contractId: String
    let reference: String
    let title: String
    let status: String
    let buyer: String
    let buyerId: String
    let supplier: String
    let supplierId: String
    let value: String
    let startsOn: String
    let endsOn: String
    let terms: String
    let noSubcontracting: String
    let termJustification: String?
    let buyerSignedAt: String?
    let supplierSignedAt: String?
    let publishedAt: String?
    /// Unpublished: the day by which it must be (nil when the calendar cannot count it yet: not guessed).
    let publicationDeadline: String?
    let publicationLate: Bool
    let closingReason: String?
    let committed: String?
    let paid: String?
    let today: String
    let problem: ProblemBlock?
    let milestones: [Milestone]
    let rateCard: RateCardFacts?
    let calculation: Calculation?
    let claims: [ClaimRow]
    let recoveries: [RecoveryRow]
    let editor: Editor?
    let maySign: Bool
    let mayPublish: Bool
    let mayClaim: Bool
    let mayTerminate: Bool
    let mayComplete: Bool
    let engagements: [EngagementRow]
    let engageForm: EngageForm?
    let evaluations: [Evaluation]
    let evaluationForm: EvaluationForm?
    let satisfaction: Satisfaction
    let surveyPath: String?
    let amendments: [AmendmentRow]
    let openAmendment: OpenAmendment?
    let amendmentForm: AmendmentForm?
}

/// A refused report or sign-off: the milestone it was for and what was typed (files cannot come back; their rows' words do).
struct RefusedMilestoneForm {
    enum Form {
        /// The report form; the report's n-th evidence is file row `fileRows[n]`.
        case report(fileRows: [Int])
        case signOff
    }

    let milestoneID: UUID
    let form: Form
    let values: [String: String]
}

/// A refused form of the contract page other than a milestone's: the buyer's milestones and rate card editor, the
/// engagement of an evaluation institution or a proposed amendment, with what was typed (it comes back instead of what is kept).
struct RefusedContractForm {
    enum Form {
        case terms
        case engage
        case amendment
    }

    let form: Form
    let values: [String: String]
}

extension ContractPage {
    /// The report form's rows of evidence.
    static let evidenceRows = 0..<2

    /// The report form's input a field of the report belongs to (`results.served` → `result_served`, `evidence[1].obtainedOn` → the row's date).
    static func reportField(_ field: String, fileRows: [Int]) -> String {
        if field.hasPrefix("results.") { return "result_" + field.dropFirst("results.".count) }
        guard field.hasPrefix("evidence") else { return field }
        guard field.hasPrefix("evidence["), let index = Int(field.dropFirst("evidence[".count).prefix { $0.isNumber }) else { return "file0" }
        let row = index < fileRows.count ? fileRows[index] : 0
        if field.hasSuffix(".obtainedHow") { return "how\(row)" }
        if field.hasSuffix(".obtainedOn") { return "on\(row)" }
        return "file\(row)"
    }

    /// The sign-off sheet's input a field of the sign-off belongs to (`verified.visits` → `verified_visits`).
    static func signOffField(_ field: String) -> String {
        if field.hasPrefix("verified.") { return "verified_" + field.dropFirst("verified.".count) }
        return field == "verifiedBeneficiaries" ? "beneficiaries" : field
    }

    /// The sign-off sheet's inputs for `milestone`, in the sheet's order.
    static func signOffFields(_ milestone: Delivery.Milestone) -> [String] {
        milestone.metrics.map { "verified_" + $0.code } + ["beneficiaries", "decision", "reasons"]
    }

    /// The page from the contract's file and statement as the reader may see them. `problem` is the refusal of a form on
    /// the page; `refused` the report or sign-off it refused, which comes back in its milestone.
    static func model(file: ContractFile, statement: ContractStatement, evaluations: [PerformanceEvaluation], satisfaction: SatisfactionSummary,
                      amendments: [Amendment], names: [UUID: Organisation], institutions: [Organisation], actor: Actor?,
                      workingCalendar: WorkingCalendar, problem: DomainError? = nil, refused: RefusedMilestoneForm? = nil,
                      typed: RefusedContractForm? = nil, now: Date, say: @escaping (String) -> String, stored: @escaping (String) -> String = { $0 },
                      message: @escaping (Message) -> String) -> ContractPage {
        ContractPageBuilder(file: file, statement: statement, evaluations: evaluations, satisfaction: satisfaction, amendments: amendments,
                            names: names, institutions: institutions, actor: actor, workingCalendar: workingCalendar, problem: problem,
                            refused: problem == nil ? nil : refused, typed: problem == nil ? nil : typed, now: now, say: say, stored: stored,
                            message: message).page()
    }

    /// A file's size in B, KB or MB (units the same in both languages).
    static func size(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: "\(bytes) B"
        case ..<(1024 * 1024): String(format: "%.1f KB", Double(bytes) / 1024)
        default: String(format: "%.1f MB", Double(bytes) / 1024 / 1024)
        }
    }
}

/// Shapes the contract's file for the page; what the reader may do is the service's `file.may`.
private struct ContractPageBuilder {
    let file: ContractFile
    let statement: ContractStatement
    let evaluations: [PerformanceEvaluation]
    let satisfaction: SatisfactionSummary
    let amendments: [Amendment]
    let names: [UUID: Organisation]
    let institutions: [Organisation]
    let actor: Actor?
    /// The working calendar held, which the publication deadline is counted on.
    let workingCalendar: WorkingCalendar
    let problem: DomainError?
    let refused: RefusedMilestoneForm?
    /// What a refused form other than a milestone's had typed.
    let typed: RefusedContractForm?
    let now: Date
    let say: (String) -> String
    /// A sentence the code said in English and a row keeps (a recovery's reason), in the reader's language.
    let stored: (String) -> String
    let message: (Message) -> String

    private let calendar = WorkingCalendar()

    init(file: ContractFile, statement: ContractStatement, evaluations: [PerformanceEvaluation], satisfaction: SatisfactionSummary,
         amendments: [Amendment], names: [UUID: Organisation], institutions: [Organisation], actor: Actor?, workingCalendar: WorkingCalendar,
         problem: DomainError?, refused: RefusedMilestoneForm?, typed: RefusedContractForm?, now: Date, say: @escaping (String) -> String,
         stored: @escaping (String) -> String, message: @escaping (Message) -> String) {
        self.file = file
        self.statement = statement
        self.evaluations = evaluations
        self.satisfaction = satisfaction
        self.amendments = amendments
        self.names = names
        self.institutions = institutions
        self.actor = actor
        self.workingCalendar = workingCalendar
        self.problem = problem
        self.refused = refused
        self.typed = typed
        self.now = now
        self.say = say
        self.stored = stored
        self.message = message
    }

    var isBuyer: Bool { file.may.manage }
    var isSupplier: Bool { file.may.deliver }
    var isEvaluator: Bool { file.may.signOff }

    func page() -> ContractPage {
        let c = file.contract
        let signed = c.status == .signed
        // A deadline the calendar cannot count yet is not shown rather than guessed.
        let deadline: Date? = c.publishedAt == nil ? (try? c.publicationDeadline(workingCalendar)) : nil
        let open = amendments.first { $0.status == .proposed }
        let parties = signed && (isBuyer || isSupplier)
        var summary = problem.map { ProblemBlock($0, message: message) }
        let milestones = file.milestones.map { m -> ContractPage.Milestone in
            let (row, refusedSummary) = milestone(m)
            if let refusedSummary { summary = refusedSummary }
            return row
        }
        return ContractPage(
            id: c.id.lowercased, contractId: c.id.lowercased, reference: c.reference, title: c.title, status: say("contract_status_\(c.status.rawValue)"),
            buyer: names[c.buyerID]?.nameZh ?? "", buyerId: c.buyerID.lowercased, supplier: names[c.supplierID]?.nameZh ?? "",
            supplierId: c.supplierID.lowercased, value: c.value.formatted, startsOn: c.startsOn, endsOn: c.endsOn, terms: c.terms,
            noSubcontracting: Contract.noSubcontractingClause, termJustification: c.termJustification,
            buyerSignedAt: c.buyerSignedAt.map(calendar.describe), supplierSignedAt: c.supplierSignedAt.map(calendar.describe),
            publishedAt: c.publishedAt.map(calendar.describe), publicationDeadline: deadline.map(calendar.describe),
            publicationLate: deadline.map { $0 < now } ?? false, closingReason: c.closingReason,
            committed: statement.commitment?.amount.formatted, paid: statement.commitment?.paid.formatted, today: calendar.dayKey(now),
            problem: summary, milestones: milestones, rateCard: statement.rateCard.map(rateCard),
            calculation: statement.calculation.map { ContractPage.Calculation(lines: $0.lines.map(line), payable: $0.payable.formatted, earned: $0.earned.formatted) },
            claims: statement.claims.map(claim), recoveries: statement.recoveries.map(recovery),
            editor: c.status == .draft && isBuyer && c.buyerSignedAt == nil && c.supplierSignedAt == nil ? editor() : nil,
            maySign: c.status == .draft && ((isBuyer && c.buyerSignedAt == nil) || (isSupplier && c.supplierSignedAt == nil)),
            mayPublish: isBuyer && c.signedAt != nil && c.publishedAt == nil,
            mayClaim: isSupplier && signed && (statement.calculation?.payable.minorUnits ?? 0) > 0
                && !statement.claims.contains { $0.status == .claimed || $0.status == .approved },
            mayTerminate: isBuyer && signed, mayComplete: isBuyer && signed,
            engagements: file.engagements.reversed().map(engagement),
            engageForm: isBuyer && (c.status == .draft || signed) && !file.engagements.contains(where: \.isOpen) ? engageForm() : nil,
            evaluations: evaluations.map(evaluation),
            evaluationForm: isEvaluator && c.signedAt != nil && c.status != .terminated ? evaluationForm() : nil,
            satisfaction: satisfactionFacts(),
            surveyPath: file.may.shareSurvey ? c.surveyToken.map { "/survey/\($0)" } : nil,
            amendments: amendments.map(amendment),
            openAmendment: parties ? open.map { ContractPage.OpenAmendment(number: $0.number, maySign: isBuyer ? $0.buyerSignedAt == nil : $0.supplierSignedAt == nil) } : nil,
            amendmentForm: parties && open == nil ? amendmentForm() : nil)
    }

    /// What a refused `form` had typed, if it was the one refused.
    private func typed(_ form: RefusedContractForm.Form) -> [String: String]? {
        typed?.form == form ? typed?.values : nil
    }

    private func engageForm() -> ContractPage.EngageForm {
        let c = file.contract
        let v = typed(.engage)
        return ContractPage.EngageForm(institutions: institutions.map { .init(id: $0.id.lowercased, name: $0.nameZh, selected: v?["institutionId"] == $0.id.lowercased) },
                                       startsOn: v?["startsOn"] ?? c.startsOn, endsOn: v?["endsOn"] ?? c.endsOn, fee: v?["fee"] ?? "")
    }

    private func amendmentForm() -> ContractPage.AmendmentForm {
        let c = file.contract
        let v = typed(.amendment)
        return ContractPage.AmendmentForm(endsOn: v?["endsOn"] ?? c.endsOn, terms: v?["terms"] ?? c.terms,
                                          termJustification: v?["termJustification"] ?? c.termJustification ?? "", reason: v?["reason"] ?? "",
                                          refused: v != nil)
    }

    private func engagement(_ e: Engagement) -> ContractPage.EngagementRow {
        ContractPage.EngagementRow(id: e.id.lowercased, institution: names[e.institutionID]?.nameZh ?? "", startsOn: e.startsOn, endsOn: e.endsOn,
                                   evaluatorNames: e.evaluators.map(\.displayName).joined(separator: "、"), hasEvaluators: !e.evaluators.isEmpty,
                                   open: e.isOpen, fee: e.fee?.formatted, endedAt: e.endedAt.map(calendar.describe), mayEnd: isBuyer && e.isOpen)
    }

    private func evaluation(_ e: PerformanceEvaluation) -> ContractPage.Evaluation {
        ContractPage.Evaluation(phase: say("perf_phase_\(e.phase.rawValue)"), score: e.score.formatted, grade: e.grade, summary: e.summary,
                                evaluator: e.evaluatorName, at: calendar.describe(e.evaluatedAt),
                                indicators: e.indicators.map { .init(kind: say("indicator_\($0.kind.rawValue)"), name: $0.name, weight: $0.weight.formatted,
                                                                     score: $0.score.formatted, note: $0.note) })
    }

    /// Four rows, one per kind, weighted as the MoF templates usually weigh them; the evaluator may change names and weights.
    /// The phases are those the contract's delivery leaves open: before delivery until a milestone is signed off (once),
    /// during delivery after one is, after delivery when all are (once).
    private func evaluationForm() -> ContractPage.EvaluationForm {
        let defaults: [(IndicatorKind, String, Int)] = [(.output, say("indicator_default_output"), 30), (.outcome, say("indicator_default_outcome"), 40),
                                                        (.cost, say("indicator_default_cost"), 10), (.satisfaction, say("indicator_default_satisfaction"), 20)]
        let rows = defaults.enumerated().map { index, row in
            ContractPage.IndicatorRow(index: index, kind: row.0.rawValue, kindLabel: say("indicator_\(row.0.rawValue)"), name: row.1, weight: row.2,
                                      note: row.0 == .satisfaction ? satisfaction.satisfied.map { "\($0.formatted) %" } : nil)
        }
        let milestones = file.milestones
        var phases: [EvaluationPhase] = []
        if !milestones.contains(where: \.status.isFinal) && !evaluations.contains(where: { $0.phase == .exAnte }) { phases.append(.exAnte) }
        if milestones.contains(where: \.status.isFinal) { phases.append(.inProcess) }
        if !milestones.isEmpty && milestones.allSatisfy(\.status.isFinal) && !evaluations.contains(where: { $0.phase == .exPost }) { phases.append(.exPost) }
        let options = phases.map { ContractPage.Option(value: $0.rawValue, label: say("perf_phase_\($0.rawValue)"), selected: false) }
        return ContractPage.EvaluationForm(rows: rows, phases: options, hasPhases: !options.isEmpty)
    }

    private func satisfactionFacts() -> ContractPage.Satisfaction {
        let bars = satisfaction.distribution.enumerated().reversed().enumerated().map { row, entry in
            let width = satisfaction.answers == 0 ? 0 : entry.element * 200 / satisfaction.answers
            return ContractPage.Bar(rating: entry.offset + 1, count: entry.element, width: width, y: row * 20 + 4, textY: row * 20 + 15, labelX: 26 + width)
        }
        return ContractPage.Satisfaction(answers: satisfaction.answers, comments: satisfaction.comments, bars: bars,
                                         average: satisfaction.average?.formatted, satisfied: satisfaction.satisfied?.formatted)
    }

    private func amendment(_ a: Amendment) -> ContractPage.AmendmentRow {
        var changes: [ContractPage.Change] = []
        if a.before.endsOn != a.after.endsOn { changes.append(.init(field: say("contract_endsOn"), before: a.before.endsOn, after: a.after.endsOn)) }
        if a.before.terms != a.after.terms { changes.append(.init(field: say("contract_terms"), before: a.before.terms, after: a.after.terms)) }
        if a.before.termJustification != a.after.termJustification {
            changes.append(.init(field: say("contract_termJustification"), before: a.before.termJustification ?? "—", after: a.after.termJustification ?? "—"))
        }
        return ContractPage.AmendmentRow(number: a.number, reason: a.reason, status: say("amendment_status_\(a.status.rawValue)"),
                                         proposedAt: calendar.describe(a.proposedAt), changes: changes,
                                         buyerSignedAt: a.buyerSignedAt.map(calendar.describe), supplierSignedAt: a.supplierSignedAt.map(calendar.describe))
    }

    /// A milestone with its forms; a refused report or sign-off of it comes back with what was typed, and the summary
    /// of its problems (each by its words on the page, linked to the milestone's inputs) replaces the page's.
    private func milestone(_ m: Delivery.Milestone) -> (ContractPage.Milestone, ProblemBlock?) {
        let reports = file.reports.filter { $0.milestoneID == m.id }
        let signOffs = file.signOffs.filter { $0.milestoneID == m.id }
        let current = signOffs.last
        let inForce = signOffs.last(where: \.isFinal)
        let signed = file.contract.status == .signed
        let waiting = current.map { $0.countersignRequired && $0.countersignedAt == nil } ?? false
        let mayReport = isSupplier && signed && [.pending, .reported, .moreEvidence].contains(m.status) && !waiting
        let mine = refused?.milestoneID == m.id ? refused : nil

        var report: RefusedForm?
        if let mine, case .report(let fileRows) = mine.form {
            let definitions = Dictionary(m.metrics.map { ("result_" + $0.code, $0.definition) }, uniquingKeysWith: { a, _ in a })
            let inputs = definitions.keys.sorted() + ["beneficiaries", "narrative"] + ContractPage.evidenceRows.flatMap { ["file\($0)", "how\($0)", "on\($0)"] }
            report = RefusedForm(problem, prefix: "report-\(m.id.lowercased)", names: inputs, form: mine.values,
                                 formField: { ContractPage.reportField($0, fileRows: fileRows) }, label: { name in
                                     if let definition = definitions[name] { return definition }
                                     guard let row = Int(name.filter(\.isNumber)) else { return say("report_\(name)") }
                                     let key = name.hasPrefix("how") ? "report_obtainedHow" : name.hasPrefix("on") ? "report_obtainedOn" : "report_file"
                                     return say(key) + " \(row + 1)"
                                 }, message: message)
        }

        var sheet: ContractPage.SignOffSheet?
        var sheetSummary: ProblemBlock?
        if isEvaluator && signed && !waiting && (m.status == .reported || m.status.isFinal), let latest = reports.first {
            var typed: RefusedMilestoneForm?
            if let mine, case .signOff = mine.form { typed = mine }
            let made = signOffSheet(m, report: latest, refused: typed)
            sheet = made.0
            sheetSummary = made.1
        }

        let row = ContractPage.Milestone(
            id: m.id.lowercased, number: m.number, title: m.title, dueOn: m.dueOn, deliverables: m.deliverables, share: m.sharePercent,
            status: say("milestone_status_\(m.status.rawValue)"), statusKey: m.status.rawValue,
            metrics: m.metrics.map { metric in
                ContractPage.Metric(code: metric.code, definition: metric.definition, unit: metric.unit, target: metric.target,
                                    dataSource: metric.dataSource, validationMethod: metric.validationMethod,
                                    reported: reports.first.map { $0.results[metric.code] ?? 0 }, verified: inForce?.verified[metric.code],
                                    platform: metric.platformRecord.map { platformText($0, m.id, signedAt: inForce?.platformFigures[metric.code]) },
                                    input: report?.fields["result_" + metric.code])
            },
            reports: reports.map { r in
                ContractPage.Report(version: r.version, submittedAt: calendar.describe(r.submittedAt), beneficiaries: r.beneficiaries, narrative: r.narrative,
                                    results: results(r.results),
                                    evidence: r.evidence.map { .init(id: $0.id.lowercased, filename: $0.filename, kind: $0.kind.rawValue.uppercased(),
                                                                     size: ContractPage.size($0.size), sha256: String($0.sha256.prefix(16)),
                                                                     obtainedHow: $0.obtainedHow, obtainedOn: $0.obtainedOn) })
            },
            signOffs: signOffs.map { s in
                let awaiting = s.countersignRequired && s.countersignedAt == nil
                let mayCountersign = awaiting && isEvaluator && actor?.userID != s.evaluatorID && s.id == current?.id && signed
                return ContractPage.SignOff(decision: say("decision_\(s.decision.rawValue)"), evaluator: s.evaluatorName, signedAt: calendar.describe(s.signedAt),
                                            reasons: s.reasons, verified: results(s.verified), beneficiaries: s.verifiedBeneficiaries,
                                            platform: s.platformFigures.isEmpty ? nil : results(s.platformFigures), correction: s.supersedes != nil,
                                            countersigner: s.countersignerName, awaitingCountersign: awaiting,
                                            mayCountersign: mayCountersign ? ContractPage.Countersign(id: s.id.lowercased) : nil)
            },
            mayReport: mayReport, maySignOff: sheet, f: report?.fields)
        return (row, report?.problem ?? sheetSummary)
    }

    /// The sign-off sheet: each metric's verified figure proposed as reported but no more than the platform's records show
    /// (a `satisfaction` metric beside the survey's share of 4–5 ratings), or as typed when the sheet was refused.
    private func signOffSheet(_ m: Delivery.Milestone, report: Delivery.Report,
                              refused: RefusedMilestoneForm?) -> (ContractPage.SignOffSheet, ProblemBlock?) {
        let correction = m.status.isFinal
        let figures = file.platformFigures[m.id]
        var proposed: [String: String] = ["beneficiaries": String(report.beneficiaries), "decision": "", "reasons": ""]
        for metric in m.metrics {
            let reported = report.results[metric.code] ?? 0
            let ceiling = metric.platformRecord.flatMap { record in figures.map { $0.value(of: record) } }
            proposed["verified_" + metric.code] = String(min(reported, ceiling ?? reported))
        }
        let inputs = ContractPage.signOffFields(m)
        let definitions = Dictionary(m.metrics.map { ("verified_" + $0.code, $0.definition) }, uniquingKeysWith: { a, _ in a })
        let form = RefusedForm(refused == nil ? nil : problem, prefix: "signoff-\(m.id.lowercased)", names: inputs, form: refused?.values ?? proposed,
                               formField: ContractPage.signOffField, label: { name in
                                   definitions[name] ?? say(name == "beneficiaries" ? "signOff_beneficiaries" : "signOff_\(name)")
                               }, message: message)
        let decisions: [SignOffDecision] = correction ? [.met, .partiallyMet, .notMet] : [.met, .partiallyMet, .notMet, .moreEvidence]
        let typed = form.fields["decision"]?.value ?? ""
        let sheet = ContractPage.SignOffSheet(
            correction: correction, version: report.version, reportedBeneficiaries: report.beneficiaries,
            rows: m.metrics.map { metric in
                ContractPage.SheetRow(code: metric.code, definition: metric.definition, unit: metric.unit, reported: report.results[metric.code] ?? 0,
                                      survey: metric.code == "satisfaction" ? satisfaction.satisfied.map { "\($0.formatted) % (\(satisfaction.answers))" } : nil,
                                      platform: metric.platformRecord.flatMap { record in figures.map { _ in platformText(record, m.id, signedAt: nil) } },
                                      input: form.fields["verified_" + metric.code]!)
            },
            beneficiaries: form.fields["beneficiaries"]!, decision: form.fields["decision"]!,
            decisions: decisions.map { ContractPage.Option(value: $0.rawValue, label: say("decision_\($0.rawValue)"), selected: $0.rawValue == typed) },
            reasons: form.fields["reasons"]!)
        return (sheet, form.problem)
    }

    private func rateCard(_ card: RateCard) -> ContractPage.RateCardFacts {
        ContractPage.RateCardFacts(maximum: card.maximum.formatted, fee: Points(hundredths: card.deliveryFeeBasisPoints).formatted,
                                   partialRule: say("partial_rule_\(card.partialRule.rawValue)"),
                                   prices: card.prices.map { .init(metric: $0.metric, price: $0.price.formatted, cap: $0.cap?.formatted) },
                                   capPerBeneficiary: card.capPerBeneficiary?.formatted)
    }

    /// A metric's figure from the platform's records with what it counts: as signed off when `signedAt` is given,
    /// otherwise as the records stand now ("57 · 按时办结件数 · 2026-12-01…2027-02-28, 1 site: 62 settled, 57 on time, 40 rated, 37 satisfied").
    private func platformText(_ record: PlatformRecord, _ milestoneID: UUID, signedAt figure: Int?) -> String {
        let name = say("platformRecord_\(record.rawValue)")
        guard let figures = file.platformFigures[milestoneID] else { return figure.map { "\($0) · \(name)" } ?? name }
        let counts = Views.fill(say("platformFigures"), [figures.from, figures.through, String(figures.sites), String(figures.settled),
                                                         String(figures.onTime), String(figures.rated), String(figures.satisfied)])
        return "\(figure ?? figures.value(of: record)) · \(name) · \(counts)"
    }

    /// Results by metric, named as the contract defines them (服务困境儿童: 22), not by their codes.
    private func results(_ values: [String: Int]) -> String {
        values.sorted { $0.key < $1.key }.map { "\(metricNames[$0.key] ?? $0.key): \($0.value)" }.joined(separator: " · ")
    }

    /// The contract's metrics' definitions by code.
    private var metricNames: [String: String] {
        Dictionary(file.milestones.flatMap(\.metrics).map { ($0.code, $0.definition) }, uniquingKeysWith: { first, _ in first })
    }

    /// A calculation line in the reader's language: `calc_<key>` (for fees `calc_fee_<state>`) with {0}, {1}… filled;
    /// an outcome line names its metric by the contract's definition.
    private func line(_ line: CalculationLine) -> ContractPage.Line {
        var values = line.values
        if line.key == "outcome", let code = values.first, let name = metricNames[code] { values[0] = name }
        let key = switch line.key {
        case "fee" where line.values.count > 3: "calc_fee_\(line.values[3])"
        // Verified against the platform's records: the line names the figure (values[4]).
        case "outcome" where line.values.count > 4 && !line.values[4].isEmpty:
            line.values[3].isEmpty ? "calc_outcome_platform" : "calc_outcome_platform_capped"
        case "outcome" where line.values.count > 3 && !line.values[3].isEmpty: "calc_outcome_capped"
        default: "calc_\(line.key)"
        }
        return ContractPage.Line(text: Views.fill(say(key), values), amount: line.amount.formatted, total: ["earned", "payable"].contains(line.key))
    }

    private func claim(_ c: Claim) -> ContractPage.ClaimRow {
        ContractPage.ClaimRow(id: c.id.lowercased, number: c.number, amount: c.amount.formatted, status: say("claim_status_\(c.status.rawValue)"),
                              claimedAt: calendar.describe(c.claimedAt), explanation: c.explanation.map(line), treasuryReference: c.treasuryReference,
                              paidOn: c.paidOn, rejectionReason: c.rejectionReason, mayDecide: isBuyer && c.status == .claimed,
                              mayRedate: isBuyer && c.status == .paid,
                              mayPay: isBuyer && c.status == .approved ? ContractPage.PayForm(key: UUID().uuidString.lowercased()) : nil,
                              mayReject: isBuyer && c.status == .approved)
    }

    private func recovery(_ r: Recovery) -> ContractPage.RecoveryRow {
        ContractPage.RecoveryRow(id: r.id.lowercased, amount: r.amount.formatted, reason: stored(r.reason), status: say("recovery_status_\(r.status.rawValue)"),
                                 createdAt: calendar.describe(r.createdAt), claimNumber: statement.claims.first { $0.id == r.claimID }?.number ?? 0,
                                 mayRepay: isBuyer && r.status == .open)
    }

    /// Three milestone blocks with two metric rows each, filled from what is written so far (or, refused, from what was typed),
    /// and a price row per metric.
    private func editor() -> ContractPage.Editor {
        let milestones = file.milestones
        let card = statement.rateCard
        // What is kept, named as the form names its inputs; what a refused form typed stands over it.
        var kept: [String: String] = ["maximum": (card?.maximum ?? file.contract.value).yuanText,
                                      "fee": card.map { Points(hundredths: $0.deliveryFeeBasisPoints).formatted } ?? "30",
                                      "capPerBeneficiary": card?.capPerBeneficiary?.yuanText ?? "",
                                      "partialRule": (card?.partialRule ?? .proportional) == .proportional ? "proportional" : "nothing"]
        for (index, m) in milestones.prefix(3).enumerated() {
            kept["m\(index)_title"] = m.title
            kept["m\(index)_dueOn"] = m.dueOn
            kept["m\(index)_share"] = m.sharePercent
            kept["m\(index)_deliverables"] = m.deliverables
            for (k, metric) in m.metrics.prefix(2).enumerated() {
                let prefix = "m\(index)_k\(k)_"
                kept[prefix + "code"] = metric.code
                kept[prefix + "unit"] = metric.unit
                kept[prefix + "target"] = String(metric.target)
                kept[prefix + "definition"] = metric.definition
                kept[prefix + "dataSource"] = metric.dataSource
                kept[prefix + "validationMethod"] = metric.validationMethod
                kept[prefix + "platformRecord"] = metric.platformRecord?.rawValue ?? ""
            }
        }
        for price in card?.prices ?? [] {
            kept["price_\(price.metric)"] = price.price.yuanText
            kept["cap_\(price.metric)"] = price.cap?.yuanText ?? ""
        }
        let typed = typed(.terms)
        let v = typed ?? kept
        func value(_ name: String) -> String { v[name] ?? "" }
        let blocks = (0..<3).map { index -> ContractPage.EditorBlock in
            ContractPage.EditorBlock(
                index: index, title: value("m\(index)_title"), dueOn: value("m\(index)_dueOn"), share: value("m\(index)_share"),
                deliverables: value("m\(index)_deliverables"),
                metrics: (0..<2).map { k in
                    let prefix = "m\(index)_k\(k)_"
                    return ContractPage.EditorMetric(
                        index: index, k: k, code: value(prefix + "code"), unit: value(prefix + "unit"), target: value(prefix + "target"),
                        definition: value(prefix + "definition"), dataSource: value(prefix + "dataSource"), validationMethod: value(prefix + "validationMethod"),
                        records: PlatformRecord.allCases.map {
                            .init(value: $0.rawValue, label: say("platformRecord_\($0.rawValue)"), selected: value(prefix + "platformRecord") == $0.rawValue)
                        })
                })
        }
        // A price row per metric code of the milestones (as typed, when refused).
        let codes = typed == nil ? Array(Set(milestones.flatMap { $0.metrics.map(\.code) })).sorted()
            : Array(Set(blocks.flatMap { $0.metrics.map(\.code) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty })).sorted()
        return ContractPage.Editor(
            blocks: blocks, maximum: value("maximum"), fee: value("fee"), capPerBeneficiary: value("capPerBeneficiary"),
            proportional: value("partialRule") != "nothing",
            prices: codes.map { ContractPage.EditorPrice(code: $0, price: value("price_\($0)"), cap: value("cap_\($0)")) },
            hasPrices: !codes.isEmpty)
    }
}
