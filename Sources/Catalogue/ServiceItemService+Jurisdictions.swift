import Core
import Foundation
import Identity

/// Catalogues by jurisdiction: each item is on one jurisdiction's list, kept by the finance offices of
/// that jurisdiction and of those above it; a jurisdiction's public list shows what it inherits from above.
/// Every decision here goes through `Policy` with the item's own jurisdiction, never the platform.
extension ServiceItemService {
    // MARK: Reading lists

    /// A jurisdiction's list (its own items and those it inherits from the jurisdictions above it), or
    /// every list when the search names no jurisdiction; each item marked with the list it is on.
    public func listing(_ search: ItemSearch) async throws -> ItemListing {
        let jurisdictions = try await identity.jurisdictions()
        let byID = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, $0) })
        let wanted = try await jurisdiction(search.jurisdiction, among: jurisdictions)
        let items = try await self.search(search)
        var listing = ItemListing(jurisdiction: wanted, entries: items.map { item in
            ListedItem(item: item, list: byID[item.jurisdictionID], inherited: wanted.map { $0.id != item.jurisdictionID } ?? false)
        })
        (listing.total, listing.own) = try await database.read { try await store($0).count(search, jurisdictions: wanted?.path, own: wanted?.id) }
        if listing.total == 0, !items.isEmpty {
            // Suggestions: the counts are the page's.
            listing.suggested = true
            (listing.total, listing.own) = (items.count, listing.entries.filter { !$0.inherited }.count)
        }
        return listing
    }

    /// The jurisdiction a search or export names by code (nil: none named); an unknown code, an empty one
    /// included, is refused by field.
    func jurisdiction(_ code: String?, among jurisdictions: [Jurisdiction]? = nil, field: String = "jurisdiction") async throws -> Jurisdiction? {
        guard let code else { return nil }
        let found: Jurisdiction? = if let jurisdictions { jurisdictions.first { $0.code == code } } else { try await identity.jurisdiction(code: code) }
        guard let found else { throw DomainError.invalid([FieldError(field, "no jurisdiction has code \(code)")]) }
        return found
    }

    // MARK: Who keeps which list

    /// The policy's view of an item: its department, and the path of the jurisdiction whose list it is on.
    func resource(jurisdictionID: UUID, departmentID: UUID?) async throws -> Resource {
        Resource(organisationID: departmentID, jurisdictionPath: try await identity.jurisdiction(id: jurisdictionID)?.path ?? [])
    }

    /// Throws unless the actor keeps the catalogue of some jurisdiction (its finance office's own, at least).
    public func requireKeeper(_ actor: Actor?) throws(DomainError) {
        try Policy.authorize(actor, .manageCatalogue, Resource(jurisdictionPath: actor?.jurisdictionPath ?? []))
    }

    /// Whether the actor keeps the catalogue of some jurisdiction (for menus and forms).
    public func mayKeepCatalogue(_ actor: Actor?) -> Bool {
        (try? requireKeeper(actor)) != nil
    }

    /// Whether the actor may draft, publish or import the item: a finance office of its list's jurisdiction or one above it.
    public func mayManage(_ actor: Actor?, item: ServiceItem) async throws -> Bool {
        Policy.decide(actor, .manageCatalogue, try await resource(jurisdictionID: item.jurisdictionID, departmentID: item.departmentID)) == .allow
    }

    /// Throws `forbidden` unless the actor keeps the list the item is on; `notFound` for an unknown item
    /// (asked only of an actor who keeps some list, so strangers learn nothing about drafts).
    @discardableResult
    func authorizeItem(_ actor: Actor, itemID: UUID) async throws -> ItemHeader {
        try requireKeeper(actor)
        guard let header = try await database.read({ try await store($0).header(id: itemID) }) else {
            throw DomainError.notFound("the catalogue has no item \(itemID.lowercased)")
        }
        try Policy.authorize(actor, .manageCatalogue, try await resource(jurisdictionID: header.jurisdictionID, departmentID: header.departmentID))
        return header
    }

    /// The jurisdictions whose lists the actor keeps (its own and those below it; every one for administrators).
    public func jurisdictionsKept(by actor: Actor?) async throws -> [Jurisdiction] {
        try await identity.jurisdictions().filter { Policy.decide(actor, .manageCatalogue, Resource(jurisdictionPath: $0.path)) == .allow }
    }

    /// The jurisdictions whose local details of an item the actor may record (its own and those below it).
    public func localDetailJurisdictions(for actor: Actor?) async throws -> [Jurisdiction] {
        guard actor != nil else { return [] }
        return try await identity.jurisdictions().filter { Policy.decide(actor, .manageLocalDetails, Resource(jurisdictionPath: $0.path)) == .allow }
    }

    /// Whether the actor keeps the materials registry, which every jurisdiction's items share.
    public func mayKeepMaterials(_ actor: Actor?) -> Bool {
        Policy.decide(actor, .manageReferenceLists, .platform) == .allow
    }

    /// The list a new item goes on: the one stated, which must be the department's own jurisdiction or
    /// one below it, else the department's.
    func listOfNewItem(department: Organisation, stated: Jurisdiction?) -> (jurisdictionID: UUID?, problem: Message?) {
        guard let stated else { return (department.jurisdictionID, nil) }
        guard stated.path.contains(department.jurisdictionID) else {
            return (nil, "\(stated.code) is not the department's jurisdiction nor one below it")
        }
        return (stated.id, nil)
    }
}
