import Core

/// How a tier is written in a spreadsheet cell: 区县/街道/社区 on export; on import also the English
/// keys and the rural names (县, 乡镇, 村).
extension Tier {
    public init?(cell: String) {
        switch cell.trimmingCharacters(in: .whitespaces).lowercased() {
        case "district", "区县", "区", "县": self = .district
        case "street", "街道", "乡镇", "镇": self = .street
        case "community", "社区", "村": self = .community
        default: return nil
        }
    }

    public var cellLabel: String {
        switch self {
        case .district: "区县"
        case .street: "街道"
        case .community: "社区"
        }
    }
}
