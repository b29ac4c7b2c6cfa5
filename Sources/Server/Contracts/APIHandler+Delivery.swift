import Core
import Delivery
import Foundation
import OpenAPIRuntime
import Payments
import SpokesAPI

/// Contracts, milestones, reports, sign-offs, and their payments.
extension APIHandler {
    func listContracts(_ input: Operations.ListContracts.Input) async throws -> Operations.ListContracts.Output {
        let q = input.query
        let filter = ContractFilter(status: q.status.flatMap { ContractStatus(rawValue: $0.rawValue) }, tenderID: try q.tender.map { try uuid($0, "tender") },
                                    supplierID: try q.supplier.map { try uuid($0, "supplier") }, year: q.year)
        let page = try await contracts.contracts(for: actor, after: try q.after.map { try uuid($0, "after") }, limit: try pageSize(q.limit, default: 50, maximum: 200),
                                                 filter: filter)
        let calendar = try await contracts.calendar()
        return .ok(.init(body: .json(page.map { .init($0, calendar: calendar) })))
    }

    func draftContract(_ input: Operations.DraftContract.Input) async throws -> Operations.DraftContract.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let contract = try await contracts.draft(by: try signedIn(), ContractInput(awardID: try uuid(body.awardId, "awardId"), startsOn: body.startsOn,
                                                                                  endsOn: body.endsOn, termJustification: body.termJustification, terms: body.terms))
        return .created(.init(body: .json(try await contractBody(contract))))
    }

    func getContract(_ input: Operations.GetContract.Input) async throws -> Operations.GetContract.Output {
        let id = try uuid(input.path.contractId, "contractId")
        let file = try await contracts.file(id: id, by: actor)
        let statement = try await contractPayments.statement(of: id)
        let satisfaction = try await contracts.satisfaction(of: id)
        let evaluations = try await contracts.evaluations(of: id)
        let amendments = try await contracts.amendments(of: id)
        let detail = Components.Schemas.ContractDetail(
            contract: try await contractBody(file.contract), milestones: file.milestones.map { Components.Schemas.Milestone($0, figures: file.platformFigures[$0.id]) },
            reports: file.reports.map(Components.Schemas.Report.init), signOffs: file.signOffs.map(Components.Schemas.SignOff.init),
            rateCard: statement.rateCard.map(Components.Schemas.RateCard.init), calculation: statement.calculation.map(Components.Schemas.PaymentCalculation.init),
            claims: statement.claims.map(Components.Schemas.Claim.init), recoveries: statement.recoveries.map(Components.Schemas.Recovery.init),
            committedFen: statement.commitment?.amount.minorUnits, paidFen: statement.commitment?.paid.minorUnits,
            evaluations: evaluations.map(Components.Schemas.PerformanceEvaluation.init),
            satisfaction: Components.Schemas.Satisfaction(answers: satisfaction.answers, distribution: satisfaction.distribution,
                                                          average: satisfaction.average?.value, satisfiedPercent: satisfaction.satisfied?.value),
            amendments: amendments.map(Components.Schemas.Amendment.init),
            engagements: file.engagements.map(Components.Schemas.Engagement.init), may: .init(file.may))
        return .ok(.init(body: .json(detail)))
    }

    func setMilestones(_ input: Operations.SetMilestones.Input) async throws -> Operations.SetMilestones.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        var check = Validator()
        let inputs = body.enumerated().map { index, m in
            let share = Points(m.sharePercent)
            check.check(share != nil, "milestones[\(index)].sharePercent", "must be a per cent with at most two decimals")
            return MilestoneInput(title: m.title, dueOn: m.dueOn, deliverables: m.deliverables, shareBasisPoints: share?.hundredths ?? 0,
                                  metrics: m.metrics.map { OutcomeMetric(code: $0.code, definition: $0.definition, unit: $0.unit, target: $0.target,
                                                                         dataSource: $0.dataSource, validationMethod: $0.validationMethod,
                                                                         platformRecord: $0.platformRecord.flatMap { PlatformRecord(rawValue: $0.rawValue) }) })
        }
        try check.finish()
        let milestones = try await contracts.setMilestones(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"), inputs)
        return .ok(.init(body: .json(milestones.map { Components.Schemas.Milestone($0) })))
    }

    func setRateCard(_ input: Operations.SetRateCard.Input) async throws -> Operations.SetRateCard.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        guard let fee = Points(body.deliveryFeePercent) else {
            throw DomainError.invalid([FieldError("deliveryFeePercent", "must be a per cent with at most two decimals")])
        }
        let card = try await contractPayments.setRateCard(
            by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"), maximum: Money(minorUnits: body.maximumFen),
            deliveryFeeBasisPoints: fee.hundredths, capPerBeneficiary: body.capPerBeneficiaryFen.map { Money(minorUnits: $0) },
            partialRule: RateCard.PartialRule(rawValue: body.partialRule.rawValue)!,
            prices: body.prices.map { RateCard.Price(metric: $0.metric, price: Money(minorUnits: $0.priceFen), cap: $0.capFen.map { Money(minorUnits: $0) }) })
        return .ok(.init(body: .json(.init(card))))
    }

    func signContract(_ input: Operations.SignContract.Input) async throws -> Operations.SignContract.Output {
        .ok(.init(body: .json(try await contractBody(try await contracts.sign(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"))))))
    }

    func publishContract(_ input: Operations.PublishContract.Input) async throws -> Operations.PublishContract.Output {
        .ok(.init(body: .json(try await contractBody(try await contracts.publish(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"))))))
    }

    func terminateContract(_ input: Operations.TerminateContract.Input) async throws -> Operations.TerminateContract.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let (contract, _) = try await contracts.terminate(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"), reason: body.reason)
        return .ok(.init(body: .json(try await contractBody(contract))))
    }

    func submitReport(_ input: Operations.SubmitReport.Input) async throws -> Operations.SubmitReport.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        var check = Validator()
        let evidence = body.evidence.enumerated().map { index, file in
            let data = Data(base64Encoded: file.content)
            check.check(data != nil, "evidence[\(index)].content", "is not base64")
            return EvidenceUpload(filename: file.filename, data: data ?? Data(), obtainedHow: file.obtainedHow, obtainedOn: file.obtainedOn)
        }
        try check.finish()
        let report = try await contracts.report(
            by: try signedIn(), milestoneID: try uuid(input.path.milestoneId, "milestoneId"),
            ReportInput(results: body.results.additionalProperties, beneficiaries: body.beneficiaries, narrative: body.narrative, evidence: evidence))
        return .created(.init(body: .json(.init(report))))
    }

    func signOffMilestone(_ input: Operations.SignOffMilestone.Input) async throws -> Operations.SignOffMilestone.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let signOff = try await contracts.signOff(
            by: try signedIn(), milestoneID: try uuid(input.path.milestoneId, "milestoneId"),
            SignOffInput(decision: SignOffDecision(rawValue: body.decision.rawValue)!, verified: body.verified.additionalProperties,
                         verifiedBeneficiaries: body.verifiedBeneficiaries, reasons: body.reasons))
        return .created(.init(body: .json(.init(signOff))))
    }

    func listAwaitingSignOff(_ input: Operations.ListAwaitingSignOff.Input) async throws -> Operations.ListAwaitingSignOff.Output {
        .ok(.init(body: .json(try await contracts.awaitingSignOff(by: try signedIn()).map {
            .init(contractId: $0.contractID.lowercased, contractReference: $0.contractReference, milestoneId: $0.milestoneID.lowercased,
                  milestoneNumber: $0.milestoneNumber, milestoneTitle: $0.milestoneTitle, signOffId: $0.signOffID?.lowercased, since: $0.since)
        })))
    }

    func countersignSignOff(_ input: Operations.CountersignSignOff.Input) async throws -> Operations.CountersignSignOff.Output {
        .ok(.init(body: .json(.init(try await contracts.countersign(by: try signedIn(), signOffID: try uuid(input.path.signOffId, "signOffId"))))))
    }

    func downloadEvidence(_ input: Operations.DownloadEvidence.Input) async throws -> Operations.DownloadEvidence.Output {
        let (evidence, data) = try await contracts.evidenceFile(id: try uuid(input.path.evidenceId, "evidenceId"), by: actor)
        return .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment(evidence.filename)), body: .binary(HTTPBody(data))))
    }

    func claimPayment(_ input: Operations.ClaimPayment.Input) async throws -> Operations.ClaimPayment.Output {
        .created(.init(body: .json(.init(try await contractPayments.claim(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"))))))
    }

    func approveClaim(_ input: Operations.ApproveClaim.Input) async throws -> Operations.ApproveClaim.Output {
        .ok(.init(body: .json(.init(try await contractPayments.approve(by: try signedIn(), claimID: try uuid(input.path.claimId, "claimId"))))))
    }

    func rejectClaim(_ input: Operations.RejectClaim.Input) async throws -> Operations.RejectClaim.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        return .ok(.init(body: .json(.init(try await contractPayments.reject(by: try signedIn(), claimID: try uuid(input.path.claimId, "claimId"), reason: body.reason)))))
    }

    func payClaim(_ input: Operations.PayClaim.Input) async throws -> Operations.PayClaim.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let claim = try await contractPayments.pay(by: try signedIn(), claimID: try uuid(input.path.claimId, "claimId"), treasuryReference: body.treasuryReference,
                                                   paidOn: body.paidOn, idempotencyKey: input.headers.idempotencyKey)
        return .ok(.init(body: .json(.init(claim))))
    }

    func correctPaymentDate(_ input: Operations.CorrectPaymentDate.Input) async throws -> Operations.CorrectPaymentDate.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let claim = try await contractPayments.correctPaymentDate(by: try signedIn(), claimID: try uuid(input.path.claimId, "claimId"),
                                                                  paidOn: body.paidOn, reason: body.reason)
        return .ok(.init(body: .json(.init(claim))))
    }

    func repayRecovery(_ input: Operations.RepayRecovery.Input) async throws -> Operations.RepayRecovery.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let recovery = try await contractPayments.repay(by: try signedIn(), recoveryID: try uuid(input.path.recoveryId, "recoveryId"),
                                                        treasuryReference: body.treasuryReference, receivedOn: body.paidOn)
        return .ok(.init(body: .json(.init(recovery))))
    }
}

extension APIHandler {
    func evaluateContract(_ input: Operations.EvaluateContract.Input) async throws -> Operations.EvaluateContract.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        var check = Validator()
        let indicators = body.indicators.enumerated().map { index, i in
            let weight = Points(i.weight), score = Points(i.score)
            check.check(weight != nil && score != nil, "indicators[\(index)]", "weight and score have at most two decimals")
            return Indicator(kind: IndicatorKind(rawValue: i.kind.rawValue)!, name: i.name, weight: weight ?? .zero, score: score ?? .zero, note: i.note ?? "")
        }
        try check.finish()
        let evaluation = try await contracts.evaluate(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"),
                                                      phase: EvaluationPhase(rawValue: body.phase.rawValue)!, indicators: indicators, summary: body.summary)
        return .created(.init(body: .json(.init(evaluation))))
    }

    func completeContract(_ input: Operations.CompleteContract.Input) async throws -> Operations.CompleteContract.Output {
        .ok(.init(body: .json(try await contractBody(try await contracts.complete(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"))))))
    }

    func proposeAmendment(_ input: Operations.ProposeAmendment.Input) async throws -> Operations.ProposeAmendment.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let amendment = try await contracts.proposeAmendment(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"), reason: body.reason,
                                                             endsOn: body.endsOn, terms: body.terms, termJustification: body.termJustification)
        return .created(.init(body: .json(.init(amendment))))
    }

    func decideAmendment(_ input: Operations.DecideAmendment.Input) async throws -> Operations.DecideAmendment.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let amendment = try await contracts.decideAmendment(by: try signedIn(), contractID: try uuid(input.path.contractId, "contractId"), agree: body.agree)
        return .ok(.init(body: .json(.init(amendment))))
    }

    func getSurvey(_ input: Operations.GetSurvey.Input) async throws -> Operations.GetSurvey.Output {
        let contract = try await contracts.surveyContract(token: input.path.token)
        let issued = contracts.surveyDeviceToken(for: contract, device: nil)
        return .ok(.init(body: .json(.init(reference: contract.reference, title: contract.title, deviceToken: issued.token))))
    }

    func answerSurvey(_ input: Operations.AnswerSurvey.Input) async throws -> Operations.AnswerSurvey.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let counted = try await contracts.answerSurvey(token: input.path.token, rating: body.rating, comment: body.comment ?? "", deviceToken: body.deviceToken,
                                                       client: OpenAPIContextMiddleware.current?.remoteAddress ?? "unknown")
        return .created(.init(body: .json(.init(counted: counted))))
    }
}

extension Components.Schemas.PerformanceEvaluation {
    init(_ e: PerformanceEvaluation) {
        self.init(id: e.id.lowercased, phase: .init(rawValue: e.phase.rawValue)!,
                  indicators: e.indicators.map { .init(kind: .init(rawValue: $0.kind.rawValue)!, name: $0.name, weight: $0.weight.value, score: $0.score.value, note: $0.note) },
                  score: e.score.value, grade: .init(rawValue: e.grade)!, summary: e.summary, evaluatorName: e.evaluatorName, evaluatedAt: e.evaluatedAt)
    }
}

extension Components.Schemas.Amendment {
    init(_ a: Amendment) {
        self.init(id: a.id.lowercased, number: a.number, reason: a.reason, beforeEndsOn: a.before.endsOn, afterEndsOn: a.after.endsOn,
                  beforeTerms: a.before.terms, afterTerms: a.after.terms, status: .init(rawValue: a.status.rawValue)!, proposedAt: a.proposedAt,
                  buyerSignedAt: a.buyerSignedAt, supplierSignedAt: a.supplierSignedAt)
    }
}

extension APIHandler {
    /// A contract as the API shows it, its publication deadline counted on the calendar held.
    func contractBody(_ contract: Contract) async throws -> Components.Schemas.Contract {
        .init(contract, calendar: contract.signedAt == nil ? WorkingCalendar() : try await contracts.calendar())
    }
}

extension Components.Schemas.Contract {
    /// A deadline the calendar cannot count yet (its year not loaded) is left out rather than guessed.
    init(_ c: Contract, calendar: WorkingCalendar) {
        self.init(id: c.id.lowercased, reference: c.reference, awardId: c.awardID.lowercased, tenderId: c.tenderID.lowercased, lotId: c.lotID.lowercased,
                  buyerId: c.buyerID.lowercased, supplierId: c.supplierID.lowercased, purchaseLineId: c.purchaseLineID.lowercased, title: c.title,
                  valueFen: c.value.minorUnits, startsOn: c.startsOn, endsOn: c.endsOn, termJustification: c.termJustification, terms: c.terms,
                  noSubcontractingClause: Contract.noSubcontractingClause, status: .init(rawValue: c.status.rawValue)!, buyerSignedAt: c.buyerSignedAt,
                  supplierSignedAt: c.supplierSignedAt, signedAt: c.signedAt, publishedAt: c.publishedAt,
                  publicationDeadline: try? c.publicationDeadline(calendar), commitmentId: c.commitmentID?.lowercased, closedAt: c.closedAt,
                  closingReason: c.closingReason, createdAt: c.createdAt)
    }
}

extension Components.Schemas.OutcomeMetric {
    init(_ m: OutcomeMetric) {
        self.init(code: m.code, definition: m.definition, unit: m.unit, target: m.target, dataSource: m.dataSource, validationMethod: m.validationMethod,
                  platformRecord: m.platformRecord.flatMap { .init(rawValue: $0.rawValue) })
    }
}

extension Components.Schemas.Milestone {
    init(_ m: Milestone, figures: PlatformFigures? = nil) {
        self.init(id: m.id.lowercased, number: m.number, title: m.title, dueOn: m.dueOn, deliverables: m.deliverables,
                  sharePercent: Double(m.shareBasisPoints) / 100, metrics: m.metrics.map(Components.Schemas.OutcomeMetric.init),
                  status: .init(rawValue: m.status.rawValue)!,
                  platformFigures: figures.map {
                      .init(from: $0.from, through: $0.through, sites: $0.sites, settled: $0.settled, onTime: $0.onTime, rated: $0.rated,
                            satisfied: $0.satisfied, onTimePercent: $0.value(of: .onTimePercent), satisfiedPercent: $0.value(of: .satisfiedPercent))
                  })
    }
}

extension Components.Schemas.Report {
    init(_ r: Report) {
        self.init(id: r.id.lowercased, milestoneId: r.milestoneID.lowercased, version: r.version, results: .init(additionalProperties: r.results),
                  beneficiaries: r.beneficiaries, narrative: r.narrative, submittedAt: r.submittedAt,
                  evidence: r.evidence.map { .init(id: $0.id.lowercased, filename: $0.filename, kind: .init(rawValue: $0.kind.rawValue)!, size: $0.size,
                                                   sha256: $0.sha256, obtainedHow: $0.obtainedHow, obtainedOn: $0.obtainedOn) })
    }
}

extension Components.Schemas.SignOff {
    init(_ s: SignOff) {
        self.init(id: s.id.lowercased, milestoneId: s.milestoneID.lowercased, reportId: s.reportID.lowercased, decision: .init(rawValue: s.decision.rawValue)!,
                  verified: .init(additionalProperties: s.verified), verifiedBeneficiaries: s.verifiedBeneficiaries, reasons: s.reasons,
                  evaluatorName: s.evaluatorName, signedAt: s.signedAt, countersignRequired: s.countersignRequired,
                  countersignerName: s.countersignerName, countersignedAt: s.countersignedAt, supersedes: s.supersedes?.lowercased,
                  platformFigures: s.platformFigures.isEmpty ? nil : .init(additionalProperties: s.platformFigures))
    }
}

extension Components.Schemas.RateCard {
    init(_ c: RateCard) {
        self.init(value1: .init(maximumFen: c.maximum.minorUnits, deliveryFeePercent: Double(c.deliveryFeeBasisPoints) / 100,
                                capPerBeneficiaryFen: c.capPerBeneficiary?.minorUnits, partialRule: .init(rawValue: c.partialRule.rawValue)!,
                                prices: c.prices.map { .init(metric: $0.metric, priceFen: $0.price.minorUnits, capFen: $0.cap?.minorUnits) }),
                  value2: .init(setAt: c.setAt))
    }
}

extension Components.Schemas.CalculationLine {
    init(_ l: CalculationLine) {
        self.init(key: .init(rawValue: l.key)!, values: l.values, amountFen: l.amount.minorUnits, text: l.english)
    }
}

extension Components.Schemas.PaymentCalculation {
    init(_ c: PaymentCalculation) {
        self.init(lines: c.lines.map(Components.Schemas.CalculationLine.init), deliveryFeesFen: c.deliveryFees.minorUnits,
                  outcomePaymentsFen: c.outcomePayments.minorUnits, earnedFen: c.earned.minorUnits, claimedFen: c.claimed.minorUnits,
                  payableFen: c.payable.minorUnits, overpaidFen: c.overpaid.minorUnits)
    }
}

extension Components.Schemas.Claim {
    init(_ c: Claim) {
        self.init(id: c.id.lowercased, contractId: c.contractID.lowercased, number: c.number, amountFen: c.amount.minorUnits, earnedFen: c.earned.minorUnits,
                  explanation: c.explanation.map(Components.Schemas.CalculationLine.init), status: .init(rawValue: c.status.rawValue)!,
                  claimedAt: c.claimedAt, decidedAt: c.decidedAt, rejectionReason: c.rejectionReason, treasuryReference: c.treasuryReference, paidOn: c.paidOn)
    }
}

extension Components.Schemas.Recovery {
    init(_ r: Recovery) {
        self.init(id: r.id.lowercased, contractId: r.contractID.lowercased, claimId: r.claimID.lowercased, amountFen: r.amount.minorUnits, reason: r.reason,
                  status: .init(rawValue: r.status.rawValue)!, createdAt: r.createdAt, settledAt: r.settledAt)
    }
}
