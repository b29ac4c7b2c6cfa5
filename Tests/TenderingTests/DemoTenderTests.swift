import Core
import Demo
import Foundation
import Identity
import Store
import Tendering
import TestSupport
import Testing

@Suite("Demo tenders")
struct DemoTenderTests {
    @Test("the demo puts Lixia's purchase out as tenders in every state reached so far, with opened and sealed bids; loading twice adds nothing")
    func demo() async throws {
        try await TestDatabase.with { database in
            let sealer = BidSealer.random()
            let said = try await DemoData.load(into: database, from: TestDatabase.packageRoot + "/seed", policy: TestDatabase.signInPolicy, tenders: sealer)
            #expect(said.last == "Demo tenders: 6 drafted (5 moves by the worker).", "\(said)")
            let world = DemoWorld(database)
            let finance = try await world.actor("finance")
            let tenders = TenderService(database: database, identity: world.identity)
            let all = try await tenders.tenders(TenderQuery(buyerID: finance.organisationID), by: finance)
            #expect(Set(all.map(\.status)) == [.draft, .enquiries, .tendering, .evaluation, .cancelled, .unsuccessful])
            let bids = BidService(database: database, identity: world.identity, sealer: sealer)
            let evaluation = try #require(all.first { $0.status == .evaluation })
            #expect(try await bids.openedBids(tenderID: evaluation.id, by: nil).count == 12)
            let tendering = try #require(all.first { $0.status == .tendering })
            await #expect(throws: DomainError.self) { _ = try await bids.openedBids(tenderID: tendering.id, by: finance) }
            #expect(try await bids.ownBids(by: try await world.actor("ngo"), tenderID: tendering.id).count == 2)
            let again = try await DemoData.load(into: database, from: TestDatabase.packageRoot + "/seed", policy: TestDatabase.signInPolicy, tenders: sealer)
            #expect(again.last == "Demo tenders: 6 present already, left alone.")
        }
    }
}
