import Catalogue
import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI

/// The catalogue's part of the JSON API.
extension APIHandler {
    /// Import files are read whole; a catalogue file is a few hundred rows, this leaves ample room.
    static let maximumImportBytes = 10 * 1024 * 1024

    func listPurchaseCategories(_ input: Operations.ListPurchaseCategories.Input) async throws -> Operations.ListPurchaseCategories.Output {
        let categories = try await purchaseCatalogue.categories()
        // In a jurisdiction, what may be bought there; the national reason stays the one shown.
        let binding = input.query.jurisdiction == nil ? categories
            : try await negativeList.listing(jurisdictionCode: input.query.jurisdiction, for: actor).categories
        let purchasable = binding.purchasableCodes
        return .ok(.init(body: .json(categories.map { .init($0, purchasable: purchasable.contains($0.code)) })))
    }

    func listNegativeEntries(_ input: Operations.ListNegativeEntries.Input) async throws -> Operations.ListNegativeEntries.Output {
        .ok(.init(body: .json(try await negativeList.listing(jurisdictionCode: input.query.jurisdiction, for: actor).entries.map(Components.Schemas.NegativeEntry.init))))
    }

    func addNegativeEntry(_ input: Operations.AddNegativeEntry.Input) async throws -> Operations.AddNegativeEntry.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let actor = try signedIn()
        let entry = try await negativeList.add(by: actor, jurisdictionCode: body.jurisdictionCode, code: body.code,
                                               reason: NegativeReason(rawValue: body.reason.rawValue) ?? .governmentDuty, note: body.note)
        let added = try await negativeList.listing(jurisdictionCode: body.jurisdictionCode, for: actor).entries.first { $0.entry?.id == entry.id }
        guard let added else { throw DomainError.notFound("the entry was removed meanwhile") }
        return .created(.init(body: .json(.init(added))))
    }

    func removeNegativeEntry(_ input: Operations.RemoveNegativeEntry.Input) async throws -> Operations.RemoveNegativeEntry.Output {
        try await negativeList.remove(by: try signedIn(), id: try uuid(input.path.entryId, "entryId"))
        return .noContent(.init())
    }

    func getPurchaseCategory(_ input: Operations.GetPurchaseCategory.Input) async throws -> Operations.GetPurchaseCategory.Output {
        let category = try await purchaseCatalogue.category(code: input.path.code.uppercased())
        let purchasable = (try? await purchaseCatalogue.checkPurchasable(code: category.code)) != nil
        return .ok(.init(body: .json(.init(category, purchasable: purchasable))))
    }

    func importPurchaseCategories(_ input: Operations.ImportPurchaseCategories.Input) async throws -> Operations.ImportPurchaseCategories.Output {
        let actor = try signedIn()
        // Either kind of file; the bytes themselves say which it is.
        let body: HTTPBody
        switch input.body {
        case .csv(let csv): body = csv
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let xlsx): body = xlsx
        }
        let data = try await Self.collect(body)
        let report = try await purchaseCatalogue.importFile(by: actor, data)
        return .ok(.init(body: .json(.init(created: report.created, updated: report.updated, unchanged: report.unchanged))))
    }

    func exportPurchaseCategories(_ input: Operations.ExportPurchaseCategories.Input) async throws -> Operations.ExportPurchaseCategories.Output {
        switch input.query.format ?? .csv {
        case .csv:
            .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("purchase-catalogue.csv")), body: .csv(HTTPBody(try await purchaseCatalogue.export(as: .csv)))))
        case .xlsx:
            .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("purchase-catalogue.xlsx")), body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(HTTPBody(try await purchaseCatalogue.export(as: .xlsx)))))
        }
    }
}

extension Components.Schemas.NegativeEntry {
    init(_ e: ApplicableNegativeEntry) {
        self.init(id: e.entry?.id.lowercased, code: e.category.code, nameZh: e.category.nameZh, nameEn: e.category.nameEn,
                  reason: .init(rawValue: e.reason.rawValue) ?? .governmentDuty, note: e.entry?.note, jurisdictionId: e.listedBy?.id.lowercased,
                  jurisdictionCode: e.listedBy?.code, inherited: e.inherited, createdAt: e.entry?.createdAt)
    }
}

extension Components.Schemas.PurchaseCategory {
    init(_ c: PurchaseCategory, purchasable: Bool) {
        self.init(code: c.code, parentCode: c.parentCode, level: c.level, nameZh: c.nameZh, nameEn: c.nameEn,
                  negativeReason: c.negativeReason.flatMap { .init(rawValue: $0.rawValue) }, purchasable: purchasable)
    }
}
