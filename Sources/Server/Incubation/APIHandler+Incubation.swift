import Core
import Foundation
import Incubation
import OpenAPIRuntime
import SpokesAPI

/// The incubation pipeline in the JSON API.
extension APIHandler {
    func listStagePolicies(_ input: Operations.ListStagePolicies.Input) async throws -> Operations.ListStagePolicies.Output {
        .ok(.init(body: .json(try await incubation.policies().map(Components.Schemas.StagePolicy.init))))
    }

    func updateStagePolicy(_ input: Operations.UpdateStagePolicy.Input) async throws -> Operations.UpdateStagePolicy.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let stage = IncubationStage(rawValue: input.path.stage.rawValue) ?? .nursery
        let policy = StagePolicy(stage: stage, entryRules: try body.entryRules.enumerated().map { try rule($0.element, "entryRules[\($0.offset)]") },
                                 graduationRules: try body.graduationRules.enumerated().map { try rule($0.element, "graduationRules[\($0.offset)]") },
                                 maximumStayMonths: body.maximumStayMonths)
        return .ok(.init(body: .json(.init(try await incubation.updatePolicy(by: try signedIn(), policy)))))
    }

    func getIncubationBoard(_ input: Operations.GetIncubationBoard.Input) async throws -> Operations.GetIncubationBoard.Output {
        .ok(.init(body: .json(try await incubation.board().map {
            .init(stage: .init(rawValue: $0.stage.rawValue) ?? .nursery, placements: $0.placements.map(Components.Schemas.Placement.init))
        })))
    }

    func getIncubationFunnel(_ input: Operations.GetIncubationFunnel.Input) async throws -> Operations.GetIncubationFunnel.Output {
        .ok(.init(body: .json(try await incubation.funnel().map {
            .init(year: $0.year, stage: .init(rawValue: $0.stage.rawValue) ?? .nursery, entered: $0.entered, graduated: $0.graduated)
        })))
    }

    func listIncubationAlerts(_ input: Operations.ListIncubationAlerts.Input) async throws -> Operations.ListIncubationAlerts.Output {
        .ok(.init(body: .json(try await incubation.alerts(by: try signedIn()).map {
            .init(kind: .init(rawValue: $0.kind.rawValue) ?? .overstay, organisationId: $0.organisationID.lowercased,
                  stage: .init(rawValue: $0.stage.rawValue) ?? .nursery, detail: $0.detail)
        })))
    }

    func getIncubationJourney(_ input: Operations.GetIncubationJourney.Input) async throws -> Operations.GetIncubationJourney.Output {
        let journey = try await incubation.journey(of: try uuid(input.path.organisationId, "organisationId"))
        return .ok(.init(body: .json(.init(
            organisationId: journey.organisation.id.lowercased, name: journey.organisation.nameZh, current: journey.current.map(Components.Schemas.Placement.init),
            history: journey.history.map(Components.Schemas.Placement.init), nextStage: journey.nextStage.flatMap { .init(rawValue: $0.rawValue) },
            checklist: journey.checklist.map { .init(side: .init(rawValue: $0.side) ?? .entry, rule: .init($0.rule), met: $0.met, detail: $0.detail) }))))
    }

    func moveOrganisation(_ input: Operations.MoveOrganisation.Input) async throws -> Operations.MoveOrganisation.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let placement = try await incubation.move(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"),
                                                  to: IncubationStage(rawValue: body.stage.rawValue) ?? .nursery, reason: body.reason,
                                                  override: body.override ?? false)
        return .created(.init(body: .json(.init(placement))))
    }

    /// A rule as the contract spells it; a missing number is named by field.
    private func rule(_ r: Components.Schemas.StageRule, _ field: String) throws -> StageRule {
        func need(_ value: Int?, _ name: String) throws -> Int {
            guard let value else { throw DomainError.invalid([FieldError("\(field).\(name)", "is required for a \(r.kind.rawValue) rule")]) }
            return value
        }
        switch r.kind {
        case .registered: return .registered
        case .minimumRating: return .minimumRating(try need(r.level, "level"))
        case .noMajorViolation: return .noMajorViolation(years: try need(r.years, "years"))
        case .contractsDelivered:
            guard let grade = r.minimumGrade else { throw DomainError.invalid([FieldError("\(field).minimumGrade", "is required for a contracts_delivered rule")]) }
            return .contractsDelivered(count: try need(r.count, "count"), minimumGrade: grade.rawValue)
        case .monthsInStage: return .monthsInStage(try need(r.months, "months"))
        }
    }
}

extension Components.Schemas.StageRule {
    init(_ rule: StageRule) {
        switch rule {
        case .registered: self.init(kind: .registered)
        case .minimumRating(let level): self.init(kind: .minimumRating, level: level)
        case .noMajorViolation(let years): self.init(kind: .noMajorViolation, years: years)
        case .contractsDelivered(let count, let grade): self.init(kind: .contractsDelivered, count: count, minimumGrade: .init(rawValue: grade))
        case .monthsInStage(let months): self.init(kind: .monthsInStage, months: months)
        }
    }
}

extension Components.Schemas.StagePolicy {
    init(_ p: StagePolicy) {
        self.init(stage: .init(rawValue: p.stage.rawValue) ?? .nursery, entryRules: p.entryRules.map(Components.Schemas.StageRule.init),
                  graduationRules: p.graduationRules.map(Components.Schemas.StageRule.init), maximumStayMonths: p.maximumStayMonths, updatedAt: p.updatedAt)
    }
}

extension Components.Schemas.Placement {
    init(_ p: Placement) {
        self.init(id: p.id.lowercased, organisationId: p.organisationID.lowercased, stage: .init(rawValue: p.stage.rawValue) ?? .nursery,
                  enteredAt: p.enteredAt, leftAt: p.leftAt, reason: p.reason, overridden: p.overridden, failedRules: p.failedRules)
    }
}

/// Programmes, applications and reviews in the JSON API.
extension APIHandler {
    func listProgrammes(_ input: Operations.ListProgrammes.Input) async throws -> Operations.ListProgrammes.Output {
        .ok(.init(body: .json(try await programmes.programmes().map(Components.Schemas.Programme.init))))
    }

    func createProgramme(_ input: Operations.CreateProgramme.Input) async throws -> Operations.CreateProgramme.Output {
        guard case .json(let b) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let programme = try await programmes.create(by: try signedIn(), NewProgramme(
            name: b.name, stage: IncubationStage(rawValue: b.stage.rawValue) ?? .nursery, intakeOpens: b.intakeOpens,
            intakeCloses: b.intakeCloses, capacity: b.capacity, rubric: b.rubric.map { RubricItem(name: $0.name, weight: $0.weight) }))
        return .created(.init(body: .json(.init(programme))))
    }

    func listApplications(_ input: Operations.ListApplications.Input) async throws -> Operations.ListApplications.Output {
        let applications = try await programmes.applications(programmeID: try uuid(input.path.programmeId, "programmeId"), by: try signedIn())
        return .ok(.init(body: .json(try await mapped(applications))))
    }

    func applyToProgramme(_ input: Operations.ApplyToProgramme.Input) async throws -> Operations.ApplyToProgramme.Output {
        guard case .json(let b) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let application = try await programmes.apply(by: try signedIn(), programmeID: try uuid(input.path.programmeId, "programmeId"),
                                                     ApplicationForm(idea: b.idea, teamSize: b.teamSize, needs: b.needs))
        return .created(.init(body: .json(try await mapped([application])[0])))
    }

    func reviewApplication(_ input: Operations.ReviewApplication.Input) async throws -> Operations.ReviewApplication.Output {
        guard case .json(let b) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let application = try await programmes.review(by: try signedIn(), applicationID: try uuid(input.path.applicationId, "applicationId"),
                                                      points: b.points.additionalProperties, comment: b.comment ?? "")
        return .created(.init(body: .json(try await mapped([application])[0])))
    }

    func decideApplication(_ input: Operations.DecideApplication.Input) async throws -> Operations.DecideApplication.Output {
        guard case .json(let b) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let application = try await programmes.decide(by: try signedIn(), applicationID: try uuid(input.path.applicationId, "applicationId"),
                                                      admit: b.admit, reason: b.reason)
        return .ok(.init(body: .json(try await mapped([application])[0])))
    }

    /// Applications with their organisations' names, looked up together.
    func mapped(_ applications: [Application]) async throws -> [Components.Schemas.ProgrammeApplication] {
        let names = try await identity.organisations(ids: Set(applications.map(\.organisationID)))
        return applications.map { a in
            .init(id: a.id.lowercased, programmeId: a.programmeID.lowercased, organisationId: a.organisationID.lowercased,
                  organisationName: names[a.organisationID]?.nameZh ?? "", idea: a.form.idea, teamSize: a.form.teamSize, needs: a.form.needs,
                  status: .init(rawValue: a.status.rawValue) ?? .submitted, submittedAt: a.submittedAt, decisionReason: a.decisionReason,
                  decidedAt: a.decidedAt, averageScore: a.averageScore.map { Double($0) / 100 },
                  reviews: a.reviews.map { .init(reviewerName: $0.reviewerName, points: .init(additionalProperties: $0.points.mapValues { Double($0) / 100 }),
                                                 total: Double($0.total) / 100, comment: $0.comment, submittedAt: $0.submittedAt) })
        }
    }
}

extension Components.Schemas.Programme {
    init(_ p: Programme) {
        self.init(id: p.id.lowercased, name: p.name, stage: .init(rawValue: p.stage.rawValue) ?? .nursery,
                  intakeOpens: p.intakeOpens, intakeCloses: p.intakeCloses, capacity: p.capacity,
                  rubric: p.rubric.map { .init(name: $0.name, weight: $0.weight) })
    }
}

/// Capacity assessments in the JSON API.
extension APIHandler {
    func listAssessments(_ input: Operations.ListAssessments.Input) async throws -> Operations.ListAssessments.Output {
        .ok(.init(body: .json(try await incubation.assessments(of: try uuid(input.path.organisationId, "organisationId"))
            .map(Components.Schemas.CapacityAssessment.init))))
    }

    func recordAssessment(_ input: Operations.RecordAssessment.Input) async throws -> Operations.RecordAssessment.Output {
        guard case .json(let b) = input.body else { throw DomainError.badRequest("Send JSON.") }
        var scores: [CapacityElement: Int] = [:]
        for (key, value) in b.scores.additionalProperties {
            guard let element = CapacityElement(rawValue: key) else { throw DomainError.invalid([FieldError("scores.\(key)", "is not one of the seven elements")]) }
            scores[element] = value
        }
        let assessment = try await incubation.recordAssessment(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"),
                                                               assessedOn: b.assessedOn, scores: scores, note: b.note ?? "")
        return .created(.init(body: .json(.init(assessment))))
    }

    func listCohortAverages(_ input: Operations.ListCohortAverages.Input) async throws -> Operations.ListCohortAverages.Output {
        .ok(.init(body: .json(try await incubation.cohortAverages().map {
            .init(stage: .init(rawValue: $0.stage.rawValue) ?? .nursery, organisations: $0.organisations,
                  averages: .init(additionalProperties: Dictionary(uniqueKeysWithValues: $0.averages.map { ($0.key.rawValue, Double($0.value) / 100) })))
        })))
    }
}

extension Components.Schemas.CapacityAssessment {
    init(_ a: CapacityAssessment) {
        self.init(id: a.id.lowercased, organisationId: a.organisationID.lowercased, assessedOn: a.assessedOn,
                  scores: .init(additionalProperties: Dictionary(uniqueKeysWithValues: a.scores.map { ($0.key.rawValue, $0.value) })),
                  average: Double(a.average) / 100, note: a.note)
    }
}

/// Mentors and support sessions in the JSON API.
extension APIHandler {
    func listMentors(_ input: Operations.ListMentors.Input) async throws -> Operations.ListMentors.Output {
        .ok(.init(body: .json(try await incubation.mentors().map {
            .init(id: $0.id.lowercased, name: $0.name, expertise: $0.expertise, affiliation: $0.affiliation)
        })))
    }

    func addMentor(_ input: Operations.AddMentor.Input) async throws -> Operations.AddMentor.Output {
        guard case .json(let b) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let m = try await incubation.addMentor(by: try signedIn(), name: b.name, expertise: b.expertise, affiliation: b.affiliation ?? "")
        return .created(.init(body: .json(.init(id: m.id.lowercased, name: m.name, expertise: m.expertise, affiliation: m.affiliation))))
    }

    func listSessions(_ input: Operations.ListSessions.Input) async throws -> Operations.ListSessions.Output {
        .ok(.init(body: .json(try await incubation.sessions(of: try uuid(input.path.organisationId, "organisationId"))
            .map(Components.Schemas.SupportSession.init))))
    }

    func recordSession(_ input: Operations.RecordSession.Input) async throws -> Operations.RecordSession.Output {
        guard case .json(let b) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let session = try await incubation.recordSession(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"),
                                                         mentorID: try b.mentorId.map { try uuid($0, "mentorId") }, heldOn: b.heldOn, minutes: b.minutes,
                                                         kind: SupportSession.Kind(rawValue: b.kind.rawValue) ?? .mentoring, topic: b.topic)
        return .created(.init(body: .json(.init(session))))
    }
}

extension Components.Schemas.SupportSession {
    init(_ s: SupportSession) {
        self.init(id: s.id.lowercased, organisationId: s.organisationID.lowercased, mentorId: s.mentorID?.lowercased, heldOn: s.heldOn, minutes: s.minutes,
                  kind: .init(rawValue: s.kind.rawValue) ?? .mentoring, topic: s.topic)
    }
}
