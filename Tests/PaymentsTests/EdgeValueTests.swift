import Core
import Delivery
import Foundation
import Payments
import Testing

/// Issue 19: the payment calculation at Int64's and Int's extremes. Saturating sums and Int128 ratios keep it
/// from trapping; what it pays stays within the contract maximum whatever the stored counts say.
@Suite("Payment calculation at the edges")
struct PaymentEdgeValueTests {
    @Test("verified counts of Int.max in every milestone, prices and caps at the ceiling: no trap, nothing above the maximum")
    func extremes() {
        let maximum = Money(minorUnits: Bounds.maximumFen)
        for price in [Int64(0), 1, Bounds.maximumFen] {
            for count in [0, 1, Int.max / 2, Int.max] {
                let card = RateCard(contractID: UUID(), maximum: maximum, deliveryFeeBasisPoints: 10_000, capPerBeneficiary: Money(minorUnits: Bounds.maximumFen),
                                    partialRule: .proportional, prices: [RateCard.Price(metric: "visits", price: Money(minorUnits: price))], setBy: UUID(), setAt: Date())
                let outcomes = (1...4).map { number in
                    MilestoneOutcome(number: number, shareBasisPoints: 2_500, decision: number == 1 ? .met : .partiallyMet,
                                     targets: ["visits": 1], verified: ["visits": count], verifiedBeneficiaries: count)
                }
                let calculation = PaymentCalculator.calculate(card: card, outcomes: outcomes, claimed: Money(minorUnits: Bounds.maximumFen))
                #expect(calculation.earned <= maximum && calculation.earned.minorUnits >= 0, "\(price) \(count)")
                #expect(calculation.payable.minorUnits >= 0 && calculation.overpaid.minorUnits >= 0)
            }
        }
    }

    @Test("a rate card with caps beyond the ceiling is refused field by field")
    func cardBounds() {
        let card = RateCard(contractID: UUID(), maximum: .yuan(100), deliveryFeeBasisPoints: Int.max, capPerBeneficiary: Money(minorUnits: Int64.max),
                            partialRule: .nothing, prices: [RateCard.Price(metric: "m", price: Money(minorUnits: Int64.min))], setBy: UUID(), setAt: Date())
        let fields = Set(card.problems(value: .yuan(100), metrics: ["m"]).map(\.field))
        #expect(fields.isSuperset(of: ["deliveryFeePercent", "capPerBeneficiary", "prices[0].price"]), "\(fields)")
    }
}
