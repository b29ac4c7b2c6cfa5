import Core
import Delivery
import Foundation
import Incubation
import SpokesAPI

/// Third-party evaluation: engagements of institutions for contracts and their assigned evaluators,
/// and the reviewers seated on incubation programmes.
extension APIHandler {
    func listContractEngagements(_ input: Operations.ListContractEngagements.Input) async throws -> Operations.ListContractEngagements.Output {
        let found = try await contracts.engagements(ofContract: try uuid(input.path.contractId, "contractId"), by: actor)
        return .ok(.init(body: .json(found.map(Components.Schemas.Engagement.init))))
    }

    func engageInstitution(_ input: Operations.EngageInstitution.Input) async throws -> Operations.EngageInstitution.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let engagement = try await contracts.engage(
            by: actor, contractID: try uuid(input.path.contractId, "contractId"),
            EngagementInput(institutionID: try uuid(body.institutionId, "institutionId"), startsOn: body.startsOn, endsOn: body.endsOn,
                            fee: body.feeFen.map { Money(minorUnits: $0) }))
        return .created(.init(body: .json(.init(engagement))))
    }

    func listMyEngagements(_ input: Operations.ListMyEngagements.Input) async throws -> Operations.ListMyEngagements.Output {
        let work = try await contracts.engagements(of: try signedIn())
        return .ok(.init(body: .json(work.map {
            .init(engagement: .init($0.engagement), contractReference: $0.contractReference, contractTitle: $0.contractTitle)
        })))
    }

    func endEngagement(_ input: Operations.EndEngagement.Input) async throws -> Operations.EndEngagement.Output {
        let ended = try await contracts.endEngagement(by: try signedIn(), engagementID: try uuid(input.path.engagementId, "engagementId"))
        return .ok(.init(body: .json(.init(ended))))
    }

    func assignEngagementEvaluator(_ input: Operations.AssignEngagementEvaluator.Input) async throws -> Operations.AssignEngagementEvaluator.Output {
        let engagement = try await contracts.assignEvaluator(by: try signedIn(), engagementID: try uuid(input.path.engagementId, "engagementId"),
                                                            evaluatorID: try uuid(input.path.userId, "userId"))
        return .ok(.init(body: .json(.init(engagement))))
    }

    func removeEngagementEvaluator(_ input: Operations.RemoveEngagementEvaluator.Input) async throws -> Operations.RemoveEngagementEvaluator.Output {
        let engagement = try await contracts.unassignEvaluator(by: try signedIn(), engagementID: try uuid(input.path.engagementId, "engagementId"),
                                                              evaluatorID: try uuid(input.path.userId, "userId"))
        return .ok(.init(body: .json(.init(engagement))))
    }

    func listProgrammeReviewers(_ input: Operations.ListProgrammeReviewers.Input) async throws -> Operations.ListProgrammeReviewers.Output {
        .ok(.init(body: .json(try await programmes.reviewers(of: try uuid(input.path.programmeId, "programmeId")).map(Components.Schemas.ProgrammeReviewer.init))))
    }

    func seatProgrammeReviewer(_ input: Operations.SeatProgrammeReviewer.Input) async throws -> Operations.SeatProgrammeReviewer.Output {
        let seated = try await programmes.seatReviewer(by: try signedIn(), programmeID: try uuid(input.path.programmeId, "programmeId"),
                                                       reviewerID: try uuid(input.path.userId, "userId"))
        return .ok(.init(body: .json(seated.map(Components.Schemas.ProgrammeReviewer.init))))
    }

    func removeProgrammeReviewer(_ input: Operations.RemoveProgrammeReviewer.Input) async throws -> Operations.RemoveProgrammeReviewer.Output {
        let seated = try await programmes.unseatReviewer(by: try signedIn(), programmeID: try uuid(input.path.programmeId, "programmeId"),
                                                         reviewerID: try uuid(input.path.userId, "userId"))
        return .ok(.init(body: .json(seated.map(Components.Schemas.ProgrammeReviewer.init))))
    }
}

extension Components.Schemas.Engagement {
    init(_ e: Engagement) {
        self.init(id: e.id.lowercased, contractId: e.contractID.lowercased, institutionId: e.institutionID.lowercased, startsOn: e.startsOn,
                  endsOn: e.endsOn, feeFen: e.fee?.minorUnits, engagedAt: e.engagedAt, endedAt: e.endedAt,
                  evaluators: e.evaluators.map { .init(userId: $0.userID.lowercased, displayName: $0.displayName, assignedAt: $0.assignedAt) })
    }
}

extension Components.Schemas.ProgrammeReviewer {
    init(_ r: ProgrammeReviewer) {
        self.init(userId: r.userID.lowercased, displayName: r.displayName, seatedAt: r.seatedAt)
    }
}

extension Components.Schemas.ContractActions {
    init(_ may: ContractActions) {
        self.init(manage: may.manage, deliver: may.deliver, signOff: may.signOff, readRecords: may.readRecords, shareSurvey: may.shareSurvey)
    }
}
