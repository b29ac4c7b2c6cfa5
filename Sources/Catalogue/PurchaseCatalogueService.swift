import Core
import Foundation
import PostgresNIO
import Store
import Tabular

/// The guiding purchase catalogue: what government may buy as a service, and what it may not.
/// Read by everyone. Its codes and national negative list are national reference data, kept by the
/// platform's administrators; each jurisdiction adds negative-list entries of its own through
/// `NegativeListService`. Other modules ask `categories(in:)` for the catalogue as it holds for a buyer.
public struct PurchaseCatalogueService: Sendable {
    let database: Database
    let clock: any SpokesClock

    public init(database: Database, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> PurchaseCatalogueStore {
        PurchaseCatalogueStore(connection: connection, logger: database.logger)
    }

    /// Every entry, in code order (parents before their children), with the national negative list.
    public func categories() async throws -> [PurchaseCategory] {
        try await database.read { try await store($0).all() }
    }

    /// The catalogue as it holds in a jurisdiction (given by its path, root first): the national negative
    /// list plus the entries of the jurisdiction and of every one above it. What a buyer there may buy.
    public func categories(in jurisdictionPath: [UUID]) async throws -> [PurchaseCategory] {
        try await database.read { connection in
            let store = store(connection)
            return try await store.all().applying(try await store.entries(jurisdictions: jurisdictionPath))
        }
    }

    /// Whether the actor may import the catalogue (its administrators).
    public func mayImport(_ actor: Actor?) -> Bool {
        Policy.decide(actor, .manageReferenceLists, .platform) == .allow
    }

    public func category(code: String) async throws -> PurchaseCategory {
        let lineage = try await database.read { try await store($0).lineage(of: code) }
        guard let category = lineage.last, category.code == code else {
            throw DomainError.notFound("the guiding purchase catalogue has no entry \(code)")
        }
        return category
    }

    /// Refuses, saying exactly why, a code that may not be bought: not in the catalogue, not a
    /// third-level service, or on the negative list itself or through an entry above it.
    public func checkPurchasable(code: String) async throws -> PurchaseCategory {
        let lineage = try await database.read { try await store($0).lineage(of: code) }
        if let problem = lineage.purchaseProblem(code) { throw DomainError.invalid([FieldError("catalogueCode", problem)]) }
        return lineage.last!
    }

    // MARK: Import and export

    /// The file format, documented in Contracts/imports/purchase-catalogue.md.
    public static let format = TableFormat([
        .init("code", zh: "编码", en: "Code"),
        .init("nameZh", zh: "中文名称", en: "Name (Chinese)"),
        .init("nameEn", zh: "英文名称", en: "Name (English)"),
        .init("negativeReason", zh: "负面清单原因", en: "Negative list reason", required: false),
    ])

    /// How a negative-list reason is written in a file: the Chinese label (exported) or the key.
    static let reasonLabels: [NegativeReason: String] = [
        .goods: "货物", .works: "工程", .financing: "融资", .staffing: "自身人员", .governmentDuty: "政府职责",
    ]

    static func reason(from text: String) -> NegativeReason?? {
        if text.isEmpty { return .some(nil) }
        if let reason = NegativeReason(rawValue: text) { return reason }
        return reasonLabels.first { $0.value == text }.map { .some($0.key) }
    }

    /// Adds new entries and updates changed ones from a CSV or XLSX file; removes nothing (purchase
    /// lists refer to codes). Every row is checked first; one bad row and nothing changes. The catalogue
    /// is national, so only the platform's administrators import it.
    public func importFile(by actor: Actor, _ data: Data) async throws -> ImportReport {
        try Policy.authorize(actor, .manageReferenceLists, .platform)
        let rows = try Self.format.rows(of: try SpreadsheetFile.read(data))
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lockForImport()
            let existing = Dictionary(uniqueKeysWithValues: try await store.all().map { ($0.code, $0) })
            var errors = RowErrors()
            var incoming: [PurchaseCategory] = []
            for row in rows {
                let code = row["code"].uppercased()
                guard let level = PurchaseCategory.level(of: code) else {
                    errors.add(row, "code", code.isEmpty ? "is empty; codes look like A, A01 or A0101" : "\(code) is not a catalogue code; codes look like A, A01 or A0101")
                    continue
                }
                errors.checkUnique(row, "code", code)
                let parent = PurchaseCategory.parentCode(of: code)
                if let parent, existing[parent] == nil, !rows.contains(where: { $0["code"].uppercased() == parent }) {
                    errors.add(row, "code", "its parent \(parent) is neither in the catalogue nor in the file")
                }
                for key in ["nameZh", "nameEn"] {
                    if row[key].isEmpty { errors.add(row, key, "is required") }
                    if row[key].count > 200 { errors.add(row, key, "must be at most 200 characters") }
                }
                guard let reason = Self.reason(from: row["negativeReason"]) else {
                    errors.add(row, "negativeReason", "\(row["negativeReason"]) is not a reason; use one of \(NegativeReason.allCases.map { "\($0.rawValue) (\(Self.reasonLabels[$0]!))" }.joined(separator: ", ")) or leave it empty")
                    continue
                }
                incoming.append(PurchaseCategory(id: existing[code]?.id ?? UUID.v7(at: now), code: code, parentCode: parent, level: level,
                                                 nameZh: row["nameZh"], nameEn: row["nameEn"], negativeReason: reason))
            }
            try errors.finish()

            // Parents before children, for the foreign key.
            return try await ImportWriter<PurchaseCategory>(connection: connection, database: database, actor: actor,
                                                            kind: "purchase_category", at: now)
                .write(incoming.sorted { $0.level < $1.level }, existing: { existing[$0.code] }, id: \.id,
                       insert: { try await store.insert($0, at: now) }, update: { try await store.update($0, at: now) })
        }
    }

    /// The whole catalogue as a CSV or XLSX file that imports back unchanged.
    public func export(as kind: SpreadsheetFile.Kind) async throws -> Data {
        let rows = try await categories().map { c in
            [c.code, c.nameZh, c.nameEn, c.negativeReason.map { Self.reasonLabels[$0]! } ?? ""]
        }
        return SpreadsheetFile.write(Table(header: Self.format.header, rows: rows), as: kind)
    }
}
