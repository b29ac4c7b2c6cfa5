import Core
import Foundation
import Identity
import OpenAPIRuntime
import SpokesAPI

/// Joining the marketplace and the register's standing records (DOMAIN §7): the API side of `IdentityService`'s
/// sign-up, vetting, ratings and sanctions.
extension APIHandler {
    func signUp(_ input: Operations.SignUp.Input) async throws -> Operations.SignUp.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let created = try await identity.signUp(SignUp(
            form: body.form, nameZh: body.nameZh, nameEn: body.nameEn ?? "", creditCode: body.creditCode, jurisdictionCode: body.jurisdictionCode,
            registrationAuthority: body.registrationAuthority ?? "", legalRepresentative: body.legalRepresentative, contactName: body.contactName,
            contactPhone: body.contactPhone, email: body.email, username: body.username, displayName: body.displayName, password: body.password,
            certificate: try body.certificate.map { try certificateBytes($0) }, certificateName: body.certificate?.filename),
            client: OpenAPIContextMiddleware.current?.remoteAddress ?? "unknown")
        let applicant = try await identity.actors(ids: [created.user.id]).first
        return .created(.init(body: .json(.init(try await identity.registration(of: created.organisation.id, by: applicant)))))
    }

    func listRegistrations(_ input: Operations.ListRegistrations.Input) async throws -> Operations.ListRegistrations.Output {
        let size = try pageSize(input.query.limit, default: 50, maximum: 200)
        let status = input.query.status.flatMap { OrganisationStatus(rawValue: $0.rawValue) } ?? .applied
        let after = try input.query.after.map { try uuid($0, "after") }
        let page = try await identity.registrations(by: try signedIn(), status: status, after: after, limit: size + 1)
        return .ok(.init(body: .json(.init(items: page.prefix(size).map(Components.Schemas.Registration.init),
                                           next: page.count > size ? page[size - 1].organisation.id.lowercased : nil))))
    }

    func getRegistration(_ input: Operations.GetRegistration.Input) async throws -> Operations.GetRegistration.Output {
        .ok(.init(body: .json(.init(try await identity.registration(of: try uuid(input.path.organisationId, "organisationId"), by: actor)))))
    }

    func resubmitRegistration(_ input: Operations.ResubmitRegistration.Input) async throws -> Operations.ResubmitRegistration.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let resubmitted = try await identity.resubmit(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"), Resubmission(
            nameZh: body.nameZh, nameEn: body.nameEn, creditCode: body.creditCode, registrationAuthority: body.registrationAuthority,
            legalRepresentative: body.legalRepresentative, contactName: body.contactName, contactPhone: body.contactPhone, email: body.email,
            certificate: try body.certificate.map { try certificateBytes($0) }, certificateName: body.certificate?.filename))
        return .ok(.init(body: .json(.init(resubmitted))))
    }

    func decideRegistration(_ input: Operations.DecideRegistration.Input) async throws -> Operations.DecideRegistration.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let decision = RegistrationDecision(rawValue: body.decision.rawValue) ?? .refuse
        let decided = try await identity.decide(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"),
                                                decision, reasons: body.reasons ?? "")
        return .ok(.init(body: .json(.init(decided))))
    }

    func downloadCertificate(_ input: Operations.DownloadCertificate.Input) async throws -> Operations.DownloadCertificate.Output {
        let (certificate, data) = try await identity.certificate(of: try uuid(input.path.organisationId, "organisationId"), by: actor)
        return .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment(certificate.name)), body: .binary(HTTPBody(data))))
    }

    func recordRating(_ input: Operations.RecordRating.Input) async throws -> Operations.RecordRating.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let rating = try await identity.recordRating(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"), NewRating(
            level: body.level, points: body.points, awardedOn: body.awardedOn, assessedBy: body.assessedBy ?? "", document: body.document ?? "",
            file: try standingFile(body.file)))
        return .created(.init(body: .json(.init(rating))))
    }

    func correctRating(_ input: Operations.CorrectRating.Input) async throws -> Operations.CorrectRating.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let rating = try await identity.correctRating(
            by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"), awardedOn: input.path.awardedOn,
            StandingCorrection(level: body.level, points: body.points, assessedBy: body.assessedBy, document: body.document,
                               file: try standingFile(body.file), reason: body.reason))
        return .ok(.init(body: .json(.init(rating))))
    }

    func recordSanction(_ input: Operations.RecordSanction.Input) async throws -> Operations.RecordSanction.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let sanction = try await identity.recordSanction(by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"), NewSanction(
            kind: SanctionKind(rawValue: body.kind.rawValue) ?? .administrativePenalty,
            severity: body.severity.flatMap { Violation.Severity(rawValue: $0.rawValue) }, occurredOn: body.occurredOn, endsOn: body.endsOn,
            source: body.source ?? "", description: body.description, file: try standingFile(body.file)))
        return .created(.init(body: .json(.init(sanction))))
    }

    func correctSanction(_ input: Operations.CorrectSanction.Input) async throws -> Operations.CorrectSanction.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let sanction = try await identity.correctSanction(
            by: try signedIn(), organisationID: try uuid(input.path.organisationId, "organisationId"), sanctionID: try uuid(input.path.sanctionId, "sanctionId"),
            StandingCorrection(kind: body.kind.flatMap { SanctionKind(rawValue: $0.rawValue) }, severity: body.severity.flatMap { Violation.Severity(rawValue: $0.rawValue) },
                               endsOn: body.endsOn, source: body.source, description: body.description, file: try standingFile(body.file),
                               reason: body.reason))
        return .ok(.init(body: .json(.init(sanction))))
    }

    func importRatings(_ input: Operations.ImportRatings.Input) async throws -> Operations.ImportRatings.Output {
        let actor = try signedIn()
        let body: HTTPBody
        switch input.body {
        case .csv(let csv): body = csv
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let xlsx): body = xlsx
        }
        let report = try await identity.importRatings(by: actor, try await Self.collect(body))
        return .ok(.init(body: .json(.init(created: report.created, unchanged: report.unchanged))))
    }

    /// A standing document sent in base64, as an upload (the service checks its size and kind as a page's file is).
    private func standingFile(_ file: Components.Schemas.CertificateInput?) throws -> Upload? {
        guard let file else { return nil }
        return Upload(data: try decodedBase64(file, field: "file"), name: file.filename)
    }

    private func certificateBytes(_ file: Components.Schemas.CertificateInput) throws -> Data {
        try decodedBase64(file, field: "certificate")
    }

    /// A file's bytes from its base64; refused, named by `field`, when the text is not base64.
    private func decodedBase64(_ file: Components.Schemas.CertificateInput, field: String) throws -> Data {
        guard let data = Data(base64Encoded: file.content) else {
            throw DomainError.invalid([FieldError("\(field).content", "is not base64")])
        }
        return data
    }
}

// MARK: Domain → API

extension Components.Schemas.Registration {
    init(_ r: Registration) {
        let a = r.application
        self.init(organisation: .init(r.organisation), application: .init(
            form: .init(rawValue: a.form.rawValue) ?? .team, registrationAuthority: a.registrationAuthority, legalRepresentative: a.legalRepresentative,
            contactName: a.contactName, contactPhone: a.contactPhone, email: a.email,
            certificate: a.certificate.map { .init(kind: .init(rawValue: $0.kind.rawValue) ?? .pdf, filename: $0.name, sha256: $0.sha256, size: $0.size) },
            reasons: a.reasons, submissions: a.submissions, submittedAt: a.submittedAt, decidedAt: a.decidedAt))
    }
}

extension Components.Schemas.Rating {
    init(_ r: Rating) {
        self.init(level: r.level, label: r.label, awardedOn: r.awardedOn, expiresOn: r.expiresOn, points: r.points, assessedBy: r.assessedBy,
                  document: r.document, correction: r.correction, file: r.file.map(Components.Schemas.StandingDocument.init))
    }
}

extension Components.Schemas.StandingDocument {
    init(_ d: StandingDocument) {
        self.init(id: d.id.lowercased, kind: .init(rawValue: d.kind.rawValue) ?? .pdf, name: d.name, sha256: d.sha256, size: d.size)
    }
}

extension Components.Schemas.Violation {
    init(_ v: Violation) {
        self.init(id: v.id.lowercased, kind: .init(rawValue: v.kind.rawValue) ?? .administrativePenalty,
                  severity: .init(rawValue: v.severity.rawValue) ?? .major, occurredOn: v.occurredOn, endsOn: v.endsOn,
                  description: v.description, source: v.source, correction: v.correction, file: v.file.map(Components.Schemas.StandingDocument.init))
    }
}
