import Core
import Algorithms
import Crypto
import Delivery
import Foundation
import Identity
import Payments
import PostgresNIO
import Store
import Tendering

/// Publishes what is public as OCDS 1.1. Every audited change to a tender, contract, purchase line
/// or organisation is queued in its own transaction (migration 0026); `sync()` takes the queue, builds
/// the releases the changes touch from the modules' services, and appends each one that differs from
/// the last published for its ocid (so releases are never rewritten). Packages and records are read
/// from what was appended.
public struct TransparencyService: Sendable {
    let database: Database
    let identity: IdentityService
    let tenders: TenderService
    let bids: BidService
    let awards: AwardService
    let lists: PurchaseListService
    let contracts: ContractService
    let payments: ContractPaymentService
    /// The publisher's OCDS prefix (ocds-<prefix>-<tender reference>).
    public let prefix: String
    /// Whether this is a training instance's (its clock is a class's): its releases are marked as test data.
    let isTraining: Bool
    /// The site's public address, under which the Spokes extension and its codelists are served.
    public let publicBase: String
    let clock: any SpokesClock
    /// The last whole readings of the red flags and the dashboards (each is a pass over every awarded tender).
    let flagReadings: Recent<[RedFlag]>
    let insightReadings: Recent<Insights>

    /// `summaryLifetime`: how long the red flags and the dashboards reuse their last reading (zero: read afresh).
    public init(database: Database, identity: IdentityService, tenders: TenderService, bids: BidService, awards: AwardService,
                lists: PurchaseListService, contracts: ContractService, payments: ContractPaymentService, prefix: String,
                publicBase: String = "http://127.0.0.1:8080", clock: any SpokesClock = SystemClock(), summaryLifetime: Duration = .zero) {
        self.database = database
        self.identity = identity
        self.tenders = tenders
        self.bids = bids
        self.awards = awards
        self.lists = lists
        self.contracts = contracts
        self.payments = payments
        // A training class's releases carry a test prefix (ocds-<prefix>-test-<reference>) and mode "test" (issue 27).
        self.isTraining = clock is TrainingClock
        self.prefix = clock is TrainingClock ? prefix + "-test" : prefix
        self.publicBase = publicBase
        self.clock = clock
        self.flagReadings = Recent(lifetime: summaryLifetime)
        self.insightReadings = Recent(lifetime: summaryLifetime)
    }

    /// A prefix is letters and digits; OCDS assigns six-character ones.
    public static func isPrefix(_ text: String) -> Bool { (1...20).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }

    func store(_ connection: PostgresConnection) -> TransparencyStore { TransparencyStore(connection: connection, logger: database.logger) }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    // MARK: Publishing

    /// Publishes the queued changes: appends a release for every tender and purchase line whose public
    /// data changed; returns how many releases were appended. Works a batch at a time: a few queries
    /// per batch of 200, whatever their size, and one transaction to append a batch's releases.
    public func sync() async throws -> Int {
        var appended = 0
        while true {
            let changes = try await database.read { try await store($0).pending(limit: 200) }
            guard !changes.isEmpty else { return appended }
            let affected = try await database.read { try await store($0).affected(by: changes) }
            for ids in affected.lines.chunks(ofCount: 200) {
                let lines = try await lists.lines(ids: Array(ids))
                let buyers = try await identity.organisations(ids: Set(lines.map(\.buyerID)))
                appended += try await append(lines.map { ReleaseBuilder.planningRelease($0, buyer: buyers[$0.buyerID], prefix: prefix) })
            }
            for ids in affected.tenders.chunks(ofCount: 200) {
                appended += try await append(try await facts(of: try await tenders.publishedTenders(ids: Array(ids))).map { ReleaseBuilder.release($0, prefix: prefix) })
            }
            try await database.read { try await store($0).done(changes) }
        }
    }

    /// Everything public about these tenders, read through the modules' services as an anonymous reader
    /// would: awards of decided tenders, bidders of opened bids, published contracts. One query per kind
    /// of record for the whole batch.
    func facts(of tenders: [Tender]) async throws -> [TenderFacts] {
        let awards = Dictionary(grouping: try await self.awards.publicAwards(of: tenders.map(\.id)), by: \.tenderID)
        let opened = try await bids.publicOpenedBids(tenderIDs: tenders.filter(\.isOpened).map(\.id))
        let questions = try await self.tenders.publicQuestions(tenderIDs: tenders.filter { $0.status != .draft }.map(\.id))
        let (published, amendments) = try await contracts.publishedContracts(awardIDs: awards.values.flatMap { $0.map(\.id) })
        let contractIDs = published.map(\.id)
        let milestones = Dictionary(grouping: contractIDs.isEmpty ? [] : try await contracts.milestones(of: contractIDs), by: \.contractID)
        let money = try await payments.money(of: contractIDs)
        let decidedOn = try await contracts.milestonesDecidedOn(contractIDs: contractIDs)
        let lines = Dictionary(try await lists.lines(ids: Array(Set(tenders.flatMap { $0.lots.map(\.purchaseLineID) }))).map { ($0.id, $0) },
                               uniquingKeysWith: { first, _ in first })
        let people = Set(tenders.map(\.buyerID) + opened.values.flatMap { $0.map(\.bidderID) } + awards.values.flatMap { $0.compactMap(\.supplierID) })
        let organisations = try await identity.organisations(ids: people)
        let contractOfAward = Dictionary(published.map { ($0.awardID, $0) }, uniquingKeysWith: { first, _ in first })
        return tenders.map { tender in
            let tenderAwards = awards[tender.id] ?? []
            let contractFacts = tenderAwards.compactMap { contractOfAward[$0.id] }.map { c in
                ContractFacts(contract: c, milestones: milestones[c.id] ?? [], amendments: amendments[c.id] ?? [], claims: money.claims[c.id] ?? [],
                              recoveries: money.recoveries[c.id] ?? [], decidedOn: decidedOn)
            }
            return TenderFacts(tender: tender, awards: tenderAwards, bids: opened[tender.id] ?? [], questions: questions[tender.id] ?? [],
                               organisations: organisations, lines: lines, contracts: contractFacts)
        }
    }

    /// Appends each release that differs from the last one of its ocid, all in one transaction; returns how many.
    func append(_ built: [Release]) async throws -> Int {
        // A release that names a party without its role, or a period that ends before it starts, is not published.
        let built = built.filter { release in
            let problems = ReleaseCheck.problems(release)
            if !problems.isEmpty {
                database.logger.error("an OCDS release was not appended: it does not hold together",
                                      metadata: ["ocid": "\(release.ocid)", "problems": "\(problems.joined(separator: "; "))"])
            }
            return problems.isEmpty
        }
        guard !built.isEmpty else { return 0 }
        let digested = try built.map { ($0, Data(SHA256.hash(data: try Self.encoder.encode($0))).hexString) }
        return try await database.transaction { connection in
            let store = store(connection)
            let ocids = built.map(\.ocid).sorted()
            // One publisher at a time per ocid, so two instances cannot both append the same change.
            try await store.lock(ocids)
            let latest = try await store.latest(ocids: ocids)
            let changed = digested.filter { latest[$0.0.ocid]?.digest != $0.1 }
            // The tags compare with the previous release: read only those of the releases that changed.
            let previousIDs = changed.compactMap { built, _ in latest[built.ocid].map { "\(built.ocid)-\($0.number)" } }
            let previousText = previousIDs.isEmpty ? [:] : try await store.releases(ids: previousIDs)
            var appended = 0
            for (built, digest) in changed {
                var release = built
                let previous = latest[release.ocid]
                let earlier = try previous.flatMap { previousText["\(release.ocid)-\($0.number)"] }
                    .map { try JSONDecoder().decode(Release.self, from: Data($0.utf8)) }
                release.id = "\(release.ocid)-\((previous?.number ?? 0) + 1)"
                release.date = ReleaseBuilder.timestamp(clock.now())
                release.mode = isTraining ? "test" : nil
                release.tag = Self.tags(release, since: earlier)
                try await store.insert(ocid: release.ocid, releaseID: release.id, date: clock.now(), tags: release.tag, digest: digest,
                                       release: String(decoding: try Self.encoder.encode(release), as: UTF8.self))
                appended += 1
            }
            return appended
        }
    }

    /// What changed since the last release, in OCDS tags: each section that changed names its own tag, and a change to
    /// a contract's milestones or terms is a contract update.
    static func tags(_ release: Release, since earlier: Release?) -> [String] {
        if release.tender.status == "planned" { return [earlier == nil ? "planning" : "planningUpdate"] }
        guard let earlier else {
            var tags = [release.tender.status == "cancelled" ? "tenderCancellation" : "tender"]
            if release.awards != nil { tags.append("award") }
            if release.contracts != nil { tags.append("contract") }
            if release.contracts?.contains(where: { $0.implementation != nil }) == true {
                tags.append("implementation")
            }
            return tags
        }
        var tags: [String] = []
        if release.tender != earlier.tender || release.bids != earlier.bids {
            tags.append(release.tender.status == "cancelled" ? "tenderCancellation" : "tenderUpdate")
        }
        if release.awards != earlier.awards {
            tags.append(earlier.awards == nil ? "award" : release.awards?.contains { $0.status == "cancelled" } == true ? "awardCancellation" : "awardUpdate")
        }
        let before = Dictionary(uniqueKeysWithValues: (earlier.contracts ?? []).map { ($0.id, $0) })
        for contract in release.contracts ?? [] {
            guard let old = before[contract.id] else {
                tags.append("contract")
                if contract.implementation != nil { tags.append("implementation") }
                continue
            }
            if (contract.amendments?.count ?? 0) > (old.amendments?.count ?? 0) { tags.append("contractAmendment") }
            if contract.status == "terminated" && old.status != "terminated" { tags.append("contractTermination") }
            if contract.implementation != old.implementation { tags.append(old.implementation == nil ? "implementation" : "implementationUpdate") }
            var unchanged = contract
            unchanged.amendments = old.amendments
            unchanged.implementation = old.implementation
            unchanged.status = old.status
            if unchanged != old { tags.append("contractUpdate") }
        }
        // Whatever else changed (parties, linked processes, the budget) is news about the process: OCDS needs a tag.
        if tags.isEmpty { tags.append("tenderUpdate") }
        var seen = Set<String>()
        return tags.filter { seen.insert($0).inserted }
    }

    // MARK: Reading

    /// A release package of the releases published in [from, to), after the sequence number `after`.
    public func releasePackage(from: Date?, to: Date?, after: Int64, limit: Int, uri: String, by actor: Actor?) async throws -> (json: String, next: Int64?) {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        let limit = min(max(limit, 1), 1000)
        let page = try await database.read { try await store($0).page(from: from, to: to, after: after, limit: limit) }
        let body = page.map(\.release).joined(separator: ",")
        return (packageHeader(uri: uri) + "\"releases\":[" + body + "]}", page.count == limit ? page.last?.seq : nil)
    }

    /// A record package for one ocid: every release and the compiled release (the latest state).
    public func recordPackage(ocid: String, uri: String, by actor: Actor?) async throws -> String {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        let releases = try await database.read { try await store($0).releases(ocid: ocid) }
        guard let last = releases.last else { throw DomainError.notFound("no releases have ocid \(ocid)") }
        var compiled = try JSONDecoder().decode(Release.self, from: Data(last.utf8))
        compiled.id = "\(ocid)-compiled"
        compiled.tag = ["compiled"]
        let compiledJSON = String(decoding: try Self.encoder.encode(compiled), as: UTF8.self)
        return packageHeader(uri: uri) + "\"records\":[{\"ocid\":\(Self.quoted(ocid)),\"releases\":[" + releases.joined(separator: ",")
            + "],\"compiledRelease\":" + compiledJSON + "}]}"
    }

    /// The latest release of every tender a buyer published in a year (Beijing), for a workbook of that year; public, as
    /// every release is.
    public func latestReleases(buyerID: UUID, year: Int, by actor: Actor?) async throws -> [Release] {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        guard (2000...2100).contains(year) else { throw DomainError.invalid([FieldError("year", "must be a year from 2000 to 2100")]) }
        let texts = try await database.read { [prefix] in try await store($0).latestReleases(buyerID: buyerID, year: year, prefix: prefix) }
        return try texts.map { try JSONDecoder().decode(Release.self, from: Data($0.utf8)) }
    }

    /// Writes a release package of every release, page by page in publication order, so memory stays
    /// flat however many there are; returns how many were written.
    public func export(uri: String, by actor: Actor?, write: (String) async throws -> Void) async throws -> Int {
        try Policy.authorize(actor, .readPublicRecord, .platform)
        try await write(packageHeader(uri: uri) + "\"releases\":[")
        var after: Int64 = 0
        var written = 0
        while true {
            let page = try await database.read { [after] c in try await store(c).page(from: nil, to: nil, after: after, limit: 1000) }
            for (index, entry) in page.enumerated() { try await write((written + index == 0 ? "" : ",") + entry.release) }
            written += page.count
            guard page.count == 1000, let last = page.last else { break }
            after = last.seq
        }
        try await write("]}\n")
        return written
    }

    /// A string as a JSON string literal (the address comes from the request).
    static func quoted(_ text: String) -> String { String(decoding: try! encoder.encode(text), as: UTF8.self) }

    private func packageHeader(uri: String) -> String {
        "{\"uri\":\(Self.quoted(uri)),\"version\":\"1.1\",\"publishedDate\":\"\(ReleaseBuilder.timestamp(clock.now()))\","
            + "\"publisher\":{\"name\":\"Spokes\"},\"license\":\"https://creativecommons.org/licenses/by/4.0/\","
            + "\"publicationPolicy\":\"https://github.com/spokes/spokes/blob/main/Contracts/ocds.md\","
            + "\"extensions\":[" + extensions.map(Self.quoted).joined(separator: ",") + "],"
    }

    /// Every extension the releases use: the community's for bids and lots, and Spokes' own (its statuses and the
    /// purchase catalogue's scheme), served by Spokes itself (`OCDSController`).
    public var extensions: [String] {
        ["https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
         "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
         "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json",
         publicBase + Self.extensionPath + "extension.json"]
    }

    /// Where Spokes serves its extension's files and the catalogue's codelist.
    public static let extensionPath = "/api/v1/ocds/extension/"

}
