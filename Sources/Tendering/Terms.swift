import Core

// The statuses refusals name, said in the reader's language (Core.Termed).
extension TenderStatus: Termed { public static var termKey: String { "tenderStatus_" } }
extension LotStatus: Termed { public static var termKey: String { "lotStatus_" } }
extension ComplaintStatus: Termed { public static var termKey: String { "complaintStatus_" } }
extension Procedure: Termed { public static var termKey: String { "procedure_" } }
