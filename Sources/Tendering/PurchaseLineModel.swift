import Core
import Foundation

/// Where the money of a purchase line comes from.
public enum FundingSource: String, CaseIterable, Codable, Sendable {
    /// 一般公共预算
    case generalBudget = "general_budget"
    /// 政府性基金预算
    case fundBudget = "fund_budget"
    /// 彩票公益金 (welfare lottery funds)
    case lottery
    /// 上级转移支付 (transfers from the level above)
    case transfer
    case other
}

/// What a purchase line says: a budgeted need of one buyer for one year.
public struct PurchaseLineContent: Codable, Sendable, Equatable {
    public var year: Int
    /// The buyer's own number for the line, e.g. LX2026-01.
    public var reference: String
    /// A purchasable third-level code of the guiding purchase catalogue.
    public var catalogueCode: String
    public var title: String
    public var targetGroup: String
    public var quantity: Int
    /// What the quantity counts, e.g. 人 (people), 户 (households), 场次 (sessions).
    public var unit: String
    public var budget: Money
    public var fundingSource: FundingSource
    /// The tier at which the service is delivered.
    public var tier: Tier

    public init(year: Int, reference: String, catalogueCode: String, title: String, targetGroup: String, quantity: Int, unit: String,
                budget: Money, fundingSource: FundingSource, tier: Tier) {
        self.year = year
        self.reference = reference
        self.catalogueCode = catalogueCode
        self.title = title
        self.targetGroup = targetGroup
        self.quantity = quantity
        self.unit = unit
        self.budget = budget
        self.fundingSource = fundingSource
        self.tier = tier
    }

    /// The budget years a line may be for.
    public static let years = 2000...2100

    /// What is wrong with the line, by field, apart from its catalogue code (which needs the catalogue).
    public var problems: [FieldError] {
        var check = Validator()
        check.check(Self.years.contains(year), "year", "must be a year from 2000 to 2100")
        check.check(reference.range(of: #"^[A-Za-z0-9-]{1,30}$"#, options: .regularExpression) != nil, "reference",
                    "must be 1 to 30 letters, digits or hyphens, e.g. LX2026-01")
        _ = check.text(title, "title", max: 200)
        _ = check.text(targetGroup, "targetGroup", max: 200)
        _ = check.text(unit, "unit", max: 10)
        check.check((1...10_000_000).contains(quantity), "quantity", "must be a whole number from 1 to 10,000,000")
        check.money(budget, "budget")
        check.check(budget.currency == "CNY", "budget", "must be in yuan (CNY)")
        return check.errors
    }
}

/// A line of a buyer's purchase list as stored.
public struct PurchaseLine: Codable, Sendable, Equatable {
    public var id: UUID
    public var buyerID: UUID
    public var content: PurchaseLineContent

    public init(id: UUID, buyerID: UUID, content: PurchaseLineContent) {
        self.id = id
        self.buyerID = buyerID
        self.content = content
    }
}

/// Which lines to list: a year, a buyer, or both; paged by the last line seen.
public struct PurchaseLineQuery: Sendable {
    public var year: Int?
    public var buyerID: UUID?
    public var after: PurchaseLine?
    public var limit: Int

    public init(year: Int? = nil, buyerID: UUID? = nil, after: PurchaseLine? = nil, limit: Int = 100) {
        self.year = year
        self.buyerID = buyerID
        self.after = after
        self.limit = limit
    }
}
