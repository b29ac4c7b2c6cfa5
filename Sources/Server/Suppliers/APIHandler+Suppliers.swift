import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI
import Tendering

/// Supplier profiles and document libraries in the JSON API.
extension APIHandler {
    func getSupplierProfile(_ input: Operations.GetSupplierProfile.Input) async throws -> Operations.GetSupplierProfile.Output {
        .ok(.init(body: .json(.init(try await suppliers.profile(of: try uuid(input.path.organisationId, "organisationId"))))))
    }

    func updateSupplierProfile(_ input: Operations.UpdateSupplierProfile.Input) async throws -> Operations.UpdateSupplierProfile.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let actor = try signedIn()
        let profile = try await suppliers.updateProfile(by: actor, SupplierProfile(
            organisationID: actor.organisationID, summary: body.summary ?? "", staffCount: body.staffCount ?? 0,
            socialWorkers: body.socialWorkers ?? 0, serviceAreas: body.serviceAreas ?? [], contact: body.contact ?? ""))
        return .ok(.init(body: .json(.init(profile))))
    }

    func listMyDocuments(_ input: Operations.ListMyDocuments.Input) async throws -> Operations.ListMyDocuments.Output {
        .ok(.init(body: .json(try await suppliers.library(by: try signedIn()).map(Components.Schemas.SupplierDocument.init))))
    }

    func uploadDocument(_ input: Operations.UploadDocument.Input) async throws -> Operations.UploadDocument.Output {
        guard case .binary(let body) = input.body else { throw DomainError.badRequest("Send the file's bytes as application/octet-stream.") }
        let data: Data
        do {
            data = try await Data(collecting: body, upTo: SupplierDocument.maximumSize + 1)
        } catch {
            throw DomainError(.tooLarge, "The file is larger than \(SupplierDocument.maximumSize / 1024 / 1024) MB.", fields: [FieldError("file", "is larger than \(SupplierDocument.maximumSize / 1024 / 1024) MB")])
        }
        let document = try await suppliers.upload(by: try signedIn(), title: input.query.title,
                                                  category: DocumentCategory(rawValue: input.query.category.rawValue) ?? .other,
                                                  filename: input.query.filename, data: data)
        return .created(.init(body: .json(.init(document))))
    }

    func retireDocument(_ input: Operations.RetireDocument.Input) async throws -> Operations.RetireDocument.Output {
        try await suppliers.retire(by: try signedIn(), documentID: try uuid(input.path.documentId, "documentId"))
        return .noContent(.init())
    }

    func getMyDocumentContent(_ input: Operations.GetMyDocumentContent.Input) async throws -> Operations.GetMyDocumentContent.Output {
        let file = try await suppliers.file(by: try signedIn(), documentID: try uuid(input.path.documentId, "documentId"))
        return .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment(file.document.filename)), body: .binary(HTTPBody(file.data))))
    }

    func getCitedDocument(_ input: Operations.GetCitedDocument.Input) async throws -> Operations.GetCitedDocument.Output {
        let file = try await suppliers.citedFile(tenderID: try uuid(input.path.tenderId, "tenderId"), bidID: try uuid(input.path.bidId, "bidId"),
                                                 documentID: try uuid(input.path.documentId, "documentId"), bids: bids, by: actor)
        return .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment(file.document.filename)), body: .binary(HTTPBody(file.data))))
    }
}

extension Components.Schemas.SupplierProfile {
    init(_ p: SupplierProfile) {
        self.init(organisationId: p.organisationID.lowercased, summary: p.summary, staffCount: p.staffCount, socialWorkers: p.socialWorkers,
                  serviceAreas: p.serviceAreas, contact: p.contact, updatedAt: p.updatedAt)
    }
}

extension Components.Schemas.SupplierDocument {
    init(_ d: SupplierDocument) {
        self.init(id: d.id.lowercased, title: d.title, category: .init(rawValue: d.category.rawValue) ?? .other, filename: d.filename,
                  kind: .init(rawValue: d.kind.rawValue) ?? .pdf, size: d.size, sha256: d.sha256, uploadedAt: d.uploadedAt)
    }
}
