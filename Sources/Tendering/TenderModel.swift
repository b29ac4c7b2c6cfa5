import Core
import Foundation

/// How a tender chooses its supplier.
public enum Procedure: String, CaseIterable, Codable, Sendable {
    /// 公开招标: any eligible organisation may bid.
    case open
    /// 邀请招标: only the invited organisations (at least three) may bid.
    case invited
    /// 单一来源: one named organisation, with a written justification published for objections.
    case singleSource = "single_source"

    /// The shortest periods the procedure allows, in working days.
    public var minimums: PeriodMinimums {
        switch self {
        case .open: PeriodMinimums(enquiryDays: 3, tenderingDays: 5, evaluationDays: 1, standstillDays: 5, remainingAfterChange: 3)
        case .invited: PeriodMinimums(enquiryDays: 3, tenderingDays: 3, evaluationDays: 1, standstillDays: 3, remainingAfterChange: 2)
        // The single-source notice stands five working days for objections (政府采购非招标采购方式管理办法).
        case .singleSource: PeriodMinimums(enquiryDays: 5, tenderingDays: 2, evaluationDays: 1, standstillDays: 2, remainingAfterChange: 1)
        }
    }
}

/// Minimum periods of a procedure, in working days.
public struct PeriodMinimums: Sendable, Equatable {
    public var enquiryDays: Int
    public var tenderingDays: Int
    public var evaluationDays: Int
    public var standstillDays: Int
    /// Working days that must remain before the tendering deadline after the terms change.
    public var remainingAfterChange: Int
    /// The longest standstill any procedure allows.
    public static let maximumStandstillDays = 10
}

/// draft → enquiries → tendering → evaluation → awarded (standstill) → complete, or cancelled / unsuccessful.
public enum TenderStatus: String, CaseIterable, Codable, Sendable {
    case draft, enquiries, tendering, evaluation, awarded, complete, cancelled, unsuccessful

    public var isActive: Bool { [.enquiries, .tendering, .evaluation, .awarded].contains(self) }
    public var isFinal: Bool { [.complete, .cancelled, .unsuccessful].contains(self) }

    /// Whether the lifecycle allows going from this status to `next`.
    public func allows(_ next: TenderStatus) -> Bool {
        switch (self, next) {
        case (.draft, .enquiries), (.enquiries, .tendering), (.tendering, .evaluation), (.tendering, .unsuccessful),
             (.evaluation, .awarded), (.evaluation, .unsuccessful), (.awarded, .complete):
            true
        case (_, .cancelled):
            !isFinal
        default:
            false
        }
    }

    /// The next status, or a conflict saying what the tender is now and what it waits for.
    public func transition(to next: TenderStatus) throws(DomainError) -> TenderStatus {
        guard allows(next) else { throw DomainError.conflict("the tender cannot be \(next.reached) now: \(situation)") }
        return next
    }

    /// What moving into this status does to a tender, as in "the tender cannot be … now".
    var reached: Message {
        switch self {
        case .draft: "made a draft again"
        case .enquiries: "published"
        case .tendering: "opened for bids"
        case .evaluation: "opened for evaluation"
        case .awarded: "awarded"
        case .complete: "completed"
        case .cancelled: "cancelled"
        case .unsuccessful: "declared unsuccessful"
        }
    }

    /// Where a tender in this status stands, and what it waits for.
    public var situation: Message {
        switch self {
        case .draft: "it is a draft, waiting to be published"
        case .enquiries: "it is published already and in its enquiry period, waiting for tendering to open"
        case .tendering: "it is open for bids, waiting for the tendering deadline and the opening of bids"
        case .evaluation: "its bids are opened and wait for the panel's evaluation and the buyer's award"
        case .awarded: "it is awarded and in its standstill period, waiting to complete"
        case .complete: "it is complete; nothing more happens to it"
        case .cancelled: "it is cancelled; nothing more happens to it"
        case .unsuccessful: "it was unsuccessful; nothing more happens to it"
        }
    }
}

/// Why a tender was cancelled: one of a fixed list, as ProZorro and the procurement law require.
public enum CancellationReason: String, CaseIterable, Codable, Sendable {
    /// 采购需求取消
    case noLongerNeeded = "no_longer_needed"
    /// 预算被收回或调减
    case budgetWithdrawn = "budget_withdrawn"
    /// 采购文件存在错误或违法内容
    case defectiveTerms = "defective_terms"
    /// 质疑或投诉成立
    case complaintUpheld = "complaint_upheld"
    /// 不可抗力
    case forceMajeure = "force_majeure"
}

/// A non-price criterion and its weight in points (price weight + criteria weights = 100).
public struct Criterion: Codable, Sendable, Equatable {
    public var name: String
    public var weight: Int
    public init(name: String, weight: Int) {
        self.name = name
        self.weight = weight
    }
}

/// Who may bid, beyond being a registered social organisation with no major violation in 3 years.
public struct Eligibility: Codable, Sendable, Equatable {
    /// The lowest rating accepted (3 for 3A), unexpired at bid time; nil accepts unrated organisations.
    public var minimumRating: Int?
    /// When not empty, the tender is reserved for organisations in one of these incubation stages.
    public var reservedForStages: [IncubationStage]
    public init(minimumRating: Int? = nil, reservedForStages: [IncubationStage] = []) {
        self.minimumRating = minimumRating
        self.reservedForStages = reservedForStages
    }
}

/// A lot as the buyer writes it: made from one purchase-list line, bid and awarded separately.
public struct LotTerms: Codable, Sendable, Equatable {
    public var purchaseLineID: UUID
    public var title: String
    /// At most what remains of the line's budget.
    public var budget: Money
    public init(purchaseLineID: UUID, title: String, budget: Money) {
        self.purchaseLineID = purchaseLineID
        self.title = title
        self.budget = budget
    }
}

/// Everything the buyer decides about a tender. Changing it after publication is a change of terms.
public struct TenderTerms: Codable, Sendable, Equatable {
    public var title: String
    public var description: String
    public var procedure: Procedure
    /// Required for single-source procedures: why only this organisation can deliver.
    public var justification: String
    public var enquiryDays: Int
    public var tenderingDays: Int
    public var evaluationDays: Int
    public var standstillDays: Int
    /// Fewer opened bids in a lot than this, and the lot is unsuccessful.
    public var minimumBids: Int
    public var bidsMayExceedBudget: Bool
    /// Points for price (0–100); the criteria share the rest.
    public var priceWeight: Int
    public var criteria: [Criterion]
    public var eligibility: Eligibility
    /// The organisations invited (invited procedure) or named (single source); empty for open tenders.
    public var invitedSuppliers: [UUID]
    public var lots: [LotTerms]

    public init(title: String, description: String, procedure: Procedure = .open, justification: String = "",
                enquiryDays: Int? = nil, tenderingDays: Int? = nil, evaluationDays: Int? = nil, standstillDays: Int? = nil,
                minimumBids: Int? = nil, bidsMayExceedBudget: Bool = false, priceWeight: Int = 30,
                criteria: [Criterion] = [Criterion(name: "服务方案", weight: 50), Criterion(name: "团队与经验", weight: 20)],
                eligibility: Eligibility = Eligibility(), invitedSuppliers: [UUID] = [], lots: [LotTerms]) {
        let minimums = procedure.minimums
        self.title = title
        self.description = description
        self.procedure = procedure
        self.justification = justification
        self.enquiryDays = enquiryDays ?? minimums.enquiryDays
        self.tenderingDays = tenderingDays ?? minimums.tenderingDays
        self.evaluationDays = evaluationDays ?? 5
        self.standstillDays = standstillDays ?? minimums.standstillDays
        self.minimumBids = minimumBids ?? (procedure == .open ? 2 : 1)
        self.bidsMayExceedBudget = bidsMayExceedBudget
        self.priceWeight = priceWeight
        self.criteria = criteria
        self.eligibility = eligibility
        self.invitedSuppliers = invitedSuppliers
        self.lots = lots
    }

    /// What is wrong with the terms, by field, apart from the lots' purchase lines (which need the store).
    public var problems: [FieldError] {
        var check = Validator()
        _ = check.text(title, "title", max: 200)
        _ = check.text(description, "description", max: 20_000)
        let minimums = procedure.minimums
        let name = procedure
        check.check(enquiryDays >= minimums.enquiryDays, "enquiryDays", "must be at least \(minimums.enquiryDays) working days for \(name) tenders")
        check.check(tenderingDays >= minimums.tenderingDays, "tenderingDays", "must be at least \(minimums.tenderingDays) working days for \(name) tenders")
        check.check(evaluationDays >= minimums.evaluationDays, "evaluationDays", "must be at least \(minimums.evaluationDays) working day")
        check.check(standstillDays >= minimums.standstillDays && standstillDays <= PeriodMinimums.maximumStandstillDays, "standstillDays",
                    "must be \(minimums.standstillDays) to \(PeriodMinimums.maximumStandstillDays) working days for \(name) tenders")
        for (field, days) in [("enquiryDays", enquiryDays), ("tenderingDays", tenderingDays), ("evaluationDays", evaluationDays)] {
            check.check(days <= 60, field, "must be at most 60 working days")
        }
        check.check(minimumBids >= 1 && minimumBids <= 10, "minimumBids", "must be 1 to 10")
        check.check(Bounds.weight.contains(priceWeight), "priceWeight", "must be 0 to 100 points")
        check.check(criteria.count <= 20, "criteria", "a tender has at most 20 criteria")
        for (index, criterion) in criteria.enumerated() {
            _ = check.text(criterion.name, "criteria[\(index)].name", max: 100)
            check.check((1...100).contains(criterion.weight), "criteria[\(index)].weight", "must be 1 to 100 points")
        }
        // Summed only once every weight is in range, so the sum cannot overflow.
        if Bounds.weight.contains(priceWeight), criteria.allSatisfy({ (1...100).contains($0.weight) }) {
            let total = priceWeight + criteria.reduce(0) { $0 + $1.weight }
            check.check(total == 100, "criteria", "price and criteria weights must add up to 100 points (now \(total))")
        }
        check.check(Set(criteria.map(\.name)).count == criteria.count, "criteria", "each criterion needs a name of its own")
        if let rating = eligibility.minimumRating {
            check.check((1...5).contains(rating), "eligibility.minimumRating", "must be 1 to 5 (1A to 5A)")
        }
        switch procedure {
        case .open:
            check.check(invitedSuppliers.isEmpty, "invitedSuppliers", "open tenders invite nobody: anyone eligible may bid")
        case .invited:
            check.check(Set(invitedSuppliers).count >= 3, "invitedSuppliers", "an invited tender invites at least 3 organisations")
        case .singleSource:
            check.check(Set(invitedSuppliers).count == 1, "invitedSuppliers", "a single-source tender names exactly one organisation")
            check.check(justification.trimmingCharacters(in: .whitespacesAndNewlines).count >= 20, "justification",
                        "a single-source tender needs a written justification of at least 20 characters")
            check.check(minimumBids == 1, "minimumBids", "is 1 for a single-source tender")
        }
        check.check(!lots.isEmpty, "lots", "a tender needs at least one lot, made from a purchase-list line")
        check.check(lots.count <= 50, "lots", "a tender has at most 50 lots")
        check.check(Set(lots.map(\.purchaseLineID)).count == lots.count, "lots", "each purchase-list line makes one lot")
        for (index, lot) in lots.enumerated() {
            _ = check.text(lot.title, "lots[\(index)].title", max: 200)
            if lot.budget.minorUnits > 0 { check.money(lot.budget, "lots[\(index)].budget") }
            check.check(lot.budget.minorUnits > 0, "lots[\(index)].budget",
                        "must be more than 0 (\(lot.title.isEmpty ? "the line" : lot.title): its purchase-list line has no budget left that other tenders do not use)")
        }
        return check.errors
    }
}

public enum LotStatus: String, CaseIterable, Codable, Sendable {
    case active, unsuccessful, awarded, cancelled
}

public struct Lot: Codable, Sendable, Equatable {
    public var id: UUID
    public var number: Int
    public var purchaseLineID: UUID
    public var title: String
    public var budget: Money
    public var status: LotStatus
}

/// The dates a published tender runs on, all computed at publication from the working-day calendar.
public struct TenderPeriods: Codable, Sendable, Equatable {
    public var publishedAt: Date
    /// Questions until here; bids from here.
    public var enquiryEnd: Date
    /// Bids until here (exclusive); the worker opens them at this instant.
    public var tenderEnd: Date
    /// By when the evaluation should be finished.
    public var evaluationEnd: Date
    /// When the worker opened the bids.
    public var openedAt: Date?
    public var awardedAt: Date?
    /// No contract before this instant (nor while a complaint is open).
    public var standstillEnd: Date?
}

public struct Cancellation: Codable, Sendable, Equatable {
    public var reason: CancellationReason
    public var note: String
    public var at: Date
}

public struct Tender: Codable, Sendable, Equatable {
    public var id: UUID
    /// A human reference, e.g. ZB-2026-0007.
    public var reference: String
    public var buyerID: UUID
    public var status: TenderStatus
    public var terms: TenderTerms
    /// Counts changes of terms after publication; bids made under an older version must be confirmed.
    public var termsVersion: Int
    public var lots: [Lot]
    public var periods: TenderPeriods?
    public var cancellation: Cancellation?
    public var createdAt: Date

    /// Questions are taken while the enquiry period runs.
    public func acceptsQuestions(at now: Date) -> Bool {
        guard let periods, status == .enquiries || status == .tendering else { return false }
        return now < periods.enquiryEnd
    }

    /// Bids are taken from the end of enquiries up to (not including) the tendering deadline,
    /// judged by the clock, not by whether the worker has moved the tender yet.
    public func acceptsBids(at now: Date) -> Bool {
        guard let periods, status == .enquiries || status == .tendering else { return false }
        return now >= periods.enquiryEnd && now < periods.tenderEnd
    }

    /// Whether the bids have been opened (by the worker, at the deadline).
    public var isOpened: Bool { periods?.openedAt != nil }
}

/// A question about a tender. The asker is kept for the record but never published.
public struct Question: Codable, Sendable, Equatable {
    public var id: UUID
    public var tenderID: UUID
    public var lotID: UUID?
    public var text: String
    public var askedAt: Date
    public var answer: String?
    public var answeredAt: Date?
}

/// Filters of the tender list, newest first, after a cursor.
public struct TenderQuery: Sendable {
    /// The longest search text accepted (as the API contract says).
    public static let maximumTextLength = 100

    public var status: TenderStatus?
    public var buyerID: UUID?
    /// Tenders older than this id (ids are time-ordered).
    public var before: UUID?
    public var limit: Int
    /// Words to find in the reference, title or description (case-insensitive).
    public var text: String?
    /// The budget year of a line one of its lots spends.
    public var year: Int?
    /// A purchase line one of its lots spends.
    public var purchaseLineID: UUID?
    public init(status: TenderStatus? = nil, buyerID: UUID? = nil, before: UUID? = nil, limit: Int = 50, text: String? = nil,
                year: Int? = nil, purchaseLineID: UUID? = nil) {
        self.year = year
        self.purchaseLineID = purchaseLineID
        self.status = status
        self.buyerID = buyerID
        self.before = before
        self.limit = limit
        self.text = text
    }
}

/// A lot as a purchase line sees it: which tender takes the line up, in what state, for how much.
public struct LineLot: Sendable, Equatable {
    public var purchaseLineID: UUID
    public var tenderID: UUID
    public var tenderReference: String
    public var tenderStatus: TenderStatus
    public var lotID: UUID
    public var number: Int
    public var status: LotStatus
    public var budget: Money
}
