import Core
import Foundation
import Identity
import Store
import Tendering
import TestSupport
import Testing

@Suite("Evaluation panels and scoring")
struct EvaluationTests {
    @Test("one evaluator seated and submitted is not a panel: no ranking, and no award, until a second has scored (at least two)")
    func oneScorerIsNotAPanel() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let finance = try await t.world.actor("finance")
            let tender = try await t.publishedTender(["LX2026-01"])
            _ = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: try await t.world.actor("evaluator").userID)
            try await t.move(to: tender.periods!.enquiryEnd)
            for (username, yuan) in [("ngo", 380_000), ("eldercare", 390_000)] as [(String, Int64)] {
                _ = try await t.bids.submit(by: try await t.world.actor(username), tenderID: tender.id, lotID: tender.lots[0].id,
                                            BidContent(price: .yuan(yuan), proposal: "组建专业社工团队，每周上门两次。"))
            }
            try await t.move(to: tender.periods!.tenderEnd)
            let opened = try await t.tenders.tender(id: tender.id, by: nil)
            try await t.scoreAll(opened, evaluators: ["evaluator"])
            #expect(try await t.evaluations.evaluation(tenderID: tender.id, by: finance).rankings == nil)
            await #expect(throws: DomainError.conflict("the evaluation is not complete: every seated evaluator (at least 2) must submit first")) {
                _ = try await t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: nil, reason: "")
            }
        }
    }

    @Test("the buyer seats evaluators; a non-evaluator is refused, one tied to the buyer is seated as refused, one tied to a bidder is refused at opening")
    func panel() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender(["LX2026-01"])
            let finance = try await t.world.actor("finance")
            let evaluator2 = try await t.world.actor("evaluator2")
            await #expect(throws: DomainError.invalid([FieldError("userId", "is not an evaluator's account")])) {
                _ = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: try await t.world.actor("ngo").userID)
            }
            await #expect(throws: DomainError.self) {
                _ = try await t.evaluations.assign(by: try await t.world.actor("civil"), tenderID: tender.id, userID: evaluator2.userID)
            }
            // 马评审 once consulted for the finance office: seated, but refused with the tie stated.
            try await t.world.identity.recordAffiliation(by: .system, Affiliation(userID: evaluator2.userID, organisationID: finance.organisationID,
                                                                                    relation: "顾问（2025年）"))
            let tied = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: evaluator2.userID)
            #expect(tied.status == .refused && tied.refusal == "tied to a party of the tender (济南市历下区财政局: 顾问（2025年）)")
            await #expect(throws: DomainError.conflict("马评审 sits on this panel already")) {
                _ = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: evaluator2.userID)
            }
            try await t.evaluations.remove(by: finance, tenderID: tender.id, userID: evaluator2.userID)
            let evaluator3 = try await t.world.actor("evaluator3")
            #expect(try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: evaluator3.userID).status == .assigned)
            // At opening 黄评审 turns out to sit on the board of a bidder, 和合.
            try await t.move(to: tender.periods!.enquiryEnd)
            for (username, yuan) in [("ngo", 380_000), ("harmony", 370_000)] as [(String, Int64)] {
                _ = try await t.bids.submit(by: try await t.world.actor(username), tenderID: tender.id, lotID: tender.lots[0].id,
                                            BidContent(price: .yuan(yuan), proposal: "方案"))
            }
            try await t.move(to: tender.periods!.tenderEnd)
            let panel = try await t.evaluations.evaluation(tenderID: tender.id, by: finance).panel
            #expect(panel.map(\.status) == [.refused])
            #expect(panel[0].refusal == "tied to a bidder (济南市历下区和合社区发展服务中心: 理事（和合社区发展服务中心理事会成员）)")
            // A refused evaluator may not declare or score.
            let refused = DomainError.forbidden("your seat was refused: tied to a bidder (济南市历下区和合社区发展服务中心: 理事（和合社区发展服务中心理事会成员）)")
            await #expect(throws: refused) {
                _ = try await t.evaluations.declare(by: evaluator3, tenderID: tender.id, conflicts: [], statement: "")
            }
            await #expect(throws: refused) {
                _ = try await t.evaluations.score(by: evaluator3, tenderID: tender.id, [], submit: false)
            }
        }
    }

    @Test("declarations wait for the opening, name only bidders, and a declared conflict refuses the seat")
    func declarations() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.publishedTender(["LX2026-01"])
            let finance = try await t.world.actor("finance")
            let evaluator = try await t.world.actor("evaluator"), evaluator2 = try await t.world.actor("evaluator2")
            for user in [evaluator, evaluator2] { _ = try await t.evaluations.assign(by: finance, tenderID: tender.id, userID: user.userID) }
            await #expect(throws: DomainError.conflict("the evaluation starts when the bids are opened at the tendering deadline")) {
                _ = try await t.evaluations.declare(by: evaluator, tenderID: tender.id, conflicts: [], statement: "")
            }
            try await t.move(to: tender.periods!.enquiryEnd)
            let ngo = try await t.world.actor("ngo"), eldercare = try await t.world.actor("eldercare")
            for (actor, yuan) in [(ngo, 380_000), (eldercare, 390_000)] as [(Actor, Int64)] {
                _ = try await t.bids.submit(by: actor, tenderID: tender.id, lotID: tender.lots[0].id, BidContent(price: .yuan(yuan), proposal: "方案"))
            }
            try await t.move(to: tender.periods!.tenderEnd)
            await #expect(throws: DomainError.invalid([FieldError("conflicts[0]", "is not a bidder of this tender")])) {
                _ = try await t.evaluations.declare(by: evaluator, tenderID: tender.id, conflicts: [finance.organisationID], statement: "亲属")
            }
            await #expect(throws: DomainError.invalid([FieldError("statement", "is required")])) {
                _ = try await t.evaluations.declare(by: evaluator, tenderID: tender.id, conflicts: [ngo.organisationID], statement: "")
            }
            await #expect(throws: DomainError.forbidden("you do not sit on this tender's evaluation panel")) {
                _ = try await t.evaluations.declare(by: try await t.world.actor("evaluator3"), tenderID: tender.id, conflicts: [], statement: "")
            }
            await #expect(throws: DomainError.conflict("declare your independence from the bidders before scoring")) {
                _ = try await t.evaluations.score(by: evaluator, tenderID: tender.id, [], submit: false)
            }
            let conflicted = try await t.evaluations.declare(by: evaluator2, tenderID: tender.id, conflicts: [ngo.organisationID],
                                                             statement: "本人配偶在阳光社工中心任职")
            #expect(conflicted.status == .refused && conflicted.refusal == "declared a conflict of interest with 济南市历下区阳光社会工作服务中心")
            let independent = try await t.evaluations.declare(by: evaluator, tenderID: tender.id, conflicts: [], statement: "")
            #expect(independent.status == .independent && independent.declaration == "no conflict of interest with any bidder")
            await #expect(throws: DomainError.conflict("you declared your independence already")) {
                _ = try await t.evaluations.declare(by: evaluator, tenderID: tender.id, conflicts: [], statement: "")
            }
            // Bidders and buyers cannot score at all.
            await #expect(throws: DomainError.self) { _ = try await t.evaluations.score(by: ngo, tenderID: tender.id, [], submit: false) }
        }
    }

    @Test("each evaluator sees only their own sheet until all have submitted; then everyone entitled sees all and the ranking")
    func blindScoring() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            let finance = try await t.world.actor("finance")
            let evaluator = try await t.world.actor("evaluator"), evaluator2 = try await t.world.actor("evaluator2")
            for user in [evaluator, evaluator2] { _ = try await t.evaluations.declare(by: user, tenderID: tender.id, conflicts: [], statement: "") }
            let opened = try await t.bids.openedBids(tenderID: tender.id, by: finance)
            func sheet(_ plan: Double) -> [ScoreEntry] {
                opened.flatMap { [ScoreEntry(bidID: $0.id, criterion: "服务方案", points: Points(plan)!),
                                  ScoreEntry(bidID: $0.id, criterion: "团队与经验", points: Points(15)!)] }
            }
            // Out of range, unknown criterion, incomplete: refused with the field.
            var wrong = sheet(40)
            wrong[0].points = Points(50.5)!
            wrong[1].criterion = "价格"
            await #expect(throws: DomainError.invalid([FieldError("entries[0].points", "must be 0 to 50 points for 服务方案"),
                                                      FieldError("entries[1].criterion", "is not a criterion of this tender")])) {
                _ = try await t.evaluations.score(by: evaluator, tenderID: tender.id, wrong, submit: false)
            }
            await #expect(throws: DomainError.invalid([FieldError("entries", "a submitted sheet scores every bid on every criterion (1 missing)")])) {
                _ = try await t.evaluations.score(by: evaluator, tenderID: tender.id, Array(sheet(40).dropLast()), submit: true)
            }
            _ = try await t.evaluations.score(by: evaluator, tenderID: tender.id, sheet(40), submit: true)
            await #expect(throws: DomainError.conflict("your scores are submitted and can no longer change")) {
                _ = try await t.evaluations.score(by: evaluator, tenderID: tender.id, sheet(45), submit: true)
            }
            _ = try await t.evaluations.score(by: evaluator2, tenderID: tender.id, sheet(44), submit: false)
            // Half-way: each evaluator sees their own sheet only; the buyer sees the panel but no scores; the public nothing.
            let seenByFirst = try await t.evaluations.evaluation(tenderID: tender.id, by: evaluator)
            #expect(!seenByFirst.isComplete && seenByFirst.sheets.map(\.userID) == [evaluator.userID] && seenByFirst.rankings == nil)
            let seenBySecond = try await t.evaluations.evaluation(tenderID: tender.id, by: evaluator2)
            #expect(seenBySecond.sheets.map(\.userID) == [evaluator2.userID] && seenBySecond.sheets[0].submittedAt == nil)
            let seenByBuyer = try await t.evaluations.evaluation(tenderID: tender.id, by: finance)
            #expect(seenByBuyer.sheets.isEmpty && seenByBuyer.rankings == nil && seenByBuyer.panel.count == 3)
            await #expect(throws: DomainError.unauthenticated("the evaluation is not public until the award is made: sign in to read it")) {
                _ = try await t.evaluations.evaluation(tenderID: tender.id, by: nil)
            }
            await #expect(throws: DomainError.self) { _ = try await t.evaluations.evaluation(tenderID: tender.id, by: try await t.world.actor("ngo")) }
            // Proposals: the seated evaluator reads them.
            #expect(seenByFirst.bids.allSatisfy { $0.proposal != nil })
            _ = try await t.evaluations.score(by: evaluator2, tenderID: tender.id, sheet(44), submit: true)
            let complete = try await t.evaluations.evaluation(tenderID: tender.id, by: evaluator)
            #expect(complete.isComplete && complete.sheets.count == 2)
            let ranking = try #require(complete.rankings?.first)
            // 和合's ¥200,000 is lowest (price 30) and flagged: 48 % under the others' mean, 47 % under the next.
            let harmony = try await t.world.actor("harmony").organisationID
            #expect(ranking.bids[0].bidderID == harmony)
            #expect(ranking.bids[0].abnormallyLow == AbnormalPrice(percentUnderMean: 48, percentUnderNext: 47))
            #expect(ranking.bids[0].total == Points(30 + 42 + 15) && !ranking.bids[0].isAwardable)
            #expect(ranking.bids.map(\.rank) == [1, 2, 3])
        }
    }

    @Test("only the flagged bidder justifies its price, once, in writing")
    func justification() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let tender = try await t.tenderInEvaluation()
            let lot = tender.lots[0].id
            await #expect(throws: DomainError.conflict("your price is not flagged as abnormally low; there is nothing to justify")) {
                try await t.evaluations.justifyPrice(by: try await t.world.actor("ngo"), tenderID: tender.id, lotID: lot, text: "我们的价格是按照实际人工成本测算的合理报价")
            }
            await #expect(throws: DomainError.notFound("your organisation has no opened bid in this lot of \(tender.reference)")) {
                try await t.evaluations.justifyPrice(by: try await t.world.actor("warmsun"), tenderID: tender.id, lotID: lot, text: "我们的价格是按照实际人工成本测算的合理报价")
            }
            let harmony = try await t.world.actor("harmony")
            await #expect(throws: DomainError.self) {
                try await t.evaluations.justifyPrice(by: harmony, tenderID: tender.id, lotID: lot, text: "便宜")
            }
            try await t.evaluations.justifyPrice(by: harmony, tenderID: tender.id, lotID: lot,
                                                 text: "本中心有志愿者团队40人参与服务，且场地由街道无偿提供，成本低于同行。")
            await #expect(throws: DomainError.conflict("the price is justified already")) {
                try await t.evaluations.justifyPrice(by: harmony, tenderID: tender.id, lotID: lot, text: "本中心有志愿者团队40人参与服务，另有补充说明。")
            }
        }
    }
}
