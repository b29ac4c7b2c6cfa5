import Core
import Foundation
import Identity

/// What a reader may do on a tender's evaluation page, from the rules the services apply to each step: the buyer
/// seats the panel until the award and decides each active lot during evaluation; a seated evaluator declares, then
/// scores until submitting; a bidder with a flagged price justifies it during evaluation; the bidders complain
/// during the standstill; each complaint is answered by the buyer, accepted or escalated (within its window) by
/// its complainant and decided by the overseers once escalated. The page offers only these forms.
public struct EvaluationActions: Sendable {
    /// Seat evaluators and remove those who have not submitted (the buyer, until the award).
    public var seatPanel = false
    /// Declare independence from the bidders (the reader's own seat, assigned, during evaluation).
    public var declare = false
    /// Fill in and submit the scoring sheet (the reader's own independent seat, not yet submitted, during evaluation).
    public var score = false
    /// The lots the buyer decides now (active lots, during evaluation).
    public var decideLots: Set<UUID> = []
    /// The reader's own opened bids whose price is flagged abnormally low, to justify during evaluation.
    public var justify: [OpenedBid] = []
    /// File a complaint (a bidder, during the standstill).
    public var complain = false

    /// What the reader may do with one complaint.
    public struct ComplaintSteps: Sendable, Equatable {
        public var answer = false
        public var accept = false
        public var escalate = false
        public var decide = false
        /// Until when the complainant may escalate an answered complaint (nil when the calendar cannot count it yet).
        public var escalationDeadline: Date?
    }

    private var buyerPanel = false
    private let may: TenderActions
    private let actor: Actor?
    private let now: Date

    /// `may`: what the policy lets the reader do with the tender; `now` the clock's time.
    public init(_ evaluation: Evaluation, may: TenderActions, actor: Actor?, now: Date) {
        self.may = may
        self.actor = actor
        self.now = now
        let tender = evaluation.tender
        let inEvaluation = tender.status == .evaluation
        buyerPanel = may.manage && [.draft, .enquiries, .tendering, .evaluation].contains(tender.status)
        seatPanel = buyerPanel
        if let seat = evaluation.seat, inEvaluation {
            declare = seat.status == .assigned
            score = seat.status == .independent && seat.submittedAt == nil
        }
        if may.manage && inEvaluation { decideLots = Set(tender.lots.filter { $0.status == .active }.map(\.id)) }
        if let actor, inEvaluation {
            justify = evaluation.bids.filter { $0.bidderID == actor.organisationID && AbnormalPrice.check($0, among: evaluation.bids) != nil }
        }
        let isBidder = actor.map { a in evaluation.bids.contains { $0.bidderID == a.organisationID } } ?? false
        complain = isBidder && tender.status == .awarded && now < (tender.periods?.standstillEnd ?? now)
    }

    /// Whether the buyer may remove this panel member (one who has not submitted).
    public func remove(_ member: PanelMember) -> Bool { buyerPanel && member.submittedAt == nil }

    /// The steps the reader may take with `complaint`; `calendar` counts its escalation window.
    public func steps(_ complaint: Complaint, calendar: WorkingCalendar) -> ComplaintSteps {
        let own = actor?.organisationID == complaint.complainantID
        // A window the calendar cannot count yet is shown as none; escalating then says why.
        let deadline = try? complaint.escalationDeadline(calendar)
        var steps = ComplaintSteps()
        steps.answer = may.manage && complaint.status == .claim
        steps.accept = own && complaint.status == .answered
        steps.escalate = own && complaint.status == .answered && now < (deadline ?? now)
        steps.decide = may.decideComplaints && complaint.status == .escalated
        steps.escalationDeadline = complaint.status == .answered ? deadline : nil
        return steps
    }
}
