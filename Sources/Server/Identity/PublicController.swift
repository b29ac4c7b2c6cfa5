import Core
import Foundation
import Hummingbird
import Identity
import Tendering

/// The pages everyone sees: the home page, organisations and jurisdictions.
struct PublicController {
    let identity: IdentityService
    let calendar: CalendarService
    let worklist: HomeWorklist
    let journey: JourneySection
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/", use: home)
        router.get("/organisations", use: organisations)
        router.get("/organisations/{id}", use: organisation)
        router.get("/jurisdictions", use: jurisdictions)
    }

    /// Logged out: what Spokes is and who is on it. Logged in: the user's own work and what waits for it.
    func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        var model = HomePage(open: waiting(try await worklist.open(), context))
        if let actor = context.actor {
            let organisation = try await identity.organisation(id: actor.organisationID)
            let may = try await identity.actions(on: actor.organisationID, for: actor)
            model.signedIn = HomePage.Welcome(
                displayName: actor.displayName, organisation: OrganisationFacts(organisation, words: PageWords(views, context)),
                roles: actor.roles.sorted().map { .init(name: views.text("role_\($0.rawValue)", context), work: views.text("work_\($0.rawValue)", context)) },
                isAdmin: may.createOrganisations, isOrgAdmin: may.manageUsers)
            model.waiting = waiting(try await worklist.items(for: actor), context)
            // Administrators hear in time that next year's holidays are missing (from 1 October, by the service's clock).
            if let year = try await calendar.yearToLoad(for: actor) {
                model.calendarWarning = Views.fill(views.text("calendar_warning", context), [String(year)])
            }
        } else {
            let jurisdictions = try await identity.jurisdictions()
            let counts = try await identity.organisationCounts()
            model.overview = HomePage.Overview(
                jurisdictions: jurisdictions.count,
                districts: jurisdictions.filter { $0.tier == .district }.map { context.language == .zh ? $0.nameZh : $0.nameEn },
                suppliers: counts[.socialOrganisation, default: 0], buyers: counts.filter { $0.key.isBuyer }.values.reduce(0, +))
        }
        return views.page("identity/home", title: views.text("home_title", context), model: model, request: request, context: context)
    }

    /// The lines of "waiting for you" (or "open now") as the home template shows them.
    private func waiting(_ items: [WorkItem], _ context: AppRequestContext) -> [WorkLine] {
        items.map { item in
            WorkLine(key: item.key, label: views.text("work_\(item.key)", context), count: item.more ? "\(item.count)+" : String(item.count),
                     href: item.href, entries: item.entries)
        }
    }

    func organisations(_ request: Request, context: AppRequestContext) async throws -> Response {
        let kind = request.uri.queryParameters["kind"].flatMap { OrganisationKind(rawValue: String($0)) }
        var after: Organisation?
        if let cursor = request.uri.queryParameters["after"].flatMap({ UUID(uuidString: String($0)) }) {
            after = try await identity.organisation(id: cursor)
        }
        let pageSize = 50
        let page = try await identity.organisations(kind: kind, after: after, limit: pageSize + 1)
        let model = OrganisationsPage(
            organisations: page.prefix(pageSize).map { OrganisationFacts($0, words: PageWords(views, context)) },
            kinds: OrganisationKind.allCases.map { SelectOption(value: $0.rawValue, label: views.text("kind_\($0.rawValue)", context), selected: $0 == kind) },
            empty: page.isEmpty,
            next: page.count > pageSize ? "/organisations?after=\(page[pageSize - 1].id.lowercased)" + (kind.map { "&kind=\($0.rawValue)" } ?? "") : nil)
        return views.page("identity/organisations", title: views.text("organisations_title", context), model: model, request: request, context: context)
    }

    func organisation(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw DomainError.notFound("There is no such organisation.")
        }
        return try await OrganisationPage(identity: identity, views: views, journey: journey)
            .render(id: id, request: request, context: context)
    }

    func jurisdictions(_ request: Request, context: AppRequestContext) async throws -> Response {
        return views.page("identity/jurisdictions", title: views.text("jurisdictions_title", context),
                          model: JurisdictionsPage(try await identity.jurisdictions(), words: PageWords(views, context)), request: request, context: context)
    }
}

