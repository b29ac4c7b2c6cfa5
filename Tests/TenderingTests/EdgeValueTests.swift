import Core
import Foundation
@testable import Tendering
import Testing

/// Issue 19: the pure rules driven with values at the edges of their declared ranges and at Int64's extremes.
/// A trap here would end the test process; each test also checks what the rule promises at those edges.
@Suite("Tendering rules at the edges of their ranges")
struct EdgeValueTests {
    let lot = UUID()

    func bid(fen: Int64, at second: TimeInterval = 0) -> OpenedBid {
        OpenedBid(id: UUID(), lotID: lot, bidderID: UUID(), price: Money(minorUnits: fen), proposal: nil,
                  submittedAt: Date(timeIntervalSince1970: 1_800_000_000 + second), commitment: "")
    }

    static let prices: [Int64] = [1, 2, 99, 100, Bounds.maximumFen - 1, Bounds.maximumFen, Int64.max / 100, Int64.max - 1, Int64.max]

    @Test("ranking: every pair of prices from 1 fen to Int64.max, price weights 0 to 100; price scores stay within the weight")
    func ranking() {
        for weight in [0, 1, 50, 99, 100] {
            let terms = TenderTerms(title: "t", description: "d", priceWeight: weight,
                                    criteria: weight == 100 ? [] : [Criterion(name: "方案", weight: 100 - weight)], lots: [])
            for a in Self.prices {
                for b in Self.prices {
                    let bids = [bid(fen: a), bid(fen: b, at: 1)]
                    let sheet = ScoreSheet(userID: UUID(), entries: bids.map { ScoreEntry(bidID: $0.id, criterion: "方案", points: Points(hundredths: 10_000)) },
                                           submittedAt: Date())
                    let ranking = Ranking.rank(lotID: lot, bids: bids, sheets: [sheet, sheet], terms: terms, justifications: [:])
                    #expect(ranking.bids.count == 2)
                    for ranked in ranking.bids {
                        #expect((0...weight * 100).contains(ranked.priceScore.hundredths), "\(a) \(b) \(weight): \(ranked.priceScore)")
                    }
                    #expect(ranking.bids[0].price.minorUnits == min(a, b) || ranking.bids[0].total >= ranking.bids[1].total)
                }
            }
        }
    }

    @Test("abnormal price: Int64's extremes among the others neither trap nor flag a price that is not low")
    func abnormal() {
        for price in Self.prices {
            for others in [[Int64.max, Int64.max, Int64.max], [Int64.max, 1], [1, 1], [Bounds.maximumFen, Bounds.maximumFen], Array(repeating: Int64.max, count: 50)] {
                let flag = AbnormalPrice.check(Money(minorUnits: price), against: others.map { Money(minorUnits: $0) })
                if let under = flag?.percentUnderMean { #expect((40...100).contains(under), "\(price) vs \(others): \(under)") }
                if let under = flag?.percentUnderNext { #expect((30...100).contains(under), "\(price) vs \(others): \(under)") }
                if others.allSatisfy({ $0 <= price }) { #expect(flag?.percentUnderNext == nil) }
            }
        }
        // The rule as written, at the ceiling: 40 % under the mean of two ceiling bids is flagged.
        let low = AbnormalPrice.check(Money(minorUnits: Bounds.maximumFen * 6 / 10), against: [Money(minorUnits: Bounds.maximumFen), Money(minorUnits: Bounds.maximumFen)])
        #expect(low?.percentUnderMean == 40)
    }

    @Test("tender terms: weights at Int.min, Int.max and combinations that overflow a sum are refused field by field, never summed")
    func weights() {
        let line = LotTerms(purchaseLineID: UUID(), title: "lot", budget: .yuan(100))
        for (price, first, second) in [(30, Int.max, 1), (30, Int.max, Int.max), (Int.max, 0, 0), (Int.min, Int.min, 0), (0, Int.max / 2 + 1, Int.max / 2 + 1), (30, -5, 75)] {
            let terms = TenderTerms(title: "t", description: "d", priceWeight: price,
                                    criteria: [Criterion(name: "a", weight: first), Criterion(name: "b", weight: second)], lots: [line])
            #expect(!terms.problems.isEmpty, "\(price) \(first) \(second)")
        }
        let good = TenderTerms(title: "t", description: "d", priceWeight: 30, criteria: [Criterion(name: "a", weight: 70)], lots: [line])
        #expect(good.problems.isEmpty, "\(good.problems)")
    }

    @Test("bids: a price above the purchase-line ceiling is refused, the ceiling itself is taken")
    func bidCeiling() {
        for fen in [Int64.max, Bounds.maximumFen + 1, 0, -1, Int64.min] {
            #expect(BidContent(price: Money(minorUnits: fen), proposal: "p").problems.contains { $0.field == "price" }, "\(fen)")
        }
        #expect(BidContent(price: Money(minorUnits: Bounds.maximumFen), proposal: "p").problems.isEmpty)
    }

    @Test("numbers typed into forms are read without floating point: 1e300, inf and nan are no numbers")
    func numberText() {
        for text in ["1e300", "inf", "nan", "-inf", "0x10", "1,5", "", " ", "1.", ".5", "1.234", "99999999999999999999"] {
            #expect(NumberText.scaled(text, decimals: 2) == nil, "\(text)")
        }
        #expect(NumberText.scaled("1.5", decimals: 2) == 150)
        #expect(NumberText.scaled(" 2 ", decimals: 2) == 200)
        #expect(NumberText.scaled("0.05", decimals: 2) == 5)
        #expect(NumberText.scaled("999999999999999.99", decimals: 2) == 99_999_999_999_999_999)
        #expect(NumberText.integer("9223372036854775807") == Int64.max)
        #expect(NumberText.integer("9223372036854775808") == nil)
        #expect(NumberText.integer("1e3") == nil)
        var check = Validator()
        #expect(check.integer("101", "weight", in: 0...100) == nil)
        #expect(check.hundredths("100.01", "share", in: Bounds.hundredths) == nil)
        #expect(check.hundredths("100", "share", in: Bounds.hundredths) == 10_000)
        #expect(check.errors.map(\.field) == ["weight", "share"])
    }
}
