import Core
import Delivery
import Foundation
import PostgresNIO
import Identity
import Payments
import Store
import Tendering
import TestSupport
import Testing
@testable import Transparency

@Suite("Red flags")
struct RedFlagTests {
    @Test("one supplier with half a buyer's awarded value in a year, among three awards or more")
    func dominantSupplier() {
        let buyer = UUID(), big = UUID()
        let rules = RedFlagRules()
        func share(_ won: Int128, of total: Int128, awards: Int, year: Int = 2026) -> SupplierShare {
            SupplierShare(buyerID: buyer, year: year, supplierID: big, won: won, buyerTotal: total, buyerAwards: awards)
        }
        #expect(RedFlagRulebook.dominantSuppliers([share(30_000_000, of: 40_000_000, awards: 2)], rules: rules).isEmpty, "two awards are too few to say")
        let flags = RedFlagRulebook.dominantSuppliers([share(30_000_000, of: 60_000_000, awards: 3)], rules: rules)
        // ¥300,000 of ¥600,000: exactly half.
        #expect(flags.map(\.kind) == [.dominantSupplier] && flags[0].values == [big.lowercased, "50", "2026", "¥300,000.00"] && flags[0].buyerID == buyer)
        #expect(RedFlagRulebook.dominantSuppliers([share(30_000_000, of: 60_000_001, awards: 3)], rules: rules).isEmpty, "a fen under half")
        #expect(RedFlagRulebook.dominantSuppliers([share(30_000_000, of: 0, awards: 3)], rules: rules).isEmpty, "nothing awarded")
        // Sums past Int64 neither trap nor lose the flag.
        let huge = Int128(Int64.max) * 3
        #expect(RedFlagRulebook.dominantSuppliers([share(huge, of: huge, awards: 3)], rules: rules).first?.values[1] == "100")
    }

    @Test("lines of one code and year each just under the threshold, together over it")
    func splitPurchase() {
        let buyer = UUID()
        func line(_ reference: String, _ code: String, _ yuan: Int64, year: Int = 2026) -> PurchaseLine {
            PurchaseLine(id: UUID(), buyerID: buyer, content: PurchaseLineContent(year: year, reference: reference, catalogueCode: code, title: "困境儿童关爱服务",
                                                                                   targetGroup: "困境儿童", quantity: 50, unit: "人", budget: .yuan(yuan),
                                                                                   fundingSource: .generalBudget, tier: .district))
        }
        let rules = RedFlagRules()
        let flags = RedFlagRulebook.splitPurchases([line("A-1", "A0203", 190_000), line("A-2", "A0203", 180_000), line("A-3", "A0203", 120_000)], rules: rules)
        #expect(flags.map(\.kind) == [.splitPurchase] && flags[0].values[0] == "A-1, A-2" && flags[0].values[3] == "¥370,000.00")
        #expect(RedFlagRulebook.splitPurchases([line("A-1", "A0203", 190_000), line("B-1", "A0202", 190_000)], rules: rules).isEmpty, "different codes")
        #expect(RedFlagRulebook.splitPurchases([line("A-1", "A0203", 190_000), line("A-2", "A0203", 190_000, year: 2025)], rules: rules).isEmpty, "different years")
        #expect(RedFlagRulebook.splitPurchases([line("A-1", "A0203", 200_000), line("A-2", "A0203", 200_000)], rules: rules).isEmpty, "at the threshold is not under it")
        #expect(RedFlagRulebook.splitPurchases([line("A-1", "A0203", 160_000), line("A-2", "A0203", 160_000)], rules: rules).isEmpty, "not just under")
    }

    func service(_ w: DeliveryWorld) -> TransparencyService {
        TransparencyService(database: w.t.world.database, identity: w.t.world.identity, tenders: w.t.tenders, bids: w.t.bids, awards: w.t.awards,
                            lists: w.t.lists, contracts: w.contracts, payments: w.payments, prefix: "test01", clock: w.t.clock)
    }

    @Test("an abnormally low price awarded, once justified, is flagged with how far under the others it was")
    func abnormallyLow() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let tender = try await w.t.tenderInEvaluation()
            try await w.t.scoreAll(tender)
            let finance = try await w.actor("finance")
            let ranking = try #require(try await w.t.evaluations.evaluation(tenderID: tender.id, by: finance).rankings?.first)
            #expect(try await service(w).allRedFlags().filter { $0.kind == .abnormallyLowAccepted }.isEmpty)
            try await w.t.evaluations.justifyPrice(by: try await w.actor("harmony"), tenderID: tender.id, lotID: tender.lots[0].id,
                                                   text: "本中心有志愿者团队40人参与服务，且场地由街道无偿提供，成本低于同行。")
            _ = try await w.t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: ranking.recommendedBidID, reason: "")
            let flags = try await service(w).allRedFlags().filter { $0.kind == .abnormallyLowAccepted }
            // ¥200,000 against a mean of ¥385,000: 48 % under.
            #expect(flags.count == 1 && flags[0].values[2] == "¥200,000.00" && flags[0].values[3] == "48")
            #expect(flags[0].evidence == "/tenders/\(tender.id.lowercased)/evaluation")
            #expect(try await service(w).allRedFlags().filter { $0.kind == .singleBidder }.isEmpty, "three bids were opened")
        }
    }

    @Test("a lot awarded on one bid is flagged")
    func singleBidder() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let finance = try await w.actor("finance")
            let tender = try await w.t.publishedTender(["LX2026-22"], minimumBids: 1)
            for username in ["evaluator", "evaluator2"] {
                _ = try await w.t.evaluations.assign(by: finance, tenderID: tender.id, userID: try await w.actor(username).userID)
            }
            try await w.t.move(to: tender.periods!.enquiryEnd)
            _ = try await w.t.bids.submit(by: try await w.actor("ngo"), tenderID: tender.id, lotID: tender.lots[0].id,
                                          BidContent(price: .yuan(210_000), proposal: "组建专业社工团队开展社区议事协商。"))
            try await w.t.move(to: tender.periods!.tenderEnd)
            try await w.t.scoreAll(try await w.t.tenders.tender(id: tender.id, by: nil))
            let ranking = try #require(try await w.t.evaluations.evaluation(tenderID: tender.id, by: finance).rankings?.first)
            _ = try await w.t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: ranking.recommendedBidID, reason: "")
            let flags = try await service(w).allRedFlags().filter { $0.kind == .singleBidder }
            #expect(flags.map(\.values) == [[tender.reference, "1"]] && flags[0].buyerID == finance.organisationID)
            // The same award, as the buyer's only one this year, read by SQL's shares: all of the buyer's awarded value went
            // to one supplier, which is flagged once the rule asks for one award, not while it asks for two or more than all.
            var rules = RedFlagRules()
            #expect(try await service(w).allRedFlags(rules: rules).filter { $0.kind == .dominantSupplier }.isEmpty, "one award of three needed")
            rules.dominantMinimumAwards = 1
            let ngo = try await w.actor("ngo")
            let dominant = try await service(w).allRedFlags(rules: rules).filter { $0.kind == .dominantSupplier }
            #expect(dominant.map(\.values) == [[ngo.organisationID.lowercased, "100", "2026", "¥210,000.00"]] && dominant[0].buyerID == finance.organisationID)
            rules.dominantMinimumAwards = 2
            #expect(try await service(w).allRedFlags(rules: rules).filter { $0.kind == .dominantSupplier }.isEmpty, "two awards needed, one made")
            rules.dominantMinimumAwards = 1
            rules.dominantShare = 10_001
            #expect(try await service(w).allRedFlags(rules: rules).filter { $0.kind == .dominantSupplier }.isEmpty, "more than all cannot be won")
        }
    }

    @Test("a contract published late, or not at all, and a payment dated before its claim are flagged; the flag follows a corrected date")
    func lateAndEarly() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let contract = try await w.signedContract()
            #expect(try await service(w).allRedFlags().filter { $0.kind == .latePublication }.isEmpty, "not late yet")
            // Signed Thursday 19 November 17:00, due Monday 23 November 17:00; now Wednesday 25 November.
            w.t.clock.advance(by: 6 * 86_400)
            let unpublished = try await service(w).allRedFlags().filter { $0.kind == .latePublication }
            #expect(unpublished.count == 1 && unpublished[0].values[2].isEmpty && unpublished[0].values[3] == "2")
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            let published = try await service(w).allRedFlags().filter { $0.kind == .latePublication }
            #expect(published.count == 1 && !published[0].values[2].isEmpty && published[0].evidence == "/contracts/\(contract.id.lowercased)")
            let claim = try await w.approvedFirstClaim(contract)
            #expect(try await service(w).allRedFlags().filter { $0.kind == .paymentBeforeSignOff }.isEmpty)
            _ = try await w.payments.pay(by: try await w.actor("finance"), claimID: claim.id, treasuryReference: "GK-2026-1120-61", paidOn: "2026-11-25", idempotencyKey: nil)
            #expect(try await service(w).allRedFlags().filter { $0.kind == .paymentBeforeSignOff }.isEmpty)
            // Such a day is refused now; a record keyed before the rule (or loaded from another system) still carries one.
            try await database.transaction { connection in
                try await connection.query("UPDATE payments.claims SET paid_on = '2026-11-20' WHERE id = \(claim.id)", logger: database.logger)
            }
            let early = try await service(w).allRedFlags().filter { $0.kind == .paymentBeforeSignOff }
            #expect(early.map(\.values) == [[contract.reference, "1", "2026-11-20", "2026-11-25"]])
            // The buyer corrects the day with a reason: the flag goes with the wrong day.
            _ = try await w.payments.correctPaymentDate(by: try await w.actor("finance"), claimID: claim.id, paidOn: "2026-11-25",
                                                        reason: "经办人录入时误填为国库通知日期，按国库回单更正。")
            #expect(try await service(w).allRedFlags().filter { $0.kind == .paymentBeforeSignOff }.isEmpty)
        }
    }
}
