import Core
import Delivery
import Foundation
import Identity
import Incubation
import Payments
import SpokesAPI
import Transparency

/// The services behind the oversight pages, which the API calls too: each decides who may do what.
struct OversightServices: Sendable {
    let transparency: TransparencyService
    let monitoring: MonitoringService
    let voice: VoiceService
    let worklists: PaymentWorklists
    let insightRows: InsightRows
    /// The public directory of suppliers (issue 24).
    let directory: SupplierDirectory
}

/// Red flags, monitoring cases, the dashboards' rows, residents' voice, standing and the payment worklists
/// in the JSON API: the same service methods as `/oversight`, `/oversight/cases`, `/insights`, `/voice` and
/// `/payments`, so the page and the API cannot disagree on who sees what.
extension APIHandler {
    // MARK: Red flags

    func listRedFlags(_ input: Operations.ListRedFlags.Input) async throws -> Operations.ListRedFlags.Output {
        let flags = try await oversight.transparency.redFlags(for: actor)
        let kind = input.query.kind.flatMap { RedFlag.Kind(rawValue: $0.rawValue) }
        return .ok(.init(body: .json(flags.filter { kind == nil || $0.kind == kind }.map(Components.Schemas.RedFlag.init))))
    }

    // MARK: Monitoring cases

    func listMonitoringCases(_ input: Operations.ListMonitoringCases.Input) async throws -> Operations.ListMonitoringCases.Output {
        .ok(.init(body: .json(try await oversight.monitoring.cases(for: actor).map(Components.Schemas.MonitoringCase.init))))
    }

    func openMonitoringCase(_ input: Operations.OpenMonitoringCase.Input) async throws -> Operations.OpenMonitoringCase.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let opened = try await oversight.monitoring.open(by: try signedIn(), buyerID: try uuid(body.buyerId, "buyerId"), subjectType: body.subjectType.rawValue,
                                                        subjectID: try uuid(body.subjectId, "subjectId"), evidence: body.evidence, title: body.title,
                                                        question: body.question)
        return .created(.init(body: .json(.init(opened))))
    }

    func getMonitoringCase(_ input: Operations.GetMonitoringCase.Input) async throws -> Operations.GetMonitoringCase.Output {
        let trail = try await oversight.monitoring.trail(ofCase: try uuid(input.path.caseId, "caseId"), by: actor)
        return .ok(.init(body: .json(.init(monitoringCase: .init(trail.monitoringCase),
                                           trail: trail.entries.map { .init(seq: $0.seq, occurredAt: $0.occurredAt, action: $0.action) },
                                           intact: trail.report.isIntact, failures: trail.report.failures.map(\.description)))))
    }

    func postToMonitoringCase(_ input: Operations.PostToMonitoringCase.Input) async throws -> Operations.PostToMonitoringCase.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let posted = try await oversight.monitoring.post(by: try signedIn(), caseID: try uuid(input.path.caseId, "caseId"), text: body.text)
        return .created(.init(body: .json(.init(posted))))
    }

    func closeMonitoringCase(_ input: Operations.CloseMonitoringCase.Input) async throws -> Operations.CloseMonitoringCase.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let closed = try await oversight.monitoring.close(by: try signedIn(), caseID: try uuid(input.path.caseId, "caseId"), outcome: body.outcome)
        return .ok(.init(body: .json(.init(closed))))
    }

    // MARK: Insights

    private var language: Language { OpenAPIContextMiddleware.current?.language ?? .zh }

    func getInsights(_ input: Operations.GetInsights.Input) async throws -> Operations.GetInsights.Output {
        let insights = try await oversight.insightRows.insights(for: actor)
        var charts: [Components.Schemas.InsightChart] = []
        for chart in InsightRows.charts {
            charts.append(.init(chart: .init(rawValue: chart)!, rows: try await oversight.insightRows.rows(chart, of: insights, in: language).map(Components.Schemas.InsightRow.init)))
        }
        return .ok(.init(body: .json(.init(awardedFen: insights.awarded, charts: charts))))
    }

    func getInsightChart(_ input: Operations.GetInsightChart.Input) async throws -> Operations.GetInsightChart.Output {
        let insights = try await oversight.insightRows.insights(for: actor)
        let rows = try await oversight.insightRows.rows(input.path.chart.rawValue, of: insights, in: language)
        return .ok(.init(body: .json(.init(chart: input.path.chart, rows: rows.map(Components.Schemas.InsightRow.init)))))
    }

    // MARK: Residents' voice

    func listNeeds(_ input: Operations.ListNeeds.Input) async throws -> Operations.ListNeeds.Output {
        let limit = try pageSize(input.query.limit, default: 100, maximum: 200)
        let needs = try await oversight.voice.needs(in: try input.query.jurisdictionId.map { try uuid($0, "jurisdictionId") }, by: actor, limit: limit)
        // As the survey's API does: a token for a new device with every reading, one proposal or support each.
        let token = oversight.voice.deviceToken(device: nil).token
        return .ok(.init(body: .json(.init(items: needs.map(Components.Schemas.Need.init), deviceToken: token))))
    }

    func proposeNeed(_ input: Operations.ProposeNeed.Input) async throws -> Operations.ProposeNeed.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let need = try await oversight.voice.propose(jurisdictionID: try uuid(body.jurisdictionId, "jurisdictionId"), title: body.title, description: body.description,
                                                     deviceToken: body.deviceToken, client: OpenAPIContextMiddleware.current?.remoteAddress ?? "unknown")
        return .created(.init(body: .json(.init(need))))
    }

    func getNeed(_ input: Operations.GetNeed.Input) async throws -> Operations.GetNeed.Output {
        .ok(.init(body: .json(.init(try await oversight.voice.need(id: try uuid(input.path.needId, "needId"), by: actor)))))
    }

    func supportNeed(_ input: Operations.SupportNeed.Input) async throws -> Operations.SupportNeed.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let counted = try await oversight.voice.support(needID: try uuid(input.path.needId, "needId"), deviceToken: body.deviceToken,
                                                        client: OpenAPIContextMiddleware.current?.remoteAddress ?? "unknown")
        return .created(.init(body: .json(.init(counted: counted))))
    }

    func linkNeedToLine(_ input: Operations.LinkNeedToLine.Input) async throws -> Operations.LinkNeedToLine.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let need = try await oversight.voice.link(by: try signedIn(), needID: try uuid(input.path.needId, "needId"),
                                                  purchaseLineID: try uuid(body.purchaseLineId, "purchaseLineId"))
        return .ok(.init(body: .json(.init(need))))
    }

    // MARK: Standing

    func getOrganisationStanding(_ input: Operations.GetOrganisationStanding.Input) async throws -> Operations.GetOrganisationStanding.Output {
        let record = try await identity.standingRecord(of: try uuid(input.path.organisationId, "organisationId"), by: actor)
        return .ok(.init(body: .json(.init(
            organisationId: record.organisationID.lowercased,
            ratings: record.ratings.map(Components.Schemas.Rating.init), violations: record.violations.map(Components.Schemas.Violation.init)))))
    }

    // MARK: Worklists

    func listClaimsToApprove(_ input: Operations.ListClaimsToApprove.Input) async throws -> Operations.ListClaimsToApprove.Output {
        let claims = try await oversight.worklists.claimsToApprove(for: actor)
        let calendar = try await contracts.calendar()
        return .ok(.init(body: .json(claims.map { .init($0, calendar: calendar) })))
    }

    func listPaymentsToMake(_ input: Operations.ListPaymentsToMake.Input) async throws -> Operations.ListPaymentsToMake.Output {
        // The worklist decides first (401, 403); the seed grants are Incubation's, read for the same buyer.
        let claims = try await oversight.worklists.paymentsToMake(for: actor)
        let grants = try await seedGrants.awaitingPayment(by: try signedIn())
        let calendar = try await contracts.calendar()
        return .ok(.init(body: .json(.init(claims: claims.map { .init($0, calendar: calendar) }, grants: grants.map(Components.Schemas.SeedGrant.init)))))
    }

    func listOpenRecoveries(_ input: Operations.ListOpenRecoveries.Input) async throws -> Operations.ListOpenRecoveries.Output {
        let recoveries = try await oversight.worklists.recoveriesOpen(for: actor)
        let calendar = try await contracts.calendar()
        return .ok(.init(body: .json(recoveries.map {
            .init(recovery: .init($0.recovery), contract: .init($0.contract, calendar: calendar), mayRepay: $0.mayRepay)
        })))
    }
}

// MARK: Domain → API

extension Components.Schemas.RedFlag {
    init(_ f: RedFlag) {
        self.init(kind: .init(rawValue: f.kind.rawValue)!, buyerId: f.buyerID.lowercased, description: f.english, values: f.values,
                  evidence: .init(page: f.evidence, api: f.evidenceAPI), subjectType: .init(rawValue: f.subjectType) ?? .tender, subjectId: f.subjectID.lowercased,
                  mayOpenCase: f.mayOpenCase)
    }
}

extension Components.Schemas.MonitoringCase {
    init(_ c: MonitoringCase) {
        self.init(id: c.id.lowercased, buyerId: c.buyerID.lowercased, subjectType: .init(rawValue: c.subjectType) ?? .tender, subjectId: c.subjectID.lowercased,
                  evidence: c.evidence, title: c.title, status: .init(rawValue: c.status.rawValue) ?? .open, openedAt: c.openedAt, closedAt: c.closedAt,
                  outcome: c.outcome,
                  posts: c.posts.map { .init(authorName: $0.authorName, side: .init(rawValue: $0.side) ?? .overseer, text: $0.text, postedAt: $0.postedAt) },
                  may: MonitoringCase.Step.allCases.filter(c.may.contains).map { .init(rawValue: $0.rawValue)! })
    }
}

extension Components.Schemas.InsightRow {
    init(_ r: InsightRows.Row) {
        self.init(key: r.key, label: r.label, value: r.value, figure: r.figure, second: r.second)
    }
}

extension Components.Schemas.Need {
    init(_ n: Need) {
        self.init(id: n.id.lowercased, jurisdictionId: n.jurisdictionID.lowercased, title: n.title, description: n.description, proposedAt: n.proposedAt,
                  supports: n.supports, answers: n.answers.map {
                      .init(purchaseLineId: $0.purchaseLineID.lowercased, buyerId: $0.buyerID.lowercased, linkedAt: $0.linkedAt, lineReference: $0.lineReference,
                            lineTitle: $0.lineTitle, tenderId: $0.tenderID?.lowercased, tenderReference: $0.tenderReference)
                  })
    }
}

extension Components.Schemas.ClaimTask {
    init(_ t: ClaimTask, calendar: WorkingCalendar) { self.init(claim: .init(t.claim), contract: .init(t.contract, calendar: calendar)) }
}
