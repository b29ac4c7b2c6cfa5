import Core
import Foundation
import Grassroots
import OpenAPIRuntime
import SpokesAPI

/// Service requests (办件) at the sites and who is on duty there: each handler reads its input, calls one service
/// method and maps the case (applicants masked unless the service unsealed them for the case's own staff).
extension APIHandler {
    func listSiteDuties(_ input: Operations.ListSiteDuties.Input) async throws -> Operations.ListSiteDuties.Output {
        let duties = try await requests.duties(at: try uuid(input.path.siteId, "siteId"), by: actor)
        return .ok(.init(body: .json(duties.map(Components.Schemas.SiteDutyHolder.init))))
    }

    func setSiteDuties(_ input: Operations.SetSiteDuties.Input) async throws -> Operations.SetSiteDuties.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let siteID = try uuid(input.path.siteId, "siteId")
        _ = try await requests.setDuties(by: actor, siteID: siteID,
                                         body.duties.map { ($0.username, SiteDuty(rawValue: $0.duty.rawValue) ?? .clerk) })
        let duties = try await requests.duties(at: siteID, by: actor)
        return .ok(.init(body: .json(duties.map(Components.Schemas.SiteDutyHolder.init))))
    }

    func listSiteRequests(_ input: Operations.ListSiteRequests.Input) async throws -> Operations.ListSiteRequests.Output {
        let limit = try pageSize(input.query.limit, default: 50, maximum: RequestService.pageSizes.upperBound)
        let scope = RequestQuery.Scope(rawValue: input.query.scope?.rawValue ?? "waiting") ?? .waiting
        let page = try await requests.queue(RequestQuery(siteID: try uuid(input.path.siteId, "siteId"), scope: scope,
                                                         after: try input.query.after.map { try uuid($0, "after") }, limit: limit), by: actor)
        let codes = try await materialCodes()
        return .ok(.init(body: .json(.init(items: page.requests.map { .init($0, codes: codes, alert: requests.alert(of: $0)) }, next: page.next?.lowercased))))
    }

    func registerServiceRequest(_ input: Operations.RegisterServiceRequest.Input) async throws -> Operations.RegisterServiceRequest.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let request = try await requests.register(by: actor, at: try uuid(input.path.siteId, "siteId"), NewRequest(
            itemCode: body.itemCode, applicant: Applicant(name: body.applicant.name, idNumber: body.applicant.idNumber, phone: body.applicant.phone),
            presented: body.presented ?? []))
        return .created(.init(body: .json(.init(request, codes: try await materialCodes(), alert: requests.alert(of: request)))))
    }

    func getServiceRequest(_ input: Operations.GetServiceRequest.Input) async throws -> Operations.GetServiceRequest.Output {
        let view = try await requests.view(id: try uuid(input.path.requestId, "requestId"), by: actor)
        let codes = try await materialCodes()
        return .ok(.init(body: .json(.init(
            value1: .init(view.request, codes: codes, alert: requests.alert(of: view.request)),
            value2: .init(applicant: view.applicant.map { .init(name: $0.name, idNumber: $0.idNumber, phone: $0.phone) },
                          steps: view.steps.map { .init(at: $0.at, action: $0.action) },
                          rating: view.rating.flatMap { .init(rawValue: $0.rawValue) },
                          recheck: view.recheck.map(Components.Schemas.Recheck.init),
                          actions: view.actions.map(\.rawValue).sorted())))))
    }

    func supplyRequestMaterials(_ input: Operations.SupplyRequestMaterials.Input) async throws -> Operations.SupplyRequestMaterials.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        return .ok(try await stepBody(try await requests.supplyMaterials(by: actor, id: try uuid(input.path.requestId, "requestId"), body.presented)))
    }

    func forwardServiceRequest(_ input: Operations.ForwardServiceRequest.Input) async throws -> Operations.ForwardServiceRequest.Output {
        .ok(try await stepBody(try await requests.forward(by: try signedIn(), id: try uuid(input.path.requestId, "requestId"))))
    }

    func approveServiceRequest(_ input: Operations.ApproveServiceRequest.Input) async throws -> Operations.ApproveServiceRequest.Output {
        .ok(try await stepBody(try await requests.approve(by: try signedIn(), id: try uuid(input.path.requestId, "requestId"))))
    }

    func completeServiceRequest(_ input: Operations.CompleteServiceRequest.Input) async throws -> Operations.CompleteServiceRequest.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        return .ok(try await stepBody(try await requests.complete(by: actor, id: try uuid(input.path.requestId, "requestId"), result: body.result)))
    }

    func refuseServiceRequest(_ input: Operations.RefuseServiceRequest.Input) async throws -> Operations.RefuseServiceRequest.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        return .ok(try await stepBody(try await requests.refuse(by: actor, id: try uuid(input.path.requestId, "requestId"), reason: body.reason)))
    }

    func handOverServiceRequest(_ input: Operations.HandOverServiceRequest.Input) async throws -> Operations.HandOverServiceRequest.Output {
        .ok(try await stepBody(try await requests.handOver(by: try signedIn(), id: try uuid(input.path.requestId, "requestId"))))
    }

    func withdrawServiceRequest(_ input: Operations.WithdrawServiceRequest.Input) async throws -> Operations.WithdrawServiceRequest.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        return .ok(try await stepBody(try await requests.withdraw(by: actor, id: try uuid(input.path.requestId, "requestId"), reason: body.reason)))
    }

    func takeOverServiceRequest(_ input: Operations.TakeOverServiceRequest.Input) async throws -> Operations.TakeOverServiceRequest.Output {
        .ok(try await stepBody(try await requests.takeOver(by: try signedIn(), id: try uuid(input.path.requestId, "requestId"))))
    }

    func trackServiceRequest(_ input: Operations.TrackServiceRequest.Input) async throws -> Operations.TrackServiceRequest.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let tracked = try await requests.track(code: body.trackingCode, phoneTail: body.phoneTail)
        let r = tracked.request
        let codes = try await materialCodes()
        return .ok(.init(body: .json(.init(
            trackingCode: r.trackingCode, itemCode: r.itemCode, itemNameZh: tracked.itemNameZh, itemNameEn: tracked.itemNameEn,
            siteNameZh: tracked.acceptingSiteNameZh, siteNameEn: tracked.acceptingSiteNameEn, state: .init(rawValue: r.state.rawValue) ?? .closed,
            outcome: r.outcome.flatMap { .init(rawValue: $0.rawValue) }, missing: r.missing.map { codes[$0] ?? $0.lowercased },
            reason: r.reason, result: r.result, registeredAt: r.registeredAt, dueAt: r.dueAt, finalDueAt: r.finalDueAt,
            steps: tracked.steps.map { .init(at: $0.at, action: $0.action) }, rating: tracked.rating.flatMap { .init(rawValue: $0.rawValue) },
            mayRate: tracked.mayRate))))
    }

    func rateServiceRequest(_ input: Operations.RateServiceRequest.Input) async throws -> Operations.RateServiceRequest.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        try await requests.rate(code: body.value1.trackingCode, phoneTail: body.value1.phoneTail,
                                Satisfaction(rawValue: body.value2.rating.rawValue) ?? .satisfied, comment: body.value2.comment ?? "")
        return .noContent(.init())
    }

    func getRequestSupervision(_ input: Operations.GetRequestSupervision.Input) async throws -> Operations.GetRequestSupervision.Output {
        let code = try Self.jurisdictionFilter(input.query.jurisdiction) ?? ""
        let report = try await requests.supervision(jurisdictionCode: code, year: input.query.year, by: actor)
        guard let jurisdiction = try await identity.jurisdiction(id: report.jurisdictionID) else { throw DomainError.notFound("no such page") }
        let tables = try await SupervisionTables.build(report, jurisdiction: jurisdiction, identity: identity, catalogue: serviceItems, sites: sites)
        func row(_ r: SupervisionTables.Row) -> Components.Schemas.SupervisionRow {
            .init(code: r.code, nameZh: r.nameZh, nameEn: r.nameEn, siteId: r.siteID?.lowercased, figures: .init(r.figures))
        }
        return .ok(.init(body: .json(.init(jurisdictionCode: jurisdiction.code, year: report.year, total: .init(report.total),
                                           areas: tables.areas.map(row), items: tables.items.map(row), sites: tables.sites.map(row)))))
    }

    func listRequestRisks(_ input: Operations.ListRequestRisks.Input) async throws -> Operations.ListRequestRisks.Output {
        let risks = try await requests.risks(jurisdictionCode: try Self.jurisdictionFilter(input.query.jurisdiction) ?? "")
        return .ok(.init(body: .json(risks.map(Components.Schemas.ItemRisk.init))))
    }

    func setRequestRisk(_ input: Operations.SetRequestRisk.Input) async throws -> Operations.SetRequestRisk.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let risk = try await requests.setRisk(by: actor, itemCode: body.itemCode, jurisdictionCode: body.jurisdictionCode,
                                              grade: RiskGrade(rawValue: body.grade.rawValue) ?? .normal, samplePercent: body.samplePercent)
        return .ok(.init(body: .json(.init(risk))))
    }

    func listSiteRechecks(_ input: Operations.ListSiteRechecks.Input) async throws -> Operations.ListSiteRechecks.Output {
        let rechecks = try await requests.rechecks(at: try uuid(input.path.siteId, "siteId"), by: actor)
        return .ok(.init(body: .json(rechecks.map(Components.Schemas.Recheck.init))))
    }

    func recheckServiceRequest(_ input: Operations.RecheckServiceRequest.Input) async throws -> Operations.RecheckServiceRequest.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let recheck = try await requests.recheck(by: actor, requestID: try uuid(input.path.requestId, "requestId"),
                                                 outcome: RecheckOutcome(rawValue: body.outcome.rawValue) ?? .confirmed, finding: body.finding ?? "")
        return .ok(.init(body: .json(.init(recheck))))
    }

    private func stepBody(_ request: ServiceRequest) async throws -> Components.Responses.ServiceRequestStep {
        .init(body: .json(.init(request, codes: try await materialCodes(), alert: requests.alert(of: request))))
    }

    /// Material ids to their codes (M0001), which is how cases name them outside the database.
    private func materialCodes() async throws -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: try await serviceItems.materials().map { ($0.id, $0.code) })
    }
}

extension Components.Schemas.SiteDutyHolder {
    init(_ entry: (holder: DutyHolder, username: String, name: String)) {
        self.init(userId: entry.holder.userID.lowercased, username: entry.username, name: entry.name, duty: .init(rawValue: entry.holder.duty.rawValue) ?? .clerk)
    }
}

extension Components.Schemas.ServiceRequest {
    init(_ r: ServiceRequest, codes: [UUID: String], alert: AlertLevel) {
        self.init(id: r.id.lowercased, trackingCode: r.trackingCode, itemId: r.itemID.lowercased, itemCode: r.itemCode,
                  acceptingSiteId: r.acceptingSiteID.lowercased, approvingSiteId: r.approvingSiteID.lowercased,
                  handlingSiteId: r.handlingSiteID.lowercased, siteId: r.siteID.lowercased, ownerId: r.ownerID.lowercased,
                  applicantMasked: r.applicantMasked, idNumberMasked: r.idNumberMasked, phoneMasked: r.phoneMasked,
                  state: .init(rawValue: r.state.rawValue) ?? .closed, outcome: r.outcome.flatMap { .init(rawValue: $0.rawValue) },
                  missing: r.missing.map { codes[$0] ?? $0.lowercased }, reason: r.reason, result: r.result, registeredAt: r.registeredAt,
                  acceptedAt: r.acceptedAt, dueAt: r.dueAt, finalDueAt: r.finalDueAt, decidedAt: r.decidedAt, closedAt: r.closedAt,
                  onTime: r.onTime, alert: Components.Schemas.ServiceRequest.AlertPayload(rawValue: alert.rawValue) ?? .clerk)
    }
}

extension Components.Schemas.SupervisionFigures {
    init(_ f: SupervisionFigures) {
        self.init(registered: f.registered, settled: f.settled, onTime: f.onTime, refused: f.refused, reopened: f.reopened, open: f.open, late: f.late, rated: f.rated,
                  satisfied: f.satisfied, onTimeRate: f.onTimeRate, satisfactionRate: f.satisfactionRate,
                  settledAtVillage: f.settledAt[.villageStation] ?? 0, settledAtTown: f.settledAt[.townCentre] ?? 0,
                  settledAtCounty: f.settledAt[.countyCentre] ?? 0)
    }
}

extension Components.Schemas.ItemRisk {
    init(_ r: ItemRisk) {
        self.init(itemCode: r.itemCode, jurisdictionId: r.jurisdictionID.lowercased, grade: .init(rawValue: r.grade.rawValue) ?? .normal,
                  samplePercent: r.samplePercent)
    }
}

extension Components.Schemas.Recheck {
    init(_ r: Grassroots.Recheck) {
        self.init(id: r.id.lowercased, requestId: r.requestID.lowercased, siteId: r.siteID.lowercased, sampledAt: r.sampledAt,
                  outcome: r.outcome.flatMap { .init(rawValue: $0.rawValue) }, finding: r.finding, checkedAt: r.checkedAt)
    }
}
