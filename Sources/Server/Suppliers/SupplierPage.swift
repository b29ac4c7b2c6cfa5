import Core
import Foundation
import Tendering

/// A supplier's own page (`/supplier`): its profile and its document library, kept once and cited by its bids. A refused
/// form comes back as typed (a file cannot), every problem beside its input (ids `f-<name>`) and summarised at the top.
struct SupplierPage {
    struct Document {
        let documentId: String
        let title: String
        let category: String
        let filename: String
        let kind: String
        let size: String
        let sha256: String
        let uploadedAt: String
    }

    let updatedAt: String?
    /// Both forms' inputs: the profile's and the upload's (`title`, `category`, `file`).
    let f: [String: FormField]
    let documents: [Document]
    let categories: [SelectOption]
    /// The kinds of file taken, and how large.
    let accepted: String
    let maximumMB: Int
    let problem: ProblemBlock?

    /// The forms' inputs, in the page's order.
    static let fields = ["summary", "staffCount", "socialWorkers", "serviceAreas", "contact", "title", "category", "file"]

    /// Each input's words on the page.
    static let labels = ["summary": "supplier_summary", "staffCount": "supplier_staffCount", "socialWorkers": "supplier_socialWorkers",
                         "serviceAreas": "supplier_serviceAreas", "contact": "supplier_contact", "title": "supplier_documentTitle",
                         "category": "supplier_category", "file": "supplier_file"]

    /// `form`: what a refused form had typed (the rest of the page shows what is kept).
    static func model(profile: SupplierProfile, library: [SupplierDocument], form: [String: String] = [:], refusal: DomainError? = nil,
                      say: (String) -> String, message: (Message) -> String) -> SupplierPage {
        let calendar = WorkingCalendar()
        let kept = ["summary": profile.summary, "staffCount": String(profile.staffCount), "socialWorkers": String(profile.socialWorkers),
                    "serviceAreas": profile.serviceAreas.joined(separator: "\n"), "contact": profile.contact]
        let values = kept.merging(form) { _, typed in typed }
        let refused = RefusedForm(refusal, prefix: "f", names: fields, form: values, label: { say(labels[$0] ?? $0) }, message: message)
        return SupplierPage(
            updatedAt: profile.updatedAt.map(calendar.describe), f: refused.fields,
            documents: library.map { d in
                Document(documentId: d.id.lowercased, title: d.title, category: say("documentCategory_\(d.category.rawValue)"), filename: d.filename,
                         kind: d.kind.rawValue.uppercased(), size: ByteCountFormatter.string(fromByteCount: Int64(d.size), countStyle: .file),
                         sha256: String(d.sha256.prefix(16)), uploadedAt: calendar.describe(d.uploadedAt))
            },
            categories: DocumentCategory.allCases.map {
                SelectOption(value: $0.rawValue, label: say("documentCategory_\($0.rawValue)"), selected: form["category"] == $0.rawValue)
            },
            accepted: FileKind.accepted, maximumMB: SupplierDocument.maximumSize / 1024 / 1024, problem: refused.problem)
    }
}
