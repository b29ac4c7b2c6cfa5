import Core
import Delivery
import Foundation

/// How a contract pays for outcomes (the rate cards of social-outcomes contracts): a price per
/// verified unit of each metric with an optional cap per metric, a cap per beneficiary, the contract
/// maximum, an optional delivery fee paid on schedule, and what a partially met milestone earns of it.
public struct RateCard: Codable, Sendable, Equatable {
    public struct Price: Codable, Sendable, Equatable {
        public var metric: String
        /// Per verified unit.
        public var price: Money
        public var cap: Money?
        public init(metric: String, price: Money, cap: Money? = nil) {
            self.metric = metric
            self.price = price
            self.cap = cap
        }
    }

    public enum PartialRule: String, Codable, Sendable, CaseIterable {
        /// A partially met milestone earns its fee share in proportion to its targets verified.
        case proportional
        /// A partially met milestone earns no fee (outcomes verified are still paid per unit).
        case nothing
    }

    public var contractID: UUID
    public var maximum: Money
    /// The share of the maximum paid as a fixed fee for milestones delivered, in basis points (3000 = 30 %).
    public var deliveryFeeBasisPoints: Int
    public var capPerBeneficiary: Money?
    public var partialRule: PartialRule
    public var prices: [Price]
    public var setBy: UUID
    public var setAt: Date

    public init(contractID: UUID, maximum: Money, deliveryFeeBasisPoints: Int, capPerBeneficiary: Money?, partialRule: PartialRule,
                prices: [Price], setBy: UUID, setAt: Date) {
        self.contractID = contractID
        self.maximum = maximum
        self.deliveryFeeBasisPoints = deliveryFeeBasisPoints
        self.capPerBeneficiary = capPerBeneficiary
        self.partialRule = partialRule
        self.prices = prices
        self.setBy = setBy
        self.setAt = setAt
    }

    /// The problems of a card for a contract of `value` whose milestones measure `metrics`.
    public func problems(value: Money, metrics: Set<String>) -> [FieldError] {
        var check = Validator()
        check.check(maximum.minorUnits > 0 && maximum <= value, "maximum", "must be more than ¥0.00 and at most the contract's value, \(value.formatted)")
        check.check((0...10_000).contains(deliveryFeeBasisPoints), "deliveryFeePercent", "must be from 0 to 100 %")
        check.check(capPerBeneficiary.map { Bounds.moneyFen.contains($0.minorUnits) } ?? true, "capPerBeneficiary", "must be more than ¥0.00 when given, and at most \(Money(minorUnits: Bounds.maximumFen).formatted)")
        check.check(Set(prices.map(\.metric)).count == prices.count, "prices", "each metric is priced once")
        for (index, price) in prices.enumerated() {
            check.check(metrics.contains(price.metric), "prices[\(index)].metric", "\(price.metric) is not a metric of the contract's milestones")
            check.check(price.price.minorUnits >= 0 && price.price <= maximum, "prices[\(index)].price", "must be from ¥0.00 to the maximum")
            check.check(price.cap.map { $0.minorUnits > 0 && $0 <= maximum } ?? true, "prices[\(index)].cap", "must be more than ¥0.00 and at most the maximum")
        }
        for metric in metrics.sorted() where !prices.contains(where: { $0.metric == metric }) {
            check.check(false, "prices", "metric \(metric) has no price (give it ¥0.00 if it earns nothing)")
        }
        return check.errors
    }
}

/// One line of a payment calculation: what it counts, its amount, and the words for it. The key and
/// values let the pages say it in the reader's language.
public struct CalculationLine: Codable, Sendable, Equatable {
    public var key: String
    public var values: [String]
    public var amount: Money
    public var english: String
}

public struct PaymentCalculation: Codable, Sendable, Equatable {
    public var lines: [CalculationLine]
    public var deliveryFees: Money
    public var outcomePayments: Money
    /// What the verified outcomes earn to date, within every cap.
    public var earned: Money
    /// Claimed so far (claims not rejected), less recoveries repaid.
    public var claimed: Money
    /// What may be claimed now.
    public var payable: Money
    /// Claimed beyond what is earned: to recover.
    public var overpaid: Money
}

/// The payment rules as one pure function: verified outcomes, rate card and what was claimed in; the
/// amount payable now and every step of how out. Amounts are whole fen, rounded down at each step.
public enum PaymentCalculator {
    public static func calculate(card: RateCard, outcomes recorded: [MilestoneOutcome], claimed: Money) -> PaymentCalculation {
        // A metric verified against the platform's records counts no more than the figure it was signed off against.
        let outcomes = recorded.map(cappedByPlatform)
        var lines: [CalculationLine] = []
        func line(_ key: String, _ values: [String], _ amount: Int64, _ english: String) {
            lines.append(CalculationLine(key: key, values: values, amount: Money(minorUnits: amount), english: english))
        }
        let maximum = card.maximum.minorUnits
        let feePool = scaled(maximum, card.deliveryFeeBasisPoints)

        // Delivery fees: each milestone's share of the fee pool, as its sign-off decided.
        var fees: Int64 = 0
        if feePool > 0 {
            for outcome in outcomes.sorted(by: { $0.number < $1.number }) {
                let share = scaled(feePool, outcome.shareBasisPoints)
                let earned: Int64
                let state: String
                var ratio = 10_000
                switch outcome.decision {
                case .met?:
                    earned = share
                    state = "met"
                case .partiallyMet?:
                    ratio = card.partialRule == .proportional ? targetRatio(outcome) : 0
                    earned = scaled(share, ratio)
                    state = card.partialRule == .proportional ? "partial" : "partial_nothing"
                case .notMet?:
                    earned = 0
                    state = "not_met"
                default:
                    earned = 0
                    state = "pending"
                }
                let how = switch state {
                case "met": "met"
                case "partial": "partially met, \(Points(hundredths: ratio).formatted) % of targets verified"
                case "partial_nothing": "partially met, no fee"
                case "not_met": "not met"
                default: "not signed off"
                }
                fees = add(fees, earned)
                line("fee", [String(outcome.number), Points(hundredths: outcome.shareBasisPoints).formatted, Money(minorUnits: feePool).formatted, state,
                             Points(hundredths: ratio).formatted], earned,
                     "Milestone \(outcome.number) delivery fee (\(Points(hundredths: outcome.shareBasisPoints).formatted) % of the fee pool \(Money(minorUnits: feePool).formatted)): \(how)")
            }
        }

        // Outcome payments: every verified unit at its price, within the metric's cap.
        var verified: [String: Int64] = [:]
        var platform: [String: Int64] = [:]
        var beneficiaries: Int64 = 0
        for outcome in outcomes where outcome.decision != nil {
            for (code, quantity) in outcome.verified { verified[code] = add(verified[code] ?? 0, Int64(max(quantity, 0))) }
            for (code, figure) in outcome.platformFigures { platform[code] = add(platform[code] ?? 0, Int64(max(figure, 0))) }
            beneficiaries = add(beneficiaries, Int64(max(outcome.verifiedBeneficiaries, 0)))
        }
        var payments: Int64 = 0
        for price in card.prices.sorted(by: { $0.metric < $1.metric }) {
            let units = verified[price.metric] ?? 0
            var amount = multiply(units, price.price.minorUnits)
            let recorded = platform[price.metric]
            var english = recorded.map { "\(price.metric): \(units) verified against the platform's records (\($0)) × \(price.price.formatted)" }
                ?? "\(price.metric): \(units) verified × \(price.price.formatted)"
            if let cap = price.cap?.minorUnits, amount > cap {
                amount = cap
                english += ", capped at \(price.cap!.formatted) for the metric"
            }
            payments = add(payments, amount)
            line("outcome", [price.metric, String(units), price.price.formatted, price.cap?.formatted ?? "", recorded.map(String.init) ?? ""], amount, english)
        }
        if let perBeneficiary = card.capPerBeneficiary?.minorUnits {
            let cap = multiply(beneficiaries, perBeneficiary)
            if payments > cap {
                payments = cap
                line("beneficiary_cap", [String(beneficiaries), card.capPerBeneficiary!.formatted], cap,
                     "Outcome payments capped at \(card.capPerBeneficiary!.formatted) for each of \(beneficiaries) verified beneficiaries")
            }
        }
        if payments > maximum - feePool {
            payments = maximum - feePool
            line("outcome_pool_cap", [card.maximum.formatted], payments,
                 "Outcome payments capped at the maximum less the delivery fee pool")
        }
        let earned = min(add(fees, payments), maximum)
        line("earned", [card.maximum.formatted], earned, "Earned to date (the contract maximum is \(card.maximum.formatted))")
        line("claimed", [], -claimed.minorUnits, "Less claimed before")
        let payable = max(earned - claimed.minorUnits, 0)
        let overpaid = max(claimed.minorUnits - earned, 0)
        if overpaid > 0 {
            line("overpaid", [], overpaid, "Claimed beyond what verified outcomes earn: to be recovered")
        }
        line("payable", [], payable, "Payable now")
        return PaymentCalculation(lines: lines, deliveryFees: Money(minorUnits: fees), outcomePayments: Money(minorUnits: payments),
                                  earned: Money(minorUnits: earned), claimed: claimed, payable: Money(minorUnits: payable),
                                  overpaid: Money(minorUnits: overpaid))
    }

    /// The outcome with each metric the platform records held to the platform's figure.
    static func cappedByPlatform(_ outcome: MilestoneOutcome) -> MilestoneOutcome {
        var capped = outcome
        for (code, figure) in outcome.platformFigures {
            if let quantity = capped.verified[code] { capped.verified[code] = min(quantity, max(figure, 0)) }
        }
        return capped
    }

    /// The share of the milestone's targets verified, in basis points: the mean over its metrics
    /// with a target of verified ÷ target, each at most 100 %. Without targets, nothing.
    static func targetRatio(_ outcome: MilestoneOutcome) -> Int {
        let measured = outcome.targets.filter { $0.value > 0 }
        guard !measured.isEmpty else { return 0 }
        // Each term is at most 10,000, in Int128 before the division so that no verified count can trap it.
        let total = measured.reduce(0) { sum, target in
            sum + Int(clamping: min(10_000, (Int128(max(outcome.verified[target.key] ?? 0, 0)) * 10_000) / Int128(target.value)))
        }
        return total / measured.count
    }

    static func scaled(_ amount: Int64, _ basisPoints: Int) -> Int64 {
        multiply(amount, Int64(basisPoints)) / 10_000
    }

    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// a × b, held at Int64.max instead of overflowing.
    static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }
}
