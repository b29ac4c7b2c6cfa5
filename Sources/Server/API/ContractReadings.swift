import Synchronization

/// The contract's YAML read once per process and file, by the three readers a router needs: parsing it took a good part
/// of building a router, and the tests build hundreds of routers on two cores (where timing tests then starved).
enum ContractReadings {
    struct Reading: Sendable {
        let paths: ContractPaths
        let contract: APIContract
        let docs: ContractDocsPage?
    }

    private static let cache = Mutex<[String: Reading]>([:])

    static func reading(_ yaml: String, prefix: String) throws -> Reading {
        let key = prefix + "\n" + yaml
        if let found = cache.withLock({ $0[key] }) { return found }
        let reading = Reading(paths: ContractPaths(yaml: yaml, prefix: prefix), contract: try APIContract(yaml: yaml), docs: ContractDocsPage(yaml: yaml))
        cache.withLock { $0[key] = reading }
        return reading
    }
}
