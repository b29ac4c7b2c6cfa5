import Core
import Crypto
import Foundation
import Identity
import Logging
import PostgresNIO
import Store

/// Delivery of a signed contract: the supplier reports each milestone with evidence; an independent
/// evaluator verifies and signs it off; a second one countersigns a large payable amount.
extension ContractService {
    // MARK: Reports

    /// The supplier reports on a milestone: results per metric, beneficiaries, narrative and at least
    /// one evidence file. Each report is a new version; one waiting for sign-off is superseded by it.
    public func report(by actor: Actor, milestoneID: UUID, _ input: ReportInput) async throws -> Report {
        let now = clock.now()
        var check = Validator()
        let narrative = check.text(input.narrative, "narrative", max: 10_000)
        check.check(input.beneficiaries >= 0 && input.beneficiaries <= 10_000_000, "beneficiaries", "must be a whole number from 0 to 10,000,000")
        check.check(!input.evidence.isEmpty, "evidence", "attach at least one file that shows what was delivered")
        check.check(input.evidence.count <= Evidence.maximumPerReport, "evidence", "a report carries \(Evidence.maximumPerReport) files at most")
        var files: [(Evidence, Data)] = []
        for (index, upload) in input.evidence.enumerated() {
            let field = "evidence[\(index)]"
            let filename = check.text(FileKind.baseName(upload.filename), "\(field).filename", max: 200)
            let how = check.text(upload.obtainedHow, "\(field).obtainedHow", max: 1000)
            check.check(WorkingCalendar.isDay(upload.obtainedOn), "\(field).obtainedOn", "must be a day as yyyy-MM-dd")
            if WorkingCalendar.isDay(upload.obtainedOn) {
                check.check(upload.obtainedOn <= WorkingCalendar().dayKey(now), "\(field).obtainedOn", "cannot be in the future")
            }
            check.check(!upload.data.isEmpty, "\(field).file", "is empty")
            check.check(upload.data.count <= Evidence.maximumSize, "\(field).file",
                        "is larger than \(Evidence.maximumSize / 1024 / 1024) MB, the most accepted")
            let kind = FileKind.detect(upload.data)
            check.check(upload.data.isEmpty || kind != nil, "\(field).file", "is not a \(FileKind.accepted) file (judged by its content, not its name)")
            if let kind, !upload.data.isEmpty {
                files.append((Evidence(id: UUID.v7(at: now), reportID: UUID(), filename: filename, kind: kind, size: upload.data.count,
                                       sha256: Data(SHA256.hash(data: upload.data)).hexString, obtainedHow: how, obtainedOn: upload.obtainedOn),
                              upload.data))
            }
        }
        let checked = check
        return try await database.transaction { connection in
            let store = store(connection)
            let (contract, milestone) = try await lockedMilestone(milestoneID, connection)
            try Policy.authorize(actor, .deliverContract, Resource(organisationID: contract.supplierID))
            try checked.finish()
            guard contract.status == .signed else { throw DomainError.conflict("contract \(contract.reference) is \(contract.status): reports go on a running contract") }
            guard [.pending, .reported, .moreEvidence].contains(milestone.status) else {
                throw DomainError.conflict("milestone \(milestone.number) is signed off (\(milestone.status)); ask the evaluator to correct it instead")
            }
            if let current = Self.currentSignOff(of: milestoneID, in: try await store.signOffs(of: contract.id)), current.countersignRequired,
               current.countersignedAt == nil {
                throw DomainError.conflict("milestone \(milestone.number)'s sign-off waits for a second evaluator's signature; report after it")
            }
            var problems = Validator()
            // Evidence of this contract's delivery was obtained while it ran (the future was refused above).
            for (index, upload) in input.evidence.enumerated() where WorkingCalendar.isDay(upload.obtainedOn) {
                problems.check(contract.term.contains(upload.obtainedOn), "evidence[\(index)].obtainedOn",
                               "must fall within the contract's term \(contract.startsOn)…\(contract.endsOn)")
            }
            let codes = Set(milestone.metrics.map(\.code))
            for code in input.results.keys.sorted() where !codes.contains(code) {
                problems.check(false, "results.\(code)", "is not a metric of milestone \(milestone.number)")
            }
            for metric in milestone.metrics {
                let quantity = input.results[metric.code]
                problems.check(quantity != nil, "results.\(metric.code)", "is required: report the \(metric.unit) delivered, 0 if none")
                problems.check((quantity ?? 0) >= 0 && (quantity ?? 0) <= 10_000_000, "results.\(metric.code)", "must be a whole number from 0 to 10,000,000")
            }
            try problems.finish()
            let previous = try await store.reports(of: contract.id).filter { $0.milestoneID == milestoneID }
            let id = UUID.v7(at: now)
            let evidence = files.map { file in var e = file.0; e.reportID = id; return (e, file.1) }
            let report = Report(id: id, milestoneID: milestoneID, contractID: contract.id, version: (previous.first?.version ?? 0) + 1,
                                results: input.results, beneficiaries: input.beneficiaries, narrative: narrative, submittedBy: actor.userID,
                                submittedAt: now, evidence: evidence.map(\.0))
            try await store.insert(report, files: evidence)
            try await store.setStatus(milestoneID: milestoneID, .reported)
            try await audit(connection, actor, "contract.reported", contract.id, before: previous.first, after: report)
            return report
        }
    }

    /// An evidence file with its bytes, for those who read the contract's records; its bytes are
    /// checked against the digest taken at upload.
    public func evidenceFile(id: UUID, by actor: Actor?) async throws -> (evidence: Evidence, data: Data) {
        guard actor != nil else { throw DomainError.unauthenticated("Sign in to read a contract's evidence.") }
        return try await database.read { connection in
            guard let (evidence, contractID, data) = try await store(connection).evidenceFile(id: id),
                  let contract = try await store(connection).contract(id: contractID), try await mayReadRecords(contract, actor, connection) else {
                throw DomainError.notFound("no evidence file has id \(id.lowercased)")
            }
            guard Data(SHA256.hash(data: data)).hexString == evidence.sha256 else {
                throw DomainError.conflict("evidence \(id.lowercased) does not match the digest taken when it was uploaded")
            }
            return (evidence, data)
        }
    }

    // MARK: Sign-off

    /// An independent evaluator verifies the milestone's latest report: the quantity of each metric
    /// (no more than reported), the beneficiaries, and the decision with reasons. Signing off a
    /// milestone that is signed off already is a correction: it supersedes the earlier sign-off, and
    /// Payments opens a recovery when it lowers what was earned below what was claimed.
    public func signOff(by actor: Actor, milestoneID: UUID, _ input: SignOffInput) async throws -> SignOff {
        try requireEvaluator(actor)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            let (contract, milestone) = try await lockedMilestone(milestoneID, connection)
            try Policy.authorize(actor, .signOffMilestone, try await resource(of: contract, connection))
            try await requireIndependent(actor, of: contract)
            guard contract.status == .signed else { throw DomainError.conflict("contract \(contract.reference) is \(contract.status): nothing is signed off on it") }
            // Nothing is delivered before the term starts; after it ends the last milestone (due on its last day)
            // is still signed off while the contract runs.
            guard WorkingCalendar().dayKey(now) >= contract.startsOn else {
                throw DomainError.conflict("contract \(contract.reference) starts on \(contract.startsOn): milestones are signed off from that day")
            }
            let signOffs = try await store.signOffs(of: contract.id)
            let milestones = try await store.milestones(of: [contract.id])
            let current = Self.currentSignOff(of: milestoneID, in: signOffs)
            if let current, !current.isFinal, current.decision != .moreEvidence {
                throw DomainError.conflict("milestone \(milestone.number)'s sign-off waits for a second evaluator's signature")
            }
            let isCorrection = milestone.status.isFinal
            guard milestone.status == .reported || isCorrection else {
                throw DomainError.conflict("milestone \(milestone.number) has no report waiting for sign-off")
            }
            guard let report = try await store.reports(of: contract.id).first(where: { $0.milestoneID == milestoneID }) else {
                throw DomainError.conflict("milestone \(milestone.number) has no report")
            }
            // A metric whose figure the platform records is verified against it: never more than the sites' own cases show.
            var figures: PlatformFigures?
            if milestone.metrics.contains(where: { $0.platformRecord != nil }) {
                guard let records else { throw DomainError.conflict("milestone \(milestone.number) is verified against the platform's records, which cannot be read here") }
                let period = Self.period(of: milestone, in: milestones, contract: contract)
                figures = try await records.figures(contractID: contract.id, from: period.from, through: period.through, on: connection)
            }
            let problems = Self.signOffProblems(input, milestone: milestone, report: report, figures: figures, isCorrection: isCorrection)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            let reasons = String(input.reasons.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            var platformFigures: [String: Int] = [:]
            for metric in milestone.metrics {
                if let record = metric.platformRecord, let figures { platformFigures[metric.code] = figures.value(of: record) }
            }
            var signOff = SignOff(id: UUID.v7(at: now), milestoneID: milestoneID, reportID: report.id, contractID: contract.id, decision: input.decision,
                                  verified: input.verified, verifiedBeneficiaries: input.verifiedBeneficiaries, reasons: reasons,
                                  evaluatorID: actor.userID, evaluatorName: actor.displayName, signedAt: now, countersignRequired: false,
                                  supersedes: isCorrection ? current?.id : nil, platformFigures: platformFigures)
            if input.decision != .moreEvidence {
                let outcomes = Self.outcomes(milestones, signOffs + [signOff])
                signOff.countersignRequired = try await funding.payable(contract, outcomes: outcomes, on: connection) > countersignThreshold
            }
            try await store.insert(signOff)
            if signOff.isFinal || signOff.decision == .moreEvidence {
                try await store.setStatus(milestoneID: milestoneID, signOff.decision.milestoneStatus)
            }
            try await audit(connection, actor, isCorrection ? "contract.signoff_corrected" : "contract.signed_off", contract.id,
                            before: current, after: signOff)
            if signOff.isFinal { try await settle(contract, signOff, by: actor, connection) }
            return signOff
        }
    }

    /// A second independent evaluator confirms a sign-off whose payable amount exceeded the threshold.
    public func countersign(by actor: Actor, signOffID: UUID) async throws -> SignOff {
        try requireEvaluator(actor)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let milestoneID = try await store.milestoneID(ofSignOff: signOffID) else {
                throw DomainError.notFound("no sign-off has id \(signOffID.lowercased)")
            }
            let (contract, _) = try await lockedMilestone(milestoneID, connection)
            try Policy.authorize(actor, .signOffMilestone, try await resource(of: contract, connection))
            try await requireIndependent(actor, of: contract)
            let signOffs = try await store.signOffs(of: contract.id)
            guard let before = signOffs.first(where: { $0.id == signOffID }), Self.currentSignOff(of: milestoneID, in: signOffs)?.id == signOffID else {
                throw DomainError.conflict("a later sign-off of this milestone replaced this one")
            }
            guard before.evaluatorID != actor.userID else {
                throw DomainError.forbidden("the second signature must be another evaluator's, not that of the evaluator who signed off")
            }
            guard before.countersignRequired, before.countersignedAt == nil else { throw DomainError.conflict("this sign-off needs no further signature") }
            var signOff = before
            signOff.countersignedBy = actor.userID
            signOff.countersignerName = actor.displayName
            signOff.countersignedAt = now
            try await store.countersign(signOffID, by: actor.userID, name: actor.displayName, at: now)
            try await store.setStatus(milestoneID: milestoneID, signOff.decision.milestoneStatus)
            try await audit(connection, actor, "contract.signoff_countersigned", contract.id, before: before, after: signOff)
            try await settle(contract, signOff, by: actor, connection)
            return signOff
        }
    }

    private func settle(_ contract: Contract, _ signOff: SignOff, by actor: Actor, _ connection: PostgresConnection) async throws {
        let store = store(connection)
        let outcomes = Self.outcomes(try await store.milestones(of: [contract.id]), try await store.signOffs(of: contract.id))
        try await funding.settle(contract, outcomes: outcomes, signOff: signOff, by: actor, on: connection)
    }

    /// Refused at once for anyone who is no evaluator at all, before anything about the record is read
    /// (who is assigned to a contract is decided with the contract, by the policy).
    func requireEvaluator(_ actor: Actor) throws(DomainError) {
        try Policy.authorize(actor, .signOffMilestone, Resource(assignees: [actor.userID]))
    }

    /// Refused when the evaluator works for, or has declared a tie to, the buyer or the supplier.
    func requireIndependent(_ actor: Actor, of contract: Contract) async throws {
        let tied = try await identity.ties(of: actor.userID).filter { contract.isParty($0.organisationID) }
        if let tie = tied.first {
            let organisation = try await identity.organisation(id: tie.organisationID)
            throw DomainError.forbidden("you are tied to \(organisation.nameZh) (\(tie.relation)), a party to contract \(contract.reference): "
                                        + "an independent evaluator signs it off")
        }
    }

    // MARK: What payment sees

    /// The sign-off that stands for a milestone now: the latest one (corrections and requests for
    /// more evidence come later than what they replace).
    static func currentSignOff(of milestoneID: UUID, in signOffs: [SignOff]) -> SignOff? {
        signOffs.last { $0.milestoneID == milestoneID }
    }

    /// Each milestone with its standing final sign-off (the latest final one), for payment.
    static func outcomes(_ milestones: [Milestone], _ signOffs: [SignOff]) -> [MilestoneOutcome] {
        milestones.map { milestone in
            let final = signOffs.last { $0.milestoneID == milestone.id && $0.isFinal }
            return MilestoneOutcome(number: milestone.number, shareBasisPoints: milestone.shareBasisPoints, decision: final?.decision,
                                    targets: Dictionary(milestone.metrics.map { ($0.code, $0.target) }, uniquingKeysWith: { a, _ in a }),
                                    verified: final?.verified ?? [:], verifiedBeneficiaries: final?.verifiedBeneficiaries ?? 0,
                                    platformFigures: final?.platformFigures ?? [:])
        }
    }

    /// The days a milestone's platform figures count: from the day after the previous milestone was due (the contract's
    /// first day for the first) to its own due day, both included.
    static func period(of milestone: Milestone, in milestones: [Milestone], contract: Contract) -> (from: String, through: String) {
        let previous = milestones.filter { $0.number < milestone.number }.map(\.dueOn).max()
        return (previous.flatMap(WorkingCalendar.dayAfter) ?? contract.startsOn, milestone.dueOn)
    }

    /// The contract's milestones as payment sees them now, read on the caller's connection.
    public func outcomes(of contractID: UUID, on connection: PostgresConnection) async throws -> [MilestoneOutcome] {
        let store = store(connection)
        return Self.outcomes(try await store.milestones(of: [contractID]), try await store.signOffs(of: contractID))
    }

    /// The milestones of many contracts as payment sees them now: two queries whatever their number.
    public func outcomes(of contractIDs: [UUID]) async throws -> [UUID: [MilestoneOutcome]] {
        guard !contractIDs.isEmpty else { return [:] }
        return try await database.read { connection in
            let store = store(connection)
            let milestones = Dictionary(grouping: try await store.milestones(of: contractIDs), by: \.contractID)
            let signOffs = Dictionary(grouping: try await store.signOffs(of: contractIDs), by: \.contractID)
            return milestones.mapValues { Self.outcomes($0, signOffs[$0[0].contractID] ?? []) }
        }
    }

    /// Milestones waiting for this evaluator: reports to sign off and sign-offs to countersign on the
    /// contracts they are assigned to (a sign-off of their own waits for somebody else's signature).
    public func awaitingSignOff(by actor: Actor) async throws -> [SignOffTask] {
        try requireEvaluator(actor)
        return try await database.read { try await store($0).awaitingSignOff(assignedTo: actor.userID) }
    }

    func lockedMilestone(_ milestoneID: UUID, _ connection: PostgresConnection) async throws -> (Contract, Milestone) {
        let store = store(connection)
        guard let contractID = try await store.contractID(ofMilestone: milestoneID) else {
            throw DomainError.notFound("no milestone has id \(milestoneID.lowercased)")
        }
        // The contract's row is the lock for everything about it: reports, sign-offs and claims go one after the other.
        let contract = try await lockedContract(contractID, connection)
        let milestone = try await store.milestones(of: [contractID]).first { $0.id == milestoneID }!
        return (contract, milestone)
    }
}

/// A milestone an evaluator has to act on.
public struct SignOffTask: Sendable, Equatable {
    public var contractID: UUID
    public var contractReference: String
    public var milestoneID: UUID
    public var milestoneNumber: Int
    public var milestoneTitle: String
    /// Nil for a report to sign off; the sign-off waiting for a second signature otherwise.
    public var signOffID: UUID?
    public var since: Date
}

/// What Payments reads of a contract on its own transaction's connection, without holding a
/// `ContractService` (which holds Payments as its funding).
public struct ContractRecords: Sendable {
    let store: DeliveryStore

    public init(connection: PostgresConnection, logger: Logger) { store = DeliveryStore(connection: connection, logger: logger) }

    /// The contract, its row locked until the transaction ends: the same lock reports and sign-offs take.
    public func lock(_ contractID: UUID) async throws -> Contract {
        guard let contract = try await store.contract(id: contractID, forUpdate: true) else {
            throw DomainError.notFound("no contract has id \(contractID.lowercased)")
        }
        return contract
    }

    public func contract(_ contractID: UUID) async throws -> Contract? { try await store.contract(id: contractID) }

    public func milestones(of contractID: UUID) async throws -> [Milestone] { try await store.milestones(of: [contractID]) }

    public func outcomes(of contractID: UUID) async throws -> [MilestoneOutcome] {
        ContractService.outcomes(try await store.milestones(of: [contractID]), try await store.signOffs(of: contractID))
    }

    /// What the contract's milestones wait for before they count toward payment, milestone by milestone.
    public func waits(of contractID: UUID) async throws -> [MilestoneWait] {
        let signOffs = try await store.signOffs(of: contractID)
        return try await store.milestones(of: [contractID]).sorted { $0.number < $1.number }.compactMap { milestone in
            let latest = signOffs.last { $0.milestoneID == milestone.id }
            if let latest, latest.decision != .moreEvidence, latest.countersignRequired, latest.countersignedAt == nil {
                return .countersignature(milestone: milestone.number)
            }
            return milestone.status == .reported ? .signOff(milestone: milestone.number) : nil
        }
    }
}

/// Why a milestone does not count toward payment yet.
public enum MilestoneWait: Sendable, Equatable {
    /// Its sign-off makes a large amount payable and waits for a second evaluator's countersignature.
    case countersignature(milestone: Int)
    /// Its report waits for an independent evaluator's sign-off.
    case signOff(milestone: Int)

    public var message: Message {
        switch self {
        case .countersignature(let number): "the sign-off of milestone \(number) waits for a second evaluator's countersignature"
        case .signOff(let number): "the report of milestone \(number) waits for an independent evaluator's sign-off"
        }
    }
}

extension ContractService {
    /// Every field problem of a sign-off of `milestone` on its latest `report`: the reasons, each metric's verified
    /// figure (no more than reported, nor than the platform's `figures` where a metric names its records), the
    /// beneficiaries, and the decision (met needs every target; a correction decides). The sign-off sheet asks it
    /// too, so a figure the page could not read is told with all the rest.
    public static func signOffProblems(_ input: SignOffInput, milestone: Milestone, report: Report, figures: PlatformFigures?,
                                       isCorrection: Bool) -> [FieldError] {
        var problems = Validator()
        let reasons = problems.text(input.reasons, "reasons", max: 4000)
        problems.check(reasons.count >= 10 || reasons.isEmpty, "reasons", "must explain the decision in at least 10 characters")
        for code in input.verified.keys.sorted() where !milestone.metrics.contains(where: { $0.code == code }) {
            problems.check(false, "verified.\(code)", "is not a metric of milestone \(milestone.number)")
        }
        for metric in milestone.metrics {
            let quantity = input.verified[metric.code]
            let reported = report.results[metric.code] ?? 0
            problems.check(quantity != nil, "verified.\(metric.code)", "is required: the \(metric.unit) verified, 0 if none")
            problems.check((quantity ?? 0) >= 0 && (quantity ?? 0) <= reported, "verified.\(metric.code)",
                           "must be from 0 to the \(reported) reported in version \(report.version)")
            if let record = metric.platformRecord, let figures {
                let figure = figures.value(of: record)
                problems.check((quantity ?? 0) <= figure, "verified.\(metric.code)",
                               "must be no more than the platform's record of \(figure) for \(figures.from)…\(figures.through)")
            }
        }
        problems.check(input.verifiedBeneficiaries >= 0, "verifiedBeneficiaries", "must not be negative")
        problems.check(input.verifiedBeneficiaries <= report.beneficiaries, "verifiedBeneficiaries",
                       "must be no more than the \(report.beneficiaries) reported")
        if input.decision == .met {
            for metric in milestone.metrics where (input.verified[metric.code] ?? 0) < metric.target {
                problems.check(false, "decision", "met needs every target verified; \(metric.code) has \(input.verified[metric.code] ?? 0) of \(metric.target)")
            }
        }
        if isCorrection { problems.check(input.decision != .moreEvidence, "decision", "a correction decides: met, partially met or not met") }
        return problems.errors
    }
}
