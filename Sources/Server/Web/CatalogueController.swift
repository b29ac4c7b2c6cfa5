import Catalogue
import Core
import Foundation
import Hummingbird
import Tabular

/// The public pages of the catalogue.
struct CatalogueController {
    let purchaseCatalogue: PurchaseCatalogueService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/catalogue/purchase", use: purchaseCatalogue)
        router.get("/catalogue/purchase.csv") { _, _ in try await export(.csv) }
        router.get("/catalogue/purchase.xlsx") { _, _ in try await export(.xlsx) }
    }

    /// The guiding purchase catalogue as an indented table, the negative list marked.
    func purchaseCatalogue(_ request: Request, context: AppRequestContext) async throws -> Response {
        let categories = try await purchaseCatalogue.categories()
        let purchasable = categories.purchasableCodes
        let rows = categories.map { c -> [String: Any] in
            var row: [String: Any] = [
                "code": c.code, "level": c.level,
                "name": context.language == .zh ? c.nameZh : c.nameEn,
                "otherName": context.language == .zh ? c.nameEn : c.nameZh,
                "purchasable": purchasable.contains(c.code),
            ]
            if let reason = c.negativeReason { row["negative"] = views.text("negative_\(reason.rawValue)", context) }
            return row
        }
        return views.page("purchase-catalogue", title: views.text("purchaseCatalogue_title", context),
                          data: ["categories": rows, "canImport": Policy.decide(context.actor, .manageCatalogue, .platform) == .allow],
                          request: request, context: context)
    }

    func export(_ kind: SpreadsheetFile.Kind) async throws -> Response {
        let data = try await purchaseCatalogue.export(as: kind)
        return Response(status: .ok, headers: [
            .contentType: kind == .csv ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            .contentDisposition: "attachment; filename=\"purchase-catalogue.\(kind.rawValue)\"",
        ], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
