import Core
import Foundation
import Hummingbird
import Identity
import Tendering

/// An organisation's page: its facts and standing for everyone; its application for the applicant and the registrars of
/// its jurisdiction; the register's forms for those registrars; its users and forms for its administrators.
struct OrganisationPage {
    let identity: IdentityService
    let views: Views
    /// The journey of a social organisation (the public page shows it; the admin forms do not need it).
    var journey: JourneySection? = nil

    /// Which form was refused (its `prefix` names the inputs), with what was typed.
    struct Refused {
        var prefix: String
        var error: DomainError
        var form: [String: String]
    }

    func render(id: UUID, request: Request, context: AppRequestContext, refused: Refused? = nil,
                status: HTTPResponse.Status = .ok) async throws -> Response {
        let organisation = try await identity.organisation(id: id)
        let may = try await identity.actions(on: id, for: context.actor)
        let standing = try await identity.standingRecord(of: id, by: context.actor)
        let registration = may.readRegistration ? try await identity.registrationIfAny(of: id, by: context.actor) : nil
        let keepsRegister = may.keepRegister
        let words = PageWords(views, context)
        var model = OrganisationPageModel(
            organisation: OrganisationFacts(organisation, words: words),
            status: organisation.status == .approved ? nil : words.say("orgStatus_\(organisation.status.rawValue)"),
            standing: StandingSection(standing, today: identity.today(), keepsRegister: keepsRegister, refused: refused, words: words),
            userForm: Self.form(refused, "user", OrganisationPageModel.userInputs, words),
            editForm: Self.form(refused, "edit", OrganisationPageModel.editInputs, words,
                                saved: ["nameZh": organisation.nameZh, "nameEn": organisation.nameEn, "creditCode": organisation.creditCode ?? ""]))
        if let registration {
            model.registration = RegistrationSection(registration, decides: may.decideRegistration, corrects: may.update, refused: refused,
                                                     words: words)
        }
        if may.readUsers {
            let users = try await identity.users(of: id, by: context.actor)
            model.users = users.map { user in
                OrganisationPageModel.UserRow(id: user.id.lowercased, username: user.username, displayName: user.displayName,
                                              roles: user.roles.map { words.say("role_\($0.rawValue)") }.joined(separator: "、"),
                                              disabled: user.disabled, isSelf: user.id == context.actor?.userID)
            }
        }
        if may.manageUsers {
            model.canManage = true
            model.roleChoices = may.assignableRoles.map { role in
                SelectOption(value: role.rawValue, label: words.say("role_\(role.rawValue)"),
                             selected: refused?.prefix == "user" && refused?.form["role_\(role.rawValue)"] != nil)
            }
        }
        model.canEdit = may.update
        if let journey = try await journey?.model(for: organisation, context) { model.journey = journey }
        if let suppliers = journey?.suppliers, organisation.kind == .socialOrganisation {
            let offers = try await suppliers.offers(of: id)
            let places = offers.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await identity.jurisdictions().map { ($0.id, $0) })
            model.offers = offers.map { OrganisationPageModel.OfferLine($0, places: places, words: words) }
        }
        if organisation.kind.isBuyer {
            // A buyer's open contracting data, a workbook per year: this year and the two before it (Beijing).
            let year = Int(identity.today().prefix(4)) ?? 2026
            model.openData = (year - 2...year).reversed().map {
                OrganisationPageModel.YearLink(year: String($0), href: "/api/v1/ocds/workbook.xlsx?buyer=\(id.lowercased)&year=\($0)")
            }
        }
        return views.page("identity/organisation", title: words.language == .zh ? organisation.nameZh : organisation.nameEn,
                          model: model, status: status, request: request, context: context)
    }
}

extension OrganisationPage {
    /// One of the page's forms: what was typed and its errors when it was the one refused, else `saved`.
    static func form(_ refused: Refused?, _ prefix: String, _ names: [String], _ words: PageWords,
                     saved: [String: String] = [:]) -> RefusedForm {
        let mine = refused?.prefix == prefix ? refused : nil
        return RefusedForm(mine?.error, prefix: prefix, names: names, form: mine?.form ?? saved, label: { words.say("field_\($0)") },
                           message: { words.message($0) })
    }
}

struct OrganisationPageModel {
    struct UserRow {
        let id: String
        let username: String
        let displayName: String
        let roles: String
        let disabled: Bool
        let isSelf: Bool
    }
    static let userInputs = ["username", "displayName", "email", "password", "roles"]
    static let editInputs = ["nameZh", "nameEn", "creditCode"]

    let organisation: OrganisationFacts
    /// Where it stands with the register, unless approved.
    let status: String?
    let standing: StandingSection
    var registration: RegistrationSection?
    /// The form adding a user and the form editing the organisation, each with its own refusal.
    let userForm: RefusedForm
    let editForm: RefusedForm
    var users: [UserRow] = []
    /// What it offers buyers (issue 24), public.
    var offers: [OfferLine] = []
    /// A buyer's published tenders, contracts and payments of a year as a workbook (OCDS, issue 26).
    var openData: [YearLink] = []

    struct YearLink {
        let year: String
        let href: String
    }

    struct OfferLine {
        let code: String
        let areas: String
        let capacity: String
        let price: String
        let description: String

        init(_ o: SupplierOffer, places: [UUID: Jurisdiction], words: PageWords) {
            code = o.itemCode
            areas = o.areas.compactMap { places[$0].map { words.language == .zh ? $0.nameZh : $0.nameEn } }.joined(separator: "、")
            capacity = "\(o.capacity) \(words.say("offerUnit_\(o.unit.rawValue)"))"
            price = "\(o.priceMin.formatted) – \(o.priceMax.formatted)"
            description = o.description
        }
    }
    var canManage = false
    var roleChoices: [SelectOption] = []
    var canEdit = false
    var journey: JourneyModel?
}

/// Ratings and sanctions, public; with the register's forms for its registrars.
struct StandingSection {
    /// An uploaded document, downloaded from the organisation's page.
    struct FileLink {
        let href: String
        let name: String
        init?(_ document: StandingDocument?, of organisationID: UUID) {
            guard let document else { return nil }
            href = "/organisations/\(organisationID.lowercased)/standing-documents/\(document.id.lowercased)"
            name = document.name
        }
    }
    struct RatingRow {
        let awardedOn: String
        let label: String
        let points: String
        let assessedBy: String
        let document: String
        let expiresOn: String
        let expired: Bool
        let correction: String
        let file: FileLink?
    }
    struct SanctionRow {
        let id: String
        let kind: String
        let occurredOn: String
        let endsOn: String
        let inForce: Bool
        let description: String
        let source: String
        let correction: String
        let file: FileLink?
    }
    let ratings: [RatingRow]
    let sanctions: [SanctionRow]
    let hasRatings: Bool
    let hasSanctions: Bool
    let empty: Bool
    /// The registrar's forms (nil for everyone else).
    let register: RegisterForms?

    struct RegisterForms {
        let rating: RefusedForm
        let sanction: RefusedForm
        let ratingCorrection: RefusedForm
        let sanctionCorrection: RefusedForm
        let levels: [SelectOption]
        let kinds: [SelectOption]
        let ratingDays: [SelectOption]
        let sanctionChoices: [SelectOption]
        let hasRatings: Bool
        let hasSanctions: Bool
    }

    /// `file` last: a file input keeps no typed value, only its problem.
    static let ratingInputs = ["level", "points", "awardedOn", "assessedBy", "document", "file"]
    static let sanctionInputs = ["kind", "occurredOn", "endsOn", "source", "description", "file"]
    static let ratingCorrectionInputs = ["awardedOn", "level", "points", "file", "reason"]
    static let sanctionCorrectionInputs = ["sanction", "endsOn", "file", "reason"]

    init(_ record: StandingRecord, today: String, keepsRegister: Bool, refused: OrganisationPage.Refused?, words: PageWords) {
        ratings = record.ratings.map {
            RatingRow(awardedOn: $0.awardedOn, label: $0.label, points: $0.points.map(String.init) ?? "", assessedBy: $0.assessedBy,
                      document: $0.document, expiresOn: $0.expiresOn, expired: $0.expiresOn < today, correction: $0.correction,
                      file: FileLink($0.file, of: record.organisationID))
        }
        sanctions = record.violations.map {
            SanctionRow(id: $0.id.lowercased, kind: words.say("sanction_\($0.kind.rawValue)"), occurredOn: $0.occurredOn,
                        endsOn: $0.endsOn ?? "", inForce: $0.inForce(on: today), description: $0.description, source: $0.source, correction: $0.correction,
                        file: FileLink($0.file, of: record.organisationID))
        }
        hasRatings = !record.ratings.isEmpty
        hasSanctions = !record.violations.isEmpty
        empty = record.ratings.isEmpty && record.violations.isEmpty
        guard keepsRegister else {
            register = nil
            return
        }
        func form(_ prefix: String, _ names: [String]) -> RefusedForm {
            let mine = refused?.prefix == prefix ? refused : nil
            return RefusedForm(mine?.error, prefix: prefix, names: names, form: mine?.form ?? [:],
                               formField: { $0 == "sanctionId" ? "sanction" : $0 },
                               label: { words.say("field_\($0)") }, message: { words.message($0) })
        }
        let typed = refused?.form ?? [:]
        register = RegisterForms(
            rating: form("rating", Self.ratingInputs), sanction: form("sanction", Self.sanctionInputs),
            ratingCorrection: form("rating-correction", Self.ratingCorrectionInputs),
            sanctionCorrection: form("sanction-correction", Self.sanctionCorrectionInputs),
            levels: (1...5).map { SelectOption(value: String($0), label: "\($0)A", selected: typed["level"] == String($0)) },
            kinds: SanctionKind.allCases.map { SelectOption(value: $0.rawValue, label: words.say("sanction_\($0.rawValue)"), selected: typed["kind"] == $0.rawValue) },
            ratingDays: record.ratings.map { SelectOption(value: $0.awardedOn, label: "\($0.awardedOn) \($0.label)", selected: typed["awardedOn"] == $0.awardedOn) },
            sanctionChoices: record.violations.map {
                SelectOption(value: $0.id.lowercased, label: "\($0.occurredOn) \(words.say("sanction_\($0.kind.rawValue)"))",
                             selected: typed["sanction"] == $0.id.lowercased)
            },
            hasRatings: !record.ratings.isEmpty, hasSanctions: !record.violations.isEmpty)
    }
}

/// An application to join as its readers see it, with the registrar's decision form or the applicant's correction form.
struct RegistrationSection {
    let form: String
    let registrationAuthority: String
    let legalRepresentative: String
    let contactName: String
    let contactPhone: String
    let email: String
    let certificate: String?
    let submittedAt: String
    let submissions: Int
    let reasons: String?
    let decidedAt: String?
    /// The registrar's decision form, while it waits.
    let decision: RefusedForm?
    let decisions: [SelectOption]
    /// The applicant's correction form, when returned.
    let correction: RefusedForm?
    let isTeam: Bool

    static let decisionInputs = ["decision", "reasons"]
    static let correctionInputs = ["nameZh", "nameEn", "creditCode", "registrationAuthority", "legalRepresentative", "contactName",
                                   "contactPhone", "email", "certificate"]

    init(_ r: Registration, decides: Bool, corrects: Bool, refused: OrganisationPage.Refused?, words: PageWords) {
        let a = r.application
        form = words.say("applicantForm_\(a.form.rawValue)")
        registrationAuthority = a.registrationAuthority
        legalRepresentative = a.legalRepresentative
        contactName = a.contactName
        contactPhone = a.contactPhone
        email = a.email
        certificate = a.certificate.map { "\($0.name) (\($0.kind.rawValue.uppercased()), \(max(1, $0.size / 1024)) KB)" }
        submittedAt = CaseDate.text(a.submittedAt) ?? ""
        submissions = a.submissions
        reasons = a.reasons.isEmpty ? nil : a.reasons
        decidedAt = CaseDate.text(a.decidedAt)
        isTeam = a.form == .team
        let label: (String) -> String = { words.say("field_\($0)") }
        let message: (Message) -> String = { words.message($0) }
        let typed = refused?.form ?? [:]
        decision = decides && r.organisation.status == .applied
            ? RefusedForm(refused?.prefix == "decision" ? refused?.error : nil, prefix: "decision", names: Self.decisionInputs,
                          form: refused?.prefix == "decision" ? typed : [:], label: label, message: message)
            : nil
        decisions = RegistrationDecision.allCases.map {
            SelectOption(value: $0.rawValue, label: words.say("registration_\($0.rawValue)"), selected: typed["decision"] == $0.rawValue)
        }
        // The correction form starts from what the bureau saw.
        let saved = ["nameZh": r.organisation.nameZh, "nameEn": r.organisation.nameEn, "creditCode": r.organisation.creditCode ?? "",
                     "registrationAuthority": a.registrationAuthority, "legalRepresentative": a.legalRepresentative, "contactName": a.contactName,
                     "contactPhone": a.contactPhone, "email": a.email]
        correction = corrects && r.organisation.status == .returned
            ? RefusedForm(refused?.prefix == "correction" ? refused?.error : nil, prefix: "correction", names: Self.correctionInputs,
                          form: refused?.prefix == "correction" ? typed : saved, label: label, message: message)
            : nil
    }
}
