import Core
import Crypto
import Foundation
import Identity
import PostgresNIO
import Store

/// A supplier's profile and document library: kept once by its own staff, cited by its bids. A
/// document is read by its organisation's members, and, once a bid citing it is opened, by those
/// who may read that bid's proposal.
public struct SupplierService: Sendable {
    let database: Database
    let identity: IdentityService
    let sealer: BidSealer
    let clock: any SpokesClock

    public init(database: Database, identity: IdentityService, sealer: BidSealer, clock: any SpokesClock = SystemClock()) {
        self.database = database
        self.identity = identity
        self.sealer = sealer
        self.clock = clock
    }

    private func store(_ connection: PostgresConnection) -> SupplierStore { SupplierStore(connection: connection, logger: database.logger) }

    // MARK: Profile

    /// Public: buyers and residents see who a supplier is. An organisation without one has an empty profile.
    /// The actor's own organisation's profile, for its staff to keep.
    public func ownProfile(by actor: Actor) async throws -> SupplierProfile {
        try Policy.authorize(actor, .manageSupplierProfile, Resource(organisationID: actor.organisationID))
        return try await profile(of: actor.organisationID)
    }

    public func profile(of organisationID: UUID) async throws -> SupplierProfile {
        _ = try await identity.organisation(id: organisationID)
        return try await database.read { try await store($0).profile(of: organisationID) } ?? SupplierProfile(organisationID: organisationID)
    }

    public func updateProfile(by actor: Actor, _ profile: SupplierProfile) async throws -> SupplierProfile {
        try authorizeOwn(actor, profile.organisationID)
        var profile = profile
        profile.summary = profile.summary.trimmingCharacters(in: .whitespacesAndNewlines)
        profile.contact = profile.contact.trimmingCharacters(in: .whitespacesAndNewlines)
        profile.serviceAreas = profile.serviceAreas.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if !profile.problems.isEmpty { throw DomainError.invalid(profile.problems) }
        let now = clock.now()
        profile.updatedAt = now
        return try await database.transaction { connection in
            let before = try await store(connection).profile(of: profile.organisationID)
            try await store(connection).upsert(profile, at: now)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "supplier.profile_updated",
                                      entity: AuditEntity("organisation", profile.organisationID), before: before, after: profile, at: now)
            return profile
        }
    }

    // MARK: Documents

    /// Adds a file to the organisation's library. Its kind is recognised from its bytes; its size and
    /// the library's are limited.
    public func upload(by actor: Actor, title: String, category: DocumentCategory, filename: String, data: Data) async throws -> SupplierDocument {
        try authorizeOwn(actor, actor.organisationID)
        var check = Validator()
        let title = check.text(title, "title", max: 200)
        let filename = check.text(FileKind.baseName(filename), "filename", max: 200)
        check.check(!data.isEmpty, "file", "is empty")
        check.check(data.count <= SupplierDocument.maximumSize, "file",
                    "is \(data.count / 1024 / 1024) MB; the most accepted is \(SupplierDocument.maximumSize / 1024 / 1024) MB")
        let kind = FileKind.detect(data)
        check.check(data.isEmpty || kind != nil, "file", "is not a \(FileKind.accepted) file (judged by its content, not its name)")
        try check.finish()
        let now = clock.now()
        let document = SupplierDocument(id: UUID.v7(at: now), organisationID: actor.organisationID, title: title, category: category,
                                        filename: filename, kind: kind!, size: data.count, sha256: Data(SHA256.hash(data: data)).hexString,
                                        uploadedAt: now)
        return try await database.transaction { connection in
            let store = store(connection)
            guard try await store.libraryCount(of: actor.organisationID) < SupplierDocument.maximumLibrary else {
                throw DomainError.conflict("the library holds \(SupplierDocument.maximumLibrary) documents at most; retire some first")
            }
            try await store.insert(document, sealed: try sealer.seal(document: data, organisation: actor.organisationID, id: document.id), by: actor.userID)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "supplier.document_uploaded",
                                      entity: AuditEntity("organisation", actor.organisationID), before: nil as SupplierDocument?, after: document, at: now)
            return document
        }
    }

    /// The actor's organisation's library (its members only).
    public func library(by actor: Actor) async throws -> [SupplierDocument] {
        try await database.read { try await store($0).documents(of: actor.organisationID) }
    }

    /// Retires a document: gone from the library, still readable through the bids that cite it.
    public func retire(by actor: Actor, documentID: UUID) async throws {
        try authorizeOwn(actor, actor.organisationID)
        let now = clock.now()
        try await database.transaction { connection in
            let store = store(connection)
            guard let document = try await store.documents(ids: [documentID]).first, document.organisationID == actor.organisationID,
                  document.retiredAt == nil else {
                throw DomainError.notFound("your organisation's library has no document \(documentID.lowercased)")
            }
            try await store.retire(documentID, at: now)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "supplier.document_retired",
                                      entity: AuditEntity("organisation", actor.organisationID), before: document, after: document, at: now)
        }
    }

    /// A document of the actor's own organisation, with its bytes.
    public func file(by actor: Actor, documentID: UUID) async throws -> DocumentFile {
        try await database.read { connection in
            guard let document = try await store(connection).documents(ids: [documentID]).first, document.organisationID == actor.organisationID else {
                throw DomainError.notFound("your organisation's library has no document \(documentID.lowercased)")
            }
            return DocumentFile(document: document, data: try await content(of: document, connection))
        }
    }

    /// A document cited by an opened bid, for someone who may read that bid's proposal; its bytes are
    /// checked against the digest the bid was sealed with.
    public func citedFile(tenderID: UUID, bidID: UUID, documentID: UUID, bids: BidService, by actor: Actor?) async throws -> DocumentFile {
        // Only signed-in readers of proposals get documents: a visitor is asked to sign in before anything is said.
        guard actor != nil else { throw DomainError.unauthenticated("Sign in to read the documents a bid cites.") }
        let opened = try await bids.openedBids(tenderID: tenderID, by: actor)
        guard let bid = opened.first(where: { $0.id == bidID }), let reference = bid.documents.first(where: { $0.id == documentID }) else {
            throw DomainError.notFound("no opened bid of this tender cites document \(documentID.lowercased)")
        }
        guard bid.proposal != nil else { throw DomainError.forbidden("only the buyer's staff, its overseers and the panel read a bid's documents") }
        return try await database.read { connection in
            guard let document = try await store(connection).documents(ids: [documentID]).first else {
                throw DomainError.notFound("document \(documentID.lowercased) is missing")
            }
            let data = try await content(of: document, connection)
            guard Data(SHA256.hash(data: data)).hexString == reference.sha256 else {
                throw DomainError.conflict("document \(documentID.lowercased) does not match the digest its bid was sealed with")
            }
            return DocumentFile(document: document, data: data)
        }
    }

    /// What the documents cited by opened bids are (titles, kinds, sizes), for the pages and the API
    /// to list beside each bid; only documents those bids cite.
    public func citedDocuments(of bids: [OpenedBid]) async throws -> [UUID: SupplierDocument] {
        let ids = Array(Set(bids.flatMap { $0.documents.map(\.id) }))
        guard !ids.isEmpty else { return [:] }
        let documents = try await database.read { try await store($0).documents(ids: ids) }
        return Dictionary(uniqueKeysWithValues: documents.map { ($0.id, $0) })
    }

    // MARK: Rules

    private func content(of document: SupplierDocument, _ connection: PostgresConnection) async throws -> Data {
        guard let sealed = try await store(connection).sealedContent(of: document.id) else {
            throw DomainError.notFound("document \(document.id.lowercased) is missing")
        }
        return try sealer.open(document: sealed, organisation: document.organisationID, id: document.id)
    }

    func authorizeOwn(_ actor: Actor, _ organisationID: UUID) throws {
        try Policy.authorize(actor, .manageSupplierProfile, Resource(organisationID: organisationID))
    }
}
