import Core

// The statuses refusals name, said in the reader's language (Core.Termed).
extension ClaimStatus: Termed { public static var termKey: String { "claim_status_" } }
extension RecoveryStatus: Termed { public static var termKey: String { "recovery_status_" } }
