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

    init(jurisdictions: [Jurisdiction], form: [String: String], refusal: DomainError?, views: Views, context: AppRequestContext) {
        forms = ApplicantForm.allCases.map {
            SelectOption(value: $0.rawValue, label: views.text("applicantForm_\($0.rawValue)", context), selected: form["form"] == $0.rawValue)
        }
        self.jurisdictions = SelectOption.jurisdictions(jurisdictions, selected: { form["jurisdictionCode"] == $0 }, language: context.language)
        refused = RefusedForm(refusal, prefix: "join", names: Self.inputs, form: form, formField: { $0.hasPrefix("certificate") ? "certificate" : $0 },
                              label: { views.text("field_\($0)", context) }, message: { views.say($0, context) })
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

    init(page: [Registration], status: OrganisationStatus, pager: Pager, imported: String?, refusal: DomainError?, views: Views, context: AppRequestContext) {
        self.imported = imported
        problem = refusal.map { ProblemBlock($0, message: { views.say($0, context) }) }
        rows = page.map { r in
            Row(id: r.organisation.id.lowercased, name: context.language == .zh ? r.organisation.nameZh : r.organisation.nameEn,
                form: views.text("applicantForm_\(r.application.form.rawValue)", context), creditCode: r.organisation.creditCode ?? "",
                legalRepresentative: r.application.legalRepresentative, submittedAt: CaseDate.text(r.application.submittedAt) ?? "",
                submissions: r.application.submissions)
        }
        statuses = OrganisationStatus.allCases.map {
            SelectOption(value: $0.rawValue, label: views.text("orgStatus_\($0.rawValue)", context), selected: $0 == status)
        }
        self.pager = pager
    }
}
