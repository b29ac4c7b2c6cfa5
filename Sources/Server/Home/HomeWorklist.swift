import Core
import Delivery
import Foundation
import Identity
import Grassroots
import Incubation
import Payments
import Tendering
import Transparency

/// One line of "waiting for you": what waits (a locale key, `work_<key>`), how many, the page that lists them,
/// and the first few with a link each where no list page shows them.
struct WorkItem: Sendable, Equatable {
    var key: String
    var count: Int
    /// The count reached the cap of what is read for a home page ("100 or more").
    var more = false
    var href: String
    var entries: [WorkEntry] = []
}

struct WorkEntry: Sendable, Equatable {
    var label: String
    var href: String
}

/// What waits for a user on the home page, role by role (issue 22). Every count comes from the service call
/// behind the API's list or worklist of the same thing, with the same actor, so the page and the API agree
/// and the one policy decides what is counted. Lines with nothing waiting are left out.
struct HomeWorklist: Sendable {
    let tenders: TenderService
    let lists: PurchaseListService
    let contracts: ContractService
    let payments: PaymentWorklists
    let seedGrants: SeedGrantService
    let evaluations: EvaluationService
    let incubation: IncubationService
    let transparency: TransparencyService
    let monitoring: MonitoringService
    let voice: VoiceService
    let requests: RequestService
    let clock: any SpokesClock
    /// The register's queue (DOMAIN §7), for registrars.
    var identity: IdentityService? = nil

    /// At most this many of a kind are read for a count; beyond it the page says "100 or more".
    static let cap = 100
    /// Entries listed under a line whose items have no list page of their own.
    static let shown = 5

    func items(for actor: Actor) async throws -> [WorkItem] {
        var items: [WorkItem] = []
        if actor.roles.contains(.buyer) { items += try await buyer(actor) }
        if actor.roles.contains(.supplier) { items += try await supplier(actor) }
        if actor.roles.contains(.evaluator) || actor.roles.contains(.orgAdmin) { items += try await evaluator(actor) }
        if actor.roles.contains(.incubator) {
            items += [try await allowed { WorkItem(key: "incubationAlerts", count: try await incubation.alerts(by: actor).count, href: "/incubator") }]
                .compactMap { $0 }
        }
        if actor.roles.contains(.overseer) { items += try await overseer(actor) }
        items += try await caseworker(actor)
        if actor.roles.contains(.registrar), let identity {
            items.append(item("registrations", try await identity.waitingRegistrations(for: actor), href: "/registrations"))
        }
        return items.filter { $0.count > 0 }
    }

    /// For everyone, signed in or not: what a resident can take part in now.
    func open() async throws -> [WorkItem] {
        let enquiries = try await tenders.tenders(TenderQuery(status: .enquiries, limit: Self.cap), by: nil)
        let tendering = try await tenders.tenders(TenderQuery(status: .tendering, limit: Self.cap), by: nil)
        let needs = try await voice.needs(by: nil, limit: Self.cap)
        let published = try await contracts.contracts(for: nil, limit: Self.cap, filter: ContractFilter(status: .signed))
        return [
            item("openTenders", enquiries.count + tendering.count, href: "/tenders"),
            item("needsToSupport", needs.filter { $0.answers.isEmpty }.count, href: "/voice"),
            item("contractsInDelivery", published.count, href: "/contracts?status=signed"),
        ].filter { $0.count > 0 }
    }

    private func buyer(_ actor: Actor) async throws -> [WorkItem] {
        let own = actor.organisationID
        let drafts = try await tenders.tenders(TenderQuery(status: .draft, buyerID: own, limit: Self.cap), by: actor)
        let deciding = try await tenders.tenders(TenderQuery(status: .evaluation, buyerID: own, limit: Self.cap), by: actor)
        let year = WorkingCalendar().year(of: clock.now())
        let lines = try await lists.lines(PurchaseLineQuery(year: year, buyerID: own, limit: 500))
        let lots = try await tenders.lots(takingUp: lines.map(\.id), by: actor)
        let contracts = try await ownContracts(actor)
        var items = [
            item("linesWithoutTenders", lines.filter { (lots[$0.id] ?? []).isEmpty }.count, href: "/purchase-lists?year=\(year)"),
            item("tendersToPublish", drafts.count, href: "/tenders?status=draft"),
            item("tendersToDecide", deciding.count, href: "/tenders?status=evaluation"),
            listed("contractsToSign", contracts.filter { $0.buyerID == own && $0.status == .draft && $0.buyerSignedAt == nil }),
            listed("contractsToPublish", contracts.filter { $0.buyerID == own && $0.status == .signed && $0.publishedAt == nil }),
        ]
        let optional: [WorkItem?] = [
            try await allowed { WorkItem(key: "claimsToApprove", count: try await payments.claimsToApprove(for: actor).count, href: "/payments") },
            try await allowed {
                let grants = try await seedGrants.awaitingPayment(by: actor)
                return WorkItem(key: "paymentsToMake", count: try await payments.paymentsToMake(for: actor).count + grants.count, href: "/payments")
            },
            try await allowed {
                WorkItem(key: "recoveriesToRecord", count: try await payments.recoveriesOpen(for: actor).filter(\.mayRepay).count, href: "/payments")
            },
            try await allowed {
                WorkItem(key: "casesToAnswer", count: try await monitoring.cases(for: actor).filter { $0.buyerID == own && $0.status == .open }.count,
                         href: "/oversight/cases")
            },
        ]
        items += optional.compactMap { $0 }
        return items
    }

    private func supplier(_ actor: Actor) async throws -> [WorkItem] {
        let own = actor.organisationID
        let tendering = try await tenders.tenders(TenderQuery(status: .tendering, limit: Self.cap), by: actor)
        let contracts = try await ownContracts(actor)
        var items = [
            item("tendersOpenForBids", tendering.count, href: "/tenders?status=tendering"),
            listed("contractsToSign", contracts.filter { $0.supplierID == own && $0.status == .draft && $0.supplierSignedAt == nil && $0.buyerSignedAt != nil }),
            listed("contractsToDeliver", contracts.filter { $0.supplierID == own && $0.status == .signed }),
        ]
        // What the organisation owes is shown on each contract's page (the payments page is the buyer's).
        if let owed = try await allowed({
            listed("recoveriesOwed", try await payments.recoveriesOpen(for: actor).filter { !$0.mayRepay }.map(\.contract))
        }) { items.append(owed) }
        return items
    }

    private func evaluator(_ actor: Actor) async throws -> [WorkItem] {
        var items: [WorkItem] = []
        if actor.roles.contains(.evaluator) {
            let seats = try await evaluations.seats(of: actor)
                .filter { $0.tender.status == .evaluation && $0.seat.status != .refused && $0.seat.submittedAt == nil }
            items.append(item("panelsToScore", seats.count, href: "/panels"))
            let signOffs = try await contracts.awaitingSignOff(by: actor)
            var line = item("signOffsAwaiting", signOffs.count, href: "/contracts")
            line.entries = signOffs.prefix(Self.shown).map {
                WorkEntry(label: "\($0.contractReference) · \($0.milestoneNumber). \($0.milestoneTitle)", href: "/contracts/\($0.contractID.lowercased)")
            }
            items.append(line)
        }
        // An evaluation institution's engagements: its administrator assigns evaluators to them.
        if let engaged = try await allowed({
            WorkItem(key: "engagements", count: try await contracts.engagements(of: actor).filter(\.engagement.isOpen).count, href: "/engagements")
        }) { items.append(engaged) }
        return items
    }

    private func overseer(_ actor: Actor) async throws -> [WorkItem] {
        let flags = try await transparency.redFlags(for: actor)
        let cases = try await monitoring.cases(for: actor)
        return [item("redFlags", flags.count, href: "/oversight"),
                item("casesOpen", cases.filter { $0.status != .closed }.count, href: "/oversight/cases")]
    }

    /// The cases at the sites where the actor is on duty (the counts of `/requests`, from the queue's own counts).
    private func caseworker(_ actor: Actor) async throws -> [WorkItem] {
        let posts = try await requests.posts(of: actor)
        guard !posts.isEmpty else { return [] }
        var total = QueueCounts(waiting: 0, overdue: 0, returned: 0, awaitingMaterials: 0)
        for post in posts {
            let counts = try await requests.counts(at: post.site)
            total.waiting += counts.waiting
            total.overdue += counts.overdue
            total.returned += counts.returned
            total.awaitingMaterials += counts.awaitingMaterials
        }
        return [item("requestsWaiting", total.waiting, href: "/requests"), item("requestsOverdue", total.overdue, href: "/requests"),
                item("resultsToHandOver", total.returned, href: "/requests"), item("requestsAwaitingMaterials", total.awaitingMaterials, href: "/requests")]
    }

    private func item(_ key: String, _ count: Int, href: String) -> WorkItem {
        WorkItem(key: key, count: count, more: count >= Self.cap, href: href)
    }

    /// Contracts listed by reference, linking each (the contracts page lists every status together).
    private func listed(_ key: String, _ contracts: [Contract]) -> WorkItem {
        var line = item(key, contracts.count, href: contracts.count == 1 ? "/contracts/\(contracts[0].id.lowercased)" : "/contracts")
        line.entries = contracts.prefix(Self.shown).map { WorkEntry(label: "\($0.reference) \($0.title)", href: "/contracts/\($0.id.lowercased)") }
        return line
    }

    /// The actor's own organisation's contracts, as buyer or supplier (the contracts page's list).
    private func ownContracts(_ actor: Actor) async throws -> [Contract] {
        try await contracts.contracts(for: actor, limit: 200)
            .filter { $0.buyerID == actor.organisationID || $0.supplierID == actor.organisationID }
    }

    /// A line whose list the policy refuses this actor is not theirs to do: left out, never an error page.
    private func allowed(_ count: () async throws -> WorkItem) async throws -> WorkItem? {
        do {
            return try await count()
        } catch let error as DomainError where error.kind == .forbidden {
            return nil
        }
    }
}

/// A worklist line as the home page shows it.
struct WorkLine: Sendable, Equatable {
    /// The item's key, on the page as `data-work` (tests and scripts read counts by it).
    var key: String
    var label: String
    var count: String
    var href: String
    var entries: [WorkEntry]
    /// Stored, not computed: templates read a page model's stored properties only.
    var hasEntries: Bool

    init(key: String, label: String, count: String, href: String, entries: [WorkEntry]) {
        (self.key, self.label, self.count, self.href, self.entries, hasEntries) = (key, label, count, href, entries, !entries.isEmpty)
    }
}
