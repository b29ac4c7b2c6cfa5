import Core
import Foundation
import Hummingbird
import Tendering

/// The trainer's page of a training instance (`/training`): the class's time, and the forms that move it by a span or
/// past a tender's next deadline. Each calls the same service method as the API.
struct TrainingController {
    let training: TrainingService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/training", use: page)
        router.post("/training/advance", use: advance)
    }

    func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, outcome: nil, problem: nil, by: "")
    }

    func advance(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let by = (form["by"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            let (_, deadline) = try await training.move(by: actor, span: by, tenderID: form["tenderId"])
            let outcome = deadline.map { views.text("training_deadline_\($0.kind.rawValue)", context) } ?? by
            return try await render(request, context, outcome: outcome, problem: nil, by: "")
        } catch let error as DomainError where error.kind == .invalid || error.kind == .conflict {
            return try await render(request, context, outcome: nil, problem: error, by: by, status: error.kind == .invalid ? .unprocessableContent : .conflict)
        }
    }

    private func render(_ request: Request, _ context: AppRequestContext, outcome: String?, problem: DomainError?, by: String,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let upcoming = try await training.upcoming(by: context.actor)
        let model = TrainingPage(status: training.status(), upcoming: upcoming, outcome: outcome, by: by,
                                 problem: problem.map { ProblemBlock($0, message: { views.say($0, context) }) },
                                 say: { views.text($0, context) })
        return views.page("training/clock", title: views.text("training_title", context), model: model, status: status, request: request, context: context)
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
    let by: String
    let problem: ProblemBlock?

    init(status: TrainingService.Status, upcoming: [(tender: Tender, deadline: TrainingService.Deadline)], outcome: String?, by: String,
         problem: ProblemBlock?, say: (String) -> String) {
        now = Self.minute(status.now)
        rate = status.rate == status.rate.rounded() ? String(Int(status.rate)) : String(status.rate)
        rows = upcoming.map { Row(tenderID: $0.tender.id.lowercased, reference: $0.tender.reference, title: $0.tender.terms.title,
                                  deadline: say("training_deadline_\($0.deadline.kind.rawValue)"), at: Self.minute($0.deadline.at)) }
        self.outcome = outcome
        self.by = by
        self.problem = problem
    }

    /// A time in Beijing to the minute, as every page shows one.
    static func minute(_ date: Date) -> String {
        var style = Date.VerbatimFormatStyle(format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
                                             timeZone: TimeZone(identifier: WorkingCalendar.timeZoneIdentifier) ?? .gmt, calendar: Calendar(identifier: .gregorian))
        style.locale = Locale(identifier: "en_US_POSIX")
        return date.formatted(style)
    }
}
