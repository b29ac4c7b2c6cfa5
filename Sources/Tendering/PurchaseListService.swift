import Catalogue
import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tabular

/// Purchase lists (采购清单): each buyer's budgeted needs for a year, typed in or imported from a
/// spreadsheet. Public to read; kept by the buyer's own staff. Only purchasable catalogue codes.
public struct PurchaseListService: Sendable {
    let database: Database
    let identity: IdentityService
    let catalogue: PurchaseCatalogueService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, catalogue: PurchaseCatalogueService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.catalogue = catalogue
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> PurchaseLineStore {
        PurchaseLineStore(connection: connection, logger: database.logger)
    }

    private func audit(_ connection: PostgresConnection, _ actor: Actor, _ action: String, before: PurchaseLine?, after: PurchaseLine) async throws {
        try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: action,
                                  entity: AuditEntity("purchase_line", after.id), before: before, after: after, at: clock.now())
    }

    // MARK: Reading

    public func lines(_ query: PurchaseLineQuery) async throws -> [PurchaseLine] {
        if let year = query.year, !PurchaseLineContent.years.contains(year) {
            throw DomainError.invalid([FieldError("year", "must be a year from 2000 to 2100")])
        }
        var query = query
        query.limit = min(max(query.limit, 1), 500)
        return try await database.read { [query] in try await store($0).lines(query) }
    }

    /// The number of lines a list's filters match and their budgets summed, however many pages they fill.
    public func totals(year: Int?, buyerID: UUID?) async throws -> (count: Int, budget: Money) {
        if let year, !PurchaseLineContent.years.contains(year) {
            throw DomainError.invalid([FieldError("year", "must be a year from 2000 to 2100")])
        }
        return try await database.read { try await store($0).totals(year: year, buyerID: buyerID) }
    }

    /// Many lines at once (purchase lists are public); missing ids are left out.
    public func lines(ids: [UUID]) async throws -> [PurchaseLine] {
        guard !ids.isEmpty else { return [] }
        return try await database.read { try await store($0).lines(ids: ids) }
    }

    /// Every line whose budget is at least `floor` and under `ceiling` (purchase lists are public), by year, buyer and reference.
    public func lines(budgetFrom floor: Money, below ceiling: Money) async throws -> [PurchaseLine] {
        try await database.read { try await store($0).lines(budgetFrom: floor, below: ceiling) }
    }

    public func line(id: UUID) async throws -> PurchaseLine {
        guard let line = try await database.read({ try await store($0).line(id: id) }) else {
            throw DomainError.notFound("no purchase line has id \(id.lowercased)")
        }
        return line
    }

    // MARK: Typing a line in

    /// Adds a line to the buyer's list.
    public func addLine(by actor: Actor, buyerID: UUID, _ content: PurchaseLineContent) async throws -> PurchaseLine {
        try await checkBuyer(actor, buyerID)
        try await check(content, buyerID: buyerID)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await refuseTakenReference(store, buyerID: buyerID, content, except: nil)
            let line = PurchaseLine(id: UUID.v7(at: now), buyerID: buyerID, content: content)
            try await store.insert(line, at: now)
            try await audit(connection, actor, "purchase_line.created", before: nil, after: line)
            return line
        }
    }

    /// Changes a line of the buyer's list.
    public func updateLine(by actor: Actor, id: UUID, _ content: PurchaseLineContent) async throws -> PurchaseLine {
        let before = try await line(id: id)
        try await checkBuyer(actor, before.buyerID)
        try await check(content, buyerID: before.buyerID)
        return try await database.transaction { connection in
            let store = store(connection)
            let before = try await store.lineForUpdate(id: id) ?? before
            try await refuseTakenReference(store, buyerID: before.buyerID, content, except: id)
            let after = PurchaseLine(id: id, buyerID: before.buyerID, content: content)
            guard after != before else { return before }
            try await change(store, from: before, to: after)
            try await audit(connection, actor, "purchase_line.updated", before: before, after: after)
            return after
        }
    }

    /// Writes a changed line unless money depends on what changed: its budget not below what its lots plan to
    /// spend (here) or what the ledger has committed (the database's trigger, migration 0031), its year and
    /// catalogue code not once a lot or a commitment uses it.
    private func change(_ store: PurchaseLineStore, from before: PurchaseLine, to after: PurchaseLine) async throws {
        let lots = try await store.holdingLots(lineID: before.id)
        let reference = before.content.reference
        if after.content.budget < lots.budget {
            throw DomainError(.conflict, "line \(reference) cannot budget \(after.content.budget.formatted): its tenders' lots plan \(lots.budget.formatted) on it",
                              fields: [FieldError("budget", "must be at least the \(lots.budget.formatted) its tenders' lots plan")])
        }
        if lots.count > 0 && (after.content.year != before.content.year || after.content.catalogueCode != before.content.catalogueCode) {
            throw DomainError(.conflict, "line \(reference) keeps its year and catalogue code: \(lots.count) lot(s) of its tenders use it",
                              fields: [FieldError(after.content.year != before.content.year ? "year" : "catalogueCode", "is fixed once a tender uses the line")])
        }
        do {
            try await store.update(after, at: clock.now())
        } catch let error as PSQLError where error.isRuleRefusal {
            let field = error.columnName == "year" ? "year" : error.columnName == "catalogueCode" ? "catalogueCode" : "budget"
            throw DomainError(.conflict, error.refusal ?? "the line's money depends on it", fields: [FieldError(field, "is fixed by the money committed on the line")])
        }
    }

    private func checkBuyer(_ actor: Actor, _ buyerID: UUID) async throws {
        try Policy.authorize(actor, .managePurchaseList, Resource(organisationID: buyerID))
        let buyer = try await identity.organisation(id: buyerID)
        guard buyer.kind.isBuyer else { throw DomainError.invalid([FieldError("buyerId", "\(buyer.nameZh) is not a buying office")]) }
    }

    private func check(_ content: PurchaseLineContent, buyerID: UUID) async throws {
        var problems = content.problems
        if let problem = try await catalogue(of: buyerID).purchaseProblem(content.catalogueCode) {
            problems.insert(FieldError("catalogueCode", problem), at: 0)
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
    }

    /// The guiding catalogue as it holds where the buyer sits: the national negative list and those of its
    /// jurisdiction and the jurisdictions above it.
    private func catalogue(of buyerID: UUID) async throws -> [PurchaseCategory] {
        try await catalogue.categories(in: try await identity.resource(of: buyerID).jurisdictionPath)
    }

    private func refuseTakenReference(_ store: PurchaseLineStore, buyerID: UUID, _ c: PurchaseLineContent, except id: UUID?) async throws {
        if try await store.referenceTaken(buyerID: buyerID, year: c.year, reference: c.reference, except: id) {
            throw DomainError(.conflict, "the \(c.year) list already has a line \(c.reference)",
                              fields: [FieldError("reference", "is used by another line of \(c.year)")])
        }
    }

    // MARK: Import and export

    /// The file format, documented in Contracts/imports/purchase-lines.md.
    public static let format = TableFormat([
        .init("year", zh: "年度", en: "Year"),
        .init("reference", zh: "编号", en: "Reference"),
        .init("catalogueCode", zh: "目录编码", en: "Catalogue code"),
        .init("title", zh: "项目名称", en: "Title"),
        .init("targetGroup", zh: "服务对象", en: "Target group"),
        .init("quantity", zh: "数量", en: "Quantity"),
        .init("unit", zh: "单位", en: "Unit"),
        .init("budget", zh: "预算金额（元）", en: "Budget (yuan)"),
        .init("fundingSource", zh: "资金来源", en: "Funding source"),
        .init("tier", zh: "服务层级", en: "Tier"),
    ])

    static let fundingLabels: [FundingSource: String] = [
        .generalBudget: "一般公共预算", .fundBudget: "政府性基金预算", .lottery: "彩票公益金", .transfer: "上级转移支付", .other: "其他",
    ]

    static func funding(_ text: String) -> FundingSource? {
        FundingSource(rawValue: text) ?? fundingLabels.first { $0.value == text }?.key
    }

    /// Adds new lines and updates changed ones (matched by year and reference) of the buyer's list
    /// from a CSV or XLSX file. Every row is checked first; one bad row and nothing changes. Lines not
    /// in the file stay as they are.
    public func importLines(by actor: Actor, buyerID: UUID, _ data: Data) async throws -> ImportReport {
        try await checkBuyer(actor, buyerID)
        let rows = try Self.format.rows(of: try SpreadsheetFile.read(data))
        let categories = try await catalogue(of: buyerID)
        // The rule once for the whole file; its reason only for the codes that fail it.
        let purchasable = categories.purchasableCodes
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            let existing = try await store.linesForUpdate(buyerID: buyerID)
            func key(_ year: Int, _ reference: String) -> String { "\(year)/\(reference.uppercased())" }
            let byKey = Dictionary(uniqueKeysWithValues: existing.map { (key($0.content.year, $0.content.reference), $0) })
            var errors = RowErrors()
            var incoming: [PurchaseLine] = []
            for row in rows {
                let year = Int(row["year"])
                if year == nil { errors.add(row, "year", "\(row["year"]) is not a year") }
                let quantity = Int(row["quantity"].replacingOccurrences(of: ",", with: ""))
                if quantity == nil { errors.add(row, "quantity", "must be a whole number") }
                let budget = Money.parse(yuan: row["budget"])
                if budget == nil { errors.add(row, "budget", "\(row["budget"]) is not an amount in yuan, e.g. 260000 or 260,000.00") }
                let funding = Self.funding(row["fundingSource"])
                if funding == nil {
                    errors.add(row, "fundingSource", "must be one of \(FundingSource.allCases.map { Self.fundingLabels[$0]! }.joined(separator: "、"))")
                }
                let tier = Tier(cell: row["tier"])
                if tier == nil { errors.add(row, "tier", "must be 区县/街道/社区 (district/street/community)") }
                let code = row["catalogueCode"].uppercased()
                if !purchasable.contains(code), let problem = categories.purchaseProblem(code) { errors.add(row, "catalogueCode", problem) }
                let content = PurchaseLineContent(year: year ?? 0, reference: row["reference"], catalogueCode: code, title: row["title"],
                                                  targetGroup: row["targetGroup"], quantity: quantity ?? 1, unit: row["unit"],
                                                  budget: budget ?? Money(minorUnits: 1), fundingSource: funding ?? .other, tier: tier ?? .district)
                for problem in content.problems where !(problem.field == "year" && year == nil) {
                    errors.add(row, problem.field, problem.message)
                }
                errors.checkUnique(row, "reference", key(content.year, content.reference))
                let id = byKey[key(content.year, content.reference)]?.id ?? UUID.v7(at: now)
                incoming.append(PurchaseLine(id: id, buyerID: buyerID, content: content))
            }
            try errors.finish()

            var report = ImportReport()
            for line in incoming {
                let before = byKey[key(line.content.year, line.content.reference)]
                if before == line { report.unchanged += 1; continue }
                if let before { try await change(store, from: before, to: line); report.updated += 1 } else { try await store.insert(line, at: now); report.created += 1 }
                try await audit(connection, actor, before == nil ? "purchase_line.created" : "purchase_line.updated", before: before, after: line)
            }
            return report
        }
    }

    /// A buyer's list (one year, or every year) in the import format: importing it back changes nothing.
    public func exportLines(buyerID: UUID, year: Int?, as kind: SpreadsheetFile.Kind) async throws -> Data {
        var rows: [[String]] = []
        var after: PurchaseLine?
        repeat {
            let page = try await lines(PurchaseLineQuery(year: year, buyerID: buyerID, after: after, limit: 500))
            rows += page.map { line in
                let c = line.content
                return [String(c.year), c.reference, c.catalogueCode, c.title, c.targetGroup, String(c.quantity), c.unit, c.budget.yuanText,
                        Self.fundingLabels[c.fundingSource]!, c.tier.cellLabel]
            }
            after = page.count == 500 ? page.last : nil
        } while after != nil
        return SpreadsheetFile.write(Table(header: Self.format.header, rows: rows), as: kind)
    }
}
