/// A stage of the relay incubation pipeline (seed 002: 苗圃 → 孵化器 → 加速器 → 产业园). Shared
/// vocabulary: tenders may be reserved for organisations at a stage, and the incubation module
/// moves organisations through them.
public enum IncubationStage: String, CaseIterable, Codable, Sendable, Comparable {
    case nursery, incubator, accelerator
    case industrialPark = "industrial_park"

    public var order: Int { Self.allCases.firstIndex(of: self)! }
    public var next: IncubationStage? { order + 1 < Self.allCases.count ? Self.allCases[order + 1] : nil }
    public var previous: IncubationStage? { order > 0 ? Self.allCases[order - 1] : nil }
    public static func < (lhs: IncubationStage, rhs: IncubationStage) -> Bool { lhs.order < rhs.order }
}
