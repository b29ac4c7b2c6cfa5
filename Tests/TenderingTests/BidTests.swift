import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tendering
import TestSupport
import Testing

@Suite("Sealed bids")
struct BidTests {
    let proposal = "组建6人专业团队，每周上门两次，提供助洁、助浴、陪护和健康监测服务。"

    /// A published tender with the clock moved into its tendering period.
    func tendering(_ t: TenderWorld, minimumBids: Int = 2) async throws -> Tender {
        let tender = try await t.publishedTender(minimumBids: minimumBids)
        try await t.move(to: tender.periods!.enquiryEnd)
        return try await t.tenders.tender(id: tender.id, by: nil)
    }

    func bid(_ price: Int64, _ text: String? = nil) -> BidContent { BidContent(price: .yuan(price), proposal: text ?? proposal) }

    @Test("eligible organisations bid and get a receipt; the rule an ineligible one fails is named")
    func eligibility() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let lot = tender.lots[0].id
            let receipt = try await t.bids.submit(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: lot, bid(380_000))
            #expect(receipt.action == .submitted && receipt.version == 1 && receipt.commitment.count == 64)
            #expect(receipt.submittedAt == t.clock.now())
            _ = try await t.bids.submit(by: try await t.world.actor("eldercare"), tenderID: tender.id, lotID: lot, bid(390_000))
            // 快乐同行 is rated 2A; the tender asks for 3A.
            let youth = try await t.world.actor("youth")
            await #expect(throws: DomainError(.forbidden, "济南市历下区快乐同行青少年服务中心 may not bid: needs a rating of at least 3A; 济南市历下区快乐同行青少年服务中心 is rated 2A",
                                              fields: [FieldError("eligibility.minimumRating", "needs a rating of at least 3A; 济南市历下区快乐同行青少年服务中心 is rated 2A")])) {
                _ = try await t.bids.submit(by: youth, tenderID: tender.id, lotID: lot, bid(300_000))
            }
        }
    }

    @Test("each eligibility rule refuses on its own: kind, rating expiry, major violation, invitation, reserved stage")
    func eligibilityRules() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let today = "2026-11-05"
            func facts(_ username: String, stage: IncubationStage? = nil) async throws -> SupplierFacts {
                SupplierFacts(standing: try await t.world.identity.standing(of: try await t.world.actor(username).organisationID), stage: stage)
            }
            #expect(tender.eligibilityProblem(try await facts("ngo"), today: today) == nil)
            #expect(tender.eligibilityProblem(try await facts("finance"), today: today)?.field == "eligibility.kind")
            // 扶风暖心港湾: its 3A rating of 2019 expired on 2024-11-01.
            let fufeng = try #require(try await t.world.identity.organisation(creditCode: "5261032450000004X0"))
            let fufengFacts = SupplierFacts(standing: try await t.world.identity.standing(of: fufeng.id), stage: nil)
            #expect(tender.eligibilityProblem(fufengFacts, today: today)?.message.english.contains("expired on 2024-11-01") == true)
            // Without a rating rule, its major violation of 2025 still bars it.
            var open = tender
            open.terms.eligibility.minimumRating = nil
            #expect(open.eligibilityProblem(fufengFacts, today: today)?.field == "eligibility.violations")
            // Recorded on 2025-03-12: it bars to the last day of the three years, and not after.
            #expect(open.eligibilityProblem(fufengFacts, today: "2028-03-11")?.field == "eligibility.violations")
            #expect(open.eligibilityProblem(fufengFacts, today: "2028-03-13") == nil)
            var invited = open
            invited.terms.procedure = .invited
            invited.terms.invitedSuppliers = [UUID(), UUID(), UUID()]
            #expect(invited.eligibilityProblem(try await facts("ngo"), today: today)?.field == "invitedSuppliers")
            var reserved = open
            reserved.terms.eligibility.reservedForStages = [.incubator, .accelerator]
            #expect(reserved.eligibilityProblem(try await facts("ngo"), today: today)?.field == "eligibility.reservedForStages")
            #expect(reserved.eligibilityProblem(try await facts("ngo", stage: .incubator), today: today) == nil)
            #expect(reserved.eligibilityProblem(try await facts("ngo", stage: .industrialPark), today: today)?.field == "eligibility.reservedForStages")
        }
    }

    @Test("only an approved organisation bids; a serious-dishonesty listing bars it from its first day to its last, and not after; an abnormal-activities listing does not (DOMAIN §7)")
    func registerAndListings() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            var tender = try await tendering(t)
            tender.terms.eligibility.minimumRating = nil
            let today = "2026-11-05"
            let standing = try await t.world.identity.standing(of: try await t.world.actor("ngo").organisationID)
            #expect(tender.eligibilityProblem(SupplierFacts(standing: standing, stage: nil), today: today) == nil)
            for status in [OrganisationStatus.applied, .returned, .refused] {
                var waiting = standing
                waiting.organisation.status = status
                #expect(tender.eligibilityProblem(SupplierFacts(standing: waiting, stage: nil), today: today)?.field == "eligibility.approved", "\(status)")
            }
            func listed(_ kind: SanctionKind, from: String, to: String?) -> SupplierFacts {
                var listed = standing
                listed.violations = [Violation(id: UUID(), severity: .minor, occurredOn: from, description: "名单", kind: kind, endsOn: to)]
                return SupplierFacts(standing: listed, stage: nil)
            }
            let dishonest = listed(.seriousDishonesty, from: "2026-01-10", to: "2026-11-05")
            #expect(tender.eligibilityProblem(dishonest, today: "2026-01-09") == nil, "before the listing")
            #expect(tender.eligibilityProblem(dishonest, today: "2026-01-10")?.field == "eligibility.violations", "its first day")
            #expect(tender.eligibilityProblem(dishonest, today: "2026-11-05")?.field == "eligibility.violations", "its last day")
            #expect(tender.eligibilityProblem(dishonest, today: "2026-11-06") == nil, "the day after it ends")
            #expect(tender.eligibilityProblem(listed(.seriousDishonesty, from: "2020-01-10", to: nil), today: today)?.field == "eligibility.violations",
                    "a listing without an end lasts")
            #expect(tender.eligibilityProblem(listed(.abnormalActivities, from: "2026-01-10", to: nil), today: today) == nil,
                    "a minor listing as abnormal does not bar by itself")
        }
    }

    @Test("a bid one millisecond before the deadline is accepted; one at or after it is refused")
    func deadlineEdge() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let ngo = try await t.world.actor("ngo")
            let deadline = tender.periods!.tenderEnd
            // Before the enquiry period ends, no bids.
            let early = try await t.publishedTender(["LX2026-05"])
            await #expect(throws: DomainError.conflict("bids are taken from 2026-11-10 17:00 (Beijing time), when the enquiry period ends")) {
                _ = try await t.bids.submit(by: ngo, tenderID: early.id, lotID: early.lots[0].id, bid(200_000))
            }
            t.clock.advance(by: deadline.timeIntervalSince(t.clock.now()) - 0.001)
            let last = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: tender.lots[0].id, bid(380_000))
            #expect(last.submittedAt < deadline)
            t.clock.advance(by: 0.001)
            let eldercare = try await t.world.actor("eldercare")
            await #expect(throws: DomainError.conflict("bids closed at 2026-11-12 17:00 (Beijing time)")) {
                _ = try await t.bids.submit(by: eldercare, tenderID: tender.id, lotID: tender.lots[0].id, bid(390_000))
            }
            t.clock.advance(by: 0.001)
            await #expect(throws: DomainError.conflict("bids closed at 2026-11-12 17:00 (Beijing time)")) {
                _ = try await t.bids.withdraw(by: ngo, tenderID: tender.id, lotID: tender.lots[0].id)
            }
        }
    }

    @Test("over the lot's budget, by a fen or more, is refused unless the tender allows it")
    func budget() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            for over in [bid(400_001), BidContent(price: Money(minorUnits: 40_000_001), proposal: proposal)] {
                await #expect(throws: DomainError.invalid([FieldError("price", "is more than the lot's budget of ¥400,000.00")])) {
                    _ = try await t.bids.submit(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: tender.lots[0].id, over)
                }
            }
            _ = try await t.bids.submit(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: tender.lots[0].id, bid(400_000))
        }
    }

    @Test("one bid per bidder per lot: replacing makes a new version, withdrawing destroys the content; old receipts still check")
    func replaceAndWithdraw() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let ngo = try await t.world.actor("ngo")
            let lot = tender.lots[0].id
            let first = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(380_000))
            t.clock.advance(by: 60)
            let second = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(370_000))
            #expect(second.bidID == first.bidID && second.version == 2 && second.action == .replaced)
            var own = try await t.bids.ownBids(by: ngo, tenderID: tender.id)
            #expect(own.count == 1 && own[0].content == bid(370_000) && own[0].receipt == second)
            #expect(try await t.bids.checkReceipt(commitment: first.commitment).isCurrent == false)
            #expect(try await t.bids.checkReceipt(commitment: second.commitment).isCurrent)
            let withdrawn = try await t.bids.withdraw(by: ngo, tenderID: tender.id, lotID: lot)
            #expect(withdrawn.action == .withdrawn && withdrawn.version == 3)
            own = try await t.bids.ownBids(by: ngo, tenderID: tender.id)
            #expect(own[0].status == .withdrawn && own[0].content == nil)
            await #expect(throws: DomainError.notFound("your organisation has no bid for this lot")) {
                _ = try await t.bids.withdraw(by: ngo, tenderID: tender.id, lotID: lot)
            }
            // A withdrawn bidder may bid again before the deadline.
            let again = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(360_000))
            #expect(again.action == .submitted && again.version == 4)
        }
    }

    @Test("a retried submission with the same Idempotency-Key gets the first receipt; a different bid under it is refused")
    func idempotency() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let ngo = try await t.world.actor("ngo")
            let lot = tender.lots[0].id
            let first = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(380_000), idempotencyKey: "k-1")
            t.clock.advance(by: 5)
            let retry = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(380_000), idempotencyKey: "k-1")
            #expect(retry == first)
            await #expect(throws: DomainError.conflict("this Idempotency-Key was used for a different bid; use a new key for a new bid")) {
                _ = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(370_000), idempotencyKey: "k-1")
            }
            // Retries racing each other still make one version.
            let receipts = try await withThrowingTaskGroup(of: BidReceipt.self) { group in
                for _ in 0..<4 { group.addTask { try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(375_000), idempotencyKey: "k-2") } }
                return try await group.reduce(into: [BidReceipt]()) { $0.append($1) }
            }
            #expect(Set(receipts.map(\.commitment)).count == 1)
            #expect(try await t.bids.ownBids(by: ngo, tenderID: tender.id)[0].receipt.version == 2)
            // Even after the deadline, a retry of an acknowledged bid gets its receipt.
            try await t.move(to: tender.periods!.tenderEnd)
            #expect(try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, bid(375_000), idempotencyKey: "k-2") == receipts[0])
        }
    }

    @Test("before the deadline nobody but the bidder reads a bid: not the buyer, not an administrator, not the database")
    func sealed() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let marker = "UNIQUE-PROPOSAL-MARKER-4f1c"
            let receipt = try await t.bids.submit(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: tender.lots[0].id,
                                                  BidContent(price: Money(minorUnits: 37_654_321), proposal: marker), idempotencyKey: "sealed-1")
            for username in ["finance", "admin", "overseer", "evaluator", "eldercare"] {
                let actor = try await t.world.actor(username)
                #expect(try await t.bids.ownBids(by: actor, tenderID: tender.id).isEmpty, "\(username) sees no bid of another organisation")
                await #expect(throws: DomainError.self) { _ = try await t.bids.openedBids(tenderID: tender.id, by: actor) }
            }
            // Administrators may not bid for an organisation either.
            await #expect(throws: DomainError.forbidden("only a social organisation's own staff with the supplier role may bid for it")) {
                _ = try await t.bids.submit(by: try await t.world.actor("admin"), tenderID: tender.id, lotID: tender.lots[0].id, bid(1))
            }
            // Every row of every table, as text: neither the price nor the proposal appears, in any encoding.
            let dump = try await database.read { connection in
                var text = ""
                let tables = try await connection.query("""
                    SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
                    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'
                    """, logger: database.logger).collect().map { try $0.decode(String.self) }
                for table in tables {
                    for try await row in try await connection.query(PostgresQuery(unsafeSQL: "SELECT t::text FROM \(table) t"), logger: database.logger)
                        .decode(String.self) { text += row + "\n" }
                }
                return text
            }
            #expect(dump.contains(receipt.commitment), "the dump holds the bid row")
            #expect(!dump.contains(marker))
            #expect(!dump.contains(Data(marker.utf8).hexString))
            #expect(!dump.contains("37654321") && !dump.contains("376543.21"))
        }
    }

    @Test("at the deadline the worker opens the bids; prices become public, proposals go to the buyer, receipts verify")
    func opening() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let ngoReceipt = try await t.bids.submit(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: tender.lots[0].id, bid(380_000))
            _ = try await t.bids.submit(by: try await t.world.actor("eldercare"), tenderID: tender.id, lotID: tender.lots[0].id, bid(390_000, "日间照料经验丰富"))
            // Lot 2 gets one bid: fewer than the minimum of two.
            _ = try await t.bids.submit(by: try await t.world.actor("eldercare"), tenderID: tender.id, lotID: tender.lots[1].id, bid(290_000))
            try await t.move(to: tender.periods!.tenderEnd)
            let opened = try await t.tenders.tender(id: tender.id, by: nil)
            #expect(opened.status == .evaluation)
            #expect(opened.lots.map(\.status) == [.active, .unsuccessful])
            #expect(opened.periods?.openedAt == tender.periods!.tenderEnd)
            let publicView = try await t.bids.openedBids(tenderID: tender.id, by: nil)
            #expect(publicView.filter { $0.lotID == tender.lots[0].id }.map(\.price) == [.yuan(380_000), .yuan(390_000)])
            #expect(publicView.allSatisfy { $0.proposal == nil })
            let buyerView = try await t.bids.openedBids(tenderID: tender.id, by: try await t.world.actor("finance"))
            #expect(buyerView.first { $0.price == .yuan(390_000) }?.proposal == "日间照料经验丰富")
            let check = try await t.bids.checkReceipt(commitment: ngoReceipt.commitment)
            #expect(check.isCurrent && check.matchesOpenedBid == true && check.tenderReference == tender.reference && check.lotNumber == 1)
            await #expect(throws: DomainError.notFound("no receipt has this commitment")) {
                _ = try await t.bids.checkReceipt(commitment: String(repeating: "0", count: 64))
            }
        }
    }

    @Test("a change of terms during tendering asks bidders to confirm and moves the deadline so a minimum remains")
    func termsChange() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await tendering(t)
            let ngo = try await t.world.actor("ngo")
            let finance = try await t.world.actor("finance")
            _ = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: tender.lots[0].id, bid(380_000))
            _ = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: tender.lots[1].id, bid(280_000))
            // Wednesday 11 November 10:00, one and a half working days before the deadline.
            t.clock.advance(by: tender.periods!.tenderEnd.timeIntervalSince(t.clock.now()) - 31 * 3600)
            var terms = tender.terms
            terms.description += "\n补充：服务须覆盖节假日。"
            let changed = try await t.tenders.updateTerms(by: finance, tenderID: tender.id, terms)
            #expect(changed.termsVersion == 2)
            let calendar = try await t.tenders.calendar()
            #expect(calendar.describe(changed.periods!.tenderEnd) == "2026-11-16 17:00", "three working days remain: Thursday, Friday, Monday")
            let own = try await t.bids.ownBids(by: ngo, tenderID: tender.id)
            #expect(own.map(\.status) == [.needsConfirmation, .needsConfirmation])
            // The timeline says the same as for a tender without bids: nothing about bids before the deadline.
            #expect(try await t.tenders.timeline(tenderID: tender.id).last?.action == "tender.terms_changed")
            // Lots cannot be swapped after publication.
            var swapped = terms
            swapped.lots.reverse()
            await #expect(throws: DomainError.self) { _ = try await t.tenders.updateTerms(by: finance, tenderID: tender.id, swapped) }

            // An unconfirmed bid is not opened; a confirmed one is.
            _ = try await t.bids.submit(by: try await t.world.actor("eldercare"), tenderID: tender.id, lotID: tender.lots[0].id, bid(390_000))
            let confirmed = try await t.bids.confirm(by: ngo, tenderID: tender.id, lotID: tender.lots[0].id)
            #expect(confirmed.action == .confirmed && confirmed.version == 2)
            await #expect(throws: DomainError.conflict("this bid stands under the current terms already")) {
                _ = try await t.bids.confirm(by: ngo, tenderID: tender.id, lotID: tender.lots[0].id)
            }
            try await t.move(to: changed.periods!.tenderEnd)
            // Lot 1: the confirmed bid and the new one; lot 2: the unconfirmed bid stays sealed.
            #expect(try await t.bids.openedBids(tenderID: tender.id, by: nil).map(\.lotID) == [tender.lots[0].id, tender.lots[0].id])
        }
    }
}
