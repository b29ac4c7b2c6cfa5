import Catalogue
import Core
import Foundation
import Identity
import Store
import Tendering

/// The tendering services of a test database on a clock the test moves, with a random bid secret.
public struct TenderWorld: Sendable {
    public let world: DemoWorld
    public let clock: ManualClock
    public let sealer = BidSealer.random()
    public let tenders: TenderService
    public let bids: BidService
    public let worker: TenderWorker
    public let lists: PurchaseListService
    public let evaluations: EvaluationService
    public let awards: AwardService

    /// Monday 2 November 2026, 09:00 in Beijing: a plain working week with no holidays nearby.
    public static let monday = Date(timeIntervalSince1970: 1_793_581_200)

    public init(_ database: Database, start: Date = TenderWorld.monday) {
        clock = ManualClock(start)
        world = DemoWorld(database, clock: clock)
        tenders = TenderService(database: database, identity: world.identity, clock: clock)
        bids = BidService(database: database, identity: world.identity, sealer: sealer, clock: clock)
        worker = TenderWorker(tenders: tenders, bids: bids)
        evaluations = EvaluationService(database: database, identity: world.identity, clock: clock)
        awards = AwardService(database: database, identity: world.identity, clock: clock)
        lists = PurchaseListService(database: database, identity: world.identity, catalogue: PurchaseCatalogueService(database: database), clock: clock)
    }

    /// The Lixia finance office's demo purchase lines with these references (e.g. "LX2026-01"), of any budget year.
    public func lines(_ references: [String]) async throws -> [PurchaseLine] {
        let buyer = try await world.actor("finance")
        let all = try await lists.lines(PurchaseLineQuery(buyerID: buyer.organisationID, limit: 500))
        return references.map { reference in all.first { $0.content.reference == reference }! }
    }

    /// Terms of an open tender with one lot per line, each for the line's whole budget.
    public func terms(_ lines: [PurchaseLine], procedure: Procedure = .open, minimumRating: Int? = 3) -> TenderTerms {
        TenderTerms(title: "历下区居家养老上门服务采购", description: "为辖区失能半失能及高龄独居老人提供居家养老上门服务。",
                    procedure: procedure, eligibility: Eligibility(minimumRating: minimumRating),
                    lots: lines.map { LotTerms(purchaseLineID: $0.id, title: $0.content.title, budget: $0.content.budget) })
    }

    /// A published open tender of the finance office on lines LX2026-01 and -02 (lots of ¥400,000 and ¥300,000).
    public func publishedTender(_ references: [String] = ["LX2026-01", "LX2026-02"], minimumBids: Int = 2) async throws -> Tender {
        let finance = try await world.actor("finance")
        var terms = terms(try await lines(references))
        terms.minimumBids = minimumBids
        let draft = try await tenders.createDraft(by: finance, buyerID: finance.organisationID, terms)
        return try await tenders.publish(by: finance, tenderID: draft.id)
    }

    /// A one-lot tender (LX2026-01, budget ¥400,000) in evaluation: 阳光 bid ¥380,000, 桑榆 ¥390,000 and
    /// 和合 ¥200,000 (flagged abnormally low); evaluators 刘评估 and 马评审 are seated and 黄评审, a board
    /// member of 和合, was refused at opening. Nobody has declared or scored yet.
    public func tenderInEvaluation(minimumBids: Int = 2) async throws -> Tender {
        let tender = try await publishedTender(["LX2026-01"], minimumBids: minimumBids)
        let finance = try await world.actor("finance")
        for username in ["evaluator", "evaluator2", "evaluator3"] {
            _ = try await evaluations.assign(by: finance, tenderID: tender.id, userID: try await world.actor(username).userID)
        }
        try await move(to: tender.periods!.enquiryEnd)
        let proposal = "组建专业社工团队，每周上门两次，提供助洁、助浴、陪护和健康监测服务。"
        for (username, yuan) in [("ngo", 380_000), ("eldercare", 390_000), ("harmony", 200_000)] as [(String, Int64)] {
            _ = try await bids.submit(by: try await world.actor(username), tenderID: tender.id, lotID: tender.lots[0].id,
                                      BidContent(price: .yuan(yuan), proposal: proposal))
        }
        try await move(to: tender.periods!.tenderEnd)
        return try await tenders.tender(id: tender.id, by: nil)
    }

    /// Every seated evaluator declares independence and submits `points(bidder username, criterion)` for each bid.
    public func scoreAll(_ tender: Tender, evaluators: [String] = ["evaluator", "evaluator2"],
                         points: (String, String) -> Double = { _, criterion in criterion == "服务方案" ? 40 : 15 }) async throws {
        let opened = try await bids.openedBids(tenderID: tender.id, by: try await world.actor("finance"))
        var usernames: [UUID: String] = [:]
        for username in ["ngo", "eldercare", "harmony", "youth", "warmsun"] { usernames[try await world.actor(username).organisationID] = username }
        for username in evaluators {
            let evaluator = try await world.actor(username)
            _ = try await evaluations.declare(by: evaluator, tenderID: tender.id, conflicts: [], statement: "")
            let entries = opened.flatMap { bid in
                tender.terms.criteria.map { ScoreEntry(bidID: bid.id, criterion: $0.name, points: Points(points(usernames[bid.bidderID] ?? "", $0.name))!) }
            }
            _ = try await evaluations.score(by: evaluator, tenderID: tender.id, entries, submit: true)
        }
    }

    /// Moves the clock to `date` and lets the worker do what is due.
    public func move(to date: Date) async throws {
        clock.advance(by: date.timeIntervalSince(clock.now()))
        try await worker.runDue()
    }
}
