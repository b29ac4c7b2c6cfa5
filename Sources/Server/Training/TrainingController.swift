import Core
import Foundation
import Hummingbird
import Tendering

/// The trainer's page of a training instance (`/training`): the class's time, and the forms that move it by a span or
/// past a tender's next deadline. Each calls the same service method as the API. A move answers with a redirect back to
/// the page (a reload never moves the clock again); a refused span is shown beside its field, with what was typed.
struct TrainingController {
    let training: TrainingService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/training", use: page)
        router.post("/training/advance", use: advance)
    }

    func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        // What the last move did, as its redirect names it: a span the service would take, or a deadline's kind.
        let query = request.uri.queryParameters
        let moved = query["by"].map(String.init).flatMap { TrainingTime.span($0) }
        let past = query["past"].flatMap { TrainingService.Deadline.Kind(rawValue: String($0)) }
        return try await render(request, context, moved: moved, past: past, refusal: nil, by: "")
    }

    func advance(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let by = (form["by"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            let (_, deadline) = try await training.move(by: actor, span: by, tenderID: form["tenderId"])
            let query = deadline.map { "past=\($0.kind.rawValue)" } ?? "by=\(by.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            return .redirect(to: "/training?\(query)", type: .normal)
        } catch let error as DomainError where error.kind == .invalid || error.kind == .conflict {
            return try await render(request, context, moved: nil, past: nil, refusal: error, by: by,
                                    status: error.kind == .invalid ? .unprocessableContent : .conflict)
        }
    }

    private func render(_ request: Request, _ context: AppRequestContext, moved: TimeInterval?, past: TrainingService.Deadline.Kind?,
                        refusal: DomainError?, by: String, status: HTTPResponse.Status = .ok) async throws -> Response {
        let upcoming = try await training.upcoming(by: context.actor)
        let say = { (key: String) in views.text(key, context) }
        let outcome = past.map { Views.fill(say("training_movedPast"), named: ["deadline": say("training_deadline_\($0.rawValue)")]) }
            ?? moved.map { Views.fill(say("training_movedBy"), named: ["span": TrainingPage.words(span: $0, say: say)]) }
        let form = RefusedForm(refusal, prefix: "training", names: ["by"], form: ["by": by], formField: { _ in "by" },
                               label: { _ in say("training_span") }, message: { views.say($0, context) })
        let span = form.fields["by"] ?? FormField(id: "training-by", value: by, error: nil)
        let model = TrainingPage(status: training.status(), upcoming: upcoming, outcome: outcome, span: span, problem: form.problem, say: say)
        return views.page("training/clock", title: say("training_title"), model: model, status: status, request: request, context: context)
    }
}

/// What the trainer's page shows, as typed template data built without HTTP.
struct TrainingPage {
    struct Row {
        let tenderID: String
        let reference: String
        let title: String
        let deadline: String
        let at: String
    }

    let now: String
    let rate: String
    let rows: [Row]
    let outcome: String?
    let span: FormField
    let problem: ProblemBlock?

    init(status: TrainingService.Status, upcoming: [(tender: Tender, deadline: TrainingService.Deadline)], outcome: String?, span: FormField,
         problem: ProblemBlock?, say: (String) -> String) {
        now = Self.minute(status.now)
        rate = status.rate == status.rate.rounded() ? String(Int(status.rate)) : String(status.rate)
        rows = upcoming.map { Row(tenderID: $0.tender.id.lowercased, reference: $0.tender.reference, title: $0.tender.terms.title,
                                  deadline: say("training_deadline_\($0.deadline.kind.rawValue)"), at: Self.minute($0.deadline.at)) }
        self.outcome = outcome
        self.span = span
        self.problem = problem
    }

    /// A span in the page's words: "2 天", "2 days", "1 day".
    static func words(span seconds: TimeInterval, say: (String) -> String) -> String {
        let units: [(String, TimeInterval)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        let (unit, size) = units.first { seconds >= $0.1 && seconds.truncatingRemainder(dividingBy: $0.1) == 0 } ?? ("s", 1)
        let count = Int(seconds / size)
        return "\(count) " + say("training_unit_\(unit)\(count == 1 ? "1" : "")")
    }

    /// A time in Beijing to the minute, as every page shows one.
    static func minute(_ date: Date) -> String {
        var style = Date.VerbatimFormatStyle(format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
                                             timeZone: TimeZone(identifier: WorkingCalendar.timeZoneIdentifier) ?? .gmt, calendar: Calendar(identifier: .gregorian))
        style.locale = Locale(identifier: "en_US_POSIX")
        return date.formatted(style)
    }
}
