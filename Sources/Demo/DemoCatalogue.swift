import Catalogue
import Core
import Foundation
import Identity
import Store

/// The catalogue by jurisdiction in the demo: Lixia's district list (service-items.csv), Yanshan street's
/// own list below it, Fufeng county's own list, and negative-list entries of Lixia and of Yanshan street.
enum DemoCatalogue {
    /// One entry of seed/negative-list.json.
    struct SeedEntry: Decodable {
        var jurisdictionCode: String
        var code: String
        var reason: NegativeReason
        var note: String
    }

    /// The item lists after the district's: each file's rows name their department (and may state their list).
    static let itemFiles = [("Service items of Yanshan street", "service-items-yanshan.csv"), ("Service items of Fufeng county", "service-items-fufeng.csv")]

    /// Adds the jurisdictions' own negative-list entries that are not there yet.
    static func loadNegativeList(database: Database, identity: IdentityService, from file: Data) async throws -> String {
        let service = NegativeListService(database: database, identity: identity)
        let seeds = try JSONDecoder().decode([SeedEntry].self, from: file)
        let present = try await service.listing(jurisdictionCode: nil, for: nil).entries.compactMap { entry in
            entry.listedBy.map { "\($0.code)/\(entry.category.code)" }
        }
        var added = 0
        for seed in seeds where !present.contains("\(seed.jurisdictionCode)/\(seed.code)") {
            _ = try await service.add(by: .system, jurisdictionCode: seed.jurisdictionCode, code: seed.code, reason: seed.reason, note: seed.note)
            added += 1
        }
        return "Negative-list entries of jurisdictions: \(added) added, \(seeds.count - added) present already."
    }
}
