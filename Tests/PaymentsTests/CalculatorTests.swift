import Core
import Delivery
import Foundation
import Payments
import Testing

@Suite("Payment calculation")
struct CalculatorTests {
    static let metrics = ["visits", "assessments", "referrals"]

    /// A random rate card and random outcomes of up to four milestones.
    static func randomCase(_ g: inout SeededRandom) -> (RateCard, [MilestoneOutcome], Money) {
        let maximum = Int64.random(in: 1...50_000_000_00, using: &g)
        let prices = metrics.map { metric in
            RateCard.Price(metric: metric, price: Money(minorUnits: Int64.random(in: 0...maximum / 10 + 1, using: &g)),
                           cap: Bool.random(using: &g) ? Money(minorUnits: Int64.random(in: 1...maximum, using: &g)) : nil)
        }
        let card = RateCard(contractID: UUID(), maximum: Money(minorUnits: maximum), deliveryFeeBasisPoints: Int.random(in: 0...10_000, using: &g),
                            capPerBeneficiary: Bool.random(using: &g) ? Money(minorUnits: Int64.random(in: 1...maximum, using: &g)) : nil,
                            partialRule: Bool.random(using: &g) ? .proportional : .nothing, prices: prices, setBy: UUID(), setAt: Date())
        let count = Int.random(in: 1...4, using: &g)
        var shares = (0..<count).map { _ in Int.random(in: 1...100, using: &g) }
        let total = shares.reduce(0, +)
        shares = shares.map { $0 * 10_000 / total }
        shares[0] += 10_000 - shares.reduce(0, +)
        let decisions: [SignOffDecision?] = [nil, .met, .partiallyMet, .notMet]
        let outcomes = shares.enumerated().map { index, share in
            MilestoneOutcome(number: index + 1, shareBasisPoints: share, decision: decisions.randomElement(using: &g)!,
                             targets: Dictionary(uniqueKeysWithValues: metrics.map { ($0, Int.random(in: 0...5_000, using: &g)) }),
                             verified: Dictionary(uniqueKeysWithValues: metrics.map { ($0, Int.random(in: 0...6_000, using: &g)) }),
                             verifiedBeneficiaries: Int.random(in: 0...500, using: &g))
        }
        return (card, outcomes, Money(minorUnits: Int64.random(in: 0...maximum, using: &g)))
    }

    @Test("over 2,000 random cases: never negative, never above the maximum, never above a metric's cap; payable is earned less claimed")
    func bounds() {
        var g = SeededRandom(seed: 2026)
        for _ in 0..<2_000 {
            let (card, outcomes, claimed) = Self.randomCase(&g)
            let c = PaymentCalculator.calculate(card: card, outcomes: outcomes, claimed: claimed)
            #expect(c.payable.minorUnits >= 0 && c.earned.minorUnits >= 0 && c.overpaid.minorUnits >= 0)
            #expect(c.earned <= card.maximum && c.payable <= card.maximum)
            #expect(c.payable.minorUnits == max(c.earned.minorUnits - claimed.minorUnits, 0))
            #expect(c.overpaid.minorUnits == max(claimed.minorUnits - c.earned.minorUnits, 0))
            for line in c.lines where line.key == "outcome" {
                if let cap = card.prices.first(where: { $0.metric == line.values[0] })?.cap { #expect(line.amount <= cap) }
            }
            #expect(c.deliveryFees.minorUnits <= card.maximum.minorUnits * Int64(card.deliveryFeeBasisPoints) / 10_000)
            if let perBeneficiary = card.capPerBeneficiary {
                let beneficiaries = outcomes.filter { $0.decision != nil }.reduce(Int64(0)) { $0 + Int64($1.verifiedBeneficiaries) }
                #expect(c.outcomePayments.minorUnits <= perBeneficiary.minorUnits * beneficiaries)
            }
        }
    }

    @Test("over 2,000 random cases: more verified outcomes or beneficiaries never earn less")
    func monotone() {
        var g = SeededRandom(seed: 102)
        for _ in 0..<2_000 {
            let (card, outcomes, claimed) = Self.randomCase(&g)
            var more = outcomes
            let index = Int.random(in: 0..<more.count, using: &g)
            let metric = Self.metrics.randomElement(using: &g)!
            more[index].verified[metric, default: 0] += Int.random(in: 1...1_000, using: &g)
            more[index].verifiedBeneficiaries += Int.random(in: 0...50, using: &g)
            let before = PaymentCalculator.calculate(card: card, outcomes: outcomes, claimed: claimed)
            let after = PaymentCalculator.calculate(card: card, outcomes: more, claimed: claimed)
            #expect(after.earned >= before.earned && after.payable >= before.payable)
        }
    }

    static let card = RateCard(contractID: UUID(), maximum: .yuan(100_000), deliveryFeeBasisPoints: 3000, capPerBeneficiary: nil, partialRule: .proportional,
                               prices: [RateCard.Price(metric: "visits", price: .yuan(100), cap: .yuan(50_000))], setBy: UUID(), setAt: Date())

    @Test("worked example: the fee follows the decision and the partial rule; caps apply in order and say so")
    func example() {
        let outcomes = [
            MilestoneOutcome(number: 1, shareBasisPoints: 5000, decision: .met, targets: ["visits": 300], verified: ["visits": 300], verifiedBeneficiaries: 30),
            MilestoneOutcome(number: 2, shareBasisPoints: 5000, decision: .partiallyMet, targets: ["visits": 400], verified: ["visits": 300], verifiedBeneficiaries: 30),
        ]
        // Fee pool ¥30,000: ¥15,000 met + ¥15,000 × 75 % = ¥11,250. Visits 600 × ¥100 = ¥60,000, capped at ¥50,000.
        let c = PaymentCalculator.calculate(card: Self.card, outcomes: outcomes, claimed: .yuan(20_000))
        #expect(c.deliveryFees == .yuan(26_250) && c.outcomePayments == .yuan(50_000) && c.earned == .yuan(76_250) && c.payable == .yuan(56_250))
        #expect(c.lines.map(\.english).contains("visits: 600 verified × ¥100.00, capped at ¥50,000.00 for the metric"))
        var nothing = Self.card
        nothing.partialRule = .nothing
        nothing.capPerBeneficiary = .yuan(500)
        let n = PaymentCalculator.calculate(card: nothing, outcomes: outcomes, claimed: .yuan(0))
        // No fee for the partial milestone; outcomes capped at ¥500 × 60 beneficiaries = ¥30,000.
        #expect(n.deliveryFees == .yuan(15_000) && n.outcomePayments == .yuan(30_000) && n.lines.contains { $0.key == "beneficiary_cap" })
        var noFee = Self.card
        noFee.deliveryFeeBasisPoints = 9_000
        noFee.prices[0].cap = nil
        // The outcome pool is what the fee pool leaves: ¥10,000 of ¥60,000.
        let p = PaymentCalculator.calculate(card: noFee, outcomes: outcomes, claimed: .yuan(0))
        #expect(p.outcomePayments == .yuan(10_000) && p.lines.contains { $0.key == "outcome_pool_cap" } && p.earned <= noFee.maximum)
        let over = PaymentCalculator.calculate(card: Self.card, outcomes: outcomes, claimed: .yuan(80_000))
        #expect(over.payable == .yuan(0) && over.overpaid == .yuan(3_750) && over.lines.contains { $0.key == "overpaid" })
    }

    @Test("a metric verified against the platform's records pays no more than their figure, in its units and in the fee's share of targets met, and its line names the figure")
    func platformFigure() {
        let card = RateCard(contractID: UUID(), maximum: .yuan(100_000), deliveryFeeBasisPoints: 1000, capPerBeneficiary: nil, partialRule: .proportional,
                            prices: [RateCard.Price(metric: "on_time", price: .yuan(100)), RateCard.Price(metric: "visits", price: .yuan(10))],
                            setBy: UUID(), setAt: Date())
        // A sign-off recorded 60 cases on time against a record of 48 (an old row, or a bug upstream): 48 count.
        let outcome = MilestoneOutcome(number: 1, shareBasisPoints: 10_000, decision: .partiallyMet, targets: ["on_time": 96, "visits": 10],
                                       verified: ["on_time": 60, "visits": 10], verifiedBeneficiaries: 0, platformFigures: ["on_time": 48])
        let result = PaymentCalculator.calculate(card: card, outcomes: [outcome], claimed: Money(minorUnits: 0))
        let onTime = result.lines.first { $0.key == "outcome" && $0.values.first == "on_time" }
        #expect(onTime?.values == ["on_time", "48", "¥100.00", "", "48"] && onTime?.amount == Money.yuan(4_800))
        #expect(result.lines.first { $0.values.first == "visits" }?.values == ["visits", "10", "¥10.00", "", ""])
        // Fee pool ¥10,000 × (48/96 + 10/10) / 2 = 75 %.
        #expect(result.deliveryFees == Money.yuan(7_500))
        #expect(result.outcomePayments == Money.yuan(4_900))
    }
}
