import Catalogue
import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI

/// Drafting and publishing service items in the JSON API.
extension APIHandler {
    func createServiceItem(_ input: Operations.CreateServiceItem.Input) async throws -> Operations.CreateServiceItem.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let actor = try signedIn()
        let draft = try await serviceItems.createItem(by: actor, code: body.code, departmentID: try uuid(body.departmentId, "departmentId"),
                                                      jurisdictionCode: body.jurisdictionCode, content: try await content(body.content))
        return .created(.init(body: .json(try await draftSchema(draft))))
    }

    func listServiceItemDrafts(_ input: Operations.ListServiceItemDrafts.Input) async throws -> Operations.ListServiceItemDrafts.Output {
        var drafts: [Components.Schemas.ServiceItemDraft] = []
        for draft in try await serviceItems.drafts(by: try signedIn()) { drafts.append(try await draftSchema(draft)) }
        return .ok(.init(body: .json(drafts)))
    }

    func getServiceItemDraft(_ input: Operations.GetServiceItemDraft.Input) async throws -> Operations.GetServiceItemDraft.Output {
        let itemID = try uuid(input.path.itemId, "itemId")
        guard let draft = try await serviceItems.draft(by: try signedIn(), itemID: itemID) else {
            throw DomainError.notFound("item \(itemID.lowercased) has no draft")
        }
        return .ok(.init(body: .json(try await draftSchema(draft))))
    }

    func saveServiceItemDraft(_ input: Operations.SaveServiceItemDraft.Input) async throws -> Operations.SaveServiceItemDraft.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let actor = try signedIn()
        let draft = try await serviceItems.saveDraft(by: actor, itemID: try uuid(input.path.itemId, "itemId"), content: try await content(body))
        return .ok(.init(body: .json(try await draftSchema(draft))))
    }

    func discardServiceItemDraft(_ input: Operations.DiscardServiceItemDraft.Input) async throws -> Operations.DiscardServiceItemDraft.Output {
        try await serviceItems.discardDraft(by: try signedIn(), itemID: try uuid(input.path.itemId, "itemId"))
        return .noContent(.init())
    }

    func publishServiceItemDraft(_ input: Operations.PublishServiceItemDraft.Input) async throws -> Operations.PublishServiceItemDraft.Output {
        let item = try await serviceItems.publishDraft(by: try signedIn(), itemID: try uuid(input.path.itemId, "itemId"))
        let materials = Dictionary(uniqueKeysWithValues: try await serviceItems.materials().map { ($0.id, $0) })
        return .ok(.init(body: .json(.init(item, materials: materials))))
    }

    private func content(_ c: Components.Schemas.ItemContentInput) async throws -> ItemContent {
        let a = c.authority
        return ItemContent(nameZh: c.nameZh, nameEn: c.nameEn, legalBasis: c.legalBasis, conditions: c.conditions, procedure: c.procedure,
                           result: c.result, timeLimitDays: c.timeLimitDays, onTheSpot: c.onTheSpot,
                           channel: Channel(rawValue: c.channel.rawValue) ?? .window, fees: c.fees,
                           authority: TierAuthority(accept: Tier(rawValue: a.accept.rawValue) ?? .district,
                                                    approve: Tier(rawValue: a.approve.rawValue) ?? .district,
                                                    handle: Tier(rawValue: a.handle.rawValue) ?? .district,
                                                    acceptDays: a.acceptDays, approveDays: a.approveDays),
                           materialIDs: try await serviceItems.materialIDs(codes: c.materials))
    }

    private func draftSchema(_ draft: ItemDraft) async throws -> Components.Schemas.ServiceItemDraft {
        let codes = Dictionary(uniqueKeysWithValues: try await serviceItems.materials().map { ($0.id, $0.code) })
        let c = draft.content
        let content = Components.Schemas.ItemContentInput(
            nameZh: c.nameZh, nameEn: c.nameEn, legalBasis: c.legalBasis, conditions: c.conditions, procedure: c.procedure, result: c.result,
            timeLimitDays: c.timeLimitDays, onTheSpot: c.onTheSpot, channel: .init(rawValue: c.channel.rawValue) ?? .window, fees: c.fees,
            authority: .init(c.authority), materials: c.materialIDs.compactMap { codes[$0] })
        return .init(itemId: draft.itemID.lowercased, code: draft.code, departmentId: draft.departmentID.lowercased,
                     jurisdictionId: draft.jurisdictionID.lowercased, basedOnVersion: draft.basedOnVersion, publishedVersion: draft.publishedVersion, stale: draft.isStale,
                     updatedAt: draft.updatedAt ?? Date(), content: content,
                     changes: try await serviceItems.changes(in: draft).map { .init(field: $0.field, before: $0.before, after: $0.after) })
    }
}

extension Components.Schemas.TierAuthority {
    init(_ a: TierAuthority) {
        self.init(accept: .init(rawValue: a.accept.rawValue) ?? .district, approve: .init(rawValue: a.approve.rawValue) ?? .district,
                  handle: .init(rawValue: a.handle.rawValue) ?? .district, acceptDays: a.acceptDays, approveDays: a.approveDays)
    }
}
