import Foundation

/// The parts of an OCDS 1.1 release that Spokes publishes. Optional fields are left out when nil.
/// Where an OCDS codelist is coarser than Spokes, `spokesStatus` keeps the precise status
/// (documented in Contracts/ocds.md).
public struct Release: Codable, Sendable, Equatable {
    public var ocid: String
    public var id: String
    public var date: String
    public var tag: [String]
    public var initiationType = "tender"
    public var language = "zh"
    public var parties: [Party]
    public var buyer: OrganizationReference
    public var planning: Planning?
    /// For a tender: the planning processes (purchase lines) it follows on from.
    public var relatedProcesses: [RelatedProcess]?
    public var tender: TenderSection
    /// Opened bids (bid extension), once the bids are opened.
    public var bids: Bids?
    public var awards: [AwardSection]?
    public var contracts: [ContractSection]?
    /// "test" on a training instance's releases (the Spokes extension; ProZorro's sandbox marks its data the same way),
    /// absent on real ones.
    public var mode: String?
}

/// The bid extension: what was bid, by whom, for which lot, and counts per lot.
public struct Bids: Codable, Sendable, Equatable {
    public var statistics: [BidStatistic]
    /// Nil when no bid was opened (an empty list is a field without content).
    public var details: [BidDetail]?
}

public struct BidStatistic: Codable, Sendable, Equatable {
    public var id: String
    public var measure: String
    public var value: Decimal
    public var currency: String?
    public var relatedLot: String?
}

public struct BidDetail: Codable, Sendable, Equatable {
    public var id: String
    public var date: String
    public var status: String
    public var tenderers: [OrganizationReference]
    public var value: Value
    public var relatedLots: [String]
}

/// A lot (lots extension).
public struct LotSection: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var status: String
    public var value: Value
}

public struct OrganizationReference: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
}

public struct Identifier: Codable, Sendable, Equatable {
    public var scheme: String
    public var id: String
    public var legalName: String
}

public struct Party: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var identifier: Identifier?
    public var roles: [String]
}

public struct Value: Codable, Sendable, Equatable {
    public var amount: Decimal
    public var currency: String
}

public struct Period: Codable, Sendable, Equatable {
    public var startDate: String?
    public var endDate: String?
}

public struct Budget: Codable, Sendable, Equatable {
    public var id: String?
    public var description: String
    public var amount: Value
    public var project: String?
}

public struct RelatedProcess: Codable, Sendable, Equatable {
    public var id: String
    public var relationship: [String]
    public var title: String
    public var scheme = "ocid"
    public var identifier: String
}

public struct Planning: Codable, Sendable, Equatable {
    public var budget: Budget
}

public struct Unit: Codable, Sendable, Equatable {
    public var name: String
}

public struct Classification: Codable, Sendable, Equatable {
    public var scheme: String
    public var id: String
    public var description: String?
}

public struct Item: Codable, Sendable, Equatable {
    public var id: String
    public var description: String
    public var classification: Classification?
    public var quantity: Int?
    public var unit: Unit?
    /// The lot it belongs to (lots extension).
    public var relatedLot: String?
}

public struct TenderSection: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String
    public var status: String
    public var spokesStatus: String
    public var procuringEntity: OrganizationReference
    public var value: Value
    /// Nil while planned: the procedure is chosen when the tender is drawn up.
    public var procurementMethod: String?
    public var procurementMethodDetails: String?
    public var procurementMethodRationale: String?
    public var mainProcurementCategory = "services"
    public var items: [Item]
    /// Lots (lots extension); nil on a planning release.
    public var lots: [LotSection]?
    public var enquiryPeriod: Period?
    public var tenderPeriod: Period?
    public var awardPeriod: Period?
    public var numberOfTenderers: Int?
    public var tenderers: [OrganizationReference]?
    public var awardCriteria: String?
    public var awardCriteriaDetails: String?
    public var submissionMethod: [String]?
    public var submissionMethodDetails: String?
    public var eligibilityCriteria: String?
    /// Questions asked in the enquiry period and their answers, never who asked (enquiries extension).
    public var enquiries: [Enquiry]?
}

public struct Enquiry: Codable, Sendable, Equatable {
    public var id: String
    public var date: String
    public var description: String
    public var answer: String?
    public var dateAnswered: String?
    public var relatedLot: String?
}

public struct AwardSection: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String?
    public var status: String
    public var spokesStatus: String
    public var date: String
    public var value: Value?
    public var suppliers: [OrganizationReference]?
    public var items: [Item]
    public var relatedLots: [String]?
    /// The bid awarded (bid extension).
    public var relatedBid: String?
}

public struct MilestoneSection: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var type = "delivery"
    public var description: String
    public var dueDate: String
    /// When it was met (its standing sign-off's date), for met and partly met milestones.
    public var dateMet: String?
    public var status: String
    public var spokesStatus: String
}

public struct AmendmentSection: Codable, Sendable, Equatable {
    public var id: String
    public var date: String
    public var rationale: String
    public var description: String
}

public struct Transaction: Codable, Sendable, Equatable {
    public var id: String
    public var date: String
    public var value: Value
    public var payer: OrganizationReference
    public var payee: OrganizationReference
}

/// Payments made under the contract (its milestones are the contract's own list).
public struct Implementation: Codable, Sendable, Equatable {
    public var transactions: [Transaction]
}

public struct ContractSection: Codable, Sendable, Equatable {
    public var id: String
    public var awardID: String
    public var title: String
    public var description: String
    public var status: String
    public var spokesStatus: String
    public var period: Period
    public var value: Value
    public var dateSigned: String?
    public var milestones: [MilestoneSection]
    public var amendments: [AmendmentSection]?
    public var implementation: Implementation?
}
