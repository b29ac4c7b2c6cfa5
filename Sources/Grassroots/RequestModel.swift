import Core
import Foundation

/// What a person does at a site (DOMAIN §6). Window clerks accept cases (受理) and own them to the end (首问负责);
/// a backup (AB岗) acts on the window's cases and takes a case over when its clerk is away; the site head is told of
/// the site's late cases and acts on them too; approvers (审批) and handlers (经办) work the cases that reach the
/// site's tier. Named per site by the offices that keep the site (`.manageSites`).
public enum SiteDuty: String, CaseIterable, Codable, Sendable, Termed {
    case clerk, backup, head, approver, handler

    public static var termKey: String { "siteDuty_" }

    /// The duties that work a window's cases: register, take materials, forward, hand the result over.
    static let window: Set<SiteDuty> = [.clerk, .backup, .head]
}

/// One person on duty at a site.
public struct DutyHolder: Codable, Sendable, Equatable, Hashable {
    public var userID: UUID
    public var duty: SiteDuty
    public init(userID: UUID, duty: SiteDuty) {
        self.userID = userID
        self.duty = duty
    }
}

/// Where a case stands. `awaitingMaterials`: registered, the one-time notice (一次性告知) lists what is missing;
/// `accepted`: at the accepting window to pre-check and forward; `approving` and `handling`: in the queue of the
/// approving and handling tiers' sites; `returned`: the result (granted or refused) is back at the accepting window;
/// `closed`: handed to the resident; `withdrawn`: the resident withdrew it before a result.
public enum RequestState: String, CaseIterable, Codable, Sendable, Termed {
    case awaitingMaterials = "awaiting_materials"
    case accepted, approving, handling, returned, closed, withdrawn

    public static var termKey: String { "requestState_" }

    /// States in which the case waits for someone to act, with a deadline.
    public var isOpen: Bool { [.accepted, .approving, .handling].contains(self) }
}

public enum RequestOutcome: String, CaseIterable, Codable, Sendable, Termed {
    case granted, refused
    public static var termKey: String { "requestOutcome_" }
}

/// A resident's rating of a settled case (满意 / 基本满意 / 不满意, seed 000 §4).
public enum Satisfaction: String, CaseIterable, Codable, Sendable, Termed {
    case satisfied
    case basicallySatisfied = "basically_satisfied"
    case dissatisfied
    public static var termKey: String { "caseRating_" }
}

/// Who is told of a late case (DOMAIN §6: the clerk, then the site head, then the tier above): the clerk and the
/// step's staff from the deadline, the site head two working days after it, the tier above five after it.
public enum AlertLevel: String, CaseIterable, Codable, Sendable, Termed, Comparable {
    case none
    case clerk
    case siteHead = "site_head"
    case tierAbove = "tier_above"

    public static var termKey: String { "alertLevel_" }
    /// Working days after the deadline at which the site head is told, then the tier above.
    public static let headAfterDays = 2
    public static let aboveAfterDays = 5

    public static func < (lhs: AlertLevel, rhs: AlertLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The applicant as typed at the window. Personal data (PIPL): sealed in the database, masked everywhere else.
public struct Applicant: Codable, Sendable, Equatable {
    public var name: String
    /// A resident identity card number (GB 11643: 17 digits and a check character).
    public var idNumber: String
    /// A mobile number (11 digits) or a landline; its last four digits let the resident follow the case.
    public var phone: String

    public init(name: String, idNumber: String, phone: String) {
        self.name = name
        self.idNumber = idNumber
        self.phone = phone
    }

    public static let maximumName = 30

    public var problems: [FieldError] {
        var v = Validator()
        _ = v.text(name, "applicant.name", max: Self.maximumName)
        v.check(Self.isIDNumber(idNumber), "applicant.idNumber", "is not a resident identity card number (18 characters with a valid check character)")
        v.check(Self.isPhone(phone), "applicant.phone", "is not a phone number (11 digits for a mobile, or 7 to 20 digits and hyphens)")
        return v.errors
    }

    public var trimmed: Applicant {
        Applicant(name: name.trimmingSpaces, idNumber: idNumber.trimmingSpaces.uppercased(), phone: phone.trimmingSpaces)
    }

    /// GB 11643-1999: the weighted sum of the first 17 digits modulo 11 names the 18th character.
    public static func isIDNumber(_ text: String) -> Bool {
        let characters = Array(text.uppercased())
        guard characters.count == 18, characters.prefix(17).allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(characters.prefix(17), weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return characters[17] == Array("10X98765432")[sum % 11]
    }

    /// The check character that completes 17 digits (demo data and tests make valid numbers with it).
    public static func checkCharacter(_ digits: String) -> Character? {
        let characters = Array(digits)
        guard characters.count == 17, characters.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        return Array("10X98765432")[zip(characters, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 } % 11]
    }

    public static func isPhone(_ text: String) -> Bool {
        let digits = text.filter(\.isNumber)
        guard text.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "-" }) else { return false }
        if text.first == "1" && !text.contains("-") { return digits.count == 11 }
        return (7...20).contains(text.count) && digits.count >= 7
    }

    /// The last four digits of the phone: what the resident types to follow the case.
    public var phoneTail: String { String(phone.filter(\.isNumber).suffix(4)) }

    /// 王*、欧阳** : the first character kept.
    public var maskedName: String { name.isEmpty ? "" : String(name.prefix(1)) + String(repeating: "*", count: max(name.count - 1, 1)) }
    /// 6103**********1234 (DOMAIN §6).
    public var maskedIDNumber: String { String(idNumber.prefix(4)) + String(repeating: "*", count: max(idNumber.count - 8, 0)) + String(idNumber.suffix(4)) }
    /// 138****5678
    public var maskedPhone: String {
        phone.count > 7 ? String(phone.prefix(3)) + String(repeating: "*", count: phone.count - 7) + String(phone.suffix(4)) : "****" + phoneTail
    }
}

/// What a window clerk registers: the item asked for (by code), the applicant, and the materials they brought.
public struct NewRequest: Sendable, Equatable {
    public var itemCode: String
    public var applicant: Applicant
    /// Material codes (M0001) the applicant showed.
    public var presented: [String]

    public init(itemCode: String, applicant: Applicant, presented: [String]) {
        self.itemCode = itemCode
        self.applicant = applicant
        self.presented = presented
    }

    public static let maximumMaterials = 100
}

/// A case as the platform keeps it: nothing personal in the clear (this is also the audit trail's state).
public struct ServiceRequest: Codable, Sendable, Equatable {
    public var id: UUID
    public var trackingCode: String
    public var itemID: UUID
    public var itemCode: String
    public var acceptingSiteID: UUID
    public var approvingSiteID: UUID
    public var handlingSiteID: UUID
    /// The accepting site's jurisdiction and its ancestors, root first.
    public var jurisdictionPath: [UUID]
    /// The clerk who owns the case (首问负责).
    public var ownerID: UUID
    public var applicantMasked: String
    public var idNumberMasked: String
    public var phoneMasked: String
    public var state: RequestState
    public var outcome: RequestOutcome?
    public var presented: [UUID]
    public var missing: [UUID]
    /// Why it was refused (the legal reason) or withdrawn.
    public var reason: String?
    /// What was decided and done (the handling tier's words).
    public var result: String?
    /// The site whose staff act next.
    public var siteID: UUID
    public var registeredAt: Date
    public var acceptedAt: Date?
    public var dueAt: Date?
    public var headAlertAt: Date?
    public var aboveAlertAt: Date?
    public var finalDueAt: Date?
    public var decidedAt: Date?
    public var closedAt: Date?
    public var onTime: Bool?
    public var updatedAt: Date
    /// When a re-check that found the approval wrong sent it back to be decided again (the latest time).
    public var reopenedAt: Date? = nil

    /// Who is told of it now, if it is late.
    public func alert(at now: Date) -> AlertLevel {
        guard state.isOpen, let dueAt, now > dueAt else { return .none }
        if let aboveAlertAt, now > aboveAlertAt { return .tierAbove }
        if let headAlertAt, now > headAlertAt { return .siteHead }
        return .clerk
    }

    /// The sites of the case's chain, each once.
    public var chain: [UUID] {
        var sites: [UUID] = []
        for id in [acceptingSiteID, approvingSiteID, handlingSiteID] where !sites.contains(id) { sites.append(id) }
        return sites
    }
}

/// A step of a case as its trail tells it (the audit chain, read back for the case and tracking pages).
public struct RequestStep: Sendable, Equatable {
    public var at: Date
    /// The audit action (request.registered, request.approved…), which the pages name in the reader's language.
    public var action: String
}

/// A case with what its reader may see: the applicant in full only for the staff of its chain.
public struct RequestView: Sendable {
    public var request: ServiceRequest
    public var applicant: Applicant?
    public var steps: [RequestStep]
    public var rating: Satisfaction?
    /// What the reader may do now.
    public var actions: Set<RequestAction>
    /// The re-check by the tier above, when the approval was drawn for one.
    public var recheck: Recheck?
}

/// The things a member of staff may do to a case, offered on its page when the policy and the state allow them.
public enum RequestAction: String, CaseIterable, Sendable {
    case supplyMaterials, forward, refuseAtWindow, approve, refuse, complete, handOver, withdraw, takeOver, recheck
}

/// What the public tracking page shows: the steps and deadlines, no personal data.
public struct TrackedRequest: Sendable {
    public var request: ServiceRequest
    public var itemNameZh: String
    public var itemNameEn: String
    public var acceptingSiteNameZh: String
    public var acceptingSiteNameEn: String
    public var steps: [RequestStep]
    public var rating: Satisfaction?
    public var mayRate: Bool
}

/// The filters and cursor of a queue.
public struct RequestQuery: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable {
        /// Cases waiting at the site now.
        case waiting
        /// Cases the site accepted, in any state.
        case accepted
        /// Late cases waiting at the site or, for the tiers above, below it, once they reach the tier above.
        case overdue
    }
    public var siteID: UUID
    public var scope: Scope
    /// The id of the last case of the previous page (ids are time-ordered: a queue reads oldest first).
    public var after: UUID?
    public var limit: Int

    public init(siteID: UUID, scope: Scope = .waiting, after: UUID? = nil, limit: Int = 50) {
        self.siteID = siteID
        self.scope = scope
        self.after = after
        self.limit = limit
    }
}

/// A settled case from the county's records before the platform (the demo's year, a scale seed): the service routes
/// it as it would a new one, counts its deadlines on the calendar and writes it as the platform would have left it.
public struct PastRequest: Sendable {
    public var itemCode: String
    public var siteID: UUID
    /// The clerk who accepted it.
    public var ownerID: UUID
    public var applicant: Applicant
    public var registeredAt: Date
    /// Working days from acceptance to the result.
    public var tookDays: Int
    public var outcome: RequestOutcome
    /// The result or the refusal's reason.
    public var text: String
    public var handedOver: Bool
    public var rating: Satisfaction?

    public init(itemCode: String, siteID: UUID, ownerID: UUID, applicant: Applicant, registeredAt: Date, tookDays: Int, outcome: RequestOutcome,
                text: String, handedOver: Bool, rating: Satisfaction?) {
        self.itemCode = itemCode
        self.siteID = siteID
        self.ownerID = ownerID
        self.applicant = applicant
        self.registeredAt = registeredAt
        self.tookDays = tookDays
        self.outcome = outcome
        self.text = text
        self.handedOver = handedOver
        self.rating = rating
    }
}

/// The figures of one area, item or site in the supervision report (cases registered in the period).
public struct SupervisionFigures: Sendable, Equatable {
    public var registered = 0
    /// With a result (granted or refused), handed over or not.
    public var settled = 0
    public var onTime = 0
    public var refused = 0
    /// Still open (accepted, being approved or handled).
    public var open = 0
    /// Open and past the step's deadline now.
    public var late = 0
    public var rated = 0
    /// Rated 满意 or 基本满意.
    public var satisfied = 0
    /// Reopened by a re-check that found the approval wrong.
    public var reopened = 0
    /// Settled cases by the tier of the site that handles the item (小事不出村、大事不出镇).
    public var settledAt: [SiteTier: Int] = [:]

    public init() {}

    /// Percent of settled cases settled within the limit; nil when none is settled.
    public var onTimeRate: Int? { settled == 0 ? nil : Int((Double(onTime) * 100 / Double(settled)).rounded()) }
    public var satisfactionRate: Int? { rated == 0 ? nil : Int((Double(satisfied) * 100 / Double(rated)).rounded()) }
    public func settledShare(_ tier: SiteTier) -> Int? {
        settled == 0 ? nil : Int((Double(settledAt[tier] ?? 0) * 100 / Double(settled)).rounded())
    }

    public mutating func add(_ other: SupervisionFigures) {
        registered += other.registered
        settled += other.settled
        onTime += other.onTime
        refused += other.refused
        reopened += other.reopened
        open += other.open
        late += other.late
        rated += other.rated
        satisfied += other.satisfied
        for (tier, count) in other.settledAt { settledAt[tier, default: 0] += count }
    }
}

/// What the tier above watches (DOMAIN §6): per area below the jurisdiction, per item, and the sites with the most
/// late cases, for the cases registered in a year.
public struct SupervisionReport: Sendable {
    public struct Area: Sendable {
        /// The jurisdiction below (a town), or nil for the sites of the jurisdiction itself (the county centre).
        public var jurisdictionID: UUID?
        public var figures: SupervisionFigures
    }
    public struct Item: Sendable {
        public var itemID: UUID
        public var code: String
        public var figures: SupervisionFigures
    }
    public struct Site: Sendable {
        public var siteID: UUID
        public var figures: SupervisionFigures
    }
    public var jurisdictionID: UUID
    public var year: Int
    public var total: SupervisionFigures
    public var areas: [Area]
    public var items: [Item]
    /// The sites with late or refused cases, the most late first (at most 20).
    public var sites: [Site]
}

/// How much an item's approvals are trusted (DOMAIN §6): a high-risk item's approvals (fund disbursements, social
/// insurance, eligibility checks) are re-checked on a sample by the tier above.
public enum RiskGrade: String, CaseIterable, Codable, Sendable, Termed {
    case high, normal
    public static var termKey: String { "riskGrade_" }
}

/// An item's risk grade in a county, with the share of its approvals drawn for a re-check.
public struct ItemRisk: Sendable, Equatable {
    public var itemID: UUID
    public var itemCode: String
    public var jurisdictionID: UUID
    public var grade: RiskGrade
    public var samplePercent: Int
}

public enum RecheckOutcome: String, CaseIterable, Codable, Sendable, Termed {
    case confirmed
    case errorFound = "error_found"
    public static var termKey: String { "recheckOutcome_" }
}

/// A sampled re-check of an approval by the tier above (抽查复核).
public struct Recheck: Codable, Sendable, Equatable {
    public var id: UUID
    public var requestID: UUID
    /// The site whose heads and approvers re-check it.
    public var siteID: UUID
    public var sampledAt: Date
    public var outcome: RecheckOutcome?
    public var finding: String?
    public var checkedBy: UUID?
    public var checkedAt: Date?
}
