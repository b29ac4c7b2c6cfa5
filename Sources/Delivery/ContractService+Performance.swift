import Core
import Crypto
import Foundation
import Identity
import PostgresNIO
import Store
import Tendering

/// After and around delivery: performance evaluations with their grade, completion, the service
/// users' satisfaction survey, and amendments signed by both parties.
extension ContractService {
    // MARK: Performance evaluation

    /// Refused unless the actor is an evaluator assigned to the contract: a form asks this before it reads its fields,
    /// so that a stranger learns nothing from its checks.
    public func authorizeGrading(by actor: Actor, contractID: UUID) async throws {
        try requireEvaluator(actor)
        try await database.read { connection in
            guard let contract = try await store(connection).contract(id: contractID) else { throw DomainError.notFound("no contract has id \(contractID.lowercased)") }
            try Policy.authorize(actor, .signOffMilestone, try await resource(of: contract, connection))
        }
    }

    /// An independent evaluator grades the contract: before delivery (once, once signed), during (at
    /// any time after a milestone is signed off), after (once, when every milestone is signed off).
    public func evaluate(by actor: Actor, contractID: UUID, phase: EvaluationPhase, indicators: [Indicator], summary: String) async throws -> PerformanceEvaluation {
        try requireEvaluator(actor)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            let contract = try await lockedContract(contractID, connection)
            try Policy.authorize(actor, .signOffMilestone, try await resource(of: contract, connection))
            try await requireIndependent(actor, of: contract)
            var check = Validator()
            let summary = check.text(summary, "summary", max: 4000)
            let problems = PerformanceEvaluation.problems(of: indicators)
            if !check.errors.isEmpty || !problems.isEmpty { throw DomainError.invalid(check.errors + problems) }
            guard contract.signedAt != nil && contract.status != .terminated else {
                throw DomainError.conflict("contract \(contract.reference) is \(contract.status): only a signed contract is evaluated")
            }
            let milestones = try await store.milestones(of: [contractID])
            let earlier = try await store.evaluations(of: [contractID])
            switch phase {
            case .exAnte:
                guard !milestones.contains(where: \.status.isFinal) else {
                    throw DomainError.conflict("a milestone is signed off already: the evaluation before delivery is past; evaluate during delivery instead")
                }
            case .inProcess:
                guard milestones.contains(where: \.status.isFinal) else {
                    throw DomainError.conflict("no milestone is signed off yet: an evaluation during delivery follows a milestone")
                }
            case .exPost:
                guard milestones.allSatisfy(\.status.isFinal) else {
                    throw DomainError.conflict("milestones \(milestones.filter { !$0.status.isFinal }.map { String($0.number) }.joined(separator: ", ")) "
                                               + "are not signed off: the final evaluation comes after every milestone")
                }
            }
            if phase != .inProcess, earlier.contains(where: { $0.phase == phase }) {
                throw DomainError.conflict("contract \(contract.reference) has its \(phase) evaluation already")
            }
            let score = indicators.reduce(Points.zero) { $0 + $1.score }
            let evaluation = PerformanceEvaluation(id: UUID.v7(at: now), contractID: contractID, phase: phase, indicators: indicators, score: score,
                                                   grade: PerformanceEvaluation.grade(for: score), summary: summary, evaluatorID: actor.userID,
                                                   evaluatorName: actor.displayName, evaluatedAt: now)
            try await store.insert(evaluation)
            try await audit(connection, actor, "contract.evaluated", contractID, before: nil, after: evaluation)
            return evaluation
        }
    }

    public func evaluations(of contractID: UUID) async throws -> [PerformanceEvaluation] {
        try await database.read { try await store($0).evaluations(of: [contractID]) }
    }

    /// The buyer closes a contract whose final evaluation is done and whose money is settled: no claim
    /// open, nothing left to claim or recover. What the commitment has not paid goes back to the line.
    public func complete(by actor: Actor, contractID: UUID) async throws -> Contract {
        try await database.transaction { connection in
            let before = try await lockedContract(contractID, connection)
            try Policy.authorize(actor, .manageContract, Resource(organisationID: before.buyerID))
            guard before.status == .signed else { throw DomainError.conflict("contract \(before.reference) is \(before.status)") }
            guard try await store(connection).evaluations(of: [contractID], phase: .exPost).first != nil else {
                throw DomainError.conflict("contract \(before.reference) has no final evaluation yet: an evaluator grades it first")
            }
            try await funding.checkSettled(before, on: connection)
            _ = try await funding.release(before, by: actor, on: connection)
            var contract = before
            contract.status = .completed
            contract.closedAt = clock.now()
            try await store(connection).update(contract)
            try await audit(connection, actor, "contract.completed", contractID, before: before, after: contract)
            return contract
        }
    }

    /// The final grades of these suppliers' contracts, for evaluators of later tenders (newest first).
    public func grades(of organisationIDs: Set<UUID>) async throws -> [UUID: [PerformanceGrade]] {
        guard !organisationIDs.isEmpty else { return [:] }
        let rows = try await database.read { try await store($0).finalGrades(of: Array(organisationIDs)) }
        return Dictionary(grouping: rows, by: \.supplierID).mapValues { list in
            list.map { PerformanceGrade(contractReference: $0.reference, grade: $0.grade, gradedOn: WorkingCalendar().dayKey($0.at)) }
        }
    }

    // MARK: Satisfaction survey

    /// Answers per network address and contract in an hour, beyond which the survey refuses more.
    public static let answersPerAddressPerHour = 30

    /// The contract a survey link points to, if it is signed (the survey opens with delivery).
    public func surveyContract(token: String) async throws -> Contract {
        guard let contract = try await database.read({ try await store($0).contract(surveyToken: token) }), contract.signedAt != nil else {
            throw DomainError.notFound("this survey link is not valid")
        }
        return contract
    }

    /// The scope a survey form's token is signed for: one contract's survey.
    static func surveyScope(_ contractID: UUID) -> String { "survey/" + contractID.lowercased }

    /// The token that goes with the survey form of `contract` (the page's hidden field, the API's
    /// `deviceToken`): for the device of the cookie, or a new device when there is none.
    public func surveyDeviceToken(for contract: Contract, device: UUID?) -> IssuedAnonymousToken {
        identity.anonymousTokens.issue(scope: Self.surveyScope(contract.id), device: device, at: identity.wallTime)
    }

    /// A service user's answer, without an account. It must carry the token of a survey form this
    /// server issued for this contract (forged or expired: 422), and each token counts once (409). The
    /// first answer of a device stands (false for later ones). At most `answersPerAddressPerHour`
    /// answers from one address to one contract in the last hour are taken (then 429): the count is
    /// checked and the answer written under a lock per (contract, address), in one transaction with the
    /// token's use, so parallel answers cannot pass the ceiling together.
    public func answerSurvey(token: String, rating: Int, comment: String, deviceToken: String, client: String) async throws -> Bool {
        var check = Validator()
        check.check((1...5).contains(rating), "rating", "choose 1 to 5")
        let comment = check.text(comment, "comment", max: 500, required: false)
        try check.finish()
        let contract = try await surveyContract(token: token)
        guard contract.status == .signed || contract.status == .completed else { throw DomainError.conflict("the survey of this contract has closed") }
        let now = clock.now()
        let device = try identity.anonymousTokens.verify(deviceToken, scope: Self.surveyScope(contract.id), at: identity.wallTime)
        let hash = { (text: String) in Data(SHA256.hash(data: Data(text.utf8))).hexString }
        let client = hash(client)
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lockSurveyAnswers(contractID: contract.id, client: client)
            guard try await store.answers(contractID: contract.id, client: client, since: now.addingTimeInterval(-3600)) < Self.answersPerAddressPerHour else {
                throw DomainError(.rateLimited, "too many answers from this address in the last hour; try again later", retryAfter: 3600)
            }
            try await identity.anonymousTokens.redeem(device, on: connection, logger: database.logger, at: now)
            return try await store.insertAnswer(id: UUID.v7(at: now), contractID: contract.id, rating: rating, comment: comment,
                                                device: hash(device.deviceKey), client: client, at: now)
        }
    }

    /// The survey's results (public: counts, mean, share satisfied and recent comments, nobody's identity).
    public func satisfaction(of contractID: UUID) async throws -> SatisfactionSummary {
        let (ratings, comments) = try await database.read { try await store($0).ratings(contractID: contractID) }
        return SatisfactionSummary(ratings: ratings, comments: comments)
    }

    /// The survey results of many contracts at once, without comments (for statistics).
    public func satisfaction(of contractIDs: [UUID]) async throws -> [UUID: SatisfactionSummary] {
        guard !contractIDs.isEmpty else { return [:] }
        return try await database.read { try await store($0).ratings(contractIDs: contractIDs) }.mapValues { SatisfactionSummary(ratings: $0, comments: []) }
    }

    // MARK: Amendments

    /// A party proposes a change of the end date or the terms of a signed contract, with a reason;
    /// its own signature comes with the proposal. One proposal is open at a time.
    public func proposeAmendment(by actor: Actor, contractID: UUID, reason: String, endsOn: String, terms: String,
                                 termJustification: String?) async throws -> Amendment {
        var check = Validator()
        let reason = check.text(reason, "reason", max: 2000)
        check.check(reason.count >= 20 || reason.isEmpty, "reason", "must say why in at least 20 characters")
        let terms = check.text(terms, "terms", max: 20_000)
        let justification = termJustification?.trimmingCharacters(in: .whitespacesAndNewlines)
        let checked = check
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            let contract = try await lockedContract(contractID, connection)
            try authorizeParty(actor, contract)
            try checked.finish()
            guard contract.status == .signed else { throw DomainError.conflict("contract \(contract.reference) is \(contract.status): only a running contract is amended") }
            var problems = Validator()
            ContractTerm.check(startsOn: contract.startsOn, endsOn: endsOn, justification: justification, into: &problems)
            let latestDue = try await store.milestones(of: [contractID]).map(\.dueOn).max() ?? contract.startsOn
            problems.check(endsOn >= latestDue || !WorkingCalendar.isDay(endsOn), "endsOn", "must not fall before the last milestone, due \(latestDue)")
            try problems.finish()
            let before = Amendment.Terms(endsOn: contract.endsOn, terms: contract.terms, termJustification: contract.termJustification)
            let after = Amendment.Terms(endsOn: endsOn, terms: terms, termJustification: justification?.isEmpty == false ? justification : nil)
            guard before != after else { throw DomainError.invalid([FieldError("terms", "the amendment changes nothing")]) }
            let earlier = try await store.amendments(of: contractID)
            if let open = earlier.first(where: { $0.status == .proposed }) {
                throw DomainError.conflict("amendment \(open.number) waits for signatures: one proposal at a time")
            }
            let byBuyer = actor.organisationID == contract.buyerID
            let amendment = Amendment(id: UUID.v7(at: now), contractID: contractID, number: (earlier.last?.number ?? 0) + 1, reason: reason, before: before,
                                      after: after, status: .proposed, proposedBy: actor.userID, proposedAt: now,
                                      buyerSignedBy: byBuyer ? actor.userID : nil, buyerSignedAt: byBuyer ? now : nil,
                                      supplierSignedBy: byBuyer ? nil : actor.userID, supplierSignedAt: byBuyer ? nil : now)
            try await store.insert(amendment)
            try await audit(connection, actor, "contract.amendment_proposed", contractID, before: nil, after: amendment)
            return amendment
        }
    }

    /// The other party signs the open amendment, which then changes the contract; or either party withdraws it.
    public func decideAmendment(by actor: Actor, contractID: UUID, agree: Bool) async throws -> Amendment {
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            var contract = try await lockedContract(contractID, connection)
            try authorizeParty(actor, contract)
            guard var amendment = try await store.amendments(of: contractID).first(where: { $0.status == .proposed }) else {
                throw DomainError.conflict("contract \(contract.reference) has no amendment waiting")
            }
            let before = amendment
            if !agree {
                amendment.status = .withdrawn
                amendment.closedAt = now
            } else {
                let byBuyer = actor.organisationID == contract.buyerID
                guard (byBuyer ? amendment.buyerSignedAt : amendment.supplierSignedAt) == nil else {
                    throw DomainError.conflict("your side has signed amendment \(amendment.number) already; the other party signs it")
                }
                if byBuyer { amendment.buyerSignedBy = actor.userID; amendment.buyerSignedAt = now } else { amendment.supplierSignedBy = actor.userID; amendment.supplierSignedAt = now }
                amendment.status = .agreed
                amendment.closedAt = now
                let unchanged = contract
                contract.endsOn = amendment.after.endsOn
                contract.terms = amendment.after.terms
                contract.termJustification = amendment.after.termJustification
                try await store.update(contract)
                try await audit(connection, actor, "contract.amended", contractID, before: unchanged, after: contract)
            }
            try await store.update(amendment)
            try await audit(connection, actor, agree ? "contract.amendment_agreed" : "contract.amendment_withdrawn", contractID, before: before, after: amendment)
            return amendment
        }
    }

    public func amendments(of contractID: UUID) async throws -> [Amendment] {
        try await database.read { try await store($0).amendments(of: contractID) }
    }

    /// The buyer's staff for the buyer, the supplier's for the supplier; nobody else (refused naming what they would `do`).
    func authorizeParty(_ actor: Actor, _ contract: Contract, to do: Message = "change it") throws {
        if actor.organisationID == contract.buyerID {
            try Policy.authorize(actor, .manageContract, Resource(organisationID: contract.buyerID))
        } else if actor.organisationID == contract.supplierID {
            try Policy.authorize(actor, .deliverContract, Resource(organisationID: contract.supplierID))
        } else {
            throw DomainError.forbidden("only the contract's buyer and supplier \(`do`)")
        }
    }
}

/// Delivery's grades as Tendering's record of past performance, for evaluators of later tenders.
public struct DeliveryPerformanceRecords: PerformanceRecords {
    let contracts: ContractService
    public init(contracts: ContractService) { self.contracts = contracts }
    public func grades(of organisationIDs: Set<UUID>) async throws -> [UUID: [PerformanceGrade]] {
        try await contracts.grades(of: organisationIDs)
    }
}
