import Core
import Foundation
@testable import Identity
@testable import Server
import Testing
@testable import Transparency

/// The joining, register and directory page models (issue 24), built without HTTP from what the services give; words by
/// key and messages in English. Expectations from DOMAIN §7: standing is public and the registrar alone gets its forms;
/// the registrar decides a waiting application, the applicant corrects a returned one; a listing that bars is said.
@Suite("Identity page models")
struct IdentityPageModelTests {
    static var words: PageWords { PageWords(language: .zh, say: { $0 }, message: { $0.english }) }
    static let organisation = Organisation(id: UUID(), reference: "ORG-00042", kind: .socialOrganisation, nameZh: "新芽中心", nameEn: "Xinya",
                                           creditCode: "523701025000009512", jurisdictionID: UUID(), createdAt: Date(), updatedAt: Date(), status: .applied)

    static func record() -> StandingRecord {
        StandingRecord(organisationID: organisation.id,
                       ratings: [Rating(level: 4, awardedOn: "2026-05-20", expiresOn: "2031-05-20", points: 930),
                                 Rating(level: 3, awardedOn: "2019-11-01", expiresOn: "2024-11-01")],
                       violations: [Violation(id: UUID(), severity: .major, occurredOn: "2026-06-01", description: "提供虚假材料", kind: .seriousDishonesty),
                                    Violation(id: UUID(), severity: .minor, occurredOn: "2025-06-30", description: "未报年报", kind: .abnormalActivities,
                                              endsOn: "2025-12-15")])
    }

    @Test("standing is public with expiry and listings in force said; only the registrar gets the forms, a refused one keeping what was typed")
    func standing() {
        let visitor = StandingSection(Self.record(), today: "2026-12-05", keepsRegister: false, refused: nil, words: Self.words)
        #expect(visitor.register == nil && !visitor.empty)
        #expect(visitor.ratings.map(\.expired) == [false, true] && visitor.ratings.first?.points == "930")
        #expect(visitor.sanctions.map(\.inForce) == [true, false] && visitor.sanctions.first?.kind == "sanction_serious_dishonesty")
        let refusal = DomainError.invalid([FieldError("points", "a rating of 3A or more needs at least 851 points")])
        let registrar = StandingSection(Self.record(), today: "2026-12-05", keepsRegister: true,
                                        refused: .init(prefix: "rating", error: refusal, form: ["level": "3", "points": "850", "awardedOn": "2026-06-30"]),
                                        words: Self.words)
        let forms = try! #require(registrar.register)
        #expect(forms.rating.fields["points"]?.value == "850" && forms.rating.fields["points"]?.error?.contains("851") == true)
        #expect(forms.rating.problem?.fields.first?.href == "#rating-points")
        #expect(forms.sanction.problem == nil && forms.levels.first { $0.selected }?.value == "3")
        #expect(forms.ratingDays.map(\.value) == ["2026-05-20", "2019-11-01"])
    }

    @Test("a waiting application gives the registrar the decision form and the applicant none; a returned one gives the applicant the correction form from what the bureau saw")
    func registration() {
        let application = JoiningApplication(organisationID: Self.organisation.id, form: .socialWorkAgency, registrationAuthority: "济南市历下区民政局",
                                             legalRepresentative: "王新芽", contactName: "王新芽", contactPhone: "13800138000", email: "x@example.cn",
                                             certificate: .init(kind: .pdf, name: "证书.pdf", sha256: "00", size: 2048), reasons: "",
                                             submissions: 1, submittedAt: Date(), decidedAt: nil, decidedBy: nil)
        let waiting = Registration(organisation: Self.organisation, application: application)
        let forRegistrar = RegistrationSection(waiting, decides: true, corrects: false, refused: nil, words: Self.words)
        #expect(forRegistrar.decision != nil && forRegistrar.correction == nil && forRegistrar.certificate == "证书.pdf (PDF, 2 KB)")
        #expect(RegistrationSection(waiting, decides: false, corrects: true, refused: nil, words: Self.words).correction == nil,
                "a waiting application is not corrected")
        var returned = waiting
        returned.organisation.status = .returned
        returned.application.reasons = "证书副本页缺失"
        let forApplicant = RegistrationSection(returned, decides: true, corrects: true, refused: nil, words: Self.words)
        #expect(forApplicant.decision == nil, "only a waiting application is decided")
        #expect(forApplicant.reasons == "证书副本页缺失" && forApplicant.correction?.fields["contactPhone"]?.value == "13800138000")
    }

    @Test("the jurisdictions' tree and the directory's cards")
    func treeAndDirectory() {
        let districtID = UUID(), streetID = UUID()
        // A path is the jurisdiction and its ancestors, root first.
        let district = Jurisdiction(id: districtID, parentID: nil, tier: .district, code: "370102", nameZh: "历下区", nameEn: "Lixia", path: [districtID])
        let street = Jurisdiction(id: streetID, parentID: districtID, tier: .street, code: "370102010", nameZh: "燕山街道", nameEn: "Yanshan",
                                  path: [districtID, streetID])
        let tree = JurisdictionsPage([district, street], words: Self.words)
        #expect(tree.roots.map(\.code) == ["370102"] && tree.roots.first?.children.map(\.name) == ["燕山街道"])
        let entry = DirectoryEntry(organisationID: UUID(), reference: "ORG-1", nameZh: "阳光", nameEn: "Sunshine", rating: 4, stage: .industrialPark,
                                   contracts: 3, grades: ["优", "良"], barred: true, offers: ["A0101"])
        let page = DirectoryPage(entries: [entry], typed: ["area": "370102010"], services: [], jurisdictions: [district, street], refusal: nil,
                                 pager: .none, words: Self.words)
        #expect(page.cards.first?.rating == "4A" && page.cards.first?.barred == true && page.cards.first?.grades == "优 良")
        #expect(page.areas.first { $0.selected }?.label == "— 燕山街道")
    }
}
