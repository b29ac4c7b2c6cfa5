import Core
import Foundation
import Identity
import OpenAPIRuntime
import SpokesAPI
import Tendering
import Transparency

/// Suppliers' offers and the public directory (issue 24 item 3).
extension APIHandler {
    func listSuppliers(_ input: Operations.ListSuppliers.Input) async throws -> Operations.ListSuppliers.Output {
        let size = try pageSize(input.query.limit, default: 50, maximum: 200)
        let q = input.query
        let page = try await oversight.directory.search(DirectoryQuery(
            itemCode: q.code, areaCode: q.area, minimumRating: q.minimumRating, stage: q.stage.flatMap { IncubationStage(rawValue: $0.rawValue) },
            text: q.q, after: try q.after.map { try uuid($0, "after") }, limit: size + 1))
        return .ok(.init(body: .json(.init(items: page.prefix(size).map(Components.Schemas.DirectoryEntry.init),
                                           next: page.count > size ? page[size - 1].organisationID.lowercased : nil))))
    }

    func listOffers(_ input: Operations.ListOffers.Input) async throws -> Operations.ListOffers.Output {
        let id = try uuid(input.path.organisationId, "organisationId")
        _ = try await identity.organisation(id: id)
        let offers = try await suppliers.offers(of: id)
        let codes = try await areaCodes(offers)
        return .ok(.init(body: .json(offers.map { Components.Schemas.Offer($0, codes: codes) })))
    }

    func publishOffer(_ input: Operations.PublishOffer.Input) async throws -> Operations.PublishOffer.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let offer = try await suppliers.publishOffer(by: try signedIn(), OfferInput(
            itemCode: body.itemCode, areaCodes: body.areas, capacity: body.capacity, unit: body.unit.rawValue, priceMin: body.priceMin,
            priceMax: body.priceMax, description: body.description ?? ""))
        return .created(.init(body: .json(.init(offer, codes: try await areaCodes([offer])))))
    }

    func withdrawOffer(_ input: Operations.WithdrawOffer.Input) async throws -> Operations.WithdrawOffer.Output {
        try await suppliers.withdrawOffer(by: try signedIn(), offerID: try uuid(input.path.offerId, "offerId"))
        return .noContent(.init())
    }

    /// The codes of the jurisdictions the offers serve.
    private func areaCodes(_ offers: [SupplierOffer]) async throws -> [UUID: String] {
        guard !offers.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await identity.jurisdictions().map { ($0.id, $0.code) })
    }
}

extension Components.Schemas.Offer {
    init(_ o: SupplierOffer, codes: [UUID: String]) {
        self.init(id: o.id.lowercased, organisationId: o.organisationID.lowercased, itemCode: o.itemCode, areas: o.areas.compactMap { codes[$0] },
                  capacity: o.capacity, unit: .init(rawValue: o.unit.rawValue) ?? .people, priceMin: o.priceMin.yuanText, priceMax: o.priceMax.yuanText,
                  description: o.description)
    }
}

extension Components.Schemas.DirectoryEntry {
    init(_ e: DirectoryEntry) {
        self.init(organisationId: e.organisationID.lowercased, reference: e.reference, nameZh: e.nameZh, nameEn: e.nameEn, rating: e.rating,
                  stage: e.stage.flatMap { .init(rawValue: $0.rawValue) }, contracts: e.contracts, grades: e.grades, barred: e.barred, offers: e.offers,
                  surveyAnswers: e.answers, satisfied: e.satisfied)
    }
}
