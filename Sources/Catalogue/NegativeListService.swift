import Core
import Foundation
import Identity
import PostgresNIO
import Store

/// Each jurisdiction's own negative-list entries (Decree 102 art. 10) on top of the national ones: an
/// entry binds its jurisdiction and every one below it, so a street inherits its district's entries.
/// Kept by the finance offices of the jurisdiction or one above it; read by everyone.
public struct NegativeListService: Sendable {
    let database: Database
    let identity: IdentityService
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> PurchaseCatalogueStore {
        PurchaseCatalogueStore(connection: connection, logger: database.logger)
    }

    private func resource(_ jurisdiction: Jurisdiction?) -> Resource {
        Resource(jurisdictionPath: jurisdiction?.path ?? [])
    }

    // MARK: Reading

    /// The catalogue as it holds in a jurisdiction (given by code) with the negative entries that bind it:
    /// national, inherited from above, and its own. Without a code, the national catalogue with every
    /// jurisdiction's entries; an unknown code (an empty one too) is refused. Each local entry says whether
    /// `reader` may remove it.
    public func listing(jurisdictionCode: String?, for reader: Actor?) async throws -> NegativeListing {
        let jurisdictions = try await identity.jurisdictions()
        let byID = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0) })
        var wanted: Jurisdiction?
        if let code = jurisdictionCode {
            guard let found = jurisdictions.first(where: { $0.code == code }) else {
                throw DomainError.invalid([FieldError("jurisdiction", "no jurisdiction has code \(code)")])
            }
            wanted = found
        }
        let (national, local) = try await database.read { [wanted] connection in
            let store = store(connection)
            return (try await store.all(), try await store.entries(jurisdictions: wanted?.path))
        }
        let byCode = Dictionary(uniqueKeysWithValues: national.map { ($0.code, $0) })
        var entries = national.compactMap { category in
            category.negativeReason.map {
                ApplicableNegativeEntry(category: category, reason: $0, entry: nil, listedBy: nil, inherited: true, mayRemove: false)
            }
        }
        for entry in local {
            guard let category = byCode[entry.code] else { continue }
            let listedBy = byID[entry.jurisdictionID]
            entries.append(ApplicableNegativeEntry(
                category: category, reason: entry.reason, entry: entry, listedBy: listedBy,
                inherited: wanted.map { $0.id != entry.jurisdictionID } ?? false,
                mayRemove: Policy.decide(reader, .manageCatalogue, resource(listedBy)) == .allow))
        }
        return NegativeListing(jurisdiction: wanted, categories: wanted == nil ? national : national.applying(local),
                               entries: entries.sorted { ($0.category.code, $0.listedBy?.path.count ?? 0) < ($1.category.code, $1.listedBy?.path.count ?? 0) })
    }

    /// The jurisdictions whose entries the actor keeps (for the form's choices).
    public func jurisdictionsKept(by actor: Actor?) async throws -> [Jurisdiction] {
        try await identity.jurisdictions().filter { Policy.decide(actor, .manageCatalogue, resource($0)) == .allow }
    }

    // MARK: Changing

    /// Lists a code of the guiding catalogue as not to be bought in a jurisdiction and those below it.
    /// Refused when the code is already on the negative list there (nationally, from above, or its own).
    public func add(by actor: Actor, jurisdictionCode: String, code: String, reason: NegativeReason, note: String) async throws -> NegativeEntry {
        guard let jurisdiction = try await identity.jurisdiction(code: jurisdictionCode.trimmingCharacters(in: .whitespaces)) else {
            // Whether the actor keeps any list is said first; then which code is unknown.
            try Policy.authorize(actor, .manageCatalogue, Resource(jurisdictionPath: actor.jurisdictionPath))
            throw DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code \(jurisdictionCode)")])
        }
        try Policy.authorize(actor, .manageCatalogue, resource(jurisdiction))
        let code = code.trimmingCharacters(in: .whitespaces).uppercased()
        var check = Validator()
        let note = check.text(note, "note", max: 500)
        try check.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lockEntries()
            let lineage = try await store.lineage(of: code)
            guard lineage.last?.code == code else {
                throw DomainError.invalid([FieldError("code", "\(code) is not in the guiding purchase catalogue")])
            }
            let binding = lineage.applying(try await store.entries(jurisdictions: jurisdiction.path))
            if let listed = binding.first(where: { $0.negativeReason != nil }) {
                throw DomainError(.conflict, "\(code) is on the negative list in \(jurisdiction.nameZh) already (through \(listed.code))",
                                  fields: [FieldError("code", "is on the negative list already")])
            }
            let entry = NegativeEntry(id: UUID.v7(at: now), jurisdictionID: jurisdiction.id, code: code, reason: reason, note: note, createdAt: now)
            try await store.insert(entry, by: actor.userID)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "negative_entry.added",
                                      entity: AuditEntity("negative_entry", entry.id), before: nil as NegativeEntry?, after: entry, at: now)
            return entry
        }
    }

    /// Takes a jurisdiction's entry off its negative list (the national list is not lifted by this).
    public func remove(by actor: Actor, id: UUID) async throws {
        try Policy.authorize(actor, .manageCatalogue, Resource(jurisdictionPath: actor.jurisdictionPath))
        try await database.transaction { connection in
            let store = store(connection)
            guard let entry = try await store.entry(id: id) else { throw DomainError.notFound("the negative list has no entry \(id.lowercased)") }
            try Policy.authorize(actor, .manageCatalogue, resource(try await identity.jurisdiction(id: entry.jurisdictionID)))
            try await store.deleteEntry(id: id)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "negative_entry.removed",
                                      entity: AuditEntity("negative_entry", id), before: entry, after: nil as NegativeEntry?, at: clock.now())
        }
    }
}
