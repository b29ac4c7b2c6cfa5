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
        let purchasable = categories.purchasableCodes
        return .ok(.init(body: .json(categories.map { .init($0, purchasable: purchasable.contains($0.code)) })))
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
            .ok(.init(body: .csv(HTTPBody(try await purchaseCatalogue.export(as: .csv)))))
        case .xlsx:
            .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(HTTPBody(try await purchaseCatalogue.export(as: .xlsx)))))
        }
    }
}

extension Components.Schemas.PurchaseCategory {
    init(_ c: PurchaseCategory, purchasable: Bool) {
        self.init(code: c.code, parentCode: c.parentCode, level: c.level, nameZh: c.nameZh, nameEn: c.nameEn,
                  negativeReason: c.negativeReason.flatMap { .init(rawValue: $0.rawValue) }, purchasable: purchasable)
    }
}
