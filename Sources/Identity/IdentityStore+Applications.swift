import Core
import Foundation
import PostgresNIO

/// The SQL of applications to join (DOMAIN §7), beside the rest of the Identity module's.
extension IdentityStore {
    private static let registrationColumns = """
        o.id, o.reference, o.kind, o.name_zh, o.name_en, o.credit_code, o.jurisdiction_id, o.created_at, o.updated_at, o.status,
        a.form, a.registration_authority, a.legal_representative, a.contact_name, a.contact_phone, a.email,
        a.certificate_kind, a.certificate_name, a.certificate_sha256, octet_length(a.certificate), a.reasons, a.submissions,
        a.submitted_at, a.decided_at, a.decided_by
        """

    /// Serialises the sign-ups of one network address until the transaction ends.
    func lockSignUps(from client: String) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('sign-up ' || \(client), 0))", logger: logger)
    }

    /// When the applications from this address since `since` were first submitted, oldest first.
    func signUps(from client: String, since: Date) async throws -> [Date] {
        var result: [Date] = []
        for try await date in try await connection.query("""
            SELECT o.created_at FROM identity.applications a JOIN identity.organisations o ON o.id = a.organisation_id
            WHERE a.client_address = \(client) AND o.created_at >= \(since) ORDER BY o.created_at
            """, logger: logger).decode(Date.self) {
            result.append(date)
        }
        return result
    }

    func insert(_ a: JoiningApplication, certificate: Data?, client: String) async throws {
        try await connection.query("""
            INSERT INTO identity.applications (organisation_id, form, registration_authority, legal_representative, contact_name,
                contact_phone, email, certificate_kind, certificate_name, certificate_sha256, certificate, submitted_at, client_address)
            VALUES (\(a.organisationID), \(a.form.rawValue), \(a.registrationAuthority), \(a.legalRepresentative), \(a.contactName),
                \(a.contactPhone), \(a.email), \(a.certificate?.kind.rawValue), \(a.certificate?.name), \(a.certificate?.sha256),
                \(certificate.map { ByteBuffer(bytes: $0) }), \(a.submittedAt), \(client))
            """, logger: logger)
    }

    func decide(_ a: JoiningApplication) async throws {
        try await connection.query("""
            UPDATE identity.applications SET reasons = \(a.reasons), decided_at = \(a.decidedAt), decided_by = \(a.decidedBy)
            WHERE organisation_id = \(a.organisationID)
            """, logger: logger)
    }

    /// A corrected application; a nil certificate keeps the stored one.
    func resubmit(_ a: JoiningApplication, certificate: Data?) async throws {
        try await connection.query("""
            UPDATE identity.applications SET registration_authority = \(a.registrationAuthority),
                legal_representative = \(a.legalRepresentative), contact_name = \(a.contactName), contact_phone = \(a.contactPhone),
                email = \(a.email), certificate_kind = \(a.certificate?.kind.rawValue), certificate_name = \(a.certificate?.name),
                certificate_sha256 = \(a.certificate?.sha256),
                certificate = coalesce(\(certificate.map { ByteBuffer(bytes: $0) }), certificate),
                submissions = \(a.submissions), submitted_at = \(a.submittedAt)
            WHERE organisation_id = \(a.organisationID)
            """, logger: logger)
    }

    func certificate(of organisationID: UUID) async throws -> Data? {
        for try await bytes in try await connection.query(
            "SELECT certificate FROM identity.applications WHERE organisation_id = \(organisationID)", logger: logger
        ).decode(ByteBuffer?.self) {
            return bytes.map { Data(buffer: $0) }
        }
        return nil
    }

    func registrations(organisationID: UUID) async throws -> [Registration] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.registrationColumns)
            FROM identity.applications a JOIN identity.organisations o ON o.id = a.organisation_id
            WHERE a.organisation_id = $1
            """)
        query.binds.append(organisationID)
        return try await registrations(query)
    }

    /// Applications in `status` from organisations in `jurisdiction` or below it, oldest submission first, after the
    /// organisation `after` (keyset).
    func registrations(within jurisdiction: UUID, status: OrganisationStatus, after: UUID?, limit: Int) async throws -> [Registration] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.registrationColumns)
            FROM identity.organisations o
            JOIN identity.applications a ON a.organisation_id = o.id
            JOIN identity.jurisdictions j ON j.id = o.jurisdiction_id
            WHERE o.status = $1 AND $2 = ANY (j.path)
              AND ($3::uuid IS NULL OR (a.submitted_at, o.id) > (SELECT submitted_at, organisation_id FROM identity.applications WHERE organisation_id = $3))
            ORDER BY a.submitted_at, o.id LIMIT $4
            """)
        query.binds.append(status.rawValue)
        query.binds.append(jurisdiction)
        query.binds.append(after)
        query.binds.append(limit)
        return try await registrations(query)
    }

    func waitingCount(within jurisdiction: UUID) async throws -> Int {
        for try await count in try await connection.query("""
            SELECT count(*)::int FROM identity.organisations o JOIN identity.jurisdictions j ON j.id = o.jurisdiction_id
            WHERE o.status = 'applied' AND \(jurisdiction) = ANY (j.path)
            """, logger: logger).decode(Int.self) {
            return count
        }
        return 0
    }

    private func registrations(_ query: PostgresQuery) async throws -> [Registration] {
        var result: [Registration] = []
        let rows = try await connection.query(query, logger: logger)
        for try await row in rows {
            let (id, reference, kind, nameZh, nameEn, creditCode, jurisdictionID, createdAt, updatedAt, status) =
                try row.decode((UUID, String, String, String, String, String?, UUID, Date, Date, String).self)
            let columns = Array(row)
            func column<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try columns[index].decode(T.self) }
            let organisation = Organisation(id: id, reference: reference, kind: OrganisationKind(rawValue: kind) ?? .socialOrganisation,
                                            nameZh: nameZh, nameEn: nameEn, creditCode: creditCode, jurisdictionID: jurisdictionID,
                                            createdAt: createdAt, updatedAt: updatedAt, status: OrganisationStatus(rawValue: status) ?? .applied)
            var certificate: JoiningApplication.Certificate?
            if let kind = try column(16, String?.self).flatMap(FileKind.init(rawValue:)) {
                certificate = .init(kind: kind, name: try column(17, String?.self) ?? "", sha256: try column(18, String?.self) ?? "",
                                    size: try column(19, Int?.self) ?? 0)
            }
            let application = JoiningApplication(
                organisationID: id, form: ApplicantForm(rawValue: try column(10, String.self)) ?? .team,
                registrationAuthority: try column(11, String.self), legalRepresentative: try column(12, String.self),
                contactName: try column(13, String.self), contactPhone: try column(14, String.self), email: try column(15, String.self),
                certificate: certificate, reasons: try column(20, String.self), submissions: try column(21, Int.self),
                submittedAt: try column(22, Date.self), decidedAt: try column(23, Date?.self), decidedBy: try column(24, UUID?.self))
            result.append(Registration(organisation: organisation, application: application))
        }
        return result
    }
}
