import Core
import Foundation

/// What a supplier tells buyers about itself once, shown beside its bids.
public struct SupplierProfile: Codable, Sendable, Equatable {
    public var organisationID: UUID
    public var summary: String
    public var staffCount: Int
    /// Staff holding the national social-work qualification (社会工作者职业资格).
    public var socialWorkers: Int
    public var serviceAreas: [String]
    public var contact: String
    public var updatedAt: Date?

    public init(organisationID: UUID, summary: String = "", staffCount: Int = 0, socialWorkers: Int = 0, serviceAreas: [String] = [],
                contact: String = "", updatedAt: Date? = nil) {
        self.organisationID = organisationID
        self.summary = summary
        self.staffCount = staffCount
        self.socialWorkers = socialWorkers
        self.serviceAreas = serviceAreas
        self.contact = contact
        self.updatedAt = updatedAt
    }

    public var problems: [FieldError] {
        var check = Validator()
        _ = check.text(summary, "summary", max: 5000, required: false)
        _ = check.text(contact, "contact", max: 200, required: false)
        check.check((0...100_000).contains(staffCount), "staffCount", "must be 0 to 100,000")
        check.check(socialWorkers >= 0 && socialWorkers <= staffCount, "socialWorkers", "must be 0 to the number of staff")
        check.check(serviceAreas.count <= 20, "serviceAreas", "at most 20 areas")
        for (index, area) in serviceAreas.enumerated() { _ = check.text(area, "serviceAreas[\(index)]", max: 100) }
        return check.errors
    }
}

/// What a document in a supplier's library is, for buyers to find the one they need.
public enum DocumentCategory: String, CaseIterable, Codable, Sendable {
    /// 登记证书
    case registration
    /// 评估等级证书
    case rating
    /// 审计报告或财务报表
    case audit
    /// 纳税和社保缴纳证明
    case taxAndInsurance = "tax_and_insurance"
    /// 资质、荣誉
    case qualification
    /// 服务方案等投标文件
    case proposal
    case other
}

/// A file in a supplier's library: kept once, sealed at rest, attached to any number of bids.
public struct SupplierDocument: Codable, Sendable, Equatable {
    public var id: UUID
    public var organisationID: UUID
    public var title: String
    public var category: DocumentCategory
    public var filename: String
    public var kind: FileKind
    public var size: Int
    /// SHA-256 (hex) of the file's bytes: a bid commits to it, so a bid's documents cannot change after the fact.
    public var sha256: String
    public var uploadedAt: Date
    /// Retired documents leave the library but stay readable through the bids that cite them.
    public var retiredAt: Date?

    /// The largest file accepted.
    public static let maximumSize = 10 * 1024 * 1024
    /// The most documents a library holds (retired ones aside).
    public static let maximumLibrary = 200
    /// The most documents one bid cites.
    public static let maximumPerBid = 20
}

/// A document as a bid cites it: its id and the digest of its bytes when the bid was sealed.
public struct DocumentReference: Codable, Sendable, Equatable, Hashable {
    public var id: UUID
    public var sha256: String
    public init(id: UUID, sha256: String) {
        self.id = id
        self.sha256 = sha256
    }
}

/// A document cited by an opened bid, with what the reader needs to find and check it.
public struct CitedDocument: Sendable, Equatable {
    public var reference: DocumentReference
    public var title: String
    public var category: DocumentCategory
    public var filename: String
    public var kind: FileKind
    public var size: Int
}

/// A document's bytes, once read by someone entitled to them.
public struct DocumentFile: Sendable {
    public var document: SupplierDocument
    public var data: Data
}
