import Core
import Foundation
import Hummingbird
import Identity

/// Joining the marketplace and keeping the register (DOMAIN §7): the sign-up page, the registrar's queue, and the forms
/// of the organisation page that decide an application, correct it, and record standing. Each calls the same
/// `IdentityService` method as the API; a refused form comes back with what was typed and every error beside its field.
struct JoinController {
    let identity: IdentityService
    let views: Views
    let secureCookies: Bool

    func register(on router: Router<AppRequestContext>) {
        router.get("/join", use: joinForm)
        router.post("/join", use: join)
        router.get("/registrations", use: queue)
        router.post("/registrations/ratings", use: importRatings)
        router.post("/organisations/{id}/registration", use: resubmit)
        router.post("/organisations/{id}/registration/decision", use: decide)
        router.get("/organisations/{id}/certificate", use: certificate)
        router.get("/organisations/{id}/standing-documents/{document}", use: standingDocument)
        router.post("/organisations/{id}/ratings", use: recordRating)
        router.post("/organisations/{id}/ratings/correction", use: correctRating)
        router.post("/organisations/{id}/sanctions", use: recordSanction)
        router.post("/organisations/{id}/sanctions/correction", use: correctSanction)
    }

    // MARK: Signing up

    func joinForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await joinPage(request, context, form: ["form": ApplicantForm.socialOrganisation.rawValue, "jurisdictionCode": "370102"], refusal: nil)
    }

    private func joinPage(_ request: Request, _ context: AppRequestContext, form: [String: String], refusal: DomainError?,
                          status: HTTPResponse.Status = .ok) async throws -> Response {
        let model = JoinPage(jurisdictions: try await identity.jurisdictions(), form: form, refusal: refusal, words: PageWords(views, context))
        return views.page("identity/join", title: views.text("join_title", context), model: model, status: status, request: request, context: context)
    }

    func join(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body))
        // What was typed comes back, never the password.
        var typed = JoinPage.inputs.reduce(into: [String: String]()) { $0[$1] = form?.text($1) ?? "" }
        typed["password"] = nil
        let certificate = form?["certificate"].flatMap { $0.data.isEmpty ? nil : $0 }
        do {
            let (organisation, user) = try await identity.signUp(SignUp(
                form: typed["form"]!, nameZh: typed["nameZh"]!, nameEn: typed["nameEn"]!, creditCode: typed["creditCode"],
                jurisdictionCode: typed["jurisdictionCode"]!, registrationAuthority: typed["registrationAuthority"]!,
                legalRepresentative: typed["legalRepresentative"]!, contactName: typed["contactName"]!, contactPhone: typed["contactPhone"]!,
                email: typed["email"]!, username: typed["username"]!, displayName: typed["displayName"]!, password: form?.text("password") ?? "",
                certificate: certificate?.data, certificateName: certificate?.filename), client: context.remoteAddress ?? "unknown")
            // The applicant is signed in as the organisation's first user, to follow the application on its page.
            guard let actor = try await identity.actors(ids: [user.id]).first else { return .redirect(to: "/login") }
            if let old = context.sessionSecret { try await identity.endSession(old) }
            let session = try await identity.startSession(for: actor)
            var response = Response.redirect(to: "/organisations/\(organisation.id.lowercased)#registration")
            response.setCookie(Cookie(name: AuthenticationMiddleware.sessionCookie, value: session.secret, expires: session.expiresAt,
                                      path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
            response.setCookie(CSRFTokenMiddleware.makeCookie(CSRFTokenMiddleware.token(forSession: session.secret), secure: secureCookies))
            return response
        } catch let error as DomainError where error.refusesForm || error.kind == .rateLimited {
            var response = try await joinPage(request, context, form: typed, refusal: error,
                                              status: error.kind == .rateLimited ? .tooManyRequests : error.formStatus)
            if let retry = error.retryAfter { response.headers[.retryAfter] = String(retry) }
            return response
        }
    }

    // MARK: The registrar's queue

    func queue(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await queuePage(request, context)
    }

    /// The queue, with what a rating list's upload did (a line, or its refusal row by row).
    private func queuePage(_ request: Request, _ context: AppRequestContext, imported: String? = nil, refusal: DomainError? = nil,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.signedIn()
        let shown = request.uri.queryParameters["status"].flatMap { OrganisationStatus(rawValue: String($0)) } ?? .applied
        let after = request.uri.queryParameters["after"].flatMap { UUID(uuidString: String($0)) }
        let size = 50
        let page = try await identity.registrations(by: actor, status: shown, after: after, limit: size + 1)
        let model = RegistrationQueuePage(page: Array(page.prefix(size)), status: shown,
                                          pager: Pager(request, cursor: "after", fetched: page.count, size: size,
                                                       last: page.prefix(size).last?.organisation.id.lowercased, path: "/registrations"),
                                          imported: imported, refusal: refusal, words: PageWords(views, context))
        return views.page("identity/registrations", title: views.text("registrations_title", context), model: model, status: status,
                          request: request, context: context)
    }

    func importRatings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        do {
            let (_, file) = try await MultipartForm.spreadsheet(request, context)
            let report = try await identity.importRatings(by: actor, file.data)
            return try await queuePage(request, context, imported: Views.fill(views.text("registrations_imported", context),
                                                                               [String(report.created), String(report.unchanged)]))
        } catch let error as DomainError where error.refusesForm {
            return try await queuePage(request, context, refusal: error, status: error.formStatus)
        }
    }

    // MARK: Deciding and correcting an application

    func decide(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID("id")
        let form = try await FormData.read(request, context)
        let typed = ["decision": form["decision"] ?? "", "reasons": form["reasons"] ?? ""]
        return try await act(request, context, id: id, prefix: "decision", typed: typed) {
            guard let decision = RegistrationDecision(rawValue: typed["decision"]!) else {
                throw DomainError.invalid([FieldError("decision", "choose to approve, return or refuse")])
            }
            _ = try await identity.decide(by: actor, organisationID: id, decision, reasons: typed["reasons"]!)
        }
    }

    func resubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID("id")
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body))
        let names = RegistrationSection.correctionInputs.filter { $0 != "certificate" }
        let typed = names.reduce(into: [String: String]()) { $0[$1] = form?.text($1) }
        let certificate = form?["certificate"].flatMap { $0.data.isEmpty ? nil : $0 }
        return try await act(request, context, id: id, prefix: "correction", typed: typed) {
            _ = try await identity.resubmit(by: actor, organisationID: id, Resubmission(
                nameZh: typed["nameZh"], nameEn: typed["nameEn"], creditCode: typed["creditCode"], registrationAuthority: typed["registrationAuthority"],
                legalRepresentative: typed["legalRepresentative"], contactName: typed["contactName"], contactPhone: typed["contactPhone"],
                email: typed["email"], certificate: certificate?.data, certificateName: certificate?.filename))
        }
    }

    func certificate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (certificate, data) = try await identity.certificate(of: try context.pathID("id"), by: context.actor)
        // A download, never shown inline, so no uploaded file runs in Spokes' origin.
        return Response(status: .ok, headers: [.contentType: certificate.kind.mediaType,
                                               .contentDisposition: ContentDisposition.attachment(certificate.name),
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    // MARK: Standing

    func recordRating(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID("id")
        let (typed, file) = try await Self.standingForm(request, context, inputs: StandingSection.ratingInputs)
        return try await act(request, context, id: id, prefix: "rating", typed: typed) {
            var problems: [FieldError] = []
            let level = Self.number(typed["level"]!, "level", required: true, &problems)
            let points = Self.number(typed["points"]!, "points", required: false, &problems)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            _ = try await identity.recordRating(by: actor, organisationID: id, NewRating(
                level: level ?? 0, points: points, awardedOn: typed["awardedOn"]!, assessedBy: typed["assessedBy"]!, document: typed["document"]!,
                file: file))
        }
    }

    /// A standing form as sent (multipart: it may carry the document's scan): what was typed, and the file if one was chosen.
    static func standingForm(_ request: Request, _ context: AppRequestContext, inputs: [String]) async throws -> ([String: String], Upload?) {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        // A form without a file may come url-encoded (a script, an older page): read either.
        guard let form = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body)) else {
            let plain = FormData(String(buffer: body))
            return (inputs.reduce(into: [String: String]()) { $0[$1] = $1 == "file" ? "" : plain[$1] ?? "" }, nil)
        }
        let typed = inputs.reduce(into: [String: String]()) { $0[$1] = $1 == "file" ? "" : form.text($1) ?? "" }
        return (typed, form["file"].flatMap { $0.data.isEmpty ? nil : Upload(data: $0.data, name: $0.filename) })
    }

    func standingDocument(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (document, data) = try await identity.standingDocument(try context.pathID("document"), of: try context.pathID("id"), by: context.actor)
        // A download, never shown inline, so no uploaded file runs in Spokes' origin; public, as the record is.
        return Response(status: .ok, headers: [.contentType: document.kind.mediaType,
                                               .contentDisposition: ContentDisposition.attachment(document.name),
                                               .cacheControl: "public, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    func correctRating(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID("id")
        let (typed, file) = try await Self.standingForm(request, context, inputs: StandingSection.ratingCorrectionInputs)
        return try await act(request, context, id: id, prefix: "rating-correction", typed: typed) {
            var problems: [FieldError] = []
            let level = Self.number(typed["level"]!, "level", required: false, &problems)
            let points = Self.number(typed["points"]!, "points", required: false, &problems)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            _ = try await identity.correctRating(by: actor, organisationID: id, awardedOn: typed["awardedOn"]!,
                                                 StandingCorrection(level: level, points: points, file: file, reason: typed["reason"]!))
        }
    }

    func recordSanction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID("id")
        let (typed, file) = try await Self.standingForm(request, context, inputs: StandingSection.sanctionInputs)
        return try await act(request, context, id: id, prefix: "sanction", typed: typed) {
            guard let kind = SanctionKind(rawValue: typed["kind"]!) else {
                throw DomainError.invalid([FieldError("kind", "choose a penalty or a list")])
            }
            _ = try await identity.recordSanction(by: actor, organisationID: id, NewSanction(
                kind: kind, occurredOn: typed["occurredOn"]!, endsOn: typed["endsOn"], source: typed["source"]!, description: typed["description"]!,
                file: file))
        }
    }

    func correctSanction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let id = try context.pathID("id")
        let (typed, file) = try await Self.standingForm(request, context, inputs: StandingSection.sanctionCorrectionInputs)
        return try await act(request, context, id: id, prefix: "sanction-correction", typed: typed) {
            guard let sanction = UUID(uuidString: typed["sanction"]!) else {
                throw DomainError.invalid([FieldError("sanction", "choose the sanction to correct")])
            }
            _ = try await identity.correctSanction(by: actor, organisationID: id, sanctionID: sanction,
                                                   StandingCorrection(endsOn: typed["endsOn"], file: file, reason: typed["reason"]!))
        }
    }

    /// Runs a form's action and goes back to the organisation's page; a refusal redraws it with that form's errors.
    private func act(_ request: Request, _ context: AppRequestContext, id: UUID, prefix: String, typed: [String: String],
                     _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
            return .redirect(to: "/organisations/\(id.lowercased)#" + (prefix.hasPrefix("rating") || prefix.hasPrefix("sanction") ? "standing" : "registration"))
        } catch let error as DomainError where error.refusesForm {
            return try await OrganisationPage(identity: identity, views: views).render(
                id: id, request: request, context: context, refused: .init(prefix: prefix, error: error, form: typed), status: error.formStatus)
        }
    }

    /// A whole number typed on a form, or a problem named by its field (the service checks its range).
    static func number(_ text: String, _ field: String, required: Bool, _ problems: inout [FieldError]) -> Int? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            if required { problems.append(FieldError(field, "is required")) }
            return nil
        }
        guard let value = Int(text), (-1_000_000...1_000_000).contains(value) else {
            problems.append(FieldError(field, "is not a whole number"))
            return nil
        }
        return value
    }
}
