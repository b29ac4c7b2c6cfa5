import Core
import Foundation
@testable import Tendering
import Testing

@Suite("Ranking and abnormally low prices")
struct RankingTests {
    let lot = UUID()
    let terms = TenderTerms(title: "t", description: "d", priceWeight: 30,
                            criteria: [Criterion(name: "方案", weight: 50), Criterion(name: "团队", weight: 20)], lots: [])

    func bid(_ yuan: Int64, at second: TimeInterval = 0) -> OpenedBid {
        OpenedBid(id: UUID(), lotID: lot, bidderID: UUID(), price: .yuan(yuan), proposal: nil,
                  submittedAt: Date(timeIntervalSince1970: 1_800_000_000 + second), commitment: "")
    }

    func sheet(_ points: [(OpenedBid, Double, Double)]) -> ScoreSheet {
        ScoreSheet(userID: UUID(), entries: points.flatMap { bid, plan, team in
            [ScoreEntry(bidID: bid.id, criterion: "方案", points: Points(plan)!), ScoreEntry(bidID: bid.id, criterion: "团队", points: Points(team)!)]
        }, submittedAt: Date())
    }

    @Test("price score is lowest ÷ price × weight; quality is the evaluators' mean per criterion")
    func scores() {
        let low = bid(300_000), high = bid(400_000)
        let ranking = Ranking.rank(lotID: lot, bids: [high, low], sheets: [sheet([(low, 30, 10), (high, 45, 18)]), sheet([(low, 31, 11), (high, 44, 17)])],
                                   terms: terms, justifications: [:])
        let first = ranking.bids[0], second = ranking.bids[1]
        #expect(first.bidID == high.id && ranking.recommendedBidID == high.id)
        // 300,000 ÷ 400,000 × 30 = 22.5; quality (45 + 44) ÷ 2 + (18 + 17) ÷ 2 = 44.5 + 17.5 = 62
        #expect(first.priceScore == Points(22.5) && first.qualityScore == Points(62) && first.total == Points(84.5))
        #expect(second.priceScore == Points(30) && second.criterionScores["方案"] == Points(30.5) && second.total == Points(71))
        #expect(first.rank == 1 && second.rank == 2)
    }

    @Test("with five or more evaluators the highest and lowest points of each criterion are dropped")
    func trimming() {
        let only = bid(100_000)
        let plans: [Double] = [10, 40, 41, 42, 50]
        let sheets = plans.map { sheet([(only, $0, 20)]) }
        let ranked = Ranking.rank(lotID: lot, bids: [only], sheets: sheets, terms: terms, justifications: [:]).bids[0]
        #expect(ranked.criterionScores["方案"] == Points(41))
        // Four evaluators: nothing is dropped.
        let four = Ranking.rank(lotID: lot, bids: [only], sheets: Array(sheets.prefix(4)), terms: terms, justifications: [:]).bids[0]
        #expect(four.criterionScores["方案"] == Points(33.25))
    }

    @Test("ties go to the lower price, then the higher quality, then the earlier bid")
    func tieBreak() {
        // Same total 100: a cheaper bid with less quality vs. … all priced equal here, so price ties too.
        let early = bid(200_000, at: 0), late = bid(200_000, at: 5)
        let equal = Ranking.rank(lotID: lot, bids: [late, early], sheets: [sheet([(early, 40, 15), (late, 40, 15)])], terms: terms, justifications: [:])
        #expect(equal.bids.map(\.bidID) == [early.id, late.id])
        // Equal totals (30 + 55 = 85 and 27 + 58 = 85 at one decimal): the lower price wins though its quality is lower.
        let cheap = bid(180_000), dear = bid(200_000)
        let byPrice = Ranking.rank(lotID: lot, bids: [dear, cheap], sheets: [sheet([(cheap, 40, 15), (dear, 43, 15)])], terms: terms, justifications: [:])
        #expect(byPrice.bids[0].total == byPrice.bids[1].total)
        #expect(byPrice.bids.map(\.bidID) == [cheap.id, dear.id])
        #expect(Ranking.tieBreak.hasPrefix("higher total; then lower price"))
    }

    @Test("a price 40 % under the others' mean, or 30 % under the next, is flagged; just above is not")
    func abnormallyLow() {
        // Mean of others 100,000: 60,000 is exactly 40 % under; 60,001 is not. Next price is 100,000 too.
        #expect(AbnormalPrice.check(.yuan(60_000), against: [.yuan(100_000), .yuan(100_000)])?.percentUnderMean == 40)
        #expect(AbnormalPrice.check(Money(minorUnits: 6_000_001), against: [.yuan(100_000), .yuan(100_000)])?.percentUnderMean == nil)
        // 30 % under the next (70,000 vs 100,000) though only 35 % under the mean of 100,000 and 115,000… (mean 107,500 → 34.8 %)
        let next = AbnormalPrice.check(.yuan(70_000), against: [.yuan(100_000), .yuan(115_000)])
        #expect(next == AbnormalPrice(percentUnderMean: nil, percentUnderNext: 30))
        #expect(AbnormalPrice.check(Money(minorUnits: 7_000_001), against: [.yuan(100_000), .yuan(115_000)]) == nil)
        // A lone bid has nothing to compare with; the highest bid is never "under the next".
        #expect(AbnormalPrice.check(.yuan(1), against: []) == nil)
        #expect(AbnormalPrice.check(.yuan(200_000), against: [.yuan(100_000)]) == nil)
    }

    @Test("points take at most two decimals")
    func points() {
        #expect(Points(12.25)?.hundredths == 1225 && Points(12.25)?.formatted == "12.25")
        #expect(Points(7.5)?.formatted == "7.5" && Points(30)?.formatted == "30")
        #expect(Points(1.005) == nil && Points(.nan) == nil)
    }
}
