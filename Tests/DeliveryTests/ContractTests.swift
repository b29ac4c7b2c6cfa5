import Core
import Delivery
import Foundation
import Identity
import Payments
import Store
import Tendering
import TestSupport
import Testing

@Suite("Contracts: drafting, milestones, signing, publication")
struct ContractTests {
    /// The finance office's draft of the completed award for 2027, without milestones or a rate card yet.
    func bareDraft(_ w: DeliveryWorld) async throws -> Contract {
        let award = try await w.completedAward()
        return try await w.contracts.draft(by: try await w.actor("finance"), ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2027-12-31",
                                                                                           terms: DeliveryWorld.terms))
    }

    @Test("a contract is drafted only from a completed award, by its buyer, within the term rule, once")
    func drafting() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let finance = try await w.actor("finance")
            await #expect(throws: DomainError(.conflict, "award \(UUID(uuidString: "00000000-0000-7000-8000-000000000001")!.lowercased) is not ready for a contract: its tender has not completed its standstill",
                                              fields: [FieldError("awardId", "is not an award whose standstill has ended")])) {
                _ = try await w.contracts.draft(by: finance, ContractInput(awardID: UUID(uuidString: "00000000-0000-7000-8000-000000000001")!,
                                                                           startsOn: "2027-01-01", endsOn: "2027-12-31", terms: DeliveryWorld.terms))
            }
            let award = try await w.completedAward()
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its contracts")) {
                _ = try await w.contracts.draft(by: try await w.actor("civil"), ContractInput(awardID: award.awardID, startsOn: "2027-01-01",
                                                                                            endsOn: "2027-12-31", terms: DeliveryWorld.terms))
            }
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its contracts")) {
                _ = try await w.contracts.draft(by: try await w.actor("ngo"), ContractInput(awardID: award.awardID, startsOn: "2027-01-01",
                                                                                          endsOn: "2027-12-31", terms: DeliveryWorld.terms))
            }
            // Over a year needs a justification; over three years is refused whatever it says.
            await #expect(throws: DomainError.invalid([FieldError("termJustification", "a term of 13 months (over 1 year) needs a written justification of at least 20 characters")])) {
                _ = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2028-01-31", terms: DeliveryWorld.terms))
            }
            await #expect(throws: DomainError.invalid([FieldError("endsOn", "makes a term of 37 months; a contract runs for 3 years at most")])) {
                _ = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2030-01-31",
                                                                           termJustification: "服务对象需要长期稳定的照护关系，频繁更换服务机构不利于老人。",
                                                                           terms: DeliveryWorld.terms))
            }
            await #expect(throws: DomainError.invalid([FieldError("endsOn", "must not be before the start")])) {
                _ = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2026-12-31", terms: DeliveryWorld.terms))
            }
            let long = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2029-12-31",
                                                                               termJustification: "服务对象需要长期稳定的照护关系，频繁更换服务机构不利于老人。",
                                                                               terms: DeliveryWorld.terms))
            #expect(long.reference.hasPrefix("HT-2026-") && long.value == .yuan(380_000) && long.status == .draft)
            #expect(long.supplierID == award.supplierID && long.purchaseLineID == award.purchaseLineID)
            #expect(ContractTerm.months(from: "2027-01-01", to: "2029-12-31") == 36)
            await #expect(throws: DomainError.conflict("the award already has contract \(long.reference)")) {
                _ = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: "2027-01-01", endsOn: "2027-12-31", terms: DeliveryWorld.terms))
            }
        }
    }

    @Test("milestones' payment shares add up to 100 %, fall within the term, and are the buyer's to write")
    func milestones() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await bareDraft(w)
            let finance = try await w.actor("finance")
            var short = DeliveryWorld.milestones
            short[1].shareBasisPoints = 5000
            short[1].dueOn = "2028-01-15"
            await #expect(throws: DomainError.invalid([
                FieldError("milestones", "payment shares add up to 90 %; they must add up to 100 %"),
                FieldError("milestones[1].dueOn", "must fall within the contract's term 2027-01-01…2027-12-31"),
            ])) {
                _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, short)
            }
            var badCode = DeliveryWorld.milestones
            badCode[0].metrics[0].code = "Visits!"
            await #expect(throws: DomainError.invalid([FieldError("milestones[0].metrics[0].code", "must be 1–32 lower-case letters, digits or underscores")])) {
                _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, badCode)
            }
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its contracts")) {
                _ = try await w.contracts.setMilestones(by: try await w.actor("ngo"), contractID: contract.id, DeliveryWorld.milestones)
            }
            let milestones = try await w.contracts.setMilestones(by: finance, contractID: contract.id, DeliveryWorld.milestones)
            #expect(milestones.map(\.number) == [1, 2] && milestones.map(\.sharePercent) == ["40", "60"] && milestones.allSatisfy { $0.status == .pending })
        }
    }

    @Test("payment shares add up to exactly 100 %: 99.99 % and 100.01 % are refused")
    func sharesToTheBasisPoint() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await bareDraft(w)
            let finance = try await w.actor("finance")
            for (second, total) in [(5999, "99.99"), (6001, "100.01")] {
                var milestones = DeliveryWorld.milestones
                milestones[1].shareBasisPoints = second
                await #expect(throws: DomainError.invalid([FieldError("milestones", "payment shares add up to \(total) %; they must add up to 100 %")])) {
                    _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, milestones)
                }
            }
            #expect(try await w.contracts.milestones(of: [contract.id]).isEmpty)
            #expect(try await w.contracts.setMilestones(by: finance, contractID: contract.id, DeliveryWorld.milestones).map(\.shareBasisPoints) == [4000, 6000])
        }
    }

    @Test("signing: both parties, after the standstill, with a rate card that prices every metric; the second signature commits the line")
    func signing() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await bareDraft(w)
            let finance = try await w.actor("finance"), ngo = try await w.actor("ngo")
            await #expect(throws: DomainError.conflict("contract \(contract.reference) has no milestones yet: the buyer writes them first")) {
                _ = try await w.contracts.sign(by: finance, contractID: contract.id)
            }
            _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, DeliveryWorld.milestones)
            await #expect(throws: DomainError.conflict("contract \(contract.reference) has no rate card yet: the buyer prices its outcomes before anyone signs")) {
                _ = try await w.contracts.sign(by: finance, contractID: contract.id)
            }
            await #expect(throws: DomainError.invalid([FieldError("prices", "metric assessments has no price (give it ¥0.00 if it earns nothing)")])) {
                _ = try await w.payments.setRateCard(by: finance, contractID: contract.id, maximum: .yuan(380_000), deliveryFeeBasisPoints: 3000,
                                                     capPerBeneficiary: nil, partialRule: .proportional, prices: [RateCard.Price(metric: "visits", price: .yuan(50))])
            }
            await #expect(throws: DomainError.invalid([FieldError("maximum", "must be more than ¥0.00 and at most the contract's value, ¥380,000.00")])) {
                _ = try await w.payments.setRateCard(by: finance, contractID: contract.id, maximum: .yuan(400_000), deliveryFeeBasisPoints: 3000, capPerBeneficiary: nil,
                                                     partialRule: .proportional, prices: [RateCard.Price(metric: "visits", price: .yuan(50)),
                                                                                          RateCard.Price(metric: "assessments", price: .yuan(300))])
            }
            _ = try await w.priceOutcomes(contract)
            await #expect(throws: DomainError.forbidden("only the contract's buyer and supplier sign it")) {
                _ = try await w.contracts.sign(by: try await w.actor("eldercare"), contractID: contract.id)
            }
            let once = try await w.contracts.sign(by: ngo, contractID: contract.id)
            #expect(once.status == .draft && once.supplierSignedBy == ngo.userID && once.commitmentID == nil)
            await #expect(throws: DomainError.conflict("the supplier has signed contract \(contract.reference) already")) {
                _ = try await w.contracts.sign(by: ngo, contractID: contract.id)
            }
            // A signature fixes the terms.
            await #expect(throws: DomainError.conflict("contract \(contract.reference) has a signature: its terms cannot change (a signed contract changes by amendment)")) {
                _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, DeliveryWorld.milestones)
            }
            await #expect(throws: DomainError.conflict("contract \(contract.reference) has a signature: its rate card cannot change")) {
                _ = try await w.priceOutcomes(contract)
            }
            let signed = try await w.contracts.sign(by: finance, contractID: contract.id)
            #expect(signed.status == .signed && signed.signedAt == w.t.clock.now() && signed.commitmentID != nil)
            let balance = try await w.ledger.balance(of: contract.purchaseLineID)
            #expect(balance.committed == .yuan(380_000) && balance.paid == .yuan(0))
            #expect(try await w.ledger.unbalancedLines().isEmpty)
        }
    }

    @Test("the second signature is refused as a whole when the line has not enough left: no signature, no commitment")
    func signingOverTheLine() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.draftedContract()
            let finance = try await w.actor("finance")
            // Something else has taken ¥300,000 of the line's ¥400,000.
            _ = try await database.transaction {
                try await w.ledger.commit(.yuan(300_000), on: contract.purchaseLineID, for: .contract, source: UUID.v7(), by: finance, on: $0)
            }
            _ = try await w.contracts.sign(by: finance, contractID: contract.id)
            await #expect(throws: DomainError.self) { _ = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id) }
            let file = try await w.contracts.file(id: contract.id, by: finance)
            #expect(file.contract.status == .draft && file.contract.supplierSignedAt == nil && file.contract.commitmentID == nil)
            #expect(try await w.ledger.balance(of: contract.purchaseLineID).committed == .yuan(300_000))
        }
    }

    @Test("a signed contract not published within two working days raises an alert; publishing clears it; drafts stay private")
    func publication() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            // Signed Thursday 19 November, 17:00: due by Monday 23 November, 17:00.
            let deadline = try #require(try contract.publicationDeadline(try await w.contracts.calendar()))
            #expect(WorkingCalendar().describe(deadline) == "2026-11-23 17:00")
            await #expect(throws: DomainError.notFound("no contract has id \(contract.id.lowercased)")) { _ = try await w.contracts.file(id: contract.id, by: nil) }
            #expect(try await w.contracts.contracts(for: nil).isEmpty)
            try await w.t.move(to: deadline)
            let finance = try await w.actor("finance")
            #expect(try await w.contracts.latePublications(for: finance).isEmpty)
            try await w.t.move(to: deadline.addingTimeInterval(1))
            #expect(try await w.contracts.latePublications(for: finance).map(\.reference) == [contract.reference])
            // The buyer answers for it, Lixia's overseers watch it; another county's office and the supplier do not see it.
            #expect(try await w.contracts.latePublications(for: try await w.actor("overseer")).map(\.reference) == [contract.reference])
            #expect(try await w.contracts.latePublications(for: try await w.actor("fufeng")).isEmpty)
            #expect(try await w.contracts.latePublications(for: try await w.actor("ngo")).isEmpty)
            await #expect(throws: DomainError.forbidden("only the buyer's own staff manage its contracts")) {
                _ = try await w.contracts.publish(by: try await w.actor("ngo"), contractID: contract.id)
            }
            let published = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            #expect(published.publishedAt != nil)
            #expect(try await w.contracts.latePublications(for: finance).isEmpty)
            let file = try await w.contracts.file(id: contract.id, by: nil)
            #expect(file.milestones.count == 2 && file.reports.isEmpty)
            #expect(try await w.contracts.contracts(for: nil).map(\.id) == [contract.id])
        }
    }

    @Test("termination needs a reason, gives back what was not paid, and ends delivery")
    func termination() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let finance = try await w.actor("finance")
            await #expect(throws: DomainError.invalid([FieldError("reason", "must say why in at least 20 characters")])) {
                _ = try await w.contracts.terminate(by: finance, contractID: contract.id, reason: "不干了")
            }
            let (terminated, paid) = try await w.contracts.terminate(by: finance, contractID: contract.id,
                                                                     reason: "服务机构主要负责人涉嫌违法被调查，无法继续履约，双方协商解除。")
            #expect(terminated.status == .terminated && paid == .yuan(0))
            #expect(try await w.ledger.balance(of: contract.purchaseLineID).committed == .yuan(0))
            let milestone = try await w.contracts.milestones(of: [contract.id])[0]
            await #expect(throws: DomainError.conflict("contract \(contract.reference) is terminated: reports go on a running contract")) {
                _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: milestone.id, DeliveryWorld.report(visits: 1, assessments: 1, beneficiaries: 1))
            }
        }
    }
}
