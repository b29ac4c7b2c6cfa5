import Core

// The statuses refusals name, said in the reader's language (Core.Termed).
extension ApplicationStatus: Termed { public static var termKey: String { "applicationStatus_" } }
extension SeedGrant.Status: Termed { public static var termKey: String { "grant_" } }
