import Core
import Delivery
import Foundation
import Grassroots
import OpenAPIRuntime
import SpokesAPI

/// The service sites of the three-tier network: read by everyone, registered and changed by the offices of their
/// jurisdiction; staff named only to those the policy lets read them.
extension APIHandler {
    func listServiceSites(_ input: Operations.ListServiceSites.Input) async throws -> Operations.ListServiceSites.Output {
        let limit = try pageSize(input.query.limit, default: 50, maximum: SiteService.pageSizes.upperBound)
        let tier = input.query.tier.flatMap { SiteTier(rawValue: $0.rawValue) }
        let jurisdiction = try Self.jurisdictionFilter(input.query.jurisdiction)
        let page = try await sites.sites(SiteQuery(tier: tier, jurisdictionCode: jurisdiction, after: input.query.after, limit: limit))
        let counts = try await sites.counts(jurisdictionCode: jurisdiction)
        let actor = self.actor
        return .ok(.init(body: .json(.init(
            items: page.sites.map { Components.Schemas.ServiceSite(sites.view($0, for: actor)) },
            counts: counts.map { .init(tier: .init($0.tier), sites: $0.sites, staff: $0.staff) },
            next: page.next))))
    }

    func createServiceSite(_ input: Operations.CreateServiceSite.Input) async throws -> Operations.CreateServiceSite.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let site = try await sites.register(by: actor, try content(body))
        return .created(.init(body: .json(.init(sites.view(site, for: actor)))))
    }

    func getServiceSite(_ input: Operations.GetServiceSite.Input) async throws -> Operations.GetServiceSite.Output {
        let site = try await sites.site(id: try uuid(input.path.siteId, "siteId"))
        return .ok(.init(body: .json(.init(sites.view(site, for: actor)))))
    }

    func updateServiceSite(_ input: Operations.UpdateServiceSite.Input) async throws -> Operations.UpdateServiceSite.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let site = try await sites.update(by: actor, id: try uuid(input.path.siteId, "siteId"), try content(body))
        return .ok(.init(body: .json(.init(sites.view(site, for: actor)))))
    }

    func importServiceSites(_ input: Operations.ImportServiceSites.Input) async throws -> Operations.ImportServiceSites.Output {
        let actor = try signedIn()
        let body: HTTPBody
        switch input.body {
        case .csv(let csv): body = csv
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let xlsx): body = xlsx
        }
        let report = try await sites.importFile(by: actor, try await Self.collect(body))
        return .ok(.init(body: .json(.init(created: report.created, updated: report.updated, unchanged: report.unchanged))))
    }

    func exportServiceSites(_ input: Operations.ExportServiceSites.Input) async throws -> Operations.ExportServiceSites.Output {
        let jurisdiction = try Self.jurisdictionFilter(input.query.jurisdiction)
        switch input.query.format ?? .csv {
        case .csv:
            return .ok(.init(body: .csv(HTTPBody(try await sites.export(for: actor, jurisdictionCode: jurisdiction, as: .csv)))))
        case .xlsx:
            return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
                HTTPBody(try await sites.export(for: actor, jurisdictionCode: jurisdiction, as: .xlsx)))))
        }
    }

    /// The `jurisdiction` filter as the contract spells it (6 to 12 digits). The pages send an empty one for "all";
    /// the API refuses it rather than reading it as no filter (the contract's check leaves patterns to the handlers).
    static func jurisdictionFilter(_ code: String?) throws -> String? {
        guard let code else { return nil }
        guard (6...12).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw DomainError.invalid([FieldError("jurisdiction", "must be a division code of 6 to 12 digits, e.g. 610324")])
        }
        return code
    }

    private func content(_ body: Components.Schemas.ServiceSiteInput) throws -> SiteContent {
        var itemIDs: [UUID] = []
        for (index, text) in (body.itemIds ?? []).enumerated() { itemIDs.append(try uuid(text, "itemIds[\(index)]")) }
        return SiteContent(
            code: body.code, nameZh: body.nameZh, nameEn: body.nameEn ?? "", tier: SiteTier(rawValue: body.tier.rawValue) ?? .villageStation,
            jurisdictionCode: body.jurisdictionCode, operatorKind: OperatorKind(rawValue: body.operatorKind.rawValue) ?? .governmentOffice,
            operatorName: body.operatorName, contractID: try body.contractId.map { try uuid($0, "contractId") }, address: body.address,
            floorAreaTenths: body.floorAreaTenths, hallAreaTenths: body.hallAreaTenths, equipment: body.equipment ?? [], windows: body.windows,
            staff: (body.staff ?? []).map { SiteStaff(name: $0.name, post: PostType(rawValue: $0.post.rawValue) ?? .establishment, payBand: $0.payBand) },
            openingHours: body.openingHours, itemIDs: itemIDs)
    }
}

extension Components.Schemas.SiteTier {
    init(_ tier: SiteTier) { self = .init(rawValue: tier.rawValue) ?? .villageStation }
}

extension Components.Schemas.ServiceSite {
    init(_ view: SiteView) {
        let site = view.site
        let c = site.content
        self.init(id: site.id.lowercased, code: c.code, nameZh: c.nameZh, nameEn: c.nameEn, tier: .init(c.tier), jurisdictionCode: c.jurisdictionCode,
                  jurisdictionId: site.jurisdictionID.lowercased, operatorKind: .init(rawValue: c.operatorKind.rawValue) ?? .governmentOffice,
                  operatorName: c.operatorName, contractId: c.contractID?.lowercased, address: c.address, floorAreaTenths: c.floorAreaTenths,
                  hallAreaTenths: c.hallAreaTenths, equipment: c.equipment, windows: c.windows,
                  staff: view.staff?.map { .init(name: $0.name, post: .init(rawValue: $0.post.rawValue) ?? .establishment, payBand: $0.payBand) },
                  staffCount: c.staff.count,
                  staffCounts: site.staffCounts.map { .init(post: .init(rawValue: $0.post.rawValue) ?? .establishment, count: $0.count) },
                  openingHours: c.openingHours, itemIds: c.itemIDs.map(\.lowercased), updatedAt: site.updatedAt, mayEdit: view.mayEdit)
    }
}
