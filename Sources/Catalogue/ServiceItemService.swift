import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tabular

/// The service catalogue (事项清单): canonical items with published versions, their tier matrix and the
/// materials they require. Read by everyone; each jurisdiction's list is kept by its finance offices and
/// those above it (see ServiceItemService+Jurisdictions); the shared materials registry by administrators.
public struct ServiceItemService: Sendable {
    let database: Database
    let identity: IdentityService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.clock = clock
    }

    func store(_ connection: PostgresConnection) -> ServiceItemStore {
        ServiceItemStore(connection: connection, logger: database.logger)
    }

    func audit<State: Encodable>(_ connection: PostgresConnection, _ actor: Actor, _ action: String, _ entity: AuditEntity,
                                         before: State?, after: State?) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action, entity: entity,
                                  before: before, after: after, at: clock.now())
    }

    // MARK: Reading

    public func search(_ search: ItemSearch) async throws -> [ServiceItem] {
        guard search.text.count <= ItemSearch.maximumTextLength else {
            throw DomainError.invalid([FieldError("q", "must be at most \(ItemSearch.maximumTextLength) characters")])
        }
        var search = search
        search.limit = min(max(search.limit, 1), 200)
        let path = try await jurisdiction(search.jurisdiction)?.path
        return try await database.read { [search] in try await store($0).search(search, jurisdictions: path) }
    }

    public func item(id: UUID) async throws -> ServiceItem {
        guard let item = try await database.read({ try await store($0).item(id: id) }) else {
            throw DomainError.notFound("the catalogue has no item \(id.uuidString.lowercased())")
        }
        return item
    }

    /// The published items among these ids or codes, in code order; unknown and unpublished ones are left out
    /// (other modules refer to items by id: a site's items served).
    public func items(ids: [UUID] = [], codes: [String] = []) async throws -> [ServiceItem] {
        guard !ids.isEmpty || !codes.isEmpty else { return [] }
        return try await database.read { try await store($0).published(ids: ids, codes: codes) }
    }

    /// Every published version, newest first, each with what changed from the one before it.
    public func history(id: UUID) async throws -> [(item: ServiceItem, changes: [FieldChange])] {
        let versions = try await database.read { try await store($0).versions(itemID: id) }
        guard !versions.isEmpty else { throw DomainError.notFound("the catalogue has no item \(id.uuidString.lowercased())") }
        let materials = Dictionary(uniqueKeysWithValues: try await self.materials().map { ($0.id, $0.code) })
        return versions.enumerated().map { index, version in
            let previous = index + 1 < versions.count ? versions[index + 1].content : nil
            return (version, previous.map { FieldChange.between($0, version.content, materialCodes: materials) } ?? [])
        }
    }

    public func materials() async throws -> [Material] {
        try await database.read { try await store($0).materials() }
    }

    /// The materials an item requires now: those of its version that have not been retired since.
    public func requiredMaterials(of item: ServiceItem) async throws -> (required: [Material], retired: [Material]) {
        let all = Dictionary(uniqueKeysWithValues: try await materials().map { ($0.id, $0) })
        let listed = item.content.materialIDs.compactMap { all[$0] }
        return (listed.filter { !$0.isRetired }, listed.filter(\.isRetired))
    }

    public func materialsReport() async throws -> [MaterialsByIssuer] {
        try await database.read { try await store($0).materialsByIssuer() }
    }

    // MARK: Local details

    /// Every jurisdiction's local details of an item.
    public func localDetails(of itemID: UUID) async throws -> [LocalDetails] {
        try await database.read { try await store($0).localDetails(itemID: itemID) }
    }

    /// Records how a jurisdiction offers an item (its offices, or those above it).
    public func setLocalDetails(by actor: Actor, itemID: UUID, jurisdictionCode: String, address: String, phone: String,
                                hours: String, notes: String) async throws -> LocalDetails {
        guard let jurisdiction = try await identity.jurisdiction(code: jurisdictionCode) else {
            throw DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code \(jurisdictionCode)")])
        }
        try Policy.authorize(actor, .manageLocalDetails, Resource(jurisdictionPath: jurisdiction.path))
        let item = try await item(id: itemID)
        var check = Validator()
        let details = LocalDetails(jurisdictionID: jurisdiction.id, address: check.text(address, "address", max: 300),
                                   phone: check.text(phone, "phone", max: 50), hours: check.text(hours, "hours", max: 200),
                                   notes: check.text(notes, "notes", max: 1000, required: false))
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            let before = try await store.localDetails(itemID: item.id).first { $0.jurisdictionID == jurisdiction.id }
            guard before != details else { return details }
            try await store.save(details, itemID: item.id, by: actor.userID, at: clock.now())
            try await audit(connection, actor, "item.local_details_set", AuditEntity("service_item", item.id), before: before, after: details)
            return details
        }
    }

    // MARK: Materials

    public static let materialFormat = TableFormat([
        .init("code", zh: "编码", en: "Code"),
        .init("nameZh", zh: "中文名称", en: "Name (Chinese)"),
        .init("nameEn", zh: "英文名称", en: "Name (English)"),
        .init("issuer", zh: "出具单位", en: "Issuer"),
    ])

    /// Adds and updates materials from a CSV or XLSX file; all or nothing. The registry is shared by every
    /// jurisdiction's items, so it is kept by the platform's administrators.
    public func importMaterials(by actor: Actor, _ data: Data) async throws -> ImportReport {
        try Policy.authorize(actor, .manageReferenceLists, .platform)
        let rows = try Self.materialFormat.rows(of: try SpreadsheetFile.read(data))
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lock()
            let existing = Dictionary(uniqueKeysWithValues: try await store.materials().map { ($0.code, $0) })
            var errors = RowErrors()
            var incoming: [Material] = []
            for row in rows {
                let code = row["code"].uppercased()
                if code.range(of: #"^M[0-9]{4}$"#, options: .regularExpression) == nil {
                    errors.add(row, "code", code.isEmpty ? "is empty; codes look like M0001" : "\(code) is not a material code; codes look like M0001")
                }
                errors.checkUnique(row, "code", code)
                for key in ["nameZh", "nameEn", "issuer"] where row[key].isEmpty { errors.add(row, key, "is required") }
                var material = existing[code] ?? Material(id: UUID.v7(at: now), code: code, nameZh: "", nameEn: "", issuer: "")
                material.nameZh = row["nameZh"]
                material.nameEn = row["nameEn"]
                material.issuer = row["issuer"]
                incoming.append(material)
            }
            try errors.finish()
            return try await ImportWriter<Material>(connection: connection, database: database, actor: actor, kind: "material", at: now)
                .write(incoming, existing: { existing[$0.code] }, id: \.id,
                       insert: { try await store.insert($0, at: now) }, update: { try await store.update($0) })
        }
    }

    /// Retires a material: from now on no item requires it. The published versions that listed it
    /// stay as they were; the item pages show it as no longer needed, with the reason.
    public func retireMaterial(by actor: Actor, code: String, reason: RetirementReason, note: String) async throws -> Material {
        try Policy.authorize(actor, .manageReferenceLists, .platform)
        var check = Validator()
        let note = check.text(note, "note", max: 500)
        try check.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let before = try await store.material(code: code, forUpdate: true) else {
                throw DomainError.notFound("the registry has no material \(code)")
            }
            guard !before.isRetired else { throw DomainError.conflict("\(code) was retired already") }
            var after = before
            after.retiredAt = clock.now()
            after.retiredReason = reason
            after.retiredNote = note
            try await store.update(after)
            try await audit(connection, actor, "material.retired", AuditEntity("material", before.id), before: before, after: after)
            return after
        }
    }

    // MARK: Items

    public static let itemFormat = TableFormat([
        .init("code", zh: "事项编码", en: "Code"),
        .init("department", zh: "实施部门", en: "Department"),
        .init("nameZh", zh: "事项名称", en: "Name (Chinese)"),
        .init("nameEn", zh: "英文名称", en: "Name (English)"),
        .init("legalBasis", zh: "实施依据", en: "Legal basis"),
        .init("conditions", zh: "申请条件", en: "Conditions"),
        .init("procedure", zh: "办理程序", en: "Procedure"),
        .init("materials", zh: "提报材料", en: "Materials"),
        .init("result", zh: "处理结果", en: "Result"),
        .init("timeLimitDays", zh: "承诺时限（工作日）", en: "Time limit (working days)"),
        .init("onTheSpot", zh: "即办件", en: "On the spot"),
        .init("channel", zh: "办理渠道", en: "Channel"),
        .init("fees", zh: "收费标准", en: "Fees"),
        .init("acceptTier", zh: "受理层级", en: "Accepted at"),
        .init("approveTier", zh: "审批层级", en: "Approved at"),
        .init("handleTier", zh: "经办层级", en: "Handled at"),
        .init("acceptDays", zh: "受理时限", en: "Days to accept"),
        .init("approveDays", zh: "审批时限", en: "Days to approve"),
        .init("jurisdiction", zh: "所属清单", en: "List", required: false),
    ])

    static let channelWords: [String: Channel] = ["window": .window, "窗口": .window, "online": .online, "网上": .online,
                                                  "both": .both, "均可": .both]
    static let channelLabels: [Channel: String] = [.window: "窗口", .online: "网上", .both: "均可"]
    static let yes: Set<String> = ["是", "yes", "true", "1", "y"]
    static let no: Set<String> = ["否", "no", "false", "0", "n"]

    /// Adds items and publishes a new version of each changed one from a CSV or XLSX file; all or nothing.
    /// Every row must be on a list the actor keeps: an existing item's own list, a new item's stated list
    /// or its department's. Rows outside it refuse the whole file (403, naming them) before anything else is said.
    public func importItems(by actor: Actor, _ data: Data) async throws -> ImportReport {
        try requireKeeper(actor)
        let rows = try Self.itemFormat.rows(of: try SpreadsheetFile.read(data))
        let departments = try await buyingOrganisations()
        let jurisdictions = try await identity.jurisdictions()
        let byID = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0) })
        let byCode = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.code, $0) })
        func department(_ row: TableFormat.Row) -> Organisation? { departments[row["department"]] ?? departments[row["department"].uppercased()] }
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lock()
            // The list each row would change, and whether the actor keeps it.
            var lists: [Int: UUID] = [:]
            var refused = RowErrors()
            for row in rows {
                let code = row["code"].uppercased()
                let listID: UUID?
                if let existing = try await store.header(code: code) {
                    listID = existing.jurisdictionID
                } else if let department = department(row) {
                    let stated = row["jurisdiction"].isEmpty ? nil : byCode[row["jurisdiction"]]
                    listID = row["jurisdiction"].isEmpty || stated != nil ? listOfNewItem(department: department, stated: stated).jurisdictionID : nil
                } else {
                    listID = nil
                }
                guard let listID, let list = byID[listID] else { continue }  // reported with the other errors below
                lists[row.number] = listID
                if Policy.decide(actor, .manageCatalogue, Resource(jurisdictionPath: list.path)) != .allow {
                    refused.add(row, "code", "\(code) is on the list of \(list.nameZh) (\(list.code)), which only its finance offices and those above it keep")
                }
            }
            if !refused.errors.isEmpty {
                throw DomainError(.forbidden, "The file changes items of lists you do not keep; nothing was changed.", fields: refused.errors)
            }

            let registry = try await store.materials()
            let materials = Dictionary(uniqueKeysWithValues: registry.map { ($0.code, $0) })
            let materialsByID = Dictionary(uniqueKeysWithValues: registry.map { ($0.id, $0) })
            var errors = RowErrors()
            var incoming: [(row: TableFormat.Row, code: String, department: UUID, list: UUID, content: ItemContent)] = []
            for row in rows {
                let code = row["code"].uppercased()
                if !Self.isItemCode(code) {
                    errors.add(row, "code", code.isEmpty ? "is empty; codes look like MZ-001" : "\(code) is not an item code; codes look like MZ-001")
                }
                errors.checkUnique(row, "code", code)
                let department = department(row)
                if department == nil { errors.add(row, "department", "\(row["department"]) is not a registered department or finance office (give its name or credit code)") }
                if !row["jurisdiction"].isEmpty {
                    if let stated = byCode[row["jurisdiction"]] {
                        if let existing = try await store.header(code: code), existing.jurisdictionID != stated.id {
                            errors.add(row, "jurisdiction", "\(code) is on the list of \(byID[existing.jurisdictionID]?.code ?? "another jurisdiction"); an item's list is fixed when it is created")
                        } else if let department, let problem = listOfNewItem(department: department, stated: stated).problem {
                            errors.add(row, "jurisdiction", problem)
                        }
                    } else {
                        errors.add(row, "jurisdiction", "no jurisdiction has code \(row["jurisdiction"])")
                    }
                }
                let steps = Self.steps(row["procedure"])
                var materialIDs: [UUID] = []
                for name in row["materials"].split(whereSeparator: { "、,，;； \n".contains($0) }).map({ String($0).uppercased() }) {
                    guard let material = materials[name] else { errors.add(row, "materials", "\(name) is not in the materials registry"); continue }
                    materialIDs.append(material.id)
                }
                func number(_ key: String) -> Int {
                    guard let value = Int(row[key]) else { errors.add(row, key, "must be a whole number of days from 0 to 365"); return 0 }
                    return value
                }
                func tier(_ key: String) -> Tier {
                    guard let tier = Tier(cell: row[key]) else { errors.add(row, key, "must be 区县/街道/社区 (district/street/community)"); return .district }
                    return tier
                }
                let onTheSpot = Self.yes.contains(row["onTheSpot"].lowercased())
                if !onTheSpot && !Self.no.contains(row["onTheSpot"].lowercased()) { errors.add(row, "onTheSpot", "must be 是 or 否 (yes or no)") }
                let channel = Self.channelWords[row["channel"].lowercased()]
                if channel == nil { errors.add(row, "channel", "must be 窗口, 网上 or 均可 (window, online, both)") }
                let authority = TierAuthority(accept: tier("acceptTier"), approve: tier("approveTier"), handle: tier("handleTier"),
                                              acceptDays: number("acceptDays"), approveDays: number("approveDays"))
                let content = ItemContent(nameZh: row["nameZh"], nameEn: row["nameEn"], legalBasis: row["legalBasis"], conditions: row["conditions"],
                                          procedure: steps, result: row["result"], timeLimitDays: number("timeLimitDays"), onTheSpot: onTheSpot,
                                          channel: channel ?? .window, fees: row["fees"].isEmpty ? "不收费" : row["fees"], authority: authority,
                                          materialIDs: materialIDs)
                for problem in content.problems(materials: materialsByID) { errors.add(row, problem.field, problem.message) }
                if let department, let list = lists[row.number] { incoming.append((row, code, department.id, list, content)) }
            }
            for item in incoming where try await store.item(code: item.code) == nil {
                if try await store.itemExists(code: item.code) {
                    errors.add(item.row, "code", "\(item.code) is a new item still in draft; publish or discard the draft first")
                }
            }
            try errors.finish()

            var report = ImportReport()
            for (_, code, department, list, content) in incoming {
                if let current = try await store.item(code: code, forUpdate: true) {
                    guard current.content != content else { report.unchanged += 1; continue }
                    try await store.publish(itemID: current.id, version: current.version + 1, content, by: actor.userID, at: now)
                    try await audit(connection, actor, "item.published", AuditEntity("service_item", current.id), before: current.content, after: content)
                    report.updated += 1
                } else {
                    let id = UUID.v7(at: now)
                    try await store.insertItem(id: id, code: code, departmentID: department, jurisdictionID: list, at: now)
                    try await store.publish(itemID: id, version: 1, content, by: actor.userID, at: now)
                    try await audit(connection, actor, "item.published", AuditEntity("service_item", id), before: nil, after: content)
                    report.created += 1
                }
            }
            return report
        }
    }

    /// Procedure steps from one text: a step per line (or separated by semicolons).
    static func steps(_ text: String) -> [String] {
        text.split(whereSeparator: { "\n；;".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Departments and finance offices by Chinese name and by credit code.
    private func buyingOrganisations() async throws -> [String: Organisation] {
        var result: [String: Organisation] = [:]
        for kind in [OrganisationKind.department, .financeOffice] {
            var after: Organisation?
            repeat {
                let page = try await identity.organisations(kind: kind, after: after, limit: 200)
                for organisation in page {
                    result[organisation.nameZh] = organisation
                    if let code = organisation.creditCode { result[code] = organisation }
                }
                after = page.count == 200 ? page.last : nil
            } while after != nil
        }
        return result
    }

    /// Every published item, or one jurisdiction's own list (given by code), in the import format:
    /// importing it back changes nothing.
    public func exportItems(as kind: SpreadsheetFile.Kind, jurisdiction code: String? = nil) async throws -> Data {
        let materials = Dictionary(uniqueKeysWithValues: try await self.materials().map { ($0.id, $0.code) })
        let jurisdictions = try await identity.jurisdictions()
        let codes = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0.code) })
        let list = try await jurisdiction(code, among: jurisdictions)
        var names: [UUID: String] = [:]
        var rows: [[String]] = []
        for item in try await database.read({ try await store($0).allPublished(jurisdictionID: list?.id) }) {
            if names[item.departmentID] == nil { names[item.departmentID] = try await identity.organisation(id: item.departmentID).nameZh }
            let c = item.content
            rows.append([item.code, names[item.departmentID]!, c.nameZh, c.nameEn, c.legalBasis, c.conditions, c.procedure.joined(separator: "\n"),
                         c.materialIDs.compactMap { materials[$0] }.joined(separator: "、"), c.result, String(c.timeLimitDays),
                         c.onTheSpot ? "是" : "否", Self.channelLabels[c.channel]!, c.fees, c.authority.accept.cellLabel,
                         c.authority.approve.cellLabel, c.authority.handle.cellLabel, String(c.authority.acceptDays),
                         String(c.authority.approveDays), codes[item.jurisdictionID] ?? ""])
        }
        return SpreadsheetFile.write(Table(header: Self.itemFormat.header, rows: rows), as: kind)
    }

    public func exportMaterials(as kind: SpreadsheetFile.Kind) async throws -> Data {
        let rows = try await materials().map { [$0.code, $0.nameZh, $0.nameEn, $0.issuer] }
        return SpreadsheetFile.write(Table(header: Self.materialFormat.header, rows: rows), as: kind)
    }
}

/// One field that differs between two versions of an item, for the history page.
public struct FieldChange: Sendable, Equatable {
    public var field: String
    public var before: String
    public var after: String

    static func between(_ old: ItemContent, _ new: ItemContent, materialCodes: [UUID: String]) -> [FieldChange] {
        func text(_ c: ItemContent) -> [(String, String)] {
            [("nameZh", c.nameZh), ("nameEn", c.nameEn), ("legalBasis", c.legalBasis), ("conditions", c.conditions),
             ("procedure", c.procedure.joined(separator: " → ")), ("materials", c.materialIDs.compactMap { materialCodes[$0] }.joined(separator: "、")),
             ("result", c.result), ("timeLimitDays", String(c.timeLimitDays)), ("onTheSpot", c.onTheSpot ? "是" : "否"),
             ("channel", c.channel.rawValue), ("fees", c.fees), ("acceptTier", c.authority.accept.rawValue),
             ("approveTier", c.authority.approve.rawValue), ("handleTier", c.authority.handle.rawValue),
             ("acceptDays", String(c.authority.acceptDays)), ("approveDays", String(c.authority.approveDays))]
        }
        return zip(text(old), text(new)).compactMap { old, new in
            old.1 == new.1 ? nil : FieldChange(field: old.0, before: old.1, after: new.1)
        }
    }
}
