import Core
import Delivery
import Foundation
import Identity
import Payments
import Tendering

/// Everything public about one tender and what came of it, read from the modules' services.
public struct TenderFacts: Sendable {
    public var tender: Tender
    public var awards: [Award]
    /// The opened bids: bidder, price, lot and time (public once the bids are opened).
    public var bids: [OpenedBid]
    /// The public questions and their answers.
    public var questions: [Question] = []
    public var organisations: [UUID: Organisation]
    public var lines: [UUID: PurchaseLine]
    public var contracts: [ContractFacts]
}

public struct ContractFacts: Sendable {
    public var contract: Contract
    public var milestones: [Milestone]
    public var amendments: [Amendment]
    public var claims: [Claim]
    public var recoveries: [Recovery]
    /// When each decided milestone was decided, by milestone id.
    public var decidedOn: [UUID: Date] = [:]
}

/// Spokes' records as one OCDS release per tender (a full snapshot; the publisher sets id, date and tag).
/// Statuses map to the OCDS codelists; `spokesStatus` keeps the precise one.
public enum ReleaseBuilder {
    public static func ocid(prefix: String, reference: String) -> String { "ocds-\(prefix)-\(reference)" }

    /// A purchase line is a planning process of its own (its reference is unique only within its buyer's year).
    public static func planningOCID(prefix: String, lineID: UUID) -> String { "ocds-\(prefix)-plan-\(lineID.lowercased)" }

    /// A purchase line as a planning release: its budget, funding and the service it asks for; the
    /// tender that takes it up links back to it through relatedProcesses.
    public static func planningRelease(_ line: PurchaseLine, buyer: Organisation?, prefix: String) -> Release {
        let content = line.content
        let buyerReference = OrganizationReference(id: partyID(line.buyerID, buyer), name: buyer?.nameZh ?? line.buyerID.lowercased)
        // The buyer plans and will procure: both roles, as `tender/procuringEntity` names it.
        let party = Party(id: buyerReference.id, name: buyerReference.name, identifier: identifier(buyer), roles: ["buyer", "procuringEntity"])
        let item = Item(id: "1", description: content.title, classification: classification(content.catalogueCode), quantity: content.quantity,
                        unit: Unit(name: content.unit))
        let tender = TenderSection(id: content.reference, title: content.title, description: "\(content.year)年度购买服务计划：\(content.targetGroup)",
                                   status: "planned", spokesStatus: "planned", procuringEntity: buyerReference, value: value(content.budget),
                                   procurementMethod: nil, procurementMethodDetails: nil, items: [item])
        return Release(ocid: planningOCID(prefix: prefix, lineID: line.id), id: "", date: "", tag: [], parties: [party], buyer: buyerReference,
                       planning: Planning(budget: Budget(id: content.reference, description: "\(fundingSource(content.fundingSource))（\(content.year)年度）",
                                                         amount: value(content.budget), project: content.title)),
                       relatedProcesses: nil, tender: tender)
    }

    /// A party's id: its unified social credit identifier under its org-id.guide scheme when known (`CN-USCI-9137…`), so
    /// the same organisation has the same id in every publisher's data; Spokes' own id otherwise.
    static func partyID(_ id: UUID, _ organisation: Organisation?) -> String {
        organisation?.creditCode.map { "\(identifierScheme)-\($0)" } ?? id.lowercased
    }

    /// org-id.guide's code for the unified social credit identifier (统一社会信用代码).
    static let identifierScheme = "CN-USCI"

    static func identifier(_ organisation: Organisation?) -> Identifier? {
        guard let organisation, let code = organisation.creditCode else { return nil }
        return Identifier(scheme: identifierScheme, id: code, legalName: organisation.nameZh)
    }

    /// The purchase catalogue's scheme, declared by the Spokes extension and published as a codelist (Contracts/ocds.md).
    static func classification(_ code: String) -> Classification {
        Classification(scheme: catalogueScheme, id: code, description: nil)
    }

    public static let catalogueScheme = "x_SpokesCatalogue"

    public static func release(_ facts: TenderFacts, prefix: String) -> Release {
        let tender = facts.tender
        func reference(_ id: UUID) -> OrganizationReference {
            OrganizationReference(id: partyID(id, facts.organisations[id]), name: facts.organisations[id]?.nameZh ?? id.lowercased)
        }
        let opened = tender.periods?.openedAt != nil
        let bids = opened ? facts.bids : []
        let tenderers = Array(Set(bids.map(\.bidderID))).sorted { $0.uuidString < $1.uuidString }
        var roles: [UUID: [String]] = [tender.buyerID: ["buyer", "procuringEntity"]]
        for id in tenderers { roles[id, default: []].append("tenderer") }
        for award in facts.awards { if let supplier = award.supplierID { roles[supplier, default: []].append("supplier") } }
        for c in facts.contracts where c.claims.contains(where: { $0.status == .paid }) {
            roles[tender.buyerID, default: []].append("payer")
            roles[c.contract.supplierID, default: []].append("payee")
        }
        // A recovery repaid is a payment from the supplier to the buyer.
        for c in facts.contracts where c.recoveries.contains(where: { $0.status == .repaid }) {
            roles[c.contract.supplierID, default: []].append("payer")
            roles[tender.buyerID, default: []].append("payee")
        }
        let parties = roles.keys.map { id -> Party in
            let organisation = facts.organisations[id]
            return Party(id: partyID(id, organisation), name: organisation?.nameZh ?? id.lowercased, identifier: identifier(organisation),
                         roles: Array(Set(roles[id]!)).sorted())
        }.sorted { $0.id < $1.id }
        let lotID = Dictionary(tender.lots.map { ($0.id, "lot-\($0.number)") }, uniquingKeysWith: { first, _ in first })
        let budget = tender.lots.reduce(Int64(0)) { $0 + $1.budget.minorUnits }
        let items = tender.lots.map { lot -> Item in
            let line = facts.lines[lot.purchaseLineID]
            return Item(id: "lot-\(lot.number)", description: lot.title, classification: line.map { classification($0.content.catalogueCode) },
                        quantity: line?.content.quantity, unit: line.map { Unit(name: $0.content.unit) }, relatedLot: "lot-\(lot.number)")
        }
        let lots = tender.lots.map { lot in
            LotSection(id: "lot-\(lot.number)", title: lot.title, status: lotStatus(lot.status, tender), value: value(lot.budget))
        }
        let periods = tender.periods
        let tenderSection = TenderSection(
            id: tender.reference, title: tender.terms.title, description: tender.terms.description, status: tenderStatus(tender.status),
            spokesStatus: tender.status.rawValue, procuringEntity: reference(tender.buyerID), value: value(Money(minorUnits: budget)),
            procurementMethod: procurementMethod(tender.terms.procedure), procurementMethodDetails: tender.terms.procedure.rawValue,
            procurementMethodRationale: tender.terms.justification.isEmpty ? nil : tender.terms.justification, items: items, lots: lots,
            // No enquiry period when the terms allow no questions (it would end as it starts).
            enquiryPeriod: periods.flatMap { $0.enquiryEnd > $0.publishedAt ? Period(startDate: timestamp($0.publishedAt), endDate: timestamp($0.enquiryEnd)) : nil },
            tenderPeriod: periods.map { Period(startDate: timestamp($0.publishedAt), endDate: timestamp($0.tenderEnd)) },
            awardPeriod: periods.map { Period(startDate: timestamp($0.tenderEnd), endDate: $0.awardedAt.map(timestamp)) },
            numberOfTenderers: opened ? tenderers.count : nil,
            tenderers: tenderers.isEmpty ? nil : tenderers.map(reference),
            awardCriteria: tender.terms.priceWeight == 100 ? "priceOnly" : "ratedCriteria", awardCriteriaDetails: awardCriteriaDetails(tender.terms),
            submissionMethod: ["electronicSubmission"],
            submissionMethodDetails: "通过轮辐平台在线提交，投标内容加密封存，截止时间前可替换或撤回，截止时间后统一开启并公开投标人和报价。",
            eligibilityCriteria: eligibilityCriteria(tender.terms),
            enquiries: facts.questions.isEmpty ? nil : facts.questions.map { q in
                Enquiry(id: q.id.lowercased, date: timestamp(q.askedAt), description: q.text, answer: q.answer,
                        dateAnswered: q.answeredAt.map(timestamp), relatedLot: q.lotID.flatMap { lotID[$0] })
            })
        let awards = facts.awards.map { award -> AwardSection in
            let lot = tender.lots.first { $0.id == award.lotID }
            return AwardSection(id: award.id.lowercased, title: lot.map { "\(tender.reference) · \($0.title)" } ?? tender.reference,
                                description: award.reason.isEmpty ? nil : award.reason, status: awardStatus(award, tender), spokesStatus: awardSpokesStatus(award, tender),
                                date: timestamp(award.decidedAt), value: award.value.map(value), suppliers: award.supplierID.map { [reference($0)] },
                                items: items.filter { $0.id == "lot-\(lot?.number ?? 0)" }, relatedLots: lotID[award.lotID].map { [$0] },
                                relatedBid: award.bidID?.lowercased)
        }
        let contracts = facts.contracts.map { contractSection($0, reference: reference) }
        // One planning process per lot, named by the lot it budgets: which line pays for which lot.
        let related = tender.lots.map { lot in
            RelatedProcess(id: "lot-\(lot.number)", relationship: ["planning"], title: facts.lines[lot.purchaseLineID]?.content.title ?? lot.title,
                           identifier: planningOCID(prefix: prefix, lineID: lot.purchaseLineID))
        }
        return Release(ocid: ocid(prefix: prefix, reference: tender.reference), id: "", date: "", tag: [], parties: parties, buyer: reference(tender.buyerID),
                       planning: Planning(budget: Budget(description: "采购需求预算（\(tender.lots.count)个标包）", amount: value(Money(minorUnits: budget)))),
                       relatedProcesses: related, tender: tenderSection, bids: opened ? bidsSection(bids, lots: tender.lots, reference: reference) : nil,
                       awards: awards.isEmpty ? nil : awards, contracts: contracts.isEmpty ? nil : contracts)
    }

    /// How bids are ranked, in the words of the tender's terms: the price's points and each criterion's.
    static func awardCriteriaDetails(_ terms: TenderTerms) -> String {
        guard terms.priceWeight < 100 else { return "最低评标价法：价格分100分，报价最低的有效投标排名第一。" }
        let criteria = terms.criteria.map { "\($0.name)\($0.weight)分" }.joined(separator: "，")
        return "综合评分法（满分100分）：价格分\(terms.priceWeight)分（最低有效报价得满分，其余按最低报价÷本报价计分）" + (criteria.isEmpty ? "" : "，\(criteria)") + "。"
    }

    /// Who may bid, as the eligibility rules say it (DOMAIN §2, §7).
    static func eligibilityCriteria(_ terms: TenderTerms) -> String {
        var parts = ["依法登记且经登记管理机关审核通过的社会组织", "近三年内无重大违法记录", "未列入严重失信名单"]
        if terms.procedure != .open { parts.append("仅限受邀的社会组织") }
        if let rating = terms.eligibility.minimumRating { parts.append("社会组织评估等级\(rating)A及以上且在有效期内") }
        if !terms.eligibility.reservedForStages.isEmpty {
            let names: [IncubationStage: String] = [.nursery: "苗圃", .incubator: "孵化", .accelerator: "加速", .industrialPark: "产业园"]
            parts.append("仅限处于以下孵化阶段的组织：" + terms.eligibility.reservedForStages.map { names[$0] ?? $0.rawValue }.joined(separator: "、"))
        }
        return parts.joined(separator: "；") + "。"
    }

    /// The opened bids, each valid (Spokes opens every bid received in time; withdrawn and replaced ones are not opened),
    /// and per lot the number of bids and the lowest and highest price.
    static func bidsSection(_ bids: [OpenedBid], lots: [Lot], reference: (UUID) -> OrganizationReference) -> Bids {
        var statistics: [BidStatistic] = []
        for lot in lots {
            let prices = bids.filter { $0.lotID == lot.id }.map(\.price)
            let id = "lot-\(lot.number)"
            statistics.append(BidStatistic(id: "\(id)-bids", measure: "bids", value: Decimal(prices.count), relatedLot: id))
            statistics.append(BidStatistic(id: "\(id)-validBids", measure: "validBids", value: Decimal(prices.count), relatedLot: id))
            if let lowest = prices.min(by: { $0.minorUnits < $1.minorUnits }), let highest = prices.max(by: { $0.minorUnits < $1.minorUnits }) {
                statistics.append(BidStatistic(id: "\(id)-lowestValidBidValue", measure: "lowestValidBidValue", value: value(lowest).amount,
                                               currency: lowest.currency, relatedLot: id))
                statistics.append(BidStatistic(id: "\(id)-highestValidBidValue", measure: "highestValidBidValue", value: value(highest).amount,
                                               currency: highest.currency, relatedLot: id))
            }
        }
        let number = Dictionary(lots.map { ($0.id, $0.number) }, uniquingKeysWith: { first, _ in first })
        let details = bids.sorted { ($0.submittedAt, $0.id.uuidString) < ($1.submittedAt, $1.id.uuidString) }.map { bid in
            BidDetail(id: bid.id.lowercased, date: timestamp(bid.submittedAt), status: "valid", tenderers: [reference(bid.bidderID)],
                      value: value(bid.price), relatedLots: number[bid.lotID].map { ["lot-\($0)"] } ?? [])
        }
        return Bids(statistics: statistics, details: details.isEmpty ? nil : details)
    }

    static func contractSection(_ facts: ContractFacts, reference: (UUID) -> OrganizationReference) -> ContractSection {
        let c = facts.contract
        // One list of milestones, the contract's: their status and the date they were met say how delivery goes.
        let milestones = facts.milestones.map { m in
            MilestoneSection(id: m.id.lowercased, title: m.title, description: m.deliverables, dueDate: day(m.dueOn),
                             dateMet: [.met, .partiallyMet].contains(m.status) ? facts.decidedOn[m.id].map(timestamp) : nil,
                             status: milestoneStatus(m.status), spokesStatus: m.status.rawValue)
        }
        var transactions = facts.claims.filter { $0.status == .paid }.map { claim in
            // The treasury's reference is the payment's identifier (unique per budget line).
            Transaction(id: claim.treasuryReference ?? claim.id.lowercased, date: day(claim.paidOn ?? ""), value: value(claim.amount),
                        payer: reference(c.buyerID), payee: reference(c.supplierID))
        }
        // A recovery repaid is money back from the supplier to the buyer.
        transactions += facts.recoveries.filter { $0.status == .repaid }.map { recovery in
            Transaction(id: recovery.id.lowercased, date: timestamp(recovery.settledAt ?? recovery.createdAt), value: value(recovery.amount),
                        payer: reference(c.supplierID), payee: reference(c.buyerID))
        }
        let amendments = facts.amendments.filter { $0.status == .agreed }.map { a in
            AmendmentSection(id: a.id.lowercased, date: timestamp(a.closedAt ?? a.proposedAt), rationale: a.reason,
                             description: a.before.endsOn != a.after.endsOn ? "合同期限由\(a.before.endsOn)变更为\(a.after.endsOn)" : "合同条款变更")
        }
        return ContractSection(id: c.reference, awardID: c.awardID.lowercased, title: c.title, description: c.terms, status: contractStatus(c.status),
                                spokesStatus: c.status.rawValue, period: Period(startDate: day(c.startsOn), endDate: day(c.endsOn)), value: value(c.value),
                                dateSigned: c.signedAt.map(timestamp), milestones: milestones, amendments: amendments.isEmpty ? nil : amendments,
                                implementation: transactions.isEmpty ? nil : Implementation(transactions: transactions))
    }

    // MARK: Codelists

    static func tenderStatus(_ status: TenderStatus) -> String {
        switch status {
        case .draft: "planning"
        case .enquiries, .tendering, .evaluation, .awarded: "active"
        case .complete: "complete"
        case .cancelled: "cancelled"
        case .unsuccessful: "unsuccessful"
        }
    }

    static func fundingSource(_ source: FundingSource) -> String {
        switch source {
        case .generalBudget: "一般公共预算"
        case .fundBudget: "政府性基金预算"
        case .lottery: "彩票公益金"
        case .transfer: "上级转移支付"
        case .other: "其他资金"
        }
    }

    static func procurementMethod(_ procedure: Procedure) -> String {
        switch procedure {
        case .open: "open"
        case .invited: "selective"
        case .singleSource: "direct"
        }
    }

    /// Pending during the standstill, active once the tender completes; no award is unsuccessful.
    static func awardStatus(_ award: Award, _ tender: Tender) -> String {
        if award.supplierID == nil { return "unsuccessful" }
        if tender.status == .cancelled { return "cancelled" }
        return tender.status == .complete ? "active" : "pending"
    }

    static func awardSpokesStatus(_ award: Award, _ tender: Tender) -> String {
        if award.supplierID == nil { return "not_awarded" }
        if tender.status == .cancelled { return "cancelled" }
        return tender.status == .complete ? "final" : "standstill"
    }

    /// A lot's status in OCDS's tender status codelist: cancelled or unsuccessful as its own, otherwise the tender's.
    static func lotStatus(_ status: LotStatus, _ tender: Tender) -> String {
        switch status {
        case .cancelled: "cancelled"
        case .unsuccessful: "unsuccessful"
        default: tenderStatus(tender.status)
        }
    }

    static func contractStatus(_ status: ContractStatus) -> String {
        switch status {
        case .draft: "pending"
        case .signed: "active"
        case .completed, .terminated: "terminated"
        }
    }

    static func milestoneStatus(_ status: MilestoneStatus) -> String {
        switch status {
        case .pending, .reported, .moreEvidence: "scheduled"
        case .met: "met"
        case .partiallyMet: "partiallyMet"
        case .notMet: "notMet"
        }
    }

    // MARK: Values

    static func value(_ money: Money) -> Value { Value(amount: Decimal(money.minorUnits) / 100, currency: money.currency) }

    /// UTC to the second, e.g. 2026-11-26T01:57:18Z (a format style: a formatter per call costs more than the release).
    static func timestamp(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }

    /// A day of Beijing as the start of that day.
    static func day(_ text: String) -> String { "\(text)T00:00:00+08:00" }
}
