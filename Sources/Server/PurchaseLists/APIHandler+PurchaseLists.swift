import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI
import Tendering

/// Purchase lists in the JSON API.
extension APIHandler {
    func listPurchaseLines(_ input: Operations.ListPurchaseLines.Input) async throws -> Operations.ListPurchaseLines.Output {
        let limit = try pageSize(input.query.limit, default: 100, maximum: 500)
        var after: PurchaseLine?
        if let id = input.query.after { after = try await purchaseLists.line(id: try uuid(id, "after")) }
        let lines = try await purchaseLists.lines(PurchaseLineQuery(year: input.query.year, buyerID: try input.query.buyer.map { try uuid($0, "buyer") },
                                                                    after: after, limit: limit))
        return .ok(.init(body: .json(try await withLotsAndLedger(lines))))
    }

    func getPurchaseLine(_ input: Operations.GetPurchaseLine.Input) async throws -> Operations.GetPurchaseLine.Output {
        .ok(.init(body: .json(try await withLotsAndLedger([try await purchaseLists.line(id: try uuid(input.path.lineId, "lineId"))])[0])))
    }

    /// Lines as read: each with the lots taking it up and the ledger's committed and paid (one read of each for all).
    private func withLotsAndLedger(_ lines: [PurchaseLine]) async throws -> [Components.Schemas.PurchaseLine] {
        let lots = try await tenders.lots(takingUp: lines.map(\.id), by: actor)
        let balances = try await ledger.balances(of: lines.map(\.id))
        return lines.map { line in
            var body = Components.Schemas.PurchaseLine(line)
            body.lots = (lots[line.id] ?? []).map {
                .init(tenderId: $0.tenderID.lowercased, tenderReference: $0.tenderReference, tenderStatus: .init(rawValue: $0.tenderStatus.rawValue) ?? .draft,
                      lotId: $0.lotID.lowercased, number: $0.number, status: .init(rawValue: $0.status.rawValue) ?? .active, budgetFen: $0.budget.minorUnits)
            }
            body.committedFen = balances[line.id]?.committed.minorUnits ?? 0
            body.paidFen = balances[line.id]?.paid.minorUnits ?? 0
            return body
        }
    }

    func addPurchaseLine(_ input: Operations.AddPurchaseLine.Input) async throws -> Operations.AddPurchaseLine.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let actor = try signedIn()
        let buyer = try body.buyerId.map { try uuid($0, "buyerId") } ?? actor.organisationID
        return .created(.init(body: .json(.init(try await purchaseLists.addLine(by: actor, buyerID: buyer, content(body))))))
    }

    func updatePurchaseLine(_ input: Operations.UpdatePurchaseLine.Input) async throws -> Operations.UpdatePurchaseLine.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let line = try await purchaseLists.updateLine(by: try signedIn(), id: try uuid(input.path.lineId, "lineId"), content(body))
        return .ok(.init(body: .json(.init(line))))
    }

    func importPurchaseLines(_ input: Operations.ImportPurchaseLines.Input) async throws -> Operations.ImportPurchaseLines.Output {
        let actor = try signedIn()
        let buyer = try input.query.buyer.map { try uuid($0, "buyer") } ?? actor.organisationID
        let data: Data = switch input.body {
        case .csv(let body): try await Self.collect(body)
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let body): try await Self.collect(body)
        }
        return .ok(.init(body: .json(.init(try await purchaseLists.importLines(by: actor, buyerID: buyer, data)))))
    }

    func exportPurchaseLines(_ input: Operations.ExportPurchaseLines.Input) async throws -> Operations.ExportPurchaseLines.Output {
        let buyer = try uuid(input.query.buyer, "buyer")
        return switch input.query.format ?? .csv {
        case .csv: .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("purchase-lines.csv")), body: .csv(HTTPBody(try await purchaseLists.exportLines(buyerID: buyer, year: input.query.year, as: .csv)))))
        case .xlsx: .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment("purchase-lines.xlsx")), body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            HTTPBody(try await purchaseLists.exportLines(buyerID: buyer, year: input.query.year, as: .xlsx)))))
        }
    }

    private func content(_ b: Components.Schemas.PurchaseLineInput) -> PurchaseLineContent {
        PurchaseLineContent(year: b.year, reference: b.reference, catalogueCode: b.catalogueCode.uppercased(), title: b.title,
                            targetGroup: b.targetGroup, quantity: b.quantity, unit: b.unit, budget: Money(minorUnits: b.budgetFen),
                            fundingSource: FundingSource(rawValue: b.fundingSource.rawValue) ?? .other, tier: Tier(rawValue: b.tier.rawValue) ?? .district)
    }
}

extension Components.Schemas.PurchaseLine {
    init(_ line: PurchaseLine) {
        let c = line.content
        self.init(id: line.id.lowercased, buyerId: line.buyerID.lowercased, year: c.year, reference: c.reference, catalogueCode: c.catalogueCode,
                  title: c.title, targetGroup: c.targetGroup, quantity: c.quantity, unit: c.unit, budgetFen: c.budget.minorUnits,
                  fundingSource: .init(rawValue: c.fundingSource.rawValue) ?? .other, tier: .init(rawValue: c.tier.rawValue) ?? .district)
    }
}
