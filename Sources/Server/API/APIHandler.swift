import Catalogue
import Core
import Delivery
import Foundation
import Grassroots
import Identity
import Incubation
import Payments
import SpokesAPI
import Tendering

/// The JSON API, implementing the protocol generated from Contracts/openapi.yaml. Each handler
/// reads its input, calls one service method and maps the result; errors become problems upstream.
struct APIHandler: APIProtocol {
    let identity: IdentityService
    let purchaseCatalogue: PurchaseCatalogueService
    let serviceItems: ServiceItemService
    let negativeList: NegativeListService
    let purchaseLists: PurchaseListService
    let tenders: TenderService
    let bids: BidService
    let evaluations: EvaluationService
    let awards: AwardService
    let suppliers: SupplierService
    let incubation: IncubationService
    let programmes: ProgrammeService
    let ledger: LedgerService
    let seedGrants: SeedGrantService
    let contracts: ContractService
    let contractPayments: ContractPaymentService
    /// The working calendar deadlines are counted on (APIHandler+Calendar).
    let calendar: CalendarService
    /// The service sites of the three-tier network (Server/Grassroots/APIHandler+Sites).
    let sites: SiteService
    /// Service requests at the sites (Server/Grassroots/APIHandler+Requests).
    let requests: RequestService
    /// Red flags, monitoring cases, dashboards, residents' voice and payment worklists (APIHandler+Oversight).
    let oversight: OversightServices
    /// The instance's clock; a training instance's trainer moves it (Server/Training).
    let training: TrainingService

    /// The actor of the current request (set by the authentication middleware).
    var actor: Actor? { OpenAPIContextMiddleware.current?.actor }

    func signedIn() throws -> Actor {
        guard let actor else { throw DomainError.unauthenticated("Send a bearer token: POST /api/v1/auth/token gives one.") }
        return actor
    }

    /// A page size within the bounds the contract gives the operation's `limit`.
    func pageSize(_ limit: Int?, default: Int, maximum: Int) throws -> Int {
        let limit = limit ?? `default`
        guard (1...maximum).contains(limit) else { throw DomainError.invalid([FieldError("limit", "must be between 1 and \(maximum)")]) }
        return limit
    }

    func uuid(_ text: String, _ field: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw DomainError.invalid([FieldError(field, "is not a UUID")]) }
        return id
    }

    // MARK: Auth

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let issued = try await identity.issueToken(username: body.username, password: body.password, name: body.name,
                                                   client: OpenAPIContextMiddleware.current?.remoteAddress ?? "unknown")
        let me = try await me(issued.actor)
        return .created(.init(body: .json(.init(token: issued.token, tokenId: issued.id.lowercased, expiresAt: issued.expiresAt, user: me))))
    }

    func revokeCurrentToken(_ input: Operations.RevokeCurrentToken.Input) async throws -> Operations.RevokeCurrentToken.Output {
        let actor = try signedIn()
        guard let tokenID = OpenAPIContextMiddleware.current?.tokenID else { throw DomainError.unauthenticated("No token to revoke.") }
        try await identity.revokeToken(by: actor, id: tokenID)
        return .noContent(.init())
    }

    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        let tokens = try await identity.tokens(of: try signedIn())
        return .ok(.init(body: .json(tokens.map {
            .init(id: $0.id.lowercased, name: $0.name, createdAt: $0.createdAt, expiresAt: $0.expiresAt,
                  lastUsedAt: $0.lastUsedAt, revokedAt: $0.revokedAt)
        })))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        try await identity.revokeToken(by: try signedIn(), id: try uuid(input.path.tokenId, "tokenId"))
        return .noContent(.init())
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        .ok(.init(body: .json(try await me(try signedIn()))))
    }

    private func me(_ actor: Actor) async throws -> Components.Schemas.Me {
        let organisation = try await identity.organisation(id: actor.organisationID)
        return .init(id: actor.userID.lowercased, username: actor.username, displayName: actor.displayName,
                     roles: actor.roles.sorted().compactMap { .init(rawValue: $0.rawValue) },
                     organisation: .init(organisation))
    }

    // MARK: Jurisdictions

    func listJurisdictions(_ input: Operations.ListJurisdictions.Input) async throws -> Operations.ListJurisdictions.Output {
        .ok(.init(body: .json(try await identity.jurisdictions().map(Components.Schemas.Jurisdiction.init))))
    }

    func createJurisdiction(_ input: Operations.CreateJurisdiction.Input) async throws -> Operations.CreateJurisdiction.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let created = try await identity.createJurisdiction(by: try signedIn(), NewJurisdiction(
            parentCode: body.parentCode, tier: Tier(rawValue: body.tier.rawValue) ?? .district, code: body.code,
            nameZh: body.nameZh, nameEn: body.nameEn))
        return .created(.init(body: .json(.init(created))))
    }

    // MARK: Organisations

    func listOrganisations(_ input: Operations.ListOrganisations.Input) async throws -> Operations.ListOrganisations.Output {
        let limit = try pageSize(input.query.limit, default: 50, maximum: 200)
        var after: Organisation?
        if let cursor = input.query.after { after = try await identity.organisation(id: try uuid(cursor, "after")) }
        let kind = input.query.kind.flatMap { OrganisationKind(rawValue: $0.rawValue) }
        let page = try await identity.organisations(kind: kind, after: after, limit: limit + 1)
        return .ok(.init(body: .json(.init(
            items: page.prefix(limit).map(Components.Schemas.Organisation.init),
            next: page.count > limit ? page[limit - 1].id.lowercased : nil))))
    }

    func createOrganisation(_ input: Operations.CreateOrganisation.Input) async throws -> Operations.CreateOrganisation.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let created = try await identity.createOrganisation(by: try signedIn(), NewOrganisation(
            kind: body.kind, nameZh: body.nameZh, nameEn: body.nameEn, creditCode: body.creditCode,
            jurisdictionCode: body.jurisdictionCode))
        return .created(.init(body: .json(.init(created))))
    }

    func getOrganisation(_ input: Operations.GetOrganisation.Input) async throws -> Operations.GetOrganisation.Output {
        let organisation = try await identity.organisation(id: try uuid(input.path.organisationId, "organisationId"))
        return .ok(.init(body: .json(.init(organisation))))
    }

    func updateOrganisation(_ input: Operations.UpdateOrganisation.Input) async throws -> Operations.UpdateOrganisation.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let updated = try await identity.updateOrganisation(
            by: try signedIn(), id: try uuid(input.path.organisationId, "organisationId"),
            nameZh: body.nameZh, nameEn: body.nameEn, creditCode: body.creditCode)
        return .ok(.init(body: .json(.init(updated))))
    }

    // MARK: Users

    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let users = try await identity.users(of: try uuid(input.path.organisationId, "organisationId"), by: try signedIn())
        return .ok(.init(body: .json(users.map(Components.Schemas.User.init))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let user = try await identity.createUser(by: try signedIn(), NewUser(
            username: body.username, displayName: body.displayName, email: body.email, password: body.password,
            organisationID: try uuid(input.path.organisationId, "organisationId"), roles: body.roles))
        return .created(.init(body: .json(.init(user))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let user = try await identity.setUserDisabled(by: try signedIn(), userID: try uuid(input.path.userId, "userId"),
                                                      disabled: body.disabled)
        return .ok(.init(body: .json(.init(user))))
    }
}

// MARK: Domain → API

extension Components.Schemas.Organisation {
    init(_ o: Organisation) {
        self.init(id: o.id.lowercased, reference: o.reference, kind: .init(rawValue: o.kind.rawValue) ?? .department,
                  nameZh: o.nameZh, nameEn: o.nameEn, creditCode: o.creditCode, jurisdictionId: o.jurisdictionID.lowercased,
                  status: .init(rawValue: o.status.rawValue) ?? .applied)
    }
}

extension Components.Schemas.Jurisdiction {
    init(_ j: Jurisdiction) {
        self.init(id: j.id.lowercased, parentId: j.parentID?.lowercased, tier: .init(rawValue: j.tier.rawValue) ?? .district,
                  code: j.code, nameZh: j.nameZh, nameEn: j.nameEn)
    }
}

extension Components.Schemas.User {
    init(_ u: User) {
        self.init(id: u.id.lowercased, username: u.username, displayName: u.displayName, email: u.email,
                  organisationId: u.organisationID.lowercased, roles: u.roles.compactMap { .init(rawValue: $0.rawValue) },
                  disabled: u.disabled)
    }
}
