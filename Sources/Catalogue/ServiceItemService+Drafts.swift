import Core
import Foundation
import Identity
import Store

/// Editing items: staff prepare the next version as a draft, see what it changes, then publish it.
/// A published version never changes; publishing adds one. Each method asks `Policy` itself, with the
/// jurisdiction of the item's list (see ServiceItemService+Jurisdictions).
extension ServiceItemService {
    /// Item codes are two department initials and a number, e.g. MZ-001.
    static func isItemCode(_ code: String) -> Bool {
        code.range(of: #"^[A-Z]{2}-[0-9]{3}$"#, options: .regularExpression) != nil
    }

    /// Every unpublished draft of the lists the actor keeps, the most recently saved first.
    public func drafts(by actor: Actor) async throws -> [ItemDraft] {
        try requireKeeper(actor)
        let kept = Set(try await jurisdictionsKept(by: actor).map(\.id))
        return try await database.read { try await store($0).drafts() }.filter { kept.contains($0.jurisdictionID) }
    }

    /// What the edit form starts from: the saved draft if there is one, else the published version.
    public func draftForEditing(by actor: Actor, itemID: UUID) async throws -> ItemDraft {
        try await authorizeItem(actor, itemID: itemID)
        if let draft = try await database.read({ try await store($0).draft(itemID: itemID) }) { return draft }
        return ItemDraft(editing: try await item(id: itemID))
    }

    /// The saved draft of an item, if any.
    public func draft(by actor: Actor, itemID: UUID) async throws -> ItemDraft? {
        try await authorizeItem(actor, itemID: itemID)
        return try await database.read { try await store($0).draft(itemID: itemID) }
    }

    /// What publishing the draft would change, field by field (nothing for an item never published).
    public func changes(in draft: ItemDraft) async throws -> [FieldChange] {
        guard draft.publishedVersion != nil else { return [] }
        let current = try await item(id: draft.itemID)
        let codes = Dictionary(uniqueKeysWithValues: try await materials().map { ($0.id, $0.code) })
        return FieldChange.between(current.content, draft.content, materialCodes: codes)
    }

    /// Starts a new item: it exists only as a draft until first published. It goes on the list of the
    /// stated jurisdiction (the department's own or one below it) or else the department's, which the actor must keep.
    public func createItem(by actor: Actor, code: String, departmentID: UUID, jurisdictionCode: String? = nil,
                           content: ItemContent) async throws -> ItemDraft {
        try requireKeeper(actor)
        let code = code.trimmingCharacters(in: .whitespaces).uppercased()
        var errors: [FieldError] = []
        if !Self.isItemCode(code) { errors.append(FieldError("code", code.isEmpty ? "is required; codes look like MZ-001" : "\(code) is not an item code; codes look like MZ-001")) }
        let department = (try? await identity.organisation(id: departmentID)).flatMap { [.department, .financeOffice].contains($0.kind) ? $0 : nil }
        if department == nil { errors.append(FieldError("department", "must be a registered department or finance office")) }
        let stated = try await jurisdiction(jurisdictionCode, field: "jurisdictionCode")
        let list = department.map { listOfNewItem(department: $0, stated: stated) }
        if let problem = list?.problem { errors.append(FieldError("jurisdictionCode", problem)) }
        // Whose list it would be decides first; what is wrong with the item is said only to its keepers.
        if let listID = list?.jurisdictionID {
            try Policy.authorize(actor, .manageCatalogue, try await resource(jurisdictionID: listID, departmentID: departmentID))
        }
        errors += content.problems(materials: try await materialsByID())
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        guard let listID = list?.jurisdictionID else { throw DomainError.invalid(errors) }
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            try await store.lock()
            guard try await !store.itemExists(code: code) else {
                throw DomainError(.conflict, "the catalogue has an item \(code) already", fields: [FieldError("code", "is taken by another item")])
            }
            let id = UUID.v7(at: now)
            try await store.insertItem(id: id, code: code, departmentID: departmentID, jurisdictionID: listID, at: now)
            try await store.saveDraft(itemID: id, basedOn: nil, content, by: actor.userID, at: now)
            try await audit(connection, actor, "item.created", AuditEntity("service_item", id), before: nil as ItemContent?, after: content)
            return ItemDraft(itemID: id, code: code, departmentID: departmentID, jurisdictionID: listID, basedOnVersion: nil,
                             publishedVersion: nil, content: content, updatedAt: now)
        }
    }

    /// Saves the next version of an item as a draft; nothing public changes.
    public func saveDraft(by actor: Actor, itemID: UUID, content: ItemContent) async throws -> ItemDraft {
        try await authorizeItem(actor, itemID: itemID)
        let problems = content.problems(materials: try await materialsByID())
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            guard let item = try await store.lockItem(id: itemID) else { throw DomainError.notFound("the catalogue has no item \(itemID.lowercased)") }
            let before = try await store.draft(itemID: itemID)
            // A draft keeps the version it was started from, so a version published meanwhile is noticed.
            let basedOn = before.map(\.basedOnVersion) ?? item.publishedVersion
            try await store.saveDraft(itemID: itemID, basedOn: basedOn, content, by: actor.userID, at: now)
            try await audit(connection, actor, "item.draft_saved", AuditEntity("service_item", itemID), before: before?.content, after: content)
            return ItemDraft(itemID: itemID, code: item.code, departmentID: item.departmentID, jurisdictionID: item.jurisdictionID,
                             basedOnVersion: basedOn, publishedVersion: item.publishedVersion, content: content, updatedAt: now)
        }
    }

    /// Publishes the draft as the item's next version. Refused when a newer version was published
    /// since the draft was started, when it changes nothing, or when it is no longer valid (a material
    /// it requires was retired meanwhile).
    public func publishDraft(by actor: Actor, itemID: UUID) async throws -> ServiceItem {
        try await authorizeItem(actor, itemID: itemID)
        let now = clock.now()
        let materials = try await materialsByID()
        try await database.transaction { connection in
            let store = store(connection)
            guard let item = try await store.lockItem(id: itemID) else { throw DomainError.notFound("the catalogue has no item \(itemID.lowercased)") }
            guard let draft = try await store.draft(itemID: itemID) else { throw DomainError.notFound("\(item.code) has no draft to publish") }
            if draft.isStale {
                throw DomainError.conflict("version \(item.publishedVersion ?? 0) of \(item.code) was published after this draft was started "
                    + "from version \(draft.basedOnVersion ?? 0); discard the draft and edit the current version")
            }
            let problems = draft.content.problems(materials: materials)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            let current = try await item.publishedVersion == nil ? nil : store.item(code: item.code)
            if let current, current.content == draft.content {
                throw DomainError.conflict("the draft is the same as version \(current.version); there is nothing to publish")
            }
            let version = (item.publishedVersion ?? 0) + 1
            try await store.publish(itemID: itemID, version: version, draft.content, by: actor.userID, at: now)
            try await store.deleteDraft(itemID: itemID)
            try await audit(connection, actor, "item.published", AuditEntity("service_item", itemID), before: current?.content, after: draft.content)
        }
        return try await item(id: itemID)
    }

    /// Throws the draft away. An item never published goes with it, freeing its code.
    public func discardDraft(by actor: Actor, itemID: UUID) async throws {
        try await authorizeItem(actor, itemID: itemID)
        try await database.transaction { connection in
            let store = store(connection)
            guard let item = try await store.lockItem(id: itemID) else { throw DomainError.notFound("the catalogue has no item \(itemID.lowercased)") }
            guard let draft = try await store.draft(itemID: itemID) else { throw DomainError.notFound("\(item.code) has no draft") }
            try await store.deleteDraft(itemID: itemID)
            if item.publishedVersion == nil { try await store.deleteUnpublishedItem(id: itemID) }
            try await audit(connection, actor, "item.draft_discarded", AuditEntity("service_item", itemID), before: draft.content, after: nil as ItemContent?)
        }
    }

    /// What is wrong with an item's content, by field.
    public func problems(in content: ItemContent) async throws -> [FieldError] {
        content.problems(materials: try await materialsByID())
    }

    /// The registry ids of materials named by code, in order; unknown codes are refused by name.
    public func materialIDs(codes: [String]) async throws -> [UUID] {
        let byCode = Dictionary(uniqueKeysWithValues: try await materials().map { ($0.code, $0.id) })
        var check = Validator()
        let ids = codes.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty }.compactMap { code -> UUID? in
            check.check(byCode[code] != nil, "materials", "\(code) is not in the materials registry")
            return byCode[code]
        }
        try check.finish()
        return ids
    }

    func materialsByID() async throws -> [UUID: Material] {
        Dictionary(uniqueKeysWithValues: try await materials().map { ($0.id, $0) })
    }
}
