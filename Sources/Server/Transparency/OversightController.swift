import Core
import Foundation
import Hummingbird
import HTTPTypes
import Identity
import Transparency

/// The overseers' workspace: the red flags of the purchases in their jurisdiction, each explained and
/// linked to its evidence.
struct OversightController {
    let transparency: TransparencyService
    let monitoring: MonitoringService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/oversight", use: show)
        router.get("/oversight/cases", use: cases)
        router.post("/oversight/cases", use: open)
        router.get("/oversight/cases/:id") { request, context in try await showCase(request, context: context) }
        router.post("/oversight/cases/:id/posts", use: post)
        router.post("/oversight/cases/:id/close", use: close)
    }

    /// Flags per page (across the kinds), and cases per page.
    static let pageSize = 50

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        // The service decides: overseers see the buyers of their jurisdiction and below, administrators every one.
        let (fetched, counts) = try await transparency.redFlags(for: context.actor, after: request.uri.queryParameters.get("after"),
                                                                limit: Self.pageSize + 1)
        let flags = Array(fetched.prefix(Self.pageSize))
        let names = try await identity.organisations(ids: Set(flags.map(\.buyerID)))
        // Every kind with its count over all pages; its flags on this page.
        let groups = RedFlag.Kind.allCases.map { kind -> [String: Any] in
            let ofKind = flags.filter { $0.kind == kind }
            return ["title": views.text("flag_title_\(kind.rawValue)", context), "explanation": views.text("flag_about_\(kind.rawValue)", context),
                    "count": counts[kind] ?? 0, "none": counts[kind] == nil,
                    "flags": ofKind.map { flag -> [String: Any] in
                        let unpublished = flag.kind == .latePublication && flag.values[2].isEmpty
                        let sentence = Views.fill(views.text("flag_\(flag.kind.rawValue)\(unpublished ? "_unpublished" : "")", context), flag.values)
                        return ["sentence": sentence, "buyer": names[flag.buyerID]?.nameZh ?? "", "evidence": flag.evidence,
                                "buyerId": flag.buyerID.lowercased, "subjectType": flag.subjectType, "subjectId": flag.subjectID.lowercased,
                                "mayOpenCase": flag.mayOpenCase, "key": flag.key]
                    }]
        }
        let cases = try await monitoring.cases(for: context.actor, limit: Self.pageSize + 1)
        return views.page("transparency/oversight", title: views.text("oversight_title", context),
                          data: ["groups": groups, "total": counts.values.reduce(0, +), "cases": try await caseRows(Array(cases.prefix(Self.pageSize)), context),
                                 "moreCases": cases.count > Self.pageSize,
                                 "pager": Pager(request, cursor: "after", fetched: fetched.count, size: Self.pageSize, last: flags.last?.key)],
                          request: request, context: context)
    }

    // MARK: Monitoring cases

    private func caseRows(_ found: [MonitoringCase], _ context: AppRequestContext) async throws -> [[String: Any]] {
        let names = try await identity.organisations(ids: Set(found.map(\.buyerID)))
        return found.map { ["id": $0.id.lowercased, "title": $0.title, "buyer": names[$0.buyerID]?.nameZh ?? "",
                            "status": views.text("case_status_\($0.status.rawValue)", context), "openedAt": WorkingCalendar().describe($0.openedAt)] }
    }

    func cases(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Newest first, paged by the last case shown; a cursor naming no case starts again. The count is over every case.
        let before = request.uri.queryParameters.get("before").flatMap(UUID.init(uuidString:))
        let fetched = try await monitoring.cases(for: context.actor, before: before, limit: Self.pageSize + 1)
        let page = Array(fetched.prefix(Self.pageSize))
        return views.page("transparency/cases", title: views.text("cases_title", context), data: [
            "cases": try await caseRows(page, context), "total": try await monitoring.cases(for: context.actor).count,
            "pager": Pager(request, cursor: "before", fetched: fetched.count, size: Self.pageSize, last: page.last?.id.lowercased),
        ], request: request, context: context)
    }

    func open(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let buyer = form["buyer"].flatMap(UUID.init(uuidString:)), let subject = form["subjectId"].flatMap(UUID.init(uuidString:)) else {
            throw DomainError.badRequest("the form names no buyer or subject")
        }
        let opened = try await monitoring.open(by: actor, buyerID: buyer, subjectType: form["subjectType"] ?? "", subjectID: subject,
                                               evidence: form["evidence"] ?? "", title: form["title"] ?? "", question: form["question"] ?? "")
        return .redirect(to: "/oversight/cases/\(opened.id.lowercased)")
    }

    func showCase(_ request: Request, context: AppRequestContext, problem: DomainError? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        // The case and its subject's audit trail, with its hash chain checked now.
        let trail = try await monitoring.trail(ofCase: try context.pathID(), by: context.actor)
        let found = trail.monitoringCase
        let calendar = WorkingCalendar()
        var data: [String: Any] = [
            "id": found.id.lowercased, "title": found.title, "status": views.text("case_status_\(found.status.rawValue)", context), "evidence": found.evidence,
            "buyer": try await identity.organisation(id: found.buyerID).nameZh,
            "posts": found.posts.map { ["author": $0.authorName, "side": views.text("case_side_\($0.side)", context), "text": $0.text, "at": calendar.describe($0.postedAt)] },
            "trail": trail.entries.map { ["seq": $0.seq, "at": calendar.describe($0.occurredAt), "action": $0.action] },
            "intact": trail.report.isIntact, "failures": trail.report.failures.map(\.description),
            "mayPost": found.may.contains(.post), "mayClose": found.may.contains(.close),
        ]
        if let outcome = found.outcome { data["outcome"] = outcome }
        if let problem { data["problem"] = problem.pageData(views, context) }
        return views.page("transparency/case", title: found.title, data: data, status: status, request: request, context: context)
    }

    private func act(_ request: Request, _ context: AppRequestContext, _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
            return .redirect(to: "/oversight/cases/\(try context.pathID().lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await showCase(request, context: context, problem: error, status: error.formStatus)
        }
    }

    func post(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) { _ = try await monitoring.post(by: actor, caseID: try context.pathID(), text: form["text"] ?? "") }
    }

    func close(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) { _ = try await monitoring.close(by: actor, caseID: try context.pathID(), outcome: form["outcome"] ?? "") }
    }
}
