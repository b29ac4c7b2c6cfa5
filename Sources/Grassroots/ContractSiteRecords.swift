import Core
import Delivery
import Foundation
import Logging
import PostgresNIO

/// The service network's records of the sites a social organisation operates under a contract, as Delivery verifies
/// and pays on them (payment on verified records): read on Delivery's connection, inside its sign-off.
public struct ContractSiteRecords: PlatformRecords {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func figures(contractID: UUID, from: String, through: String, on connection: PostgresConnection) async throws -> PlatformFigures {
        // Days the caller checked already (a contract's start and its milestones' due days); a bad one would make PostgreSQL refuse.
        guard WorkingCalendar.isDay(from), WorkingCalendar.isDay(through) else {
            return .empty(from: from, through: through)
        }
        return try await RequestStore(connection: connection, logger: logger).contractFigures(contractID: contractID, from: from, through: through)
    }
}

/// Delivery's contracts as the sites name them (a site run by a social organisation names the contract it runs under).
public struct DeliverySiteContracts: SiteContracts {
    let contracts: ContractService
    public init(contracts: ContractService) { self.contracts = contracts }
    public func reference(of contractID: UUID) async throws -> String? { try await contracts.contract(id: contractID)?.reference }
    public func contractID(reference: String) async throws -> UUID? { try await contracts.contract(reference: reference)?.id }
}
