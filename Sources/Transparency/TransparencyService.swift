import Core
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
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, tenders: TenderService, bids: BidService, awards: AwardService,
                lists: PurchaseListService, contracts: ContractService, payments: ContractPaymentService, prefix: String,
                clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.tenders = tenders
        self.bids = bids
        self.awards = awards
        self.lists = lists
        self.contracts = contracts
        self.payments = payments
        self.prefix = prefix
        self.clock = clock
    }

    /// A prefix is letters and digits; OCDS assigns six-character ones.
    public static func isPrefix(_ text: String) -> Bool { (1...20).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }

    private func store(_ connection: PostgresConnection) -> TransparencyStore { TransparencyStore(connection: connection, logger: database.logger) }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    // MARK: Publishing

    /// Publishes the queued changes: appends a release for every tender and purchase line whose public
    /// data changed; returns how many releases were appended.
    public func sync() async throws -> Int {
        var appended = 0
        while true {
            let changes = try await database.read { try await store($0).pending(limit: 200) }
            guard !changes.isEmpty else { return appended }
            let affected = try await database.read { try await store($0).affected(by: changes) }
            for id in affected.lines {
                guard let line = try await existing({ try await lists.line(id: id) }) else { continue }
                if try await append(ReleaseBuilder.planningRelease(line, buyer: try await identity.organisations(ids: [line.buyerID])[line.buyerID],
                                                                   prefix: prefix)) { appended += 1 }
            }
            for id in affected.tenders {
                guard let tender = try await existing({ try await tenders.tender(id: id, by: nil) }) else { continue }
                if try await append(ReleaseBuilder.release(try await facts(of: tender), prefix: prefix)) { appended += 1 }
            }
            try await database.read { try await store($0).done(changes) }
        }
    }

    /// The value, or nil when it is gone (a deleted draft): nothing to publish then.
    private func existing<T>(_ read: () async throws -> T) async throws -> T? {
        do { return try await read() } catch let error as DomainError where error.kind == .notFound { return nil }
    }

    /// Everything public about a tender, read through the modules' services as an anonymous reader.
    func facts(of tender: Tender) async throws -> TenderFacts {
        let decided = [.awarded, .complete, .unsuccessful].contains(tender.status)
        let awards = decided ? try await awards.awards(tenderID: tender.id, by: nil) : []
        let tenderers = tender.isOpened ? try await bids.openedBids(tenderID: tender.id, by: nil).map(\.bidderID) : []
        var contractFacts: [ContractFacts] = []
        for award in awards {
            guard let contract = try await contracts.contract(awardID: award.id), contract.publishedAt != nil else { continue }
            let statement = try await payments.statement(of: contract.id)
            contractFacts.append(ContractFacts(contract: contract, milestones: try await contracts.milestones(of: [contract.id]),
                                               amendments: try await contracts.amendments(of: contract.id), claims: statement.claims,
                                               recoveries: statement.recoveries))
        }
        var lines: [UUID: PurchaseLine] = [:]
        for lot in tender.lots { lines[lot.purchaseLineID] = try? await lists.line(id: lot.purchaseLineID) }
        let organisations = try await identity.organisations(ids: Set([tender.buyerID] + tenderers + awards.compactMap(\.supplierID)))
        return TenderFacts(tender: tender, awards: awards, tenderers: tenderers, organisations: organisations, lines: lines, contracts: contractFacts)
    }

    /// Appends the release when it differs from the last one of its ocid; true when it did.
    func append(_ built: Release) async throws -> Bool {
        var release = built
        let digest = Data(SHA256.hash(data: try Self.encoder.encode(release))).hexString
        return try await database.transaction { connection in
            let store = store(connection)
            // One publisher at a time per ocid: the advisory lock keeps two instances from racing.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(release.ocid)))", logger: database.logger)
            let previous = try await store.latest(ocid: release.ocid)
            guard previous?.digest != digest else { return false }
            let earlier = try previous.map { try JSONDecoder().decode(Release.self, from: Data($0.release.utf8)) }
            let number = try await store.count(ocid: release.ocid) + 1
            release.id = "\(release.ocid)-\(number)"
            release.date = ReleaseBuilder.timestamp(clock.now())
            release.tag = Self.tags(release, since: earlier)
            try await store.insert(ocid: release.ocid, releaseID: release.id, date: clock.now(), tags: release.tag, digest: digest,
                                   release: String(decoding: try Self.encoder.encode(release), as: UTF8.self))
            return true
        }
    }

    /// What changed since the last release, in OCDS tags.
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
        if release.tender != earlier.tender { tags.append(release.tender.status == "cancelled" ? "tenderCancellation" : "tenderUpdate") }
        if release.awards != earlier.awards { tags.append(earlier.awards == nil ? "award" : "awardUpdate") }
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
            // Milestones signed off are implementation news, told by the implementation tag.
            unchanged.milestones = old.milestones
            if unchanged != old { tags.append("contractUpdate") }
        }
        // Whatever else changed (parties, linked processes) is news about the process: OCDS needs a tag.
        if tags.isEmpty { tags.append("tenderUpdate") }
        var seen = Set<String>()
        return tags.filter { seen.insert($0).inserted }
    }

    // MARK: Reading

    /// A release package of the releases published in [from, to), after the sequence number `after`.
    public func releasePackage(from: Date?, to: Date?, after: Int64, limit: Int, uri: String) async throws -> (json: String, next: Int64?) {
        let limit = min(max(limit, 1), 1000)
        let page = try await database.read { try await store($0).page(from: from, to: to, after: after, limit: limit) }
        let body = page.map(\.release).joined(separator: ",")
        return (packageHeader(uri: uri) + "\"releases\":[" + body + "]}", page.count == limit ? page.last?.seq : nil)
    }

    /// A record package for one ocid: every release and the compiled release (the latest state).
    public func recordPackage(ocid: String, uri: String) async throws -> String {
        let releases = try await database.read { try await store($0).releases(ocid: ocid) }
        guard let last = releases.last else { throw DomainError.notFound("no releases have ocid \(ocid)") }
        var compiled = try JSONDecoder().decode(Release.self, from: Data(last.utf8))
        compiled.id = "\(ocid)-compiled"
        compiled.tag = ["compiled"]
        let compiledJSON = String(decoding: try Self.encoder.encode(compiled), as: UTF8.self)
        return packageHeader(uri: uri) + "\"records\":[{\"ocid\":\(Self.quoted(ocid)),\"releases\":[" + releases.joined(separator: ",")
            + "],\"compiledRelease\":" + compiledJSON + "}]}"
    }

    /// Writes a release package of every release, page by page in publication order, so memory stays
    /// flat however many there are; returns how many were written.
    public func export(uri: String, write: (String) async throws -> Void) async throws -> Int {
        try await write(packageHeader(uri: uri) + "\"releases\":[")
        var after: Int64 = 0
        var written = 0
        while true {
            let page = try await database.read { try await store($0).page(from: nil, to: nil, after: after, limit: 1000) }
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
    }
}
