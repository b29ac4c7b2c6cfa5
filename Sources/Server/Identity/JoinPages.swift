import Core
import Foundation
import Identity

/// The sign-up page (`/join`): the organisation, its registration, its contacts and its first user, with every error of
/// a refused sign-up beside its field and what was typed kept (not the password).
struct JoinPage {
    static let inputs = ["form", "nameZh", "nameEn", "creditCode", "jurisdictionCode", "registrationAuthority", "legalRepresentative",
                         "contactName", "contactPhone", "email", "certificate", "username", "displayName", "password"]

    let forms: [SelectOption]
    let jurisdictions: [SelectOption]
    let refused: RefusedForm
    let maximumMB: Int
    let accepted: String

    init(jurisdictions: [Jurisdiction], form: [String: String], refusal: DomainError?, words: PageWords) {
        forms = ApplicantForm.allCases.map {
            SelectOption(value: $0.rawValue, label: words.say("applicantForm_\($0.rawValue)"), selected: form["form"] == $0.rawValue)
        }
        self.jurisdictions = SelectOption.jurisdictions(jurisdictions, selected: { form["jurisdictionCode"] == $0 }, language: words.language)
        refused = RefusedForm(refusal, prefix: "join", names: Self.inputs, form: form, formField: { $0.hasPrefix("certificate") ? "certificate" : $0 },
                              label: { words.say("field_\($0)") }, message: { words.message($0) })
        maximumMB = JoiningApplication.maximumCertificateSize / 1024 / 1024
        accepted = FileKind.allCases.map { $0.rawValue.uppercased() }.joined(separator: "、")
    }
}

/// The registrar's queue (`/registrations`): applications from the registrar's jurisdiction in one state, oldest first.
struct RegistrationQueuePage {
    struct Row {
        let id: String
        let name: String
        let form: String
        let creditCode: String
        let legalRepresentative: String
        let submittedAt: String
        let submissions: Int
    }
    let rows: [Row]
    let statuses: [SelectOption]
    let pager: Pager
    /// What the last rating list did, or why it was refused (each row's problem, in the page's language).
    let imported: String?
    let problem: ProblemBlock?

    init(page: [Registration], status: OrganisationStatus, pager: Pager, imported: String?, refusal: DomainError?, words: PageWords) {
        self.imported = imported
        problem = refusal.map { ProblemBlock($0, message: { words.message($0) }) }
        rows = page.map { r in
            Row(id: r.organisation.id.lowercased, name: words.language == .zh ? r.organisation.nameZh : r.organisation.nameEn,
                form: words.say("applicantForm_\(r.application.form.rawValue)"), creditCode: r.organisation.creditCode ?? "",
                legalRepresentative: r.application.legalRepresentative, submittedAt: CaseDate.text(r.application.submittedAt) ?? "",
                submissions: r.application.submissions)
        }
        statuses = OrganisationStatus.allCases.map {
            SelectOption(value: $0.rawValue, label: words.say("orgStatus_\($0.rawValue)"), selected: $0 == status)
        }
        self.pager = pager
    }
}
