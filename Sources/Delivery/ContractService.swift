import Core
import Crypto
import Foundation
import Identity
import PostgresNIO
import Store
import Tendering

/// Contracts from awards: the buyer drafts the terms and milestones, both parties sign after the
/// standstill (which commits the budget line through `ContractFunding`), the buyer publishes, and
/// the buyer may terminate with a reason. Reports and sign-offs are in `ContractService+Delivery`.
public struct ContractService: Sendable {
    let database: Database
    let identity: IdentityService
    let awards: AwardService
    let funding: any ContractFunding
    /// The service network's records, for metrics that take their figure from them (nil: none can be verified).
    let records: (any PlatformRecords)?
    let clock: any SpokesClock
    /// A sign-off that makes more than this payable needs a second evaluator's signature.
    public let countersignThreshold: Money

    public init(database: Database, identity: IdentityService, awards: AwardService, funding: any ContractFunding,
                records: (any PlatformRecords)? = nil, clock: any SpokesClock = SystemClock(),
                countersignThreshold: Money = .yuan(100_000)) {
        self.database = database
        self.identity = identity
        self.awards = awards
        self.funding = funding
        self.records = records
        self.clock = clock
        self.countersignThreshold = countersignThreshold
    }

    /// The service's time: what pages count days and deadlines from (a test's or a training instance's clock).
    public func now() -> Date { clock.now() }

    func store(_ connection: PostgresConnection) -> DeliveryStore { DeliveryStore(connection: connection, logger: database.logger) }

    func audit<T: Encodable & Sendable>(_ connection: PostgresConnection, _ actor: Actor, _ action: String, _ contractID: UUID,
                                        before: T?, after: T) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("contract", contractID), before: before, after: after, at: clock.now())
    }

    /// The contract locked for a change, or not found.
    func lockedContract(_ id: UUID, _ connection: PostgresConnection) async throws -> Contract {
        guard let contract = try await store(connection).contract(id: id, forUpdate: true) else {
            throw DomainError.notFound("no contract has id \(id.lowercased)")
        }
        return contract
    }

    // MARK: Drafting

    /// The buyer turns a completed award into a draft contract.
    public func draft(by actor: Actor, _ input: ContractInput) async throws -> Contract {
        // Only the buyer's staff learn anything of the award's state.
        if let buyer = try await awards.buyerID(ofAward: input.awardID) {
            try Policy.authorize(actor, .manageContract, Resource(organisationID: buyer))
        }
        guard let award = try await awards.contractDraft(awardID: input.awardID) else {
            throw DomainError(.conflict, "award \(input.awardID.lowercased) is not ready for a contract: its tender has not completed its standstill",
                              fields: [FieldError("awardId", "is not an award whose standstill has ended")])
        }
        try Policy.authorize(actor, .manageContract, Resource(organisationID: award.buyerID))
        var check = Validator()
        let terms = check.text(input.terms, "terms", max: 20_000)
        let justification = input.termJustification?.trimmingCharacters(in: .whitespacesAndNewlines)
        ContractTerm.check(startsOn: input.startsOn, endsOn: input.endsOn, justification: justification, into: &check)
        try check.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            if let existing = try await store.contract(awardID: award.awardID) {
                throw DomainError.conflict("the award already has contract \(existing.reference)")
            }
            let contract = Contract(id: UUID.v7(at: now), reference: try await store.nextReference(year: WorkingCalendar().year(of: now)),
                                    awardID: award.awardID, tenderID: award.tenderID, lotID: award.lotID, buyerID: award.buyerID,
                                    supplierID: award.supplierID, purchaseLineID: award.purchaseLineID,
                                    title: "\(award.tenderReference) · \(award.lotTitle)", value: award.value, startsOn: input.startsOn,
                                    endsOn: input.endsOn, termJustification: justification?.isEmpty == false ? justification : nil, terms: terms,
                                    status: .draft, createdBy: actor.userID, createdAt: now, surveyToken: Self.newSurveyToken())
            try await store.insert(contract)
            try await audit(connection, actor, "contract.drafted", contract.id, before: nil, after: contract)
            return contract
        }
    }

    /// The buyer writes the milestones of a draft nobody has signed; they replace any earlier ones.
    /// Their payment shares must add up to 100 %.
    public func setMilestones(by actor: Actor, contractID: UUID, _ inputs: [MilestoneInput]) async throws -> [Milestone] {
        try await database.transaction { connection in
            let contract = try await lockedContract(contractID, connection)
            try Policy.authorize(actor, .manageContract, Resource(organisationID: contract.buyerID))
            try requireUnsignedDraft(contract)
            let milestones = try Self.validate(inputs, contract: contract, at: clock.now())
            let store = store(connection)
            let before = try await store.milestones(of: [contractID])
            try await store.replaceMilestones(of: contractID, with: milestones)
            try await audit(connection, actor, "contract.milestones_set", contractID, before: before, after: milestones)
            return milestones
        }
    }

    static func validate(_ inputs: [MilestoneInput], contract: Contract, at date: Date) throws(DomainError) -> [Milestone] {
        var check = Validator()
        check.check((1...24).contains(inputs.count), "milestones", "a contract has 1 to 24 milestones")
        let total = inputs.reduce(0) { $0 + $1.shareBasisPoints }
        check.check(total == 10_000, "milestones", "payment shares add up to \(Points(hundredths: total).formatted) %; they must add up to 100 %")
        var milestones: [Milestone] = []
        for (index, input) in inputs.enumerated() {
            let field = "milestones[\(index)]"
            let title = check.text(input.title, "\(field).title", max: 200)
            let deliverables = check.text(input.deliverables, "\(field).deliverables", max: 4000)
            check.check(input.shareBasisPoints > 0, "\(field).share", "must be more than 0 %")
            check.check(WorkingCalendar.isDay(input.dueOn), "\(field).dueOn", "must be a day as yyyy-MM-dd")
            if WorkingCalendar.isDay(input.dueOn) {
                check.check(input.dueOn >= contract.startsOn && input.dueOn <= contract.endsOn, "\(field).dueOn",
                            "must fall within the contract's term \(contract.startsOn)…\(contract.endsOn)")
            }
            check.check(input.metrics.count <= 10, "\(field).metrics", "a milestone measures 10 metrics at most")
            check.check(Set(input.metrics.map(\.code)).count == input.metrics.count, "\(field).metrics", "each metric code appears once")
            var metrics: [OutcomeMetric] = []
            for (m, metric) in input.metrics.enumerated() {
                let at = "\(field).metrics[\(m)]"
                check.check(OutcomeMetric.isCode(metric.code), "\(at).code", "must be 1–32 lower-case letters, digits or underscores")
                check.check(metric.target >= 0 && metric.target <= 10_000_000, "\(at).target", "must be a whole number from 0 to 10,000,000")
                metrics.append(OutcomeMetric(code: metric.code, definition: check.text(metric.definition, "\(at).definition", max: 1000),
                                             unit: check.text(metric.unit, "\(at).unit", max: 40), target: metric.target,
                                             dataSource: check.text(metric.dataSource, "\(at).dataSource", max: 500),
                                             validationMethod: check.text(metric.validationMethod, "\(at).validationMethod", max: 500),
                                             platformRecord: metric.platformRecord))
                if metric.platformRecord?.isPercent == true {
                    check.check(metric.target <= 100, "\(at).target", "is a share in per cent: from 0 to 100")
                }
            }
            milestones.append(Milestone(id: UUID.v7(at: date), contractID: contract.id, number: index + 1, title: title, dueOn: input.dueOn,
                                        deliverables: deliverables, shareBasisPoints: input.shareBasisPoints, metrics: metrics, status: .pending))
        }
        // The same code in two milestones must mean the same thing: the rate card prices it once.
        var units: [String: String] = [:]
        for metric in milestones.flatMap(\.metrics) {
            if let unit = units[metric.code], unit != metric.unit {
                check.check(false, "milestones", "metric \(metric.code) is counted in \(unit) in one milestone and \(metric.unit) in another")
            }
            units[metric.code] = metric.unit
        }
        try check.finish()
        return milestones
    }

    func requireUnsignedDraft(_ contract: Contract) throws(DomainError) {
        guard contract.status == .draft else { throw DomainError.conflict("contract \(contract.reference) is \(contract.status): its terms are fixed") }
        guard contract.buyerSignedAt == nil && contract.supplierSignedAt == nil else {
            throw DomainError.conflict("contract \(contract.reference) has a signature: its terms cannot change (a signed contract changes by amendment)")
        }
    }

    /// 24 random URL-safe characters from 58 (about 140 bits).
    static func newSurveyToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789_-")
        return String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    // MARK: Signing, publication, termination

    /// A party signs: the buyer's staff for the buyer, the supplier's staff for the supplier. The
    /// second signature makes the contract binding and commits its maximum on the budget line, in
    /// the same transaction: refused as a whole when the line has not enough left.
    public func sign(by actor: Actor, contractID: UUID) async throws -> Contract {
        let now = clock.now()
        let calendar = try await calendar()
        return try await database.transaction { connection in
            let before = try await lockedContract(contractID, connection)
            var contract = before
            try authorizeParty(actor, contract, to: Message("sign it"))
            guard contract.status == .draft else { throw DomainError.conflict("contract \(contract.reference) is \(contract.status) already") }
            if actor.organisationID == contract.buyerID {
                guard contract.buyerSignedAt == nil else { throw DomainError.conflict("the buyer has signed contract \(contract.reference) already") }
                contract.buyerSignedBy = actor.userID
                contract.buyerSignedAt = now
            } else {
                guard contract.supplierSignedAt == nil else { throw DomainError.conflict("the supplier has signed contract \(contract.reference) already") }
                contract.supplierSignedBy = actor.userID
                contract.supplierSignedAt = now
            }
            guard let award = try await awards.contractDraft(awardID: contract.awardID), award.standstillEnd <= now else {
                throw DomainError.conflict("the standstill of the award has not ended: nobody signs before it does")
            }
            let milestones = try await store(connection).milestones(of: [contractID])
            guard !milestones.isEmpty else { throw DomainError.conflict("contract \(contract.reference) has no milestones yet: the buyer writes them first") }
            try await funding.checkReady(contract, milestones: milestones, on: connection)
            if contract.buyerSignedAt != nil && contract.supplierSignedAt != nil {
                contract.status = .signed
                contract.signedAt = now
                // Signing starts the two working days to publish in: refused when the calendar cannot count them.
                _ = try contract.publicationDeadline(calendar)
                contract.commitmentID = try await funding.fund(contract, by: actor, on: connection)
            }
            try await store(connection).update(contract)
            try await audit(connection, actor, contract.status == .signed ? "contract.signed" : "contract.signature_added", contractID,
                            before: before, after: contract)
            return contract
        }
    }

    /// The buyer publishes a signed contract (due within two working days of signing).
    public func publish(by actor: Actor, contractID: UUID) async throws -> Contract {
        try await database.transaction { connection in
            let before = try await lockedContract(contractID, connection)
            try Policy.authorize(actor, .manageContract, Resource(organisationID: before.buyerID))
            guard before.signedAt != nil else { throw DomainError.conflict("contract \(before.reference) is not signed yet: only a signed contract is published") }
            guard before.publishedAt == nil else { return before }
            var contract = before
            contract.publishedAt = clock.now()
            try await store(connection).update(contract)
            try await audit(connection, actor, "contract.published", contractID, before: before, after: contract)
            return contract
        }
    }

    /// The buyer ends a signed contract early with a reason; what it has not paid goes back to the line.
    public func terminate(by actor: Actor, contractID: UUID, reason: String) async throws -> (contract: Contract, paid: Money) {
        var check = Validator()
        let reason = check.text(reason, "reason", max: 2000)
        check.check(reason.count >= 20 || reason.isEmpty, "reason", "must say why in at least 20 characters")
        let checked = check
        return try await database.transaction { connection in
            let before = try await lockedContract(contractID, connection)
            try Policy.authorize(actor, .manageContract, Resource(organisationID: before.buyerID))
            try checked.finish()
            guard before.status == .signed else { throw DomainError.conflict("contract \(before.reference) is \(before.status): only a running contract is terminated") }
            let paid = try await funding.release(before, by: actor, on: connection)
            var contract = before
            contract.status = .terminated
            contract.closedAt = clock.now()
            contract.closingReason = reason
            try await store(connection).update(contract)
            try await audit(connection, actor, "contract.terminated", contractID, before: before, after: contract)
            return (contract, paid)
        }
    }

    // MARK: Reading

    /// A contract with what the actor may see of it: drafts to their parties only; reports and
    /// sign-offs to those who read delivery records.
    public func file(id: UUID, by actor: Actor?) async throws -> ContractFile {
        try await database.read { connection in
            let store = store(connection)
            guard let contract = try await store.contract(id: id), try await mayRead(contract, actor, connection) else {
                throw DomainError.notFound("no contract has id \(id.lowercased)")
            }
            let may = try await actions(on: contract, for: actor, connection)
            let milestones = try await store.milestones(of: [id])
            var file = ContractFile(contract: contract, milestones: milestones,
                                    reports: may.readRecords ? try await store.reports(of: id) : [], signOffs: may.readRecords ? try await store.signOffs(of: id) : [],
                                    engagements: try await store.engagements(ofContract: id), may: may)
            if may.readRecords, let records {
                for milestone in milestones where milestone.metrics.contains(where: { $0.platformRecord != nil }) {
                    let period = Self.period(of: milestone, in: milestones, contract: contract)
                    file.platformFigures[milestone.id] = try await records.figures(contractID: id, from: period.from, through: period.through, on: connection)
                }
            }
            return file
        }
    }

    /// What the actor may do with the contract next, as the policy decides on its resource.
    func actions(on contract: Contract, for actor: Actor?, _ connection: PostgresConnection) async throws -> ContractActions {
        var may = ContractActions()
        guard let actor else { return may }
        let resource = try await resource(of: contract, connection)
        may.manage = Policy.decide(actor, .manageContract, resource) == .allow
        may.deliver = Policy.decide(actor, .deliverContract, Resource(organisationID: contract.supplierID)) == .allow
        may.readRecords = Policy.decide(actor, .readDeliveryRecords, resource) == .allow
        may.shareSurvey = contract.isParty(actor.organisationID) && contract.signedAt != nil && contract.surveyToken != nil
        if Policy.decide(actor, .signOffMilestone, resource) == .allow {
            may.signOff = (try? await requireIndependent(actor, of: contract)) != nil
        }
        return may
    }

    /// Contracts for a list: the actor's organisation's as buyer or supplier; for everybody else the published ones.
    public func contracts(for actor: Actor?, after: UUID? = nil, limit: Int = 50, filter: ContractFilter = .init()) async throws -> [Contract] {
        if let year = filter.year, !(2000...2100).contains(year) {
            throw DomainError.invalid([FieldError("year", "must be a year from 2000 to 2100")])
        }
        let own = actor.flatMap { $0.organisationKind.isBuyer || $0.organisationKind == .socialOrganisation ? $0.organisationID : nil }
        return try await database.read { try await store($0).contracts(of: own, after: after, limit: min(max(limit, 1), 200), filter: filter) }
    }

    /// For each of these awards that has a contract the actor may read, the contract's id.
    public func contractIDs(ofAwards awardIDs: [UUID], by actor: Actor?) async throws -> [UUID: UUID] {
        guard !awardIDs.isEmpty else { return [:] }
        return try await database.read { connection in
            var result: [UUID: UUID] = [:]
            for contract in try await store(connection).contracts(awardIDs: awardIDs) where try await mayRead(contract, actor, connection) {
                result[contract.awardID] = contract.id
            }
            return result
        }
    }

    /// The published contracts of many awards at once (what the public may read), with their agreed and
    /// proposed amendments.
    public func publishedContracts(awardIDs: [UUID]) async throws -> (contracts: [Contract], amendments: [UUID: [Amendment]]) {
        guard !awardIDs.isEmpty else { return ([], [:]) }
        return try await database.read { connection in
            let store = DeliveryStore(connection: connection, logger: database.logger)
            let contracts = try await store.publishedContracts(awardIDs: awardIDs)
            let amendments = contracts.isEmpty ? [] : try await store.amendments(of: contracts.map(\.id))
            return (contracts, Dictionary(grouping: amendments, by: \.contractID))
        }
    }

    /// The contract with this id or reference (HT-2026-0005), whatever its state: for other modules that name a
    /// contract (a service site run under it), which show only its reference.
    public func contract(id: UUID) async throws -> Contract? {
        try await database.read { try await store($0).contract(id: id) }
    }

    public func contract(reference: String) async throws -> Contract? {
        try await database.read { try await store($0).contract(reference: reference) }
    }

    public func contract(awardID: UUID) async throws -> Contract? {
        try await database.read { try await store($0).contract(awardID: awardID) }
    }

    public func milestones(of contractIDs: [UUID]) async throws -> [Milestone] {
        guard !contractIDs.isEmpty else { return [] }
        return try await database.read { try await store($0).milestones(of: contractIDs) }
    }

    /// When each decided milestone of these contracts was decided (see `DeliveryStore.decidedOn`), by milestone id.
    public func milestonesDecidedOn(contractIDs: [UUID]) async throws -> [UUID: Date] {
        guard !contractIDs.isEmpty else { return [:] }
        return try await database.read { try await store($0).decidedOn(contractIDs: contractIDs) }
    }

    /// The signed contracts among these ids (for oversight: the unpublished ones too), oldest first.
    public func signedContracts(ids: [UUID]) async throws -> [Contract] {
        guard !ids.isEmpty else { return [] }
        return try await database.read { try await store($0).contracts(ids: ids) }.filter { $0.signedAt != nil }.sorted { $0.id.uuidString < $1.id.uuidString }
    }

    /// Signed contracts that may have missed their publication deadline at `now` (oversight reads the unpublished too),
    /// oldest first: published, or unpublished at `now`, a day or more after signing. The deadline is the close of the
    /// second working day after the signing day, so always more than a day after signing; whether it was missed is
    /// `Contract.missedPublicationDeadline`'s to say.
    public func contractsPossiblyPublishedLate(now: Date) async throws -> [Contract] {
        try await database.read { try await store($0).signedContracts(publishedLaterThan: Contract.publicationDays - 1, now: now) }
    }

    /// The working calendar the contracts' deadlines are counted on (kept by the tendering module).
    public func calendar() async throws -> WorkingCalendar {
        try await CalendarService(database: database, clock: clock).calendar()
    }

    /// Signed contracts not published within two working days of signing (one whose deadline the calendar
    /// cannot count yet is not called late).
    func latePublications() async throws -> [DeliveryAlert] {
        let now = clock.now()
        let calendar = try await calendar()
        return try await database.read { try await store($0).unpublished() }.compactMap { contract in
            guard let signedAt = contract.signedAt, let deadline = try? contract.missedPublicationDeadline(now: now, calendar: calendar) else { return nil }
            return DeliveryAlert(contractID: contract.id, reference: contract.reference, buyerID: contract.buyerID, signedAt: signedAt, deadline: deadline)
        }
    }

    func mayRead(_ contract: Contract, _ actor: Actor?, _ connection: PostgresConnection) async throws -> Bool {
        if contract.publishedAt != nil { return true }
        guard let actor else { return false }
        if contract.isParty(actor.organisationID) || actor.has(.admin) { return true }
        // Signed but unpublished: overseers of the buyer's jurisdiction and its assigned evaluators see it.
        guard contract.signedAt != nil else { return false }
        return try await mayReadRecords(contract, actor, connection)
    }

    func mayReadRecords(_ contract: Contract, _ actor: Actor?, _ connection: PostgresConnection) async throws -> Bool {
        guard let actor else { return false }
        return Policy.decide(actor, .readDeliveryRecords, try await resource(of: contract, connection)) == .allow
    }
}
