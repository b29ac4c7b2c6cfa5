import Core
import Foundation
import Identity
import Store

/// What an approved organisation offers buyers (DOMAIN §7): a service of the guiding purchase catalogue (third level, as
/// purchase lines name it: A0101 居家养老上门服务), the areas it serves, its capacity a year and its price range per unit.
public struct SupplierOffer: Codable, Sendable, Equatable {
    public enum Unit: String, Codable, Sendable, CaseIterable, Termed {
        /// People served a year; the price is per person a year.
        case people
        /// Hours of service a year; the price is per hour.
        case hours
        public static var termKey: String { "offerUnit_" }
    }
    public var id: UUID
    public var organisationID: UUID
    public var itemCode: String
    /// The jurisdictions served (each and everything below it).
    public var areas: [UUID]
    public var capacity: Int
    public var unit: Unit
    public var priceMin: Money
    public var priceMax: Money
    public var description: String
    public var createdAt: Date
    public var updatedAt: Date

    /// Active offers an organisation may hold.
    public static let maximumPerOrganisation = 50
}

/// An offer as its organisation's staff type it: areas by jurisdiction code, prices in yuan.
public struct OfferInput: Sendable {
    public var itemCode: String
    public var areaCodes: [String]
    public var capacity: Int
    public var unit: String
    public var priceMin: String
    public var priceMax: String
    public var description: String
    public init(itemCode: String, areaCodes: [String], capacity: Int, unit: String, priceMin: String, priceMax: String, description: String) {
        self.itemCode = itemCode
        self.areaCodes = areaCodes
        self.capacity = capacity
        self.unit = unit
        self.priceMin = priceMin
        self.priceMax = priceMax
        self.description = description
    }
}

extension SupplierService {
    /// An organisation's active offers (public).
    public func offers(of organisationID: UUID) async throws -> [SupplierOffer] {
        try await database.read { try await SupplierStore(connection: $0, logger: database.logger).offers(of: organisationID) }
    }

    /// Publishes an offer for the actor's own organisation, once the bureau has approved it.
    public func publishOffer(by actor: Actor, _ input: OfferInput) async throws -> SupplierOffer {
        try authorizeOwn(actor, actor.organisationID)
        var check = Validator()
        let code = check.text(input.itemCode, "itemCode", max: 40)
        check.check((1...10_000_000).contains(input.capacity), "capacity", "must be 1 to 10,000,000 a year")
        let unit = SupplierOffer.Unit(rawValue: input.unit)
        check.check(unit != nil, "unit", "must be people or hours")
        let low = Money.parse(yuan: input.priceMin)
        let high = Money.parse(yuan: input.priceMax)
        check.check(low != nil, "priceMin", "is not an amount in yuan, e.g. 1200 or 1,200.50")
        check.check(high != nil, "priceMax", "is not an amount in yuan, e.g. 1200 or 1,200.50")
        if let low, let high {
            check.check(low <= high, "priceMax", "is below the lowest price")
            check.check(high.minorUnits <= 100_000_000_000, "priceMax", "must be at most ¥1,000,000,000")
        }
        let areaCodes = input.areaCodes.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        check.check((1...20).contains(Set(areaCodes).count), "areas", "name 1 to 20 areas served")
        let description = check.text(input.description, "description", max: 2000, required: false)
        try check.finish()
        let organisation = try await identity.organisation(id: actor.organisationID)
        guard organisation.status == .approved else {
            throw DomainError.conflict("only organisations approved by their registration authority publish offers; \(organisation.nameZh) is \(organisation.status)")
        }
        var areas: [UUID] = []
        var problems: [FieldError] = []
        for code in Set(areaCodes).sorted() {
            if let jurisdiction = try await identity.jurisdiction(code: code) { areas.append(jurisdiction.id) } else {
                problems.append(FieldError("areas", "no jurisdiction has code \(code)"))
            }
        }
        let now = clock.now()
        let offer = SupplierOffer(id: UUID.v7(at: now), organisationID: organisation.id, itemCode: code, areas: areas, capacity: input.capacity,
                                  unit: unit!, priceMin: low!, priceMax: high!, description: description, createdAt: now, updatedAt: now)
        return try await database.transaction { connection in
            let store = SupplierStore(connection: connection, logger: database.logger)
            if try await !store.serviceExists(code: code) {
                problems.append(FieldError("itemCode", "no service (third level) of the guiding purchase catalogue has code \(code)"))
            }
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            // One writer of an organisation's offers at a time, so the limit holds under parallel requests.
            try await store.lockOffers(of: organisation.id)
            guard try await store.offers(of: organisation.id).count < SupplierOffer.maximumPerOrganisation else {
                throw DomainError.conflict("an organisation offers \(SupplierOffer.maximumPerOrganisation) services at most; withdraw one first")
            }
            try await store.insert(offer)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "supplier.offer_published",
                                      entity: AuditEntity("organisation", organisation.id), before: nil as SupplierOffer?, after: offer, at: now)
            return offer
        }
    }

    /// Withdraws one of the actor's own organisation's offers: gone from the directory, kept in the audit trail.
    public func withdrawOffer(by actor: Actor, offerID: UUID) async throws {
        try authorizeOwn(actor, actor.organisationID)
        let now = clock.now()
        try await database.transaction { connection in
            let store = SupplierStore(connection: connection, logger: database.logger)
            guard let offer = try await store.offers(of: actor.organisationID).first(where: { $0.id == offerID }) else {
                throw DomainError.notFound("your organisation has no offer \(offerID.lowercased)")
            }
            try await store.withdraw(offerID, at: now)
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID, action: "supplier.offer_withdrawn",
                                      entity: AuditEntity("organisation", actor.organisationID), before: offer, after: nil as SupplierOffer?, at: now)
        }
    }
}
