import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Tendering

/// A supplier's own page: its profile and its document library, kept once and cited by its bids;
/// and the downloads of documents, its own and those cited by opened bids.
struct SupplierController {
    let suppliers: SupplierService
    let bids: BidService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/supplier", use: show)
        router.post("/supplier/profile", use: updateProfile)
        router.post("/supplier/documents", use: upload)
        router.post("/supplier/documents/:document/retire", use: retire)
        router.get("/supplier/documents/:document", use: download)
        router.get("/tenders/:id/bids/:bid/documents/:document", use: downloadCited)
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context)
    }

    private func render(_ request: Request, _ context: AppRequestContext, problem: DomainError? = nil, form: [String: String] = [:],
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.signedIn()
        let page = SupplierPage.model(profile: try await suppliers.ownProfile(by: actor), library: try await suppliers.library(by: actor), form: form,
                                      refusal: problem, say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("suppliers/supplier", title: views.text("supplier_title", context), model: page, status: status, request: request, context: context)
    }

    /// Runs a form's action; a refusal the user can fix re-renders the page with the problem and the form as sent.
    private func act(_ request: Request, _ context: AppRequestContext, form: [String: String] = [:], _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
            return .redirect(to: "/supplier")
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, problem: error, form: form, status: error.formStatus)
        }
    }

    func updateProfile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let values = ["summary": form["summary"] ?? "", "staffCount": form["staffCount"] ?? "", "socialWorkers": form["socialWorkers"] ?? "",
                      "serviceAreas": form["serviceAreas"] ?? "", "contact": form["contact"] ?? ""]
        return try await act(request, context, form: values) {
            var problems: [FieldError] = []
            func count(_ key: String) -> Int {
                let text = values[key]!.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { return 0 }
                guard let number = Int(text) else { problems.append(FieldError(key, "is not a whole number")); return 0 }
                return number
            }
            let profile = SupplierProfile(organisationID: actor.organisationID, summary: values["summary"]!, staffCount: count("staffCount"),
                                          socialWorkers: count("socialWorkers"),
                                          serviceAreas: values["serviceAreas"]!.split(whereSeparator: { $0.isNewline || $0 == "," || $0 == "，" }).map(String.init),
                                          contact: values["contact"]!)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            _ = try await suppliers.updateProfile(by: actor, profile)
        }
    }

    func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body))
        let typed = ["title": form?.text("title") ?? "", "category": form?.text("category") ?? ""]
        return try await act(request, context, form: typed) {
            // Every problem at once: a missing file and a missing title are both said.
            guard let form, let file = form["file"], !file.data.isEmpty else {
                var problems = [FieldError("file", "choose a file to upload")]
                if typed["title"]!.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(FieldError("title", "is required")) }
                throw DomainError.invalid(problems)
            }
            _ = try await suppliers.upload(by: actor, title: typed["title"]!, category: DocumentCategory(rawValue: typed["category"]!) ?? .other,
                                           filename: file.filename ?? "document", data: file.data)
        }
    }

    func retire(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context) { try await suppliers.retire(by: actor, documentID: try context.pathID("document")) }
    }

    func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        file(try await suppliers.file(by: try context.signedIn(), documentID: try context.pathID("document")))
    }

    func downloadCited(_ request: Request, context: AppRequestContext) async throws -> Response {
        file(try await suppliers.citedFile(tenderID: try context.pathID("id"), bidID: try context.pathID("bid"), documentID: try context.pathID("document"),
                                           bids: bids, by: context.actor))
    }

    /// The file with its real type, as a download: never shown inline, so no uploaded file runs in Spokes' origin.
    private func file(_ file: DocumentFile) -> Response {
        return Response(status: .ok, headers: [.contentType: file.document.kind.mediaType,
                                               .contentDisposition: ContentDisposition.attachment(file.document.filename),
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: file.data)))
    }
}
