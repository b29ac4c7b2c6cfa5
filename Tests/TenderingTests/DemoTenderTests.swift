import Core
import Delivery
import Payments
import Demo
import Foundation
import Identity
import Incubation
import Store
import Tendering
import TestSupport
import Testing

@Suite("Demo tenders")
struct DemoTenderTests {
    @Test("the demo puts Lixia's purchase out as tenders in every state, with sealed and opened bids, panels, scores, awards, a complaint and contract drafts; loading twice adds nothing")
    func demo() async throws {
        try await TestDatabase.with { database in
            let sealer = BidSealer.random()
            let said = try await DemoData.load(into: database, from: TestDatabase.packageRoot + "/seed", policy: TestDatabase.signInPolicy, tenders: sealer)
            #expect(said.contains { $0.hasPrefix("Demo tenders: 9 drafted") }, "\(said)")
            #expect(said.contains { $0.hasPrefix("Working calendar: provisional 2027 loaded") }, "the test database holds 2026 only")
            // Fufeng's line (FF2026-01) is public from the first sync; its tender, awarded and contracted after it, in the second.
            #expect(said.last == "OCDS releases: 35 published after tendering, 3 after delivery.")
            // Paid on the platform's records of 午井镇's stations: 88 of 90 cases on time (partially met), 91 % satisfied; the fee's half
            // of ¥67,200 at (88/90 + 100 %) ÷ 2 = 98.88 % is ¥33,223.68, and 88 cases at ¥650 are ¥57,200.
            #expect(said.dropLast().last == "Demo station contract: HT-2026-0006 for 5 stations of 午井镇, signed off on the platform's records "
                    + "(88 cases on time, 91 % satisfied) and ¥90,423.68 paid.")
            #expect(said.dropLast(2).last == "Demo service requests: 7 duties at 3 Fufeng sites; 2095 settled cases of 2026 at Fufeng's 174 stations; "
                    + "11 cases at 永平村 in every state (fuclerk, futown, fucounty).")
            // Issue 24: three applicants wait for Lixia's registrar (one returned), four offers in the directory.
            #expect(said.dropLast(3).last == "Demo applications to join: 3 signed up, 1 returned to correct; 4 offers published.")
            #expect(said.dropLast(4).last == "Demo residents' voice: 4 needs, 123 supports, 2 answered by purchase lines.")
            #expect(said.dropLast(5).last == "Demo contracts: 5 drafted from the completed awards, at every stage of delivery.")
            #expect(said.dropLast(6).last == "Demo incubation: 10 moves of 6 organisations, a nursery intake with 2 applications, 11 assessments, 2 mentors, 6 sessions, "
                    + "2 seed grants (1 paid), 5 spaces (2 lent).")
            let world = DemoWorld(database)
            let finance = try await world.actor("finance")
            let tenders = TenderService(database: database, identity: world.identity)
            let all = try await tenders.tenders(TenderQuery(buyerID: finance.organisationID), by: finance)
            #expect(Set(all.map(\.status)) == Set(TenderStatus.allCases))
            let bids = BidService(database: database, identity: world.identity, sealer: sealer)
            let evaluation = try #require(all.first { $0.status == .evaluation })
            #expect(try await bids.openedBids(tenderID: evaluation.id, by: nil).count == 12)
            // Mid-evaluation: 刘评估 has submitted, 马评审 has declared and not scored, 黄评审 (和合's board) was refused.
            let evaluations = EvaluationService(database: database, identity: world.identity)
            let panel = try await evaluations.evaluation(tenderID: evaluation.id, by: finance).panel
            #expect(panel.map(\.displayName) == ["刘评估", "马评审", "黄评审"])
            #expect(panel.map(\.status) == [.independent, .independent, .refused] && panel.map { $0.submittedAt != nil } == [true, false, false])
            let awarded = try #require(all.first { $0.status == .awarded })
            let awardedView = try await evaluations.evaluation(tenderID: awarded.id, by: nil)
            #expect(awardedView.isComplete && awardedView.awards.count == 3 && awardedView.rankings?.count == 3)
            let awards = AwardService(database: database, identity: world.identity)
            #expect(try await awards.complaints(tenderID: awarded.id, by: nil).map(\.status) == [.answered])
            #expect(awarded.periods!.standstillEnd! > Date())
            #expect(try await awards.contractDrafts().isEmpty, "the demo drafted a contract for every award ready for one")
            let tendering = try #require(all.first { $0.status == .tendering })
            await #expect(throws: DomainError.self) { _ = try await bids.openedBids(tenderID: tendering.id, by: finance) }
            #expect(try await bids.ownBids(by: try await world.actor("ngo"), tenderID: tendering.id).count == 2)
            let again = try await DemoData.load(into: database, from: TestDatabase.packageRoot + "/seed", policy: TestDatabase.signInPolicy, tenders: sealer)
            #expect(!again.contains { $0.hasPrefix("Working calendar") }, "the provisional year is loaded once")
            #expect(again.suffix(8) == ["Demo tenders: 9 present already, left alone.", "Demo incubation: present already, left alone.",
                                        "Demo contracts: present already, left alone.", "Demo residents' voice: present already, left alone.",
                                        "Demo applications to join: present already, left alone.",
                                        "Demo service requests: present already, left alone.", "Demo station contract: present already, left alone.",
                                        "OCDS releases: 0 published after tendering, 0 after delivery."])
            // The contracts of the completed awards, one at each stage of delivery, with one recovery open, and the ledger balances.
            let contracts = try await DemoWorld.contracts(database).contracts(for: finance)
            #expect(contracts.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.completed, .draft, .signed, .signed, .signed])
            #expect(Set(contracts.map(\.tenderID)).count == 2, "the five awards of two completed tenders")
            #expect(contracts.filter { $0.publishedAt != nil }.count == 3)
            let payments = DemoWorld.contractPayments(database)
            var recoveries = 0, paidClaims = 0
            for contract in contracts {
                let statement = try await payments.statement(of: contract.id)
                recoveries += statement.recoveries.filter { $0.status == .open }.count
                paidClaims += statement.claims.filter { $0.status == .paid }.count
            }
            #expect(recoveries == 1 && paidClaims == 3)
            // The completed contract's grade counts in the supplier's history; the published ones have survey answers.
            let completed = try #require(contracts.first { $0.status == .completed })
            #expect(try await DemoWorld.contracts(database).grades(of: [completed.supplierID])[completed.supplierID]?.map(\.grade) == ["良"])
            #expect(try await DemoWorld.contracts(database).satisfaction(of: completed.id).answers == 25)
            #expect(try await DemoWorld.ledger(database).unbalancedLines().isEmpty)
            // The pipeline: the team in the nursery, 快乐同行 in the incubator, the four brand agencies in the park (by override).
            let board = try await IncubationService(database: database, identity: world.identity).board()
            #expect(board.map(\.placements.count) == [1, 1, 0, 4])
            #expect(board[3].placements.allSatisfy { $0.overridden })
        }
    }
}
