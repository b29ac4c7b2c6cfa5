import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI
import Tendering

/// Panels, scores, awards and complaints in the JSON API.
extension APIHandler {
    func listEvaluators(_ input: Operations.ListEvaluators.Input) async throws -> Operations.ListEvaluators.Output {
        .ok(.init(body: .json(try await identity.evaluators(by: try signedIn()).map {
            .init(userId: $0.id.lowercased, displayName: $0.displayName, organisationId: $0.organisationID.lowercased)
        })))
    }

    func listMyPanels(_ input: Operations.ListMyPanels.Input) async throws -> Operations.ListMyPanels.Output {
        .ok(.init(body: .json(try await evaluations.seats(of: try signedIn()).map { .init(tender: .init($0.tender), seat: .init($0.seat)) })))
    }

    func getEvaluation(_ input: Operations.GetEvaluation.Input) async throws -> Operations.GetEvaluation.Output {
        let evaluation = try await evaluations.evaluation(tenderID: try uuid(input.path.tenderId, "tenderId"), by: actor)
        let names = try await identity.organisations(ids: Set(evaluation.bids.map(\.bidderID)))
        return .ok(.init(body: .json(.init(
            tenderId: evaluation.tender.id.lowercased, panel: evaluation.panel.map(Components.Schemas.PanelMember.init),
            isComplete: evaluation.isComplete, sheets: evaluation.sheets.map(Components.Schemas.ScoreSheet.init),
            rankings: evaluation.rankings?.map { ranking in
                .init(lotId: ranking.lotID.lowercased, recommendedBidId: ranking.recommendedBidID?.lowercased, bids: ranking.bids.map {
                    .init(rank: $0.rank, bidId: $0.bidID.lowercased, bidderId: $0.bidderID.lowercased, bidderName: names[$0.bidderID]?.nameZh ?? "",
                          priceFen: $0.price.minorUnits, priceScore: $0.priceScore.value,
                          criterionScores: .init(additionalProperties: $0.criterionScores.mapValues(\.value)),
                          qualityScore: $0.qualityScore.value, total: $0.total.value,
                          abnormallyLow: $0.abnormallyLow.map { .init(percentUnderMean: $0.percentUnderMean, percentUnderNext: $0.percentUnderNext) },
                          justification: $0.justification, awardable: $0.isAwardable)
                })
            },
            awards: evaluation.awards.map(Components.Schemas.Award.init), tieBreak: Ranking.tieBreak,
            pastPerformance: evaluation.grades.sorted { $0.key.uuidString < $1.key.uuidString }.flatMap { organisation, grades in
                grades.map { .init(organisationId: organisation.lowercased, contractReference: $0.contractReference, grade: $0.grade, gradedOn: $0.gradedOn) }
            }))))
    }

    func assignEvaluator(_ input: Operations.AssignEvaluator.Input) async throws -> Operations.AssignEvaluator.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let member = try await evaluations.assign(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                                  userID: try uuid(body.userId, "userId"))
        return .created(.init(body: .json(.init(member))))
    }

    func removeEvaluator(_ input: Operations.RemoveEvaluator.Input) async throws -> Operations.RemoveEvaluator.Output {
        try await evaluations.remove(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"), userID: try uuid(input.path.userId, "userId"))
        return .noContent(.init())
    }

    func declareConflicts(_ input: Operations.DeclareConflicts.Input) async throws -> Operations.DeclareConflicts.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let conflicts = try body.conflicts.enumerated().map { try uuid($0.element, "conflicts[\($0.offset)]") }
        let member = try await evaluations.declare(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                                   conflicts: conflicts, statement: body.statement ?? "")
        return .ok(.init(body: .json(.init(member))))
    }

    func saveScores(_ input: Operations.SaveScores.Input) async throws -> Operations.SaveScores.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        var problems: [FieldError] = []
        let entries = try body.entries.enumerated().compactMap { index, entry -> ScoreEntry? in
            guard let points = Points(entry.points) else {
                problems.append(FieldError("entries[\(index)].points", "must be a number with at most two decimals"))
                return nil
            }
            return ScoreEntry(bidID: try uuid(entry.bidId, "entries[\(index)].bidId"), criterion: entry.criterion, points: points,
                              comment: entry.comment ?? "")
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let sheet = try await evaluations.score(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"), entries,
                                                submit: body.submit ?? false)
        return .ok(.init(body: .json(.init(sheet))))
    }

    func justifyPrice(_ input: Operations.JustifyPrice.Input) async throws -> Operations.JustifyPrice.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        try await evaluations.justifyPrice(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                           lotID: try uuid(input.path.lotId, "lotId"), text: body.text)
        return .noContent(.init())
    }

    // MARK: Awards and complaints

    func decideLot(_ input: Operations.DecideLot.Input) async throws -> Operations.DecideLot.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let award = try await awards.decide(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                            lotID: try uuid(input.path.lotId, "lotId"), bidID: try body.bidId.map { try uuid($0, "bidId") },
                                            reason: body.reason ?? "")
        return .created(.init(body: .json(.init(award))))
    }

    func listAwards(_ input: Operations.ListAwards.Input) async throws -> Operations.ListAwards.Output {
        let list = try await awards.awards(tenderID: try uuid(input.path.tenderId, "tenderId"), by: actor)
        let contractIDs = try await contracts.contractIDs(ofAwards: list.map(\.id), by: actor)
        return .ok(.init(body: .json(list.map {
            var award = Components.Schemas.Award($0)
            award.contractId = contractIDs[$0.id]?.lowercased
            return award
        })))
    }

    func listComplaints(_ input: Operations.ListComplaints.Input) async throws -> Operations.ListComplaints.Output {
        let complaints = try await awards.complaints(tenderID: try uuid(input.path.tenderId, "tenderId"), by: actor)
        return .ok(.init(body: .json(try await mapped(complaints))))
    }

    func fileComplaint(_ input: Operations.FileComplaint.Input) async throws -> Operations.FileComplaint.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let complaint = try await awards.file(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                              lotID: try body.lotId.map { try uuid($0, "lotId") }, text: body.text)
        return .created(.init(body: .json(try await mapped([complaint])[0])))
    }

    func answerComplaint(_ input: Operations.AnswerComplaint.Input) async throws -> Operations.AnswerComplaint.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let complaint = try await awards.answer(by: try signedIn(), complaintID: try uuid(input.path.complaintId, "complaintId"), text: body.text)
        return .ok(.init(body: .json(try await mapped([complaint])[0])))
    }

    func acceptComplaintAnswer(_ input: Operations.AcceptComplaintAnswer.Input) async throws -> Operations.AcceptComplaintAnswer.Output {
        let complaint = try await awards.accept(by: try signedIn(), complaintID: try uuid(input.path.complaintId, "complaintId"))
        return .ok(.init(body: .json(try await mapped([complaint])[0])))
    }

    func escalateComplaint(_ input: Operations.EscalateComplaint.Input) async throws -> Operations.EscalateComplaint.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let complaint = try await awards.escalate(by: try signedIn(), complaintID: try uuid(input.path.complaintId, "complaintId"), text: body.text)
        return .ok(.init(body: .json(try await mapped([complaint])[0])))
    }

    func decideComplaint(_ input: Operations.DecideComplaint.Input) async throws -> Operations.DecideComplaint.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let complaint = try await awards.decideComplaint(by: try signedIn(), complaintID: try uuid(input.path.complaintId, "complaintId"),
                                                         upheld: body.upheld, text: body.text)
        return .ok(.init(body: .json(try await mapped([complaint])[0])))
    }

    func listContractDrafts(_ input: Operations.ListContractDrafts.Input) async throws -> Operations.ListContractDrafts.Output {
        let limit = try pageSize(input.query.limit, default: 100, maximum: 500)
        let drafts = try await awards.contractDrafts(after: try input.query.after.map { try uuid($0, "after") }, limit: limit)
        return .ok(.init(body: .json(drafts.map {
            .init(awardId: $0.awardID.lowercased, tenderId: $0.tenderID.lowercased, tenderReference: $0.tenderReference, lotId: $0.lotID.lowercased,
                  lotNumber: $0.lotNumber, lotTitle: $0.lotTitle, purchaseLineId: $0.purchaseLineID.lowercased, buyerId: $0.buyerID.lowercased,
                  supplierId: $0.supplierID.lowercased, valueFen: $0.value.minorUnits, standstillEnd: $0.standstillEnd, readyAt: $0.readyAt)
        })))
    }

    /// Complaints with their complainants' names, looked up together.
    private func mapped(_ complaints: [Complaint]) async throws -> [Components.Schemas.Complaint] {
        let names = try await identity.organisations(ids: Set(complaints.map(\.complainantID)))
        return complaints.map { c in
            .init(id: c.id.lowercased, tenderId: c.tenderID.lowercased, lotId: c.lotID?.lowercased, complainantId: c.complainantID.lowercased,
                  complainantName: names[c.complainantID]?.nameZh ?? "", status: .init(rawValue: c.status.rawValue) ?? .claim, text: c.text,
                  filedAt: c.filedAt, answer: c.answer, answeredAt: c.answeredAt, escalation: c.escalation, escalatedAt: c.escalatedAt,
                  outcome: c.outcome.flatMap { .init(rawValue: $0.rawValue) }, decision: c.decision, resolvedAt: c.resolvedAt)
        }
    }
}

extension Components.Schemas.PanelMember {
    init(_ m: PanelMember) {
        self.init(userId: m.userID.lowercased, displayName: m.displayName, organisationId: m.organisationID.lowercased,
                  status: .init(rawValue: m.status.rawValue) ?? .assigned, refusal: m.refusal, declaration: m.declaration,
                  assignedAt: m.assignedAt, declaredAt: m.declaredAt, submittedAt: m.submittedAt)
    }
}

extension Components.Schemas.ScoreSheet {
    init(_ s: ScoreSheet) {
        self.init(userId: s.userID.lowercased, entries: s.entries.map {
            .init(bidId: $0.bidID.lowercased, criterion: $0.criterion, points: $0.points.value, comment: $0.comment)
        }, submittedAt: s.submittedAt)
    }
}

extension Components.Schemas.Award {
    init(_ a: Award) {
        self.init(id: a.id.lowercased, tenderId: a.tenderID.lowercased, lotId: a.lotID.lowercased, bidId: a.bidID?.lowercased,
                  supplierId: a.supplierID?.lowercased, valueFen: a.value?.minorUnits, recommendedBidId: a.recommendedBidID?.lowercased,
                  reason: a.reason, decidedAt: a.decidedAt, contractReadyAt: a.contractReadyAt)
    }
}
