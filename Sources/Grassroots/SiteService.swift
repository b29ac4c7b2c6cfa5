import Catalogue
import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tabular

/// A page of sites and the cursor of the next one.
public struct SitePage: Sendable {
    public var sites: [ServiceSite]
    /// The code to pass as `after` for the next page; nil on the last page.
    public var next: String?
}

/// The service sites of the three-tier network (DOMAIN §6): registered and edited by the offices of their
/// jurisdiction or one above it (`.manageSites`), read by everyone, their staff named only to the offices and
/// overseers of the jurisdiction (`.readSiteStaff`). Every change is audited on the site's own chain.
public struct SiteService: Sendable {
    let database: Database
    let identity: IdentityService
    let catalogue: ServiceItemService
    let contracts: (any SiteContracts)?
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, catalogue: ServiceItemService, contracts: (any SiteContracts)? = nil,
                clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.catalogue = catalogue
        self.contracts = contracts
        self.clock = clock
    }

    public static let pageSizes = 1...200

    /// The columns of a sites file (Contracts/imports/service-sites.md).
    public static var format: TableFormat { SiteFile.format }

    func store(_ connection: PostgresConnection) -> SiteStore { SiteStore(connection: connection, logger: database.logger) }

    // MARK: Reading (public)

    /// A page of sites under the filters, in code order (a town's stations follow its centre).
    public func sites(_ query: SiteQuery) async throws -> SitePage {
        guard Self.pageSizes.contains(query.limit) else {
            throw DomainError.invalid([FieldError("limit", "must be between 1 and \(Self.pageSizes.upperBound)")])
        }
        let jurisdiction = try await filterJurisdiction(query.jurisdictionCode)
        let rows = try await database.read {
            try await store($0).sites(tier: query.tier, jurisdictionID: jurisdiction?.id, after: query.after, limit: query.limit + 1)
        }
        return SitePage(sites: Array(rows.prefix(query.limit)), next: rows.count > query.limit ? rows[query.limit - 1].content.code : nil)
    }

    /// Sites and staff per tier in a jurisdiction and below it (everywhere when nil).
    public func counts(jurisdictionCode: String?) async throws -> [SiteTierCount] {
        let jurisdiction = try await filterJurisdiction(jurisdictionCode)
        return try await database.read { try await store($0).counts(jurisdictionID: jurisdiction?.id) }
    }

    /// These sites, by id, in one reading (a list of figures names each of a county's sites).
    public func sites(ids: [UUID]) async throws -> [UUID: ServiceSite] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(try await database.read { try await store($0).sites(ids: ids) }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func site(id: UUID) async throws -> ServiceSite {
        guard let site = try await database.read({ try await store($0).site(id: id) }) else {
            throw DomainError.notFound("no service site has id \(id.lowercased)")
        }
        return site
    }

    public func site(code: String) async throws -> ServiceSite {
        guard let site = try await database.read({ try await store($0).site(code: code) }) else {
            throw DomainError.notFound("no service site has code \(code)")
        }
        return site
    }

    /// The site as the reader may see it: staff names only for the offices and overseers of its jurisdiction.
    public func view(_ site: ServiceSite, for actor: Actor?) -> SiteView {
        SiteView(site: site, staff: mayReadStaff(actor, site) ? site.content.staff : nil, mayEdit: mayManage(actor, site))
    }

    public func mayReadStaff(_ actor: Actor?, _ site: ServiceSite) -> Bool { Policy.decide(actor, .readSiteStaff, site.resource) == .allow }
    public func mayManage(_ actor: Actor?, _ site: ServiceSite) -> Bool { Policy.decide(actor, .manageSites, site.resource) == .allow }

    /// Whether the actor registers sites anywhere (in its own jurisdiction, or everywhere as an administrator).
    public func mayRegister(_ actor: Actor?) -> Bool {
        guard let actor else { return false }
        return Policy.decide(actor, .manageSites, Resource(jurisdictionPath: actor.jurisdictionPath)) == .allow
    }

    /// Refuses those who register no site anywhere (the register and import pages).
    public func authorizeRegistrar(_ actor: Actor?) throws {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        try Policy.authorize(actor, .manageSites, Resource(jurisdictionPath: actor.jurisdictionPath))
    }

    /// The site, for its edit form: refused to those who may not keep it (the page asks before it shows the form).
    public func siteToEdit(id: UUID, by actor: Actor?) async throws -> ServiceSite {
        guard let actor else { throw DomainError.unauthenticated("sign in first") }
        let site = try await site(id: id)
        try Policy.authorize(actor, .manageSites, site.resource)
        return site
    }

    /// Of these jurisdictions, those whose sites the actor keeps (a form offers only these).
    public func kept(_ jurisdictions: [Jurisdiction], by actor: Actor?) -> [Jurisdiction] {
        jurisdictions.filter { Policy.decide(actor, .manageSites, Resource(jurisdictionPath: $0.path)) == .allow }
    }

    /// The published catalogue items the site serves, in code order.
    public func items(of site: ServiceSite) async throws -> [ServiceItem] {
        try await catalogue.items(ids: site.content.itemIDs)
    }

    /// The reference of the contract a site is run under, when the platform holds it.
    public func contractReference(of site: ServiceSite) async throws -> String? {
        guard let id = site.content.contractID, let contracts else { return nil }
        return try await contracts.reference(of: id)
    }

    // MARK: Registering and editing

    /// Registers a site in a jurisdiction the actor's office keeps.
    public func register(by actor: Actor, _ content: SiteContent) async throws -> ServiceSite {
        let content = content.trimmed
        let jurisdiction = try await placed(content, by: actor)
        try await checkContent(content, in: jurisdiction)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lock()
            try await refuseTakenCode(store, content.code, except: nil)
            let site = ServiceSite(id: UUID.v7(at: now), content: content, jurisdictionID: jurisdiction.id, jurisdictionPath: jurisdiction.path,
                                   updatedAt: now)
            try await store.insert(site)
            try await audit(connection, actor, "site.registered", before: nil, after: site)
            return site
        }
    }

    /// Changes a site: the actor's office must keep both the jurisdiction it is in and the one it moves to.
    public func update(by actor: Actor, id: UUID, _ content: SiteContent) async throws -> ServiceSite {
        let before = try await site(id: id)
        try Policy.authorize(actor, .manageSites, before.resource)
        let content = content.trimmed
        let jurisdiction = try await placed(content, by: actor)
        try await checkContent(content, in: jurisdiction)
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lock()
            guard let before = try await store.site(id: id, forUpdate: true) else { throw DomainError.notFound("no service site has id \(id.lowercased)") }
            try await refuseTakenCode(store, content.code, except: id)
            var after = before
            after.content = content
            after.jurisdictionID = jurisdiction.id
            after.jurisdictionPath = jurisdiction.path
            guard after.content != before.content else { return before }
            if let moved = try await movedWithCases(before, after, store) { throw DomainError(.conflict, moved.message, fields: [moved]) }
            after.updatedAt = clock.now()
            try await store.update(after)
            try await audit(connection, actor, "site.updated", before: before, after: after)
            return after
        }
    }

    // MARK: Files

    /// Loads a CSV or XLSX file of sites (Contracts/imports/service-sites.md), matched on the site's code: new
    /// codes are registered, changed ones updated, the rest left alone. Every error of every row is reported
    /// together and nothing is written; a row in a jurisdiction the importer does not keep refuses the whole file
    /// (403 naming each such row). A file without the staff column leaves the staff of its sites as they are.
    public func importFile(by actor: Actor, _ data: Data) async throws -> SiteImportReport {
        try authorizeRegistrar(actor)
        let table = try SpreadsheetFile.read(data)
        let rows = try SiteFile.format.rows(of: table)
        let hasStaff = table.header.contains { name in SiteFile.format.columns.contains { $0.key == "staff" && ($0.zh == name || $0.en == name || $0.key == name) } }
        var errors = RowErrors()
        var parsed: [(TableFormat.Row, SiteContent)] = []
        // Catalogue items and contracts named by the file, looked up once.
        let itemCodes = Set(rows.flatMap { SiteFile.list($0["items"]) })
        let items = Dictionary(try await catalogue.items(codes: Array(itemCodes)).map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var jurisdictions: [String: Jurisdiction] = [:]
        var refused: [FieldError] = []
        for row in rows {
            errors.checkUnique(row, "code", row["code"])
            guard var content = SiteFile.content(of: row, items: items, errors: &errors) else { continue }
            if !row["contract"].isEmpty {
                if let id = try await contracts?.contractID(reference: row["contract"]) {
                    content.contractID = id
                } else {
                    errors.add(row, "contract", "no contract on the platform has the reference \(row["contract"])")
                }
            }
            for problem in content.problems {
                errors.add(row, SiteFile.column(of: problem.field), problem.message)
            }
            let code = content.jurisdictionCode
            if jurisdictions[code] == nil, let found = try await identity.jurisdiction(code: code) { jurisdictions[code] = found }
            guard let jurisdiction = jurisdictions[code] else {
                errors.add(row, "jurisdiction", "no jurisdiction has code \(code)")
                continue
            }
            if case .deny(let reason) = Policy.decide(actor, .manageSites, Resource(jurisdictionPath: jurisdiction.path)) {
                refused.append(FieldError("rows[\(row.number)].jurisdiction", reason))
                continue
            }
            if !content.tier.jurisdictionTiers.contains(jurisdiction.tier) {
                errors.add(row, "tier", tierMismatch(content.tier, jurisdiction))
            }
            for item in content.itemIDs.compactMap({ id in items.values.first { $0.id == id } }) where !jurisdiction.path.contains(item.jurisdictionID) {
                errors.add(row, "items", "\(item.code) is not on the catalogue of \(jurisdiction.nameZh) or a jurisdiction above it")
            }
            parsed.append((row, content))
        }
        if !refused.isEmpty {
            throw DomainError(.forbidden, "The file has rows in jurisdictions whose sites you do not keep; nothing was changed.", fields: refused)
        }
        try errors.finish()
        let now = clock.now()
        let (places, rowsToWrite) = (jurisdictions, parsed)
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lock()
            let held = Dictionary(uniqueKeysWithValues: try await store.sites(codes: rowsToWrite.map(\.1.code)).map { ($0.content.code, $0) })
            var report = SiteImportReport(created: 0, updated: 0, unchanged: 0)
            for (row, content) in rowsToWrite {
                guard let jurisdiction = places[content.jurisdictionCode] else { continue }
                var content = content
                if let before = held[content.code] {
                    if !hasStaff { content.staff = before.content.staff }
                    var after = before
                    after.content = content
                    after.jurisdictionID = jurisdiction.id
                    after.jurisdictionPath = jurisdiction.path
                    guard after.content != before.content else { report.unchanged += 1; continue }
                    if case .deny(let reason) = Policy.decide(actor, .manageSites, before.resource) {
                        throw DomainError(.forbidden, "The file changes a site whose jurisdiction you do not keep; nothing was changed.",
                                          fields: [FieldError("code", "site \(content.code): \(reason)")])
                    }
                    if let moved = try await movedWithCases(before, after, store) {
                        throw DomainError(.conflict, "The file moves a site that has service requests; nothing was changed.",
                                          fields: [FieldError("rows[\(row.number)].jurisdiction", moved.message)])
                    }
                    after.updatedAt = now
                    try await store.update(after)
                    try await audit(connection, actor, "site.updated", before: before, after: after)
                    report.updated += 1
                } else {
                    let site = ServiceSite(id: UUID.v7(at: now), content: content, jurisdictionID: jurisdiction.id,
                                           jurisdictionPath: jurisdiction.path, updatedAt: now)
                    try await store.insert(site)
                    try await audit(connection, actor, "site.registered", before: nil, after: site)
                    report.created += 1
                }
            }
            return report
        }
    }

    /// A site with cases keeps its jurisdiction: its cases were registered, are read and are counted there (their path is
    /// the site's, which the supervision figures rely on). A new jurisdiction means a new site.
    private func movedWithCases(_ before: ServiceSite, _ after: ServiceSite, _ store: SiteStore) async throws -> FieldError? {
        guard after.jurisdictionID != before.jurisdictionID, try await store.hasRequests(siteID: before.id) else { return nil }
        return FieldError("jurisdictionCode", "site \(before.content.code) has service requests registered in \(before.content.jurisdictionCode) and stays there; register a new site for \(after.content.jurisdictionCode)")
    }

    /// The sites of a jurisdiction and below it (every site when nil) in the import format, Chinese headers. The
    /// staff column is written only when the reader may read the staff of every site exported (names are personal
    /// data); importing the file back changes nothing.
    public func export(for actor: Actor?, jurisdictionCode: String? = nil, as kind: SpreadsheetFile.Kind) async throws -> Data {
        var sites: [ServiceSite] = []
        var after: String?
        repeat {
            let page = try await self.sites(SiteQuery(jurisdictionCode: jurisdictionCode, after: after, limit: Self.pageSizes.upperBound))
            sites += page.sites
            after = page.next
        } while after != nil
        let withStaff = sites.allSatisfy { mayReadStaff(actor, $0) }
        let codes = Dictionary(try await catalogue.items(ids: Array(Set(sites.flatMap(\.content.itemIDs)))).map { ($0.id, $0.code) },
                               uniquingKeysWith: { a, _ in a })
        var references: [UUID: String] = [:]
        for id in Set(sites.compactMap(\.content.contractID)) { references[id] = try await contracts?.reference(of: id) }
        let columns = SiteFile.format.columns.filter { withStaff || $0.key != "staff" }
        let rows = sites.map { site in
            let cells = SiteFile.cells(of: site.content, itemCodes: codes, contract: site.content.contractID.flatMap { references[$0] })
            return columns.map { cells[$0.key] ?? "" }
        }
        return SpreadsheetFile.write(Table(header: columns.map(\.zh), rows: rows), as: kind)
    }

    // MARK: Rules that need the database

    /// The jurisdiction the content places the site in, once the actor's office is found to keep it.
    private func placed(_ content: SiteContent, by actor: Actor) async throws -> Jurisdiction {
        guard !content.jurisdictionCode.isEmpty else {
            throw DomainError.invalid([FieldError("jurisdictionCode", "is required")] + content.problems.filter { $0.field != "jurisdictionCode" })
        }
        guard let jurisdiction = try await identity.jurisdiction(code: content.jurisdictionCode) else {
            throw DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code \(content.jurisdictionCode)")]
                                      + content.problems.filter { $0.field != "jurisdictionCode" })
        }
        try Policy.authorize(actor, .manageSites, Resource(jurisdictionPath: jurisdiction.path))
        return jurisdiction
    }

    /// Every problem of the content, its own and those against the catalogue, the contracts and the jurisdiction.
    private func checkContent(_ content: SiteContent, in jurisdiction: Jurisdiction) async throws {
        var problems = content.problems
        if !content.tier.jurisdictionTiers.contains(jurisdiction.tier) {
            problems.append(FieldError("tier", tierMismatch(content.tier, jurisdiction)))
        }
        let found = try await catalogue.items(ids: content.itemIDs)
        for id in content.itemIDs {
            guard let item = found.first(where: { $0.id == id }) else {
                problems.append(FieldError("items", "the catalogue has no published item \(id.lowercased)"))
                continue
            }
            if !jurisdiction.path.contains(item.jurisdictionID) {
                problems.append(FieldError("items", "\(item.code) is not on the catalogue of \(jurisdiction.nameZh) or a jurisdiction above it"))
            }
        }
        if let id = content.contractID, content.operatorKind == .socialOrganisation {
            if try await contracts?.reference(of: id) == nil {
                problems.append(FieldError("contractId", "no contract on the platform has id \(id.lowercased)"))
            }
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
    }

    private func tierMismatch(_ tier: SiteTier, _ jurisdiction: Jurisdiction) -> Message {
        "a \(tier) cannot sit in \(jurisdiction.nameZh), a \(jurisdiction.tier) jurisdiction"
    }

    private func refuseTakenCode(_ store: SiteStore, _ code: String, except id: UUID?) async throws {
        if let other = try await store.site(code: code), other.id != id {
            throw DomainError.invalid([FieldError("code", "is already the code of \(other.content.nameZh)")])
        }
    }

    /// The filter's jurisdiction; an unknown code is the caller's mistake (422), not an empty list.
    private func filterJurisdiction(_ code: String?) async throws -> Jurisdiction? {
        guard let code, !code.isEmpty else { return nil }
        guard let jurisdiction = try await identity.jurisdiction(code: code) else {
            throw DomainError.invalid([FieldError("jurisdiction", "no jurisdiction has code \(code)")])
        }
        return jurisdiction
    }

    private func audit(_ connection: PostgresConnection, _ actor: Actor, _ action: String, before: ServiceSite?, after: ServiceSite) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("site", after.id), before: before?.content, after: after.content, at: clock.now())
    }
}

extension SiteService {
    /// The register and edit forms' fields read as content, the same way a file's cells are read (areas in m² with
    /// one decimal, equipment and items as lists, staff one per line as name|post|pay band, the contract by its
    /// reference). Everything unreadable and every rule of the content is refused together, each on its field.
    public func content(form: [String: String]) async throws -> SiteContent {
        var errors: [FieldError] = []
        func text(_ key: String) -> String { form[key]?.trimmingSpaces ?? "" }
        let tier = SiteTier(rawValue: text("tier"))
        if tier == nil { errors.append(FieldError("tier", "is required")) }
        let operatorKind = OperatorKind(rawValue: text("operatorKind"))
        if operatorKind == nil { errors.append(FieldError("operatorKind", "is required")) }
        func area(_ key: String) -> Int {
            guard let tenths = NumberText.scaled(text(key), decimals: 1), let value = Int(exactly: tenths) else {
                errors.append(FieldError(key, "\(text(key)) is not an area in m² with at most one decimal (e.g. 42.6)"))
                return -1
            }
            return value
        }
        let floor = area("floorArea")
        let hall = area("hallArea")
        var windows = -1
        if let number = NumberText.integer(text("windows")), let small = Int(exactly: number) { windows = small } else {
            errors.append(FieldError("windows", "\(text("windows")) is not a whole number"))
        }
        var staff: [SiteStaff] = []
        for line in text("staff").split(whereSeparator: \.isNewline).map({ $0.trimmingSpaces }) where !line.isEmpty {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            guard parts.count == 3, let post = SiteFile.value(parts[1], SiteFile.posts) else {
                errors.append(FieldError("staff", "\(line) is not written name|post|pay band with a post of \(SiteFile.posts.map { $0.1[0] }.joined(separator: ", "))"))
                continue
            }
            staff.append(SiteStaff(name: parts[0], post: post, payBand: parts[2]))
        }
        let equipment = text("equipment").split(whereSeparator: { $0.isNewline || $0 == "、" || $0 == ";" || $0 == "；" })
            .map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        let codes = SiteFile.list(text("items").replacingOccurrences(of: "\n", with: ";").replacingOccurrences(of: ",", with: ";"))
        let found = try await catalogue.items(codes: codes)
        var itemIDs: [UUID] = []
        for code in codes {
            if let item = found.first(where: { $0.code == code }) { itemIDs.append(item.id) } else {
                errors.append(FieldError("items", "the catalogue has no published item \(code)"))
            }
        }
        var contractID: UUID?
        if !text("contract").isEmpty {
            contractID = try await contracts?.contractID(reference: text("contract"))
            if contractID == nil { errors.append(FieldError("contractId", "no contract on the platform has the reference \(text("contract"))")) }
        }
        let content = SiteContent(code: text("code"), nameZh: text("nameZh"), nameEn: text("nameEn"), tier: tier ?? .villageStation,
                                  jurisdictionCode: text("jurisdictionCode"), operatorKind: operatorKind ?? .governmentOffice,
                                  operatorName: text("operatorName"), contractID: contractID, address: text("address"), floorAreaTenths: floor,
                                  hallAreaTenths: hall, equipment: equipment, windows: windows, staff: staff, openingHours: text("openingHours"),
                                  itemIDs: itemIDs)
        if !errors.isEmpty {
            let named = Set(errors.map(\.field))
            throw DomainError.invalid(errors + content.problems.filter { !named.contains($0.field) })
        }
        return content
    }

    /// The form's fields of a site, as `content(form:)` reads them back.
    public func form(of site: ServiceSite) async throws -> [String: String] {
        let c = site.content
        let codes = try await catalogue.items(ids: c.itemIDs)
        let contract = try await contractReference(of: site) ?? ""
        return ["code": c.code, "nameZh": c.nameZh, "nameEn": c.nameEn, "tier": c.tier.rawValue, "jurisdictionCode": c.jurisdictionCode,
                "operatorKind": c.operatorKind.rawValue, "operatorName": c.operatorName, "contract": contract,
                "address": c.address, "floorArea": SiteFile.area(c.floorAreaTenths), "hallArea": SiteFile.area(c.hallAreaTenths),
                "equipment": c.equipment.joined(separator: "\n"), "windows": String(c.windows),
                "staff": c.staff.map { "\($0.name)|\(SiteFile.word($0.post, SiteFile.posts))|\($0.payBand)" }.joined(separator: "\n"),
                "openingHours": c.openingHours,
                "items": c.itemIDs.compactMap { id in codes.first { $0.id == id }?.code }.joined(separator: "；")]
    }

    /// An area in tenths of a m² as the pages write it (42.6, 15).
    public static func area(_ tenths: Int) -> String { SiteFile.area(tenths) }
}
