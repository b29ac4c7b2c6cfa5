import Core
import Foundation
@testable import Server
import Tendering
import TestSupport
import Testing

/// The supplier's own page model. Expectations follow DOMAIN.md §2 (who may supply: staff and skills) and issue 22's
/// refused forms: what was typed comes back (never a file), each problem beside its input, the summary at the top.
@Suite("Supplier page models")
struct SupplierPageModelTests {
    @Test("a refused profile keeps what was typed with each problem beside its input; a refused upload keeps the profile as kept")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let suppliers = SupplierService(database: database, identity: t.world.identity, sealer: t.sealer, clock: t.clock)
            let ngo = try await t.world.actor("ngo")
            let profile = try await suppliers.ownProfile(by: ngo)
            let typed = ["summary": "深耕居家养老", "staffCount": "四十", "socialWorkers": "12", "serviceAreas": "历下区", "contact": "0531-8888"]
            let page = SupplierPage.model(profile: profile, library: [], form: typed,
                                          refusal: DomainError.invalid([FieldError("staffCount", "is not a whole number")]), say: { $0 }, message: { $0.english })
            #expect(page.f["staffCount"]?.value == "四十" && page.f["staffCount"]?.error != nil && page.f["summary"]?.value == "深耕居家养老")
            #expect(page.problem?.fields.map(\.href) == ["#f-staffCount"] && page.problem?.fields.map(\.field) == ["supplier_staffCount"])
            #expect(page.f["file"]?.value == "", "a file cannot come back")

            let upload = SupplierPage.model(profile: profile, library: [], form: ["title": "", "category": "proposal"],
                                            refusal: DomainError.invalid([FieldError("file", "choose a file to upload"), FieldError("title", "is required")]),
                                            say: { $0 }, message: { $0.english })
            #expect(upload.f["staffCount"]?.value == String(profile.staffCount) && upload.f["summary"]?.value == profile.summary)
            #expect(upload.categories.filter(\.selected).map(\.value) == ["proposal"])
            #expect(upload.problem?.fields.map(\.href) == ["#f-title", "#f-file"], "in the page's order")
            #expect(SupplierPage.model(profile: profile, library: [], say: { $0 }, message: { $0.english }).problem == nil)
        }
    }
}
