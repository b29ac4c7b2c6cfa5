import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Incubation
import Payments
import Tendering

/// The incubator's board (a column per stage, a card per organisation, the funnel) and each
/// organisation's pipeline page (its stays, the checklist for its next stage, and for staff the move).
struct IncubatorController {
    let incubation: IncubationService
    let identity: IdentityService
    let seedGrants: SeedGrantService
    let purchaseLists: PurchaseListService
    let ledger: LedgerService
    let views: Views
    /// The instance's clock (a training class's on a training instance): what "today" on the page is.
    let clock: any SpokesClock

    func register(on router: Router<AppRequestContext>) {
        router.get("/incubator", use: board)
        router.get("/incubator/organisations/:id", use: journey)
        router.post("/incubator/organisations/:id/move", use: move)
        router.post("/incubator/organisations/:id/assessments", use: assess)
        router.post("/incubator/organisations/:id/sessions", use: recordSession)
        router.get("/incubator/spaces", use: spaces)
        router.post("/incubator/spaces", use: addSpace)
        router.post("/incubator/spaces/:id/allocate", use: allocate)
        router.post("/incubator/allocations/:id/hand-back", use: handBack)
        router.post("/incubator/organisations/:id/grants", use: awardGrant)
        router.post("/incubator/organisations/:id/grants/:grant/cancel", use: cancelGrant)
    }

    func board(_ request: Request, context: AppRequestContext) async throws -> Response {
        let board = try await incubation.board()
        let funnel = try await incubation.funnel()
        let cohorts = try await incubation.cohortAverages()
        var alerts: [IncubationAlert]?
        if let actor = context.actor, try await incubation.isStaff(actor) { alerts = try await incubation.alerts(by: actor) }
        let names = try await identity.organisations(ids: Set(board.flatMap { $0.placements.map(\.organisationID) } + (alerts ?? []).map(\.organisationID)))
        let model = IncubatorBoardPage.model(board: board, funnel: funnel, cohorts: cohorts, alerts: alerts, names: names, language: context.language,
                                             say: { views.text($0, context) }, finding: { views.say($0, context) })
        return views.page("incubation/incubator", title: views.text("incubator_title", context), model: model, request: request, context: context)
    }

    /// Entered (dark) and moved on (light) per stage, one group of bars per year, with its numbers written on.
    static func funnelChart(_ rows: [(year: Int, stage: IncubationStage, entered: Int, graduated: Int)], title: String,
                            label: (IncubationStage) -> String) -> String {
        let years = Array(Set(rows.map(\.year))).sorted()
        guard !years.isEmpty else { return "" }
        let top = max(rows.map(\.entered).max() ?? 1, 1)
        let barHeight = 14, gap = 4, groupGap = 18, labelWidth = 110, width = 520
        var y = 10
        var svg = ""
        for year in years {
            svg += "<text x=\"0\" y=\"\(y + 10)\" font-weight=\"bold\">\(year)</text>"
            y += 16
            for row in rows where row.year == year {
                let entered = (width - labelWidth - 40) * row.entered / top
                let graduated = (width - labelWidth - 40) * row.graduated / top
                svg += "<text x=\"0\" y=\"\(y + 11)\">\(label(row.stage))</text>"
                svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(max(entered, 1))\" height=\"\(barHeight)\" fill=\"#9b1c1c\"/>"
                svg += "<rect x=\"\(labelWidth)\" y=\"\(y + barHeight / 2)\" width=\"\(max(graduated, 0))\" height=\"\(barHeight / 2)\" fill=\"#f0b4b4\"/>"
                svg += "<text x=\"\(labelWidth + max(entered, 1) + 6)\" y=\"\(y + 11)\">\(row.entered) / \(row.graduated)</text>"
                y += barHeight + gap
            }
            y += groupGap
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(y)\" viewBox=\"0 0 \(width) \(y)\" font-size=\"12\" role=\"img\" aria-labelledby=\"funnel-title\"><title id=\"funnel-title\">\(BarChart.escape(title))</title>\(svg)</svg>"
    }

    func journey(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderJourney(request, context)
    }

    private func renderJourney(_ request: Request, _ context: AppRequestContext, problem: DomainError? = nil, form: [String: String] = [:],
                               status: HTTPResponse.Status = .ok) async throws -> Response {
        let id = try context.pathID()
        let journey = try await incubation.journey(of: id)
        let assessments = try await incubation.assessments(of: id)
        let mentors = try await incubation.mentors()
        let sessions = try await incubation.sessions(of: id)
        let model = IncubatorOrganisationPage.model(journey: journey, assessments: assessments, sessions: sessions, mentors: mentors,
                                                    support: try await support(of: id, context), language: context.language, now: clock.now(), form: form,
                                                    problem: problem, say: { views.text($0, context) }, finding: { views.say($0, context) },
                                                    message: { views.say($0, context) })
        return views.page("incubation/incubator-organisation", title: model.name, model: model, status: status, request: request, context: context)
    }

    /// Seed grants and space of the organisation; for staff, the budget lines a grant may come from
    /// (the year's incubation lines, 社会组织孵化培育 B02, with what each has left).
    private func support(of id: UUID, _ context: AppRequestContext) async throws -> IncubatorOrganisationPage.Support {
        let grants = try await seedGrants.grants(of: id)
        let staff = try await incubation.isStaff(context.actor, for: id)
        let spaces = Dictionary(uniqueKeysWithValues: try await incubation.spaces().map { ($0.space.id, $0.space) })
        let allocations = try await incubation.allocations(of: id)
        guard staff else { return .init(grants: grants, allocations: allocations, spaces: spaces, lines: nil) }
        let year = Int(WorkingCalendar().dayKey(clock.now()).prefix(4)) ?? 2026
        let lines = try await purchaseLists.lines(PurchaseLineQuery(year: year, limit: 500)).filter { $0.content.catalogueCode.hasPrefix(SeedGrant.incubationCode) }
        let balances = try await ledger.balances(of: lines.map(\.id))
        return .init(grants: grants, allocations: allocations, spaces: spaces,
                     lines: lines.map { (line: $0, left: balances[$0.id]?.uncommitted ?? $0.content.budget) })
    }

    func awardGrant(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { actor, id, form in
            guard let amount = Money.parse(yuan: form["amount"] ?? "") else { throw DomainError.invalid([FieldError("amount", "write an amount in yuan, like 50000 or 50,000.00")]) }
            guard let line = form["line"].flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid([FieldError("purchaseLineId", "choose a budget line")]) }
            _ = try await seedGrants.award(by: actor, organisationID: id, purchaseLineID: line, amount: amount, purpose: form["purpose"] ?? "")
        }
    }

    func cancelGrant(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { actor, _, form in
            _ = try await seedGrants.cancel(by: actor, grantID: try context.pathID("grant"), reason: form["reason"] ?? "")
        }
    }

    // MARK: Space

    func spaces(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderSpaces(request, context)
    }

    /// Every desk and room with who holds it from today on; for staff the forms to add, lend and take back.
    private func renderSpaces(_ request: Request, _ context: AppRequestContext, problem: DomainError? = nil,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let spaces = try await incubation.spaces()
        let board = try await incubation.board()
        let names = try await identity.organisations(ids: Set(spaces.flatMap { $0.allocations.map(\.organisationID) } + board.flatMap { $0.placements.map(\.organisationID) }))
        let model = SpacesPage.model(spaces: spaces, board: board, names: names, isStaff: try await incubation.isStaff(context.actor), now: clock.now(),
                                     problem: problem, say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("incubation/incubator-spaces", title: views.text("space_title", context), model: model, status: status, request: request, context: context)
    }

    /// Runs a staff form of the spaces page; a refusal the user can fix re-renders it with the problem.
    private func actOnSpaces(_ request: Request, _ context: AppRequestContext, _ action: (Actor, FormData) async throws -> Void) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        do {
            try await action(actor, form)
            return .redirect(to: "/incubator/spaces")
        } catch let error as DomainError where error.refusesForm {
            return try await renderSpaces(request, context, problem: error, status: error.formStatus)
        }
    }

    func addSpace(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await actOnSpaces(request, context) { actor, form in
            _ = try await incubation.addSpace(by: actor, name: form["name"] ?? "", kind: Space.Kind(rawValue: form["kind"] ?? "") ?? .desk)
        }
    }

    func allocate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let space = try context.pathID()
        return try await actOnSpaces(request, context) { actor, form in
            guard let organisation = form["organisation"].flatMap(UUID.init(uuidString:)) else {
                throw DomainError.invalid([FieldError("organisationId", "choose an organisation")])
            }
            _ = try await incubation.allocate(by: actor, spaceID: space, organisationID: organisation, from: form["from"] ?? "", to: form["to"] ?? "")
        }
    }

    func handBack(_ request: Request, context: AppRequestContext) async throws -> Response {
        let allocation = try context.pathID()
        return try await actOnSpaces(request, context) { actor, _ in
            _ = try await incubation.handBack(by: actor, allocationID: allocation)
        }
    }

    /// The average of each assessment over time, on the 1–4 scale, with its value written at each point.
    static func trendChart(_ assessments: [CapacityAssessment], title: String) -> String {
        guard !assessments.isEmpty else { return "" }
        let width = 480, height = 160, left = 40, right = 50, top = 10, bottom = 30
        func x(_ index: Int) -> Int { assessments.count == 1 ? left + (width - left - right) / 2 : left + index * (width - left - right) / (assessments.count - 1) }
        func y(_ hundredths: Int) -> Int { top + (400 - hundredths) * (height - top - bottom) / 300 }
        var svg = (1...4).map { "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y($0 * 100))\" y2=\"\(y($0 * 100))\" stroke=\"#ddd\"/><text x=\"0\" y=\"\(y($0 * 100) + 4)\">\($0)</text>" }.joined()
        let points = assessments.enumerated().map { "\(x($0.offset)),\(y($0.element.average))" }.joined(separator: " ")
        svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"#9b1c1c\" stroke-width=\"2\"/>"
        for (index, a) in assessments.enumerated() {
            svg += "<circle cx=\"\(x(index))\" cy=\"\(y(a.average))\" r=\"3\" fill=\"#9b1c1c\"/>"
            svg += "<text x=\"\(x(index) - 12)\" y=\"\(y(a.average) - 6)\">\(Points(hundredths: a.average).formatted)</text>"
            svg += "<text x=\"\(x(index) - 30)\" y=\"\(height - 8)\">\(a.assessedOn)</text>"
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-size=\"11\" role=\"img\" aria-label=\"\(BarChart.escape(title))\">\(svg)</svg>"
    }

    func assess(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { actor, id, form in
            var scores: [CapacityElement: Int] = [:]
            for element in CapacityElement.allCases { scores[element] = Int(form[element.rawValue] ?? "") }
            _ = try await incubation.recordAssessment(by: actor, organisationID: id, assessedOn: form["assessedOn"] ?? "", scores: scores, note: form["note"] ?? "")
        }
    }

    func recordSession(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { actor, id, form in
            // Hours with at most two decimals, read without floating point; anything else is 0 minutes, which the
            // service refuses (after it has decided whether the actor may record a session at all).
            let hundredths = NumberText.scaled(form["hours"] ?? "", decimals: 2).map { min($0, 100_000) } ?? 0
            _ = try await incubation.recordSession(by: actor, organisationID: id, mentorID: form["mentor"].flatMap(UUID.init(uuidString:)),
                                                   heldOn: form["heldOn"] ?? "", minutes: Int((hundredths * 60 + 50) / 100),
                                                   kind: SupportSession.Kind(rawValue: form["kind"] ?? "") ?? .mentoring, topic: form["topic"] ?? "")
        }
    }

    func move(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context, keeping: ["stage", "reason"]) { actor, id, form in
            guard let stage = IncubationStage(rawValue: form["stage"] ?? "") else { throw DomainError.invalid([FieldError("stage", "choose a stage")]) }
            _ = try await incubation.move(by: actor, organisationID: id, to: stage, reason: form["reason"] ?? "", override: form["override"] == "on")
        }
    }

    /// Runs a staff form of the organisation's page; a refusal the user can fix re-renders the page with
    /// the problem and the `keeping` fields as sent.
    private func act(_ request: Request, _ context: AppRequestContext, keeping: [String] = [],
                     _ action: (Actor, UUID, FormData) async throws -> Void) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID()
        let form = try await FormData.read(request, context)
        do {
            try await action(actor, id, form)
            return .redirect(to: "/incubator/organisations/\(id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await renderJourney(request, context, problem: error, form: Dictionary(uniqueKeysWithValues: keeping.map { ($0, form[$0] ?? "") }),
                                           status: error.formStatus)
        }
    }
}

extension Views {
    /// A finding in the page's language: its `finding_<key>` sentence with `{0}`, `{1}`… filled in.
    func say(_ finding: Finding, _ context: AppRequestContext) -> String {
        Self.fill(text("finding_\(finding.key)", context), finding.values.map { value in
            switch value {
            case .text(let text): text
            case .stage(let stage): text("stage_\(stage.rawValue)", context)
            }
        })
    }

    /// A sentence with its `{0}`, `{1}`… replaced by the values in order.
    static func fill(_ sentence: String, _ values: [String]) -> String {
        var sentence = sentence
        for (index, value) in values.enumerated() { sentence = sentence.replacingOccurrences(of: "{\(index)}", with: value) }
        return sentence
    }
}
