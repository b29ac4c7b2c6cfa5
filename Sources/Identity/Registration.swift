import Core
import Crypto
import Foundation
import Store

/// How an applicant exists in law (DOMAIN §7): a registered social organisation (社会团体、民办非企业单位), a registered
/// social-work agency (社工机构), or a team not yet registered (公益团队), which has no credit code and no certificate.
public enum ApplicantForm: String, Codable, Sendable, CaseIterable, Termed {
    case socialOrganisation = "social_organisation"
    case socialWorkAgency = "social_work_agency"
    case team
    public static var termKey: String { "applicantForm_" }
}

/// What an applicant types to join: the organisation, its registration, its contacts and its first user.
public struct SignUp: Sendable {
    public var form: String
    public var nameZh: String
    public var nameEn: String
    public var creditCode: String?
    public var jurisdictionCode: String
    public var registrationAuthority: String
    public var legalRepresentative: String
    public var contactName: String
    public var contactPhone: String
    public var email: String
    public var username: String
    public var displayName: String
    public var password: String
    public var certificate: Data?
    public var certificateName: String?
    public init(form: String, nameZh: String, nameEn: String = "", creditCode: String?, jurisdictionCode: String, registrationAuthority: String,
                legalRepresentative: String, contactName: String, contactPhone: String, email: String, username: String, displayName: String,
                password: String, certificate: Data?, certificateName: String?) {
        self.form = form
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.creditCode = creditCode
        self.jurisdictionCode = jurisdictionCode
        self.registrationAuthority = registrationAuthority
        self.legalRepresentative = legalRepresentative
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.email = email
        self.username = username
        self.displayName = displayName
        self.password = password
        self.certificate = certificate
        self.certificateName = certificateName
    }
}

/// A returned application as the applicant corrects it: nil keeps a field, a certificate replaces the old one.
public struct Resubmission: Sendable {
    public var nameZh: String?
    public var nameEn: String?
    public var creditCode: String?
    public var registrationAuthority: String?
    public var legalRepresentative: String?
    public var contactName: String?
    public var contactPhone: String?
    public var email: String?
    public var certificate: Data?
    public var certificateName: String?
    public init(nameZh: String? = nil, nameEn: String? = nil, creditCode: String? = nil, registrationAuthority: String? = nil,
                legalRepresentative: String? = nil, contactName: String? = nil, contactPhone: String? = nil, email: String? = nil,
                certificate: Data? = nil, certificateName: String? = nil) {
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.creditCode = creditCode
        self.registrationAuthority = registrationAuthority
        self.legalRepresentative = legalRepresentative
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.email = email
        self.certificate = certificate
        self.certificateName = certificateName
    }
}

/// The particulars the bureau vets. Its state is the organisation's `status`, kept in one place.
public struct JoiningApplication: Codable, Sendable, Equatable {
    public struct Certificate: Codable, Sendable, Equatable {
        public var kind: FileKind
        public var name: String
        public var sha256: String
        public var size: Int
    }
    public var organisationID: UUID
    public var form: ApplicantForm
    public var registrationAuthority: String
    public var legalRepresentative: String
    public var contactName: String
    public var contactPhone: String
    public var email: String
    public var certificate: Certificate?
    /// The last decision's reasons (a return or a refusal); empty before any.
    public var reasons: String
    public var submissions: Int
    public var submittedAt: Date
    public var decidedAt: Date?
    public var decidedBy: UUID?

    /// The largest certificate accepted: a scan of a few pages.
    public static let maximumCertificateSize = 10 * 1024 * 1024
}

/// An organisation with its application, as the registrar's queue and the organisation's page show it.
public struct Registration: Sendable, Equatable {
    public var organisation: Organisation
    public var application: JoiningApplication
}

/// What a registrar decides on an application.
public enum RegistrationDecision: String, Sendable, CaseIterable {
    case approve
    /// Back to the applicant to correct (退回补正), with reasons.
    case `return`
    case refuse

    var status: OrganisationStatus {
        switch self {
        case .approve: .approved
        case .return: .returned
        case .refuse: .refused
        }
    }
}

extension IdentityService {
    /// Signs an organisation up (DOMAIN §7): the organisation waits for its bureau as `applied`, and the person who signed
    /// up becomes its first user (its administrator, with the supplier's role). Sign-ups per network address are limited.
    public func signUp(_ input: SignUp, client: String) async throws -> (organisation: Organisation, user: User) {
        try Policy.authorize(nil, .signUp, .platform)
        var check = Validator()
        let form = ApplicantForm(rawValue: input.form)
        check.check(form != nil, "form", "must be one of \(ApplicantForm.allCases.map(\.rawValue).joined(separator: ", "))")
        let nameZh = check.text(input.nameZh, "nameZh")
        let nameEn = check.text(input.nameEn, "nameEn", required: false)
        let jurisdictionCode = check.text(input.jurisdictionCode, "jurisdictionCode", max: 12)
        let team = form == .team
        let creditCode: String?
        if team {
            check.check((input.creditCode ?? "").trimmingCharacters(in: .whitespaces).isEmpty, "creditCode",
                        "a team is not registered and has no credit code; choose the registered form")
            check.check(input.certificate?.isEmpty ?? true, "certificate", "a team is not registered and has no certificate")
            creditCode = nil
        } else {
            creditCode = Self.validCreditCode(input.creditCode, &check)
        }
        let particulars = Self.particulars(registrationAuthority: input.registrationAuthority, legalRepresentative: input.legalRepresentative,
                                           contactName: input.contactName, contactPhone: input.contactPhone, email: input.email,
                                           team: team, &check)
        let certificate = team ? nil : Self.certificate(input.certificate, name: input.certificateName, &check)
        let account = validAccount(username: input.username, displayName: input.displayName, email: input.email, password: input.password, &check)
        try check.finish()
        let hash = try await hasher.hash(input.password)
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            // Counted under a lock per address, so parallel sign-ups count each other.
            try await store.lockSignUps(from: client)
            let recent = try await store.signUps(from: client, since: now.addingTimeInterval(-policy.signUpWindow))
            if recent.count >= policy.maxSignUpsPerAddress, let oldest = recent.first {
                let seconds = max(1, Int(oldest.addingTimeInterval(policy.signUpWindow).timeIntervalSince(now).rounded(.up)))
                throw DomainError(.rateLimited, "\(policy.maxSignUpsPerAddress) organisations were signed up from this address within a day; try again later",
                                  retryAfter: seconds)
            }
            guard let jurisdiction = try await store.jurisdiction(code: jurisdictionCode) else {
                throw DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code \(jurisdictionCode)")])
            }
            let organisation = Organisation(
                id: UUID.v7(at: now), reference: try await store.nextOrganisationReference(), kind: .socialOrganisation,
                nameZh: nameZh, nameEn: nameEn.isEmpty ? nameZh : nameEn, creditCode: creditCode, jurisdictionID: jurisdiction.id,
                createdAt: now, updatedAt: now, status: .applied)
            do {
                try await store.insert(organisation)
            } catch where error.isUniqueViolation {
                throw Self.creditCodeTaken(creditCode)
            }
            let user = User(id: UUID.v7(at: now), username: account.username, displayName: account.displayName, email: account.email,
                            organisationID: organisation.id, roles: [.orgAdmin, .supplier], disabled: false, createdAt: now)
            do {
                try await store.insert(user, passwordHash: hash)
            } catch where error.isUniqueViolation {
                throw Self.userNameTaken(account.username)
            }
            let application = JoiningApplication(
                organisationID: organisation.id, form: form!, registrationAuthority: particulars.registrationAuthority,
                legalRepresentative: particulars.legalRepresentative, contactName: particulars.contactName,
                contactPhone: particulars.contactPhone, email: particulars.email, certificate: certificate?.summary, reasons: "",
                submissions: 1, submittedAt: now, decidedAt: nil, decidedBy: nil)
            try await store.insert(application, certificate: certificate?.data, client: client)
            let applicant = Actor(userID: user.id, username: user.username, displayName: user.displayName, organisationID: organisation.id,
                                  organisationKind: .socialOrganisation, jurisdictionPath: jurisdiction.path, roles: Set(user.roles))
            try await audit(connection, applicant, "organisation.applied", AuditEntity("organisation", organisation.id),
                            before: nil, after: RegistrationRecord(organisation: organisation, application: application))
            try await audit(connection, applicant, "user.created", AuditEntity("user", user.id), before: nil, after: user)
            return (organisation, user)
        }
    }

    /// An organisation's application: for its members, the registrars of its jurisdiction and the platform's administrators.
    public func registration(of organisationID: UUID, by actor: Actor?) async throws -> Registration {
        try Policy.authorize(actor, .readRegistration, try await resource(of: organisationID))
        return try await database.read { connection in
            guard let found = try await store(connection).registrations(organisationID: organisationID).first else {
                throw DomainError.notFound("this organisation joined without an application (an administrator opened it)")
            }
            return found
        }
    }

    /// The application, or nil for an organisation an administrator opened (it has none to show).
    public func registrationIfAny(of organisationID: UUID, by actor: Actor?) async throws -> Registration? {
        try Policy.authorize(actor, .readRegistration, try await resource(of: organisationID))
        return try await database.read { try await store($0).registrations(organisationID: organisationID).first }
    }

    /// The registration certificate's bytes, checked against the digest taken when it was uploaded.
    public func certificate(of organisationID: UUID, by actor: Actor?) async throws -> (JoiningApplication.Certificate, Data) {
        let registration = try await registration(of: organisationID, by: actor)
        guard let summary = registration.application.certificate else {
            throw DomainError.notFound("a team has no registration certificate")
        }
        let data = try await database.read { try await store($0).certificate(of: organisationID) } ?? Data()
        guard Data(SHA256.hash(data: data)).hexString == summary.sha256 else {
            throw DomainError.conflict("the stored certificate does not match the digest taken when it was uploaded")
        }
        return (summary, data)
    }

    /// The registrar's queue: applications in `status` (waiting ones by default) from the registrar's jurisdiction and
    /// below, oldest first, a page at a time.
    public func registrations(by actor: Actor, status: OrganisationStatus = .applied, after: UUID? = nil, limit: Int = 50) async throws -> [Registration] {
        // The queue is the register of the registrar's own jurisdiction (and those below it).
        try Policy.authorize(actor, .vetOrganisation, Resource(jurisdictionPath: actor.jurisdictionPath))
        guard let jurisdiction = actor.jurisdictionID else { return [] }
        return try await database.read {
            try await store($0).registrations(within: jurisdiction, status: status, after: after, limit: min(max(limit, 1), 200))
        }
    }

    /// How many applications wait for this registrar (its home page).
    public func waitingRegistrations(for actor: Actor) async throws -> Int {
        guard Policy.decide(actor, .vetOrganisation, Resource(jurisdictionPath: actor.jurisdictionPath)) == .allow,
              let jurisdiction = actor.jurisdictionID else { return 0 }
        return try await database.read { try await store($0).waitingCount(within: jurisdiction) }
    }

    /// Approves, returns (with reasons, for the applicant to correct) or refuses a waiting application.
    public func decide(by actor: Actor, organisationID: UUID, _ decision: RegistrationDecision, reasons: String) async throws -> Registration {
        try Policy.authorize(actor, .vetOrganisation, try await resource(of: organisationID))
        var check = Validator()
        let reasons = check.text(reasons, "reasons", max: 2000, required: decision != .approve)
        try check.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            var (organisation, application) = try await Self.locked(organisationID, store)
            guard organisation.status == .applied else {
                throw DomainError.conflict("the application is \(organisation.status), not waiting for a decision")
            }
            let before = RegistrationRecord(organisation: organisation, application: application)
            organisation.status = decision.status
            organisation.updatedAt = now
            application.reasons = reasons
            application.decidedAt = now
            application.decidedBy = actor.userID
            try await store.update(organisation)
            try await store.decide(application)
            try await audit(connection, actor, "organisation.\(decision.status.rawValue)", AuditEntity("organisation", organisationID),
                            before: before, after: RegistrationRecord(organisation: organisation, application: application))
            return Registration(organisation: organisation, application: application)
        }
    }

    /// The applicant corrects a returned application and sends it again; it waits for the bureau once more.
    public func resubmit(by actor: Actor, organisationID: UUID, _ input: Resubmission) async throws -> Registration {
        try Policy.authorize(actor, .updateOrganisation, try await resource(of: organisationID))
        let current = try await registration(of: organisationID, by: actor)
        var check = Validator()
        let nameZh = input.nameZh.map { check.text($0, "nameZh") }
        let nameEn = input.nameEn.map { check.text($0, "nameEn", required: false) }
        let team = current.application.form == .team
        var creditCode = current.organisation.creditCode
        if !team, let raw = input.creditCode { creditCode = Self.validCreditCode(raw, &check) }
        let a = current.application
        let particulars = Self.particulars(
            registrationAuthority: input.registrationAuthority ?? a.registrationAuthority, legalRepresentative: input.legalRepresentative ?? a.legalRepresentative,
            contactName: input.contactName ?? a.contactName, contactPhone: input.contactPhone ?? a.contactPhone, email: input.email ?? a.email,
            team: team, &check)
        let certificate = team || (input.certificate?.isEmpty ?? true) ? nil : Self.certificate(input.certificate, name: input.certificateName, &check)
        try check.finish()
        let now = clock.now()
        return try await database.transaction { connection in
            let store = store(connection)
            var (organisation, application) = try await Self.locked(organisationID, store)
            guard organisation.status == .returned else {
                throw DomainError.conflict("the application is \(organisation.status); only a returned application is sent again")
            }
            let before = RegistrationRecord(organisation: organisation, application: application)
            if let nameZh { organisation.nameZh = nameZh }
            if let nameEn { organisation.nameEn = nameEn.isEmpty ? organisation.nameZh : nameEn }
            organisation.creditCode = creditCode
            organisation.status = .applied
            organisation.updatedAt = now
            application.registrationAuthority = particulars.registrationAuthority
            application.legalRepresentative = particulars.legalRepresentative
            application.contactName = particulars.contactName
            application.contactPhone = particulars.contactPhone
            application.email = particulars.email
            if let certificate { application.certificate = certificate.summary }
            application.submissions += 1
            application.submittedAt = now
            do {
                try await store.update(organisation)
            } catch where error.isUniqueViolation {
                throw Self.creditCodeTaken(creditCode)
            }
            try await store.resubmit(application, certificate: certificate?.data)
            try await audit(connection, actor, "organisation.resubmitted", AuditEntity("organisation", organisationID),
                            before: before, after: RegistrationRecord(organisation: organisation, application: application))
            return Registration(organisation: organisation, application: application)
        }
    }

    /// The organisation, locked until the transaction ends (one decision or correction at a time), and its application.
    private static func locked(_ organisationID: UUID, _ store: IdentityStore) async throws -> (Organisation, JoiningApplication) {
        guard let organisation = try await store.organisation(id: organisationID, forUpdate: true),
              let application = try await store.registrations(organisationID: organisationID).first?.application else {
            throw DomainError.notFound("this organisation joined without an application (an administrator opened it)")
        }
        return (organisation, application)
    }

    // MARK: Checks shared by signing up and correcting

    private struct Particulars {
        var registrationAuthority, legalRepresentative, contactName, contactPhone, email: String
    }

    private static func particulars(registrationAuthority: String, legalRepresentative: String, contactName: String, contactPhone: String,
                                    email: String, team: Bool, _ check: inout Validator) -> Particulars {
        // A team names no authority; its legal representative is the person responsible for it.
        let authority = check.text(registrationAuthority, "registrationAuthority", required: !team)
        let representative = check.text(legalRepresentative, "legalRepresentative", max: 100)
        let contact = check.text(contactName, "contactName", max: 100)
        let phone = check.text(contactPhone, "contactPhone", max: 20)
        check.check(phone.isEmpty || (phone.count >= 5 && phone.allSatisfy { $0.isASCII && ($0.isNumber || "+- ()".contains($0)) }),
                    "contactPhone", "is not a telephone number (digits, spaces, + - and brackets, 5 to 20 characters)")
        let mail = check.text(email, "email", max: 254)
        check.check(mail.isEmpty || Self.looksLikeEmail(mail), "email", "is not an e-mail address")
        return Particulars(registrationAuthority: authority, legalRepresentative: representative, contactName: contact,
                           contactPhone: phone, email: mail)
    }

    private struct UploadedCertificate {
        var summary: JoiningApplication.Certificate
        var data: Data
    }

    private static func certificate(_ data: Data?, name: String?, _ check: inout Validator) -> UploadedCertificate? {
        guard let data, !data.isEmpty else {
            check.check(false, "certificate", "is required: upload the registration certificate (登记证书)")
            return nil
        }
        return upload(data, name: name, field: "certificate", fallback: "certificate", &check).map {
            UploadedCertificate(summary: .init(kind: $0.kind, name: $0.name, sha256: $0.sha256, size: data.count), data: data)
        }
    }

    /// An uploaded file the register keeps (a certificate, a standing document): no larger than a scan of a few pages,
    /// of a kind recognised by its bytes (not its name), named by its file name without any folder.
    static func upload(_ data: Data, name: String?, field: String, fallback: String, _ check: inout Validator)
        -> (kind: FileKind, name: String, sha256: String)? {
        guard data.count <= JoiningApplication.maximumCertificateSize else {
            check.check(false, field, "is \(data.count / 1024 / 1024) MB; the most accepted is \(JoiningApplication.maximumCertificateSize / 1024 / 1024) MB")
            return nil
        }
        guard let kind = FileKind.detect(data) else {
            check.check(false, field, "is not a \(FileKind.accepted) file (judged by its content, not its name)")
            return nil
        }
        let filename = FileKind.baseName(name ?? "")
        return (kind, String((filename.isEmpty ? "\(fallback).\(kind.rawValue)" : filename).prefix(200)), Data(SHA256.hash(data: data)).hexString)
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: \.isWhitespace)
    }
}

/// What the audit trail keeps of a decision or a correction: the organisation and its application, without the certificate's bytes.
struct RegistrationRecord: Encodable {
    var organisation: Organisation
    var application: JoiningApplication
}
