import Core
import Foundation
import Identity
import PostgresNIO
import Store
import Tendering
import TestSupport
import Testing

@Suite("Supplier profiles and documents")
struct SupplierTests {
    /// A small PDF with a recognisable line of text.
    static func pdf(_ text: String) -> Data { Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% \(text)\n%%EOF\n".utf8) }

    @Test("a supplier keeps its profile; only its own staff may write it; anyone may read it")
    func profile() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let suppliers = SupplierService(database: database, identity: t.world.identity, sealer: t.sealer, clock: t.clock)
            let ngo = try await t.world.actor("ngo")
            #expect(try await suppliers.profile(of: ngo.organisationID).summary.isEmpty)
            var profile = SupplierProfile(organisationID: ngo.organisationID, summary: "深耕历下区居家养老服务十年。", staffCount: 42, socialWorkers: 18,
                                          serviceAreas: ["居家养老", " 社区照料 ", ""], contact: "张阳光 0531-00000000")
            let kept = try await suppliers.updateProfile(by: ngo, profile)
            #expect(kept.serviceAreas == ["居家养老", "社区照料"] && kept.updatedAt == t.clock.now())
            #expect(try await suppliers.profile(of: ngo.organisationID) == kept)
            profile.socialWorkers = 50
            await #expect(throws: DomainError.invalid([FieldError("socialWorkers", "must be 0 to the number of staff")])) {
                _ = try await suppliers.updateProfile(by: ngo, profile)
            }
            for username in ["eldercare", "finance", "admin"] {
                await #expect(throws: DomainError.self) { _ = try await suppliers.updateProfile(by: try await t.world.actor(username), kept) }
            }
        }
    }

    @Test("documents are recognised by their bytes, limited in size, sealed at rest and read by their own organisation only")
    func library() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let suppliers = SupplierService(database: database, identity: t.world.identity, sealer: t.sealer, clock: t.clock)
            let ngo = try await t.world.actor("ngo")
            let marker = "REGISTRATION-CERTIFICATE-7731"
            let document = try await suppliers.upload(by: ngo, title: "登记证书", category: .registration, filename: "/home/zhang/证书/登记证书.pdf",
                                                      data: Self.pdf(marker))
            #expect(document.kind == .pdf && document.filename == "登记证书.pdf", "the path is dropped")
            #expect(try await suppliers.file(by: ngo, documentID: document.id).data == Self.pdf(marker))
            await #expect(throws: DomainError.notFound("your organisation's library has no document \(document.id.lowercased)")) {
                _ = try await suppliers.file(by: try await t.world.actor("eldercare"), documentID: document.id)
            }
            // A program named like a PDF, an empty file, a file too large: refused, naming the field.
            await #expect(throws: DomainError.invalid([FieldError("file", "is not a PDF, PNG, JPEG, DOCX or XLSX file (judged by its content, not its name)")])) {
                _ = try await suppliers.upload(by: ngo, title: "方案", category: .proposal, filename: "方案.pdf", data: Data([0x7F, 0x45, 0x4C, 0x46, 2, 1]))
            }
            await #expect(throws: DomainError.self) { _ = try await suppliers.upload(by: ngo, title: "空", category: .other, filename: "a.pdf", data: Data()) }
            let large = Self.pdf("x") + Data(count: SupplierDocument.maximumSize)
            await #expect(throws: DomainError.invalid([FieldError("file", "is 10 MB; the most accepted is 10 MB")])) {
                _ = try await suppliers.upload(by: ngo, title: "大", category: .other, filename: "a.pdf", data: large)
            }
            // Nothing of the file is in the database as plain bytes.
            let plain = try await database.read { connection in
                try await connection.query("SELECT count(*)::int FROM tendering.supplier_documents WHERE position(\(Data(marker.utf8)) in sealed) > 0",
                                           logger: database.logger).collect()[0].decode(Int.self)
            }
            #expect(plain == 0)
            try await suppliers.retire(by: ngo, documentID: document.id)
            #expect(try await suppliers.library(by: ngo).isEmpty)
        }
    }

    @Test("a bid cites documents of its own library; once opened, those who read the proposal read them, checked against the sealed digest")
    func citedInBids() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let suppliers = SupplierService(database: database, identity: t.world.identity, sealer: t.sealer, clock: t.clock)
            let ngo = try await t.world.actor("ngo"), eldercare = try await t.world.actor("eldercare")
            let mine = try await suppliers.upload(by: ngo, title: "服务方案", category: .proposal, filename: "方案.pdf", data: Self.pdf("阳光方案"))
            let theirs = try await suppliers.upload(by: eldercare, title: "登记证书", category: .registration, filename: "证书.pdf", data: Self.pdf("桑榆"))
            let tender = try await t.publishedTender(["LX2026-01"])
            try await t.move(to: tender.periods!.enquiryEnd)
            let lot = tender.lots[0].id
            await #expect(throws: DomainError.invalid([FieldError("documents[0]", "is not a document of your organisation's library")])) {
                _ = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, BidContent(price: .yuan(380_000), proposal: "方案", documents: [theirs.id]))
            }
            _ = try await t.bids.submit(by: ngo, tenderID: tender.id, lotID: lot, BidContent(price: .yuan(380_000), proposal: "方案", documents: [mine.id]))
            _ = try await t.bids.submit(by: eldercare, tenderID: tender.id, lotID: lot, BidContent(price: .yuan(390_000), proposal: "方案"))
            #expect(try await t.bids.ownBids(by: ngo, tenderID: tender.id)[0].content?.documents == [mine.id])
            let finance = try await t.world.actor("finance")
            // Before the deadline the buyer cannot reach the document through the bid.
            await #expect(throws: DomainError.self) {
                _ = try await suppliers.citedFile(tenderID: tender.id, bidID: UUID(), documentID: mine.id, bids: t.bids, by: finance)
            }
            try await t.move(to: tender.periods!.tenderEnd)
            let opened = try await t.bids.openedBids(tenderID: tender.id, by: finance)
            let bid = try #require(opened.first { $0.bidderID == ngo.organisationID })
            #expect(bid.documents == [DocumentReference(id: mine.id, sha256: mine.sha256)])
            #expect(try await suppliers.citedDocuments(of: opened)[mine.id]?.title == "服务方案")
            // Retired after bidding, the document stays readable through the bid.
            try await suppliers.retire(by: ngo, documentID: mine.id)
            #expect(try await suppliers.citedFile(tenderID: tender.id, bidID: bid.id, documentID: mine.id, bids: t.bids, by: finance).data == Self.pdf("阳光方案"))
            // The public sees the bid without its documents and cannot fetch them.
            #expect(try await t.bids.openedBids(tenderID: tender.id, by: nil).allSatisfy { $0.documents.isEmpty })
            await #expect(throws: DomainError.self) {
                _ = try await suppliers.citedFile(tenderID: tender.id, bidID: bid.id, documentID: mine.id, bids: t.bids, by: nil)
            }
            await #expect(throws: DomainError.self) {
                _ = try await suppliers.citedFile(tenderID: tender.id, bidID: bid.id, documentID: mine.id, bids: t.bids, by: eldercare)
            }
        }
    }
}
