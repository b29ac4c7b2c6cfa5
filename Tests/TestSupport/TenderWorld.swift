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

    /// Monday 2 November 2026, 09:00 in Beijing: a plain working week with no holidays nearby.
    public static let monday = Date(timeIntervalSince1970: 1_793_581_200)

    public init(_ database: Database, start: Date = TenderWorld.monday) {
        clock = ManualClock(start)
        world = DemoWorld(database, clock: clock)
        tenders = TenderService(database: database, identity: world.identity, clock: clock)
        bids = BidService(database: database, identity: world.identity, sealer: sealer, clock: clock)
        worker = TenderWorker(tenders: tenders, bids: bids)
        lists = PurchaseListService(database: database, identity: world.identity, catalogue: PurchaseCatalogueService(database: database), clock: clock)
    }

    /// The Lixia finance office's demo purchase lines with these references (e.g. "LX2026-01").
    public func lines(_ references: [String]) async throws -> [PurchaseLine] {
        let buyer = try await world.actor("finance")
        let all = try await lists.lines(PurchaseLineQuery(year: 2026, buyerID: buyer.organisationID, limit: 100))
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

    /// Moves the clock to `date` and lets the worker do what is due.
    public func move(to date: Date) async throws {
        clock.advance(by: date.timeIntervalSince(clock.now()))
        try await worker.runDue()
    }
}
