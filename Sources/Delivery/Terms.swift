import Core

// The statuses refusals name, said in the reader's language (Core.Termed).
extension ContractStatus: Termed { public static var termKey: String { "contract_status_" } }
extension MilestoneStatus: Termed { public static var termKey: String { "milestone_status_" } }
extension EvaluationPhase: Termed { public static var termKey: String { "perf_phase_" } }
extension IndicatorKind: Termed { public static var termKey: String { "indicator_" } }
