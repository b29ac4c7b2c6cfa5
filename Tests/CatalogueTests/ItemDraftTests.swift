import Catalogue
import Core
import Foundation
import Identity
import Store
import Tabular
import TestSupport
import Testing

@Suite("Drafting and publishing items")
struct ItemDraftTests {
    func service(_ database: Database) -> ServiceItemService {
        ServiceItemService(database: database, identity: DemoWorld(database).identity)
    }

    func allowance(_ items: ServiceItemService) async throws -> ServiceItem {
        try #require(try await items.search(ItemSearch(text: "最低生活保障")).first)
    }

    func department(_ database: Database, _ name: String = "济南市历下区民政局") async throws -> Organisation {
        try #require(try await DemoWorld(database).identity.organisations(kind: .department, limit: 200).first { $0.nameZh == name })
    }

    func newContent(_ items: ServiceItemService) async throws -> ItemContent {
        ItemContent(nameZh: "社区老年食堂就餐补贴", nameEn: "Community canteen meal subsidy for older people", legalBasis: "《济南市养老服务条例》",
                    conditions: "本社区 80 周岁以上老年人", procedure: ["社区受理", "街道审核", "发放补贴"], result: "按月发放就餐补贴",
                    timeLimitDays: 10, onTheSpot: false, channel: .both, fees: "不收费",
                    authority: TierAuthority(accept: .community, approve: .street, handle: .street, acceptDays: 2, approveDays: 5),
                    materialIDs: try await items.materialIDs(codes: ["M0001"]))
    }

    @Test("a saved draft changes nothing public; publishing makes the next version and the history shows the difference")
    func editAndPublish() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let published = try await allowance(items)
            let form = try await items.draftForEditing(by: finance, itemID: published.id)
            #expect(form.updatedAt == nil && form.content == published.content && !form.isStale)

            var content = published.content
            content.timeLimitDays = max(1, content.timeLimitDays - 2)
            content.fees = "不收取任何费用"
            let draft = try await items.saveDraft(by: finance, itemID: published.id, content: content)
            #expect(draft.basedOnVersion == published.version && draft.updatedAt != nil)
            #expect(try await items.item(id: published.id) == published)
            #expect(Set(try await items.changes(in: draft).map(\.field)) == ["timeLimitDays", "fees"])
            #expect(try await items.drafts(by: finance).map(\.itemID) == [published.id])

            let next = try await items.publishDraft(by: finance, itemID: published.id)
            #expect(next.version == published.version + 1 && next.content == content)
            #expect(try await items.draft(by: finance, itemID: published.id) == nil)
            let history = try await items.history(id: published.id)
            #expect(history[0].item.version == next.version && Set(history[0].changes.map(\.field)) == ["timeLimitDays", "fees"])
            #expect(history[1].item == published)
            let actions = try await database.read {
                try await AuditLog.trail(of: AuditEntity("service_item", published.id), on: $0, logger: database.logger).map(\.action)
            }
            #expect(actions.suffix(2) == ["item.draft_saved", "item.published"])
        }
    }

    @Test("a new item is a draft, unseen by the public, until its first publication")
    func newItem() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let content = try await newContent(items)
            let draft = try await items.createItem(by: finance, code: "mz-090", departmentID: try await department(database).id, content: content)
            #expect(draft.code == "MZ-090" && draft.publishedVersion == nil && !draft.isStale)
            #expect(try await items.search(ItemSearch(text: "食堂")).isEmpty)
            await #expect(throws: DomainError.self) { _ = try await items.item(id: draft.itemID) }
            #expect(try await items.changes(in: draft).isEmpty)

            let item = try await items.publishDraft(by: finance, itemID: draft.itemID)
            #expect(item.version == 1 && item.code == "MZ-090")
            #expect(try await items.search(ItemSearch(text: "食堂")).map(\.id) == [draft.itemID])
        }
    }

    @Test("a draft started before an import published a newer version cannot be published; it can be discarded")
    func stale() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let published = try await allowance(items)
            var content = published.content
            content.fees = "免费"
            _ = try await items.saveDraft(by: finance, itemID: published.id, content: content)

            // Someone imports Lixia's list with a change to the same item.
            var table = try SpreadsheetFile.read(try await items.exportItems(as: .csv, jurisdiction: "370102"))
            let row = try #require(table.rows.firstIndex { $0[0] == published.code })
            table.rows[row][9] = String(published.content.timeLimitDays + 1)
            #expect(try await items.importItems(by: finance, SpreadsheetFile.write(table, as: .csv)).updated == 1)

            let draft = try #require(try await items.draft(by: finance, itemID: published.id))
            #expect(draft.isStale && draft.basedOnVersion == published.version && draft.publishedVersion == published.version + 1)
            await #expect(throws: DomainError.self) { _ = try await items.publishDraft(by: finance, itemID: published.id) }
            // Saving again keeps the draft's base: it stays stale rather than silently undoing the import.
            #expect(try await items.saveDraft(by: finance, itemID: published.id, content: content).isStale)
            #expect(try await items.item(id: published.id).version == published.version + 1)

            try await items.discardDraft(by: finance, itemID: published.id)
            #expect(try await items.draft(by: finance, itemID: published.id) == nil)
            #expect(try await items.item(id: published.id).version == published.version + 1)
        }
    }

    @Test("a draft that changes nothing is not published")
    func nothingToPublish() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let published = try await allowance(items)
            _ = try await items.saveDraft(by: finance, itemID: published.id, content: published.content)
            await #expect(throws: DomainError.conflict("the draft is the same as version \(published.version); there is nothing to publish")) {
                _ = try await items.publishDraft(by: finance, itemID: published.id)
            }
            #expect(try await items.item(id: published.id).version == published.version)
        }
    }

    @Test("invalid content is refused field by field and nothing is saved")
    func invalidContent() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let published = try await allowance(items)
            var content = published.content
            content.nameZh = "  "
            content.procedure = []
            content.onTheSpot = true
            content.timeLimitDays = 400
            content.authority = TierAuthority(accept: .street, approve: .community, handle: .community, acceptDays: -1, approveDays: 3)
            do {
                _ = try await items.saveDraft(by: finance, itemID: published.id, content: content)
                Issue.record("invalid content was saved")
            } catch let error as DomainError {
                #expect(error.kind == .invalid)
                #expect(Set(error.fields.map(\.field)) == ["nameZh", "procedure", "timeLimitDays", "acceptDays", "approveTier"])
            }
            #expect(try await items.draft(by: finance, itemID: published.id) == nil)
        }
    }

    @Test("a draft listing a material retired after it was saved is refused at publication")
    func retiredMeanwhile() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let draft = try await items.createItem(by: finance, code: "MZ-091", departmentID: try await department(database).id,
                                                   content: try await newContent(items))
            // The registry is shared by every list: its administrators retire materials.
            _ = try await items.retireMaterial(by: try await DemoWorld(database).actor("admin"), code: "M0001", reason: .dataSharing, note: "身份信息共享核验")
            do {
                _ = try await items.publishDraft(by: finance, itemID: draft.itemID)
                Issue.record("a draft requiring a retired material was published")
            } catch let error as DomainError {
                #expect(error.kind == .invalid && error.fields.map(\.field) == ["materials"])
            }
            await #expect(throws: DomainError.self) {
                _ = try await items.saveDraft(by: finance, itemID: draft.itemID, content: try await newContent(items))
            }
        }
    }

    @Test("a new item needs a free, well-formed code, a department and known materials")
    func newItemRefusals() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let world = DemoWorld(database)
            let finance = try await world.actor("finance")
            let content = try await newContent(items)
            let civil = try await department(database).id
            await #expect(throws: DomainError.self) { _ = try await items.createItem(by: finance, code: "MZ-001", departmentID: civil, content: content) }
            do {
                _ = try await items.createItem(by: finance, code: "MZ1", departmentID: try await world.organisation(ofUser: "ngo").id, content: content)
                Issue.record("a bad code and a supplier as department were accepted")
            } catch let error as DomainError {
                #expect(error.kind == .invalid && error.fields.map(\.field) == ["code", "department"])
            }
            await #expect(throws: DomainError.invalid([FieldError("materials", "M9999 is not in the materials registry")])) {
                _ = try await items.materialIDs(codes: ["M0001", "M9999"])
            }
        }
    }

    @Test("discarding a new item's draft frees its code; an import may not take a code still in draft")
    func discardNew() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let civil = try await department(database).id
            let draft = try await items.createItem(by: finance, code: "MZ-092", departmentID: civil, content: try await newContent(items))

            var table = try SpreadsheetFile.read(try await items.exportItems(as: .csv, jurisdiction: "370102"))
            var row = table.rows[0]
            row[0] = "MZ-092"
            table.rows.append(row)
            do {
                _ = try await items.importItems(by: finance, SpreadsheetFile.write(table, as: .csv))
                Issue.record("an import took a code still in draft")
            } catch let error as DomainError {
                #expect(error.fields.map(\.field) == ["rows[\(table.rows.count + 1)].code"])
            }

            try await items.discardDraft(by: finance, itemID: draft.itemID)
            await #expect(throws: DomainError.self) { _ = try await items.draftForEditing(by: finance, itemID: draft.itemID) }
            _ = try await items.createItem(by: finance, code: "MZ-092", departmentID: civil, content: try await newContent(items))
            await #expect(throws: DomainError.self) { try await items.discardDraft(by: finance, itemID: try await allowance(items).id) }
        }
    }

    @Test("only finance offices see drafts, create, save, publish and discard")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let items = service(database)
            let world = DemoWorld(database)
            let finance = try await world.actor("finance")
            let published = try await allowance(items)
            var content = published.content
            content.fees = "免费"
            _ = try await items.saveDraft(by: finance, itemID: published.id, content: content)
            let civil = try await department(database).id
            for username in ["civil", "ngo", "overseer", "evaluator"] {
                let actor = try await world.actor(username)
                await expectForbidden(username) { _ = try await items.drafts(by: actor) }
                await expectForbidden(username) { _ = try await items.draft(by: actor, itemID: published.id) }
                await expectForbidden(username) { _ = try await items.draftForEditing(by: actor, itemID: published.id) }
                await expectForbidden(username) { _ = try await items.createItem(by: actor, code: "MZ-093", departmentID: civil, content: content) }
                await expectForbidden(username) { _ = try await items.saveDraft(by: actor, itemID: published.id, content: content) }
                await expectForbidden(username) { _ = try await items.publishDraft(by: actor, itemID: published.id) }
                await expectForbidden(username) { try await items.discardDraft(by: actor, itemID: published.id) }
            }
            #expect(try await items.draft(by: finance, itemID: published.id)?.content == content)
            #expect(try await items.item(id: published.id) == published)
        }
    }

    func expectForbidden(_ who: String, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("\(who) was allowed", sourceLocation: sourceLocation)
        } catch {
            #expect((error as? DomainError)?.kind == .forbidden, "\(who): \(error)", sourceLocation: sourceLocation)
        }
    }
}
