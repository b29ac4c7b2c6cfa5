import Catalogue
import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI

/// Service items and materials in the JSON API.
extension APIHandler {
    func searchServiceItems(_ input: Operations.SearchServiceItems.Input) async throws -> Operations.SearchServiceItems.Output {
        let limit = try pageSize(input.query.limit, default: 50, maximum: 200)
        let search = ItemSearch(text: input.query.q ?? "", departmentID: try input.query.department.map { try uuid($0, "department") },
                                jurisdiction: input.query.jurisdiction, tier: input.query.tier.flatMap { Tier(rawValue: $0.rawValue) },
                                onTheSpot: input.query.onTheSpot, limit: limit)
        let materials = try await materialCodes()
        let listing = try await serviceItems.listing(search)
        return .ok(.init(body: .json(listing.entries.map {
            .init($0.item, materials: materials, inherited: listing.jurisdiction == nil ? nil : $0.inherited)
        })))
    }

    func getServiceItem(_ input: Operations.GetServiceItem.Input) async throws -> Operations.GetServiceItem.Output {
        let item = try await serviceItems.item(id: try uuid(input.path.itemId, "itemId"))
        return .ok(.init(body: .json(.init(item, materials: try await materialCodes()))))
    }

    func listServiceItemVersions(_ input: Operations.ListServiceItemVersions.Input) async throws -> Operations.ListServiceItemVersions.Output {
        let history = try await serviceItems.history(id: try uuid(input.path.itemId, "itemId"))
        return .ok(.init(body: .json(history.map { item, changes in
            .init(version: item.version, publishedAt: item.publishedAt,
                  changes: changes.map { .init(field: $0.field, before: $0.before, after: $0.after) })
        })))
    }

    func listLocalDetails(_ input: Operations.ListLocalDetails.Input) async throws -> Operations.ListLocalDetails.Output {
        let itemID = try uuid(input.path.itemId, "itemId")
        _ = try await serviceItems.item(id: itemID)
        return .ok(.init(body: .json(try await serviceItems.localDetails(of: itemID).map(Components.Schemas.LocalDetails.init))))
    }

    func setLocalDetails(_ input: Operations.SetLocalDetails.Input) async throws -> Operations.SetLocalDetails.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let details = try await serviceItems.setLocalDetails(
            by: try signedIn(), itemID: try uuid(input.path.itemId, "itemId"), jurisdictionCode: input.path.jurisdictionCode,
            address: body.address, phone: body.phone, hours: body.hours, notes: body.notes ?? "")
        return .ok(.init(body: .json(.init(details))))
    }

    func importServiceItems(_ input: Operations.ImportServiceItems.Input) async throws -> Operations.ImportServiceItems.Output {
        let actor = try signedIn()
        let data: Data = switch input.body {
        case .csv(let body): try await Self.collect(body)
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let body): try await Self.collect(body)
        }
        return .ok(.init(body: .json(.init(try await serviceItems.importItems(by: actor, data)))))
    }

    func exportServiceItems(_ input: Operations.ExportServiceItems.Input) async throws -> Operations.ExportServiceItems.Output {
        switch input.query.format ?? .csv {
        case .csv: .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("service-items.csv")), body: .csv(HTTPBody(try await serviceItems.exportItems(as: .csv, jurisdiction: input.query.jurisdiction)))))
        case .xlsx: .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("service-items.xlsx")), body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            HTTPBody(try await serviceItems.exportItems(as: .xlsx, jurisdiction: input.query.jurisdiction)))))
        }
    }

    func listMaterials(_ input: Operations.ListMaterials.Input) async throws -> Operations.ListMaterials.Output {
        .ok(.init(body: .json(try await serviceItems.materials().map(Components.Schemas.Material.init))))
    }

    func materialsReport(_ input: Operations.MaterialsReport.Input) async throws -> Operations.MaterialsReport.Output {
        .ok(.init(body: .json(try await serviceItems.materialsReport().map { .init(issuer: $0.issuer, total: $0.total, retired: $0.retired) })))
    }

    func importMaterials(_ input: Operations.ImportMaterials.Input) async throws -> Operations.ImportMaterials.Output {
        let actor = try signedIn()
        let data: Data = switch input.body {
        case .csv(let body): try await Self.collect(body)
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let body): try await Self.collect(body)
        }
        return .ok(.init(body: .json(.init(try await serviceItems.importMaterials(by: actor, data)))))
    }

    func exportMaterials(_ input: Operations.ExportMaterials.Input) async throws -> Operations.ExportMaterials.Output {
        switch input.query.format ?? .csv {
        case .csv: .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("materials.csv")), body: .csv(HTTPBody(try await serviceItems.exportMaterials(as: .csv)))))
        case .xlsx: .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("materials.xlsx")), body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(HTTPBody(try await serviceItems.exportMaterials(as: .xlsx)))))
        }
    }

    func retireMaterial(_ input: Operations.RetireMaterial.Input) async throws -> Operations.RetireMaterial.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let material = try await serviceItems.retireMaterial(by: try signedIn(), code: input.path.code.uppercased(),
                                                             reason: RetirementReason(rawValue: body.reason.rawValue) ?? .commitment, note: body.note)
        return .ok(.init(body: .json(.init(material))))
    }

    private func materialCodes() async throws -> [UUID: Material] {
        Dictionary(uniqueKeysWithValues: try await serviceItems.materials().map { ($0.id, $0) })
    }

    /// Reads an uploaded file whole, refusing one larger than an import may be.
    static func collect(_ body: HTTPBody) async throws -> Data {
        do {
            return try await Data(collecting: body, upTo: maximumImportBytes)
        } catch {
            throw DomainError(.tooLarge, "The file is larger than \(maximumImportBytes / 1024 / 1024) MB.")
        }
    }
}

extension Components.Schemas.ImportReport {
    init(_ report: ImportReport) {
        self.init(created: report.created, updated: report.updated, unchanged: report.unchanged)
    }
}

extension Components.Schemas.ServiceItem {
    init(_ item: ServiceItem, materials: [UUID: Material], inherited: Bool? = nil) {
        let c = item.content
        self.init(id: item.id.lowercased, code: item.code, departmentId: item.departmentID.lowercased,
                  jurisdictionId: item.jurisdictionID.lowercased, inherited: inherited, version: item.version,
                  publishedAt: item.publishedAt, nameZh: c.nameZh, nameEn: c.nameEn, legalBasis: c.legalBasis, conditions: c.conditions,
                  procedure: c.procedure, result: c.result, timeLimitDays: c.timeLimitDays, onTheSpot: c.onTheSpot,
                  channel: .init(rawValue: c.channel.rawValue) ?? .window, fees: c.fees,
                  authority: .init(c.authority),
                  materials: c.materialIDs.compactMap { materials[$0] }.filter { !$0.isRetired }.map(\.code))
    }
}

extension Components.Schemas.LocalDetails {
    init(_ d: LocalDetails) {
        self.init(jurisdictionId: d.jurisdictionID.lowercased, address: d.address, phone: d.phone, hours: d.hours, notes: d.notes)
    }
}

extension Components.Schemas.Material {
    init(_ m: Material) {
        self.init(code: m.code, nameZh: m.nameZh, nameEn: m.nameEn, issuer: m.issuer, retired: m.isRetired, retiredAt: m.retiredAt,
                  retiredReason: m.retiredReason.flatMap { .init(rawValue: $0.rawValue) }, retiredNote: m.retiredNote)
    }
}
