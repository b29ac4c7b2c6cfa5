import Core
import Foundation
import Store
import Tendering
import Transparency

/// A training instance's clock as its trainer moves it (issue 27, DOMAIN §8). On a production instance it only tells
/// the time: every change is refused.
public struct TrainingService: Sendable {
    let database: Database
    /// The instance's clock when it is a training instance; nil in production.
    let training: TrainingClock?
    let clock: any SpokesClock
    let tenders: TenderService
    /// Publishes what changed before the clock moves, so a release is dated when its change was made, not after the move.
    let transparency: TransparencyService

    /// A deadline of a tender the clock can be moved to.
    struct Deadline: Sendable, Equatable {
        enum Kind: String, Sendable { case enquiryEnd, tenderEnd, standstillEnd }
        var kind: Kind
        var at: Date
    }

    struct Status: Sendable {
        var mode: InstanceMode
        var now: Date
        /// Training seconds per real second; 1 in production.
        var rate: Double
    }

    /// What a tender waits for next: the earliest of its deadlines still ahead of `now` at which the worker acts (the
    /// evaluation's due date is not one: nothing happens there).
    static func nextDeadline(of tender: Tender, after now: Date) -> Deadline? {
        guard let periods = tender.periods, tender.status.isActive else { return nil }
        let candidates: [(Deadline.Kind, Date?)] = [(.enquiryEnd, periods.enquiryEnd), (.tenderEnd, periods.tenderEnd),
                                                    (.standstillEnd, periods.standstillEnd)]
        return candidates.compactMap { kind, at in at.flatMap { $0 > now ? Deadline(kind: kind, at: $0) : nil } }.min { $0.at < $1.at }
    }

    func status() -> Status {
        Status(mode: training == nil ? .production : .training, now: clock.now(), rate: training?.rate ?? 1)
    }

    /// The trainer's move, as the API and the page ask for it: by a `span` ("2d") or past the next deadline of the tender
    /// `tenderID`, exactly one. Access is decided before the request is read: a stranger learns nothing from its errors.
    func move(by actor: Actor?, span: String?, tenderID: String?) async throws -> (Status, Deadline?) {
        _ = try authorize(actor)
        switch (span?.isEmpty == false ? span : nil, tenderID?.isEmpty == false ? tenderID : nil) {
        case (let span?, nil):
            guard let seconds = TrainingTime.span(span) else {
                throw DomainError.invalid([FieldError("by", "a span of 1s to 366d: a whole number and s, m, h, d or w, e.g. 2d")])
            }
            return (try await advance(by: actor, seconds: seconds), nil)
        case (nil, let tender?):
            guard let id = UUID(uuidString: tender) else { throw DomainError.invalid([FieldError("tenderId", "is not a UUID")]) }
            let (status, deadline) = try await advanceToNextDeadline(by: actor, tenderID: id)
            return (status, deadline)
        default:
            throw DomainError.invalid([FieldError("by", "give either by (a span, e.g. 2d) or tenderId, not both and not neither")])
        }
    }

    /// Moves the class's clock `seconds` ahead (never back): for every instance of the class, through the database.
    func advance(by actor: Actor?, seconds: TimeInterval) async throws -> Status {
        let training = try authorize(actor)
        guard seconds.isFinite, seconds > 0, seconds <= TrainingTime.maximumAdvance else {
            throw DomainError.invalid([FieldError("by", "a span of 1s to 366d, e.g. 2d, 36h, 90m")])
        }
        _ = try await transparency.sync()
        let real = training.wallTime
        let time = try await InstanceRecord.changeTrainingTime(of: database) { held in
            guard let held else { throw DomainError.conflict("the training clock has not been started: restart the training instance") }
            return held.advanced(by: seconds, at: real)
        }
        training.update(time)
        return status()
    }

    /// Moves the clock one second past the tender's next deadline, so the worker does what falls due there.
    func advanceToNextDeadline(by actor: Actor?, tenderID: UUID) async throws -> (Status, Deadline) {
        _ = try authorize(actor)
        let tender = try await tenders.tender(id: tenderID, by: actor)
        guard let deadline = Self.nextDeadline(of: tender, after: clock.now()) else {
            throw DomainError.conflict("tender \(tender.reference) has no deadline ahead")
        }
        let status = try await advance(by: actor, seconds: max(1, deadline.at.timeIntervalSince(clock.now()) + 1))
        return (status, deadline)
    }

    /// The tenders with a deadline ahead, soonest first: what a trainer moves the clock to.
    func upcoming(by actor: Actor?) async throws -> [(tender: Tender, deadline: Deadline)] {
        _ = try authorize(actor)
        let now = clock.now()
        var result: [(tender: Tender, deadline: Deadline)] = []
        for status in [TenderStatus.enquiries, .tendering, .evaluation, .awarded] {
            for tender in try await tenders.tenders(TenderQuery(status: status, limit: 100), by: actor) {
                if let deadline = Self.nextDeadline(of: tender, after: now) { result.append((tender, deadline)) }
            }
        }
        return result.sorted { $0.deadline.at < $1.deadline.at }
    }

    /// Whether `actor` is the class's trainer (the menu and the band link the trainer's page for them only).
    static func mayMove(_ actor: Actor?) -> Bool { Policy.decide(actor, .runTraining, .platform) == .allow }

    private func authorize(_ actor: Actor?) throws -> TrainingClock {
        try Policy.authorize(actor, .runTraining, .platform)
        guard let training else { throw DomainError.conflict("this is not a training instance: its clock is the real one and cannot be moved") }
        return training
    }
}
