import Core
import Foundation
import SpokesAPI

extension APIHandler {
    func getClock(_ input: Operations.GetClock.Input) async throws -> Operations.GetClock.Output {
        .ok(.init(body: .json(.init(training.status(), deadline: nil))))
    }

    func advanceClock(_ input: Operations.AdvanceClock.Input) async throws -> Operations.AdvanceClock.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let (status, deadline) = try await training.move(by: actor, span: body.by, tenderID: body.tenderId)
        return .ok(.init(body: .json(.init(status, deadline: deadline))))
    }
}

extension Components.Schemas.ClockStatus {
    init(_ status: TrainingService.Status, deadline: TrainingService.Deadline?) {
        self.init(mode: .init(rawValue: status.mode.rawValue) ?? .production, now: status.now, rate: status.rate,
                  deadline: deadline.map { .init(kind: .init(rawValue: $0.kind.rawValue) ?? .tenderEnd, at: $0.at) })
    }
}
