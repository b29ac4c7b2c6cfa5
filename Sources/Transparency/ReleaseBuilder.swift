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
    /// Bidders of opened bids (public once the bids are opened).
    public var tenderers: [UUID]
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
        let buyerReference = OrganizationReference(id: line.buyerID.lowercased, name: buyer?.nameZh ?? line.buyerID.lowercased)
        let party = Party(id: buyerReference.id, name: buyerReference.name,
                          identifier: buyer?.creditCode.map { Identifier(scheme: "CN-USCC", id: $0, legalName: buyer!.nameZh) }, roles: ["buyer"])
        let item = Item(id: "1", description: content.title, classification: Classification(scheme: "x_SpokesCatalogue", id: content.catalogueCode, description: nil),
                        quantity: content.quantity, unit: Unit(name: content.unit))
        let tender = TenderSection(id: content.reference, title: content.title, description: "\(content.year)年度购买服务计划：\(content.targetGroup)",
                                   status: "planned", spokesStatus: "planned", procuringEntity: buyerReference, value: value(content.budget),
                                   procurementMethod: nil, procurementMethodDetails: nil, items: [item])
        return Release(ocid: planningOCID(prefix: prefix, lineID: line.id), id: "", date: "", tag: [], parties: [party], buyer: buyerReference,
                       planning: Planning(budget: Budget(id: content.reference, description: "\(fundingSource(content.fundingSource))（\(content.year)年度）",
                                                         amount: value(content.budget), project: content.title)),
                       relatedProcesses: nil, tender: tender)
    }

    public static func release(_ facts: TenderFacts, prefix: String) -> Release {
        let tender = facts.tender
        func reference(_ id: UUID) -> OrganizationReference {
            OrganizationReference(id: id.lowercased, name: facts.organisations[id]?.nameZh ?? id.lowercased)
        }
        var roles: [UUID: [String]] = [tender.buyerID: ["buyer", "procuringEntity"]]
        for id in facts.tenderers { roles[id, default: []].append("tenderer") }
        for award in facts.awards { if let supplier = award.supplierID { roles[supplier, default: []].append("supplier") } }
        let paying = facts.contracts.contains { !$0.claims.filter { $0.status == .paid }.isEmpty }
        if paying {
            roles[tender.buyerID, default: []].append("payer")
            for c in facts.contracts where !c.claims.filter({ $0.status == .paid }).isEmpty { roles[c.contract.supplierID, default: []].append("payee") }
        }
        let parties = roles.keys.sorted { $0.uuidString < $1.uuidString }.map { id -> Party in
            let organisation = facts.organisations[id]
            return Party(id: id.lowercased, name: organisation?.nameZh ?? id.lowercased,
                         identifier: organisation?.creditCode.map { Identifier(scheme: "CN-USCC", id: $0, legalName: organisation!.nameZh) },
                         roles: Array(Set(roles[id]!)).sorted())
        }
        let budget = tender.lots.reduce(Int64(0)) { $0 + $1.budget.minorUnits }
        let items = tender.lots.map { lot -> Item in
            let line = facts.lines[lot.purchaseLineID]
            return Item(id: "lot-\(lot.number)", description: lot.title,
                        classification: line.map { Classification(scheme: "x_SpokesCatalogue", id: $0.content.catalogueCode, description: nil) },
                        quantity: line?.content.quantity, unit: line.map { Unit(name: $0.content.unit) })
        }
        let periods = tender.periods
        let tenderSection = TenderSection(
            id: tender.reference, title: tender.terms.title, description: tender.terms.description, status: tenderStatus(tender.status),
            spokesStatus: tender.status.rawValue, procuringEntity: reference(tender.buyerID), value: value(Money(minorUnits: budget)),
            procurementMethod: procurementMethod(tender.terms.procedure), procurementMethodDetails: tender.terms.procedure.rawValue,
            procurementMethodRationale: tender.terms.justification.isEmpty ? nil : tender.terms.justification, items: items,
            enquiryPeriod: periods.map { Period(startDate: timestamp($0.publishedAt), endDate: timestamp($0.enquiryEnd)) },
            tenderPeriod: periods.map { Period(startDate: timestamp($0.publishedAt), endDate: timestamp($0.tenderEnd)) },
            awardPeriod: periods.map { Period(startDate: timestamp($0.tenderEnd), endDate: $0.awardedAt.map(timestamp)) },
            numberOfTenderers: periods?.openedAt != nil ? Set(facts.tenderers).count : nil,
            tenderers: periods?.openedAt != nil && !facts.tenderers.isEmpty ? Array(Set(facts.tenderers)).sorted { $0.uuidString < $1.uuidString }.map(reference) : nil)
        let awards = facts.awards.map { award -> AwardSection in
            let lot = tender.lots.first { $0.id == award.lotID }
            return AwardSection(id: award.id.lowercased, title: lot.map { "\(tender.reference) · \($0.title)" } ?? tender.reference,
                                description: award.reason.isEmpty ? nil : award.reason, status: awardStatus(award, tender), spokesStatus: awardSpokesStatus(award, tender),
                                date: timestamp(award.decidedAt), value: award.value.map(value), suppliers: award.supplierID.map { [reference($0)] },
                                items: items.filter { $0.id == "lot-\(lot?.number ?? 0)" })
        }
        let contracts = facts.contracts.map { contractSection($0, reference: reference) }
        let related = tender.lots.map { lot in
            RelatedProcess(id: lot.purchaseLineID.lowercased, relationship: ["planning"], title: facts.lines[lot.purchaseLineID]?.content.title ?? lot.title,
                           identifier: planningOCID(prefix: prefix, lineID: lot.purchaseLineID))
        }
        return Release(ocid: ocid(prefix: prefix, reference: tender.reference), id: "", date: "", tag: [], parties: parties, buyer: reference(tender.buyerID),
                       planning: Planning(budget: Budget(description: "采购需求预算（\(tender.lots.count)个标包）", amount: value(Money(minorUnits: budget)))),
                       relatedProcesses: related, tender: tenderSection, awards: awards.isEmpty ? nil : awards, contracts: contracts.isEmpty ? nil : contracts)
    }

    static func contractSection(_ facts: ContractFacts, reference: (UUID) -> OrganizationReference) -> ContractSection {
        let c = facts.contract
        let milestones = facts.milestones.map { m in
            MilestoneSection(id: m.id.lowercased, title: m.title, description: m.deliverables, dueDate: day(m.dueOn), status: milestoneStatus(m.status),
                             spokesStatus: m.status.rawValue)
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
                                implementation: implementation(transactions, milestones.filter { $0.status != "scheduled" }))
    }

    /// What happened in delivery: payments and milestones signed off; nil while nothing has.
    static func implementation(_ transactions: [Transaction], _ milestones: [MilestoneSection]) -> Implementation? {
        guard !transactions.isEmpty || !milestones.isEmpty else { return nil }
        return Implementation(transactions: transactions.isEmpty ? nil : transactions, milestones: milestones.isEmpty ? nil : milestones)
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
        return tender.status == .complete ? "final" : "standstill"
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
