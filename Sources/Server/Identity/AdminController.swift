import Core
import Foundation
import Hummingbird
import Identity
import Tendering

/// Forms that change organisations and users, and the working calendar (AdminController+Calendar).
/// Each calls the same service method as the API.
/// A refused form is shown again with what was typed and every error, so nothing is lost.
struct AdminController {
    let identity: IdentityService
    let calendar: CalendarService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/admin/organisations/new", use: newOrganisationForm)
        router.post("/admin/organisations", use: createOrganisation)
        router.post("/organisations/{id}", use: updateOrganisation)
        router.post("/organisations/{id}/users", use: createUser)
        router.post("/users/{id}/disable", use: disableUser)
        router.post("/users/{id}/enable", use: enableUser)
        router.get("/admin/calendar", use: calendarPage)
        router.post("/admin/calendar", use: importCalendar)
    }

    private func signedIn(_ context: AppRequestContext) throws -> Actor {
        let actor = try context.signedIn()
        return actor
    }

    private func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("Not found.") }
        return id
    }

    func newOrganisationForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try identity.authorizeNewOrganisation(by: context.actor)
        return try await organisationForm(request, context, values: [:], refusal: nil)
    }

    private func organisationForm(_ request: Request, _ context: AppRequestContext, values: [String: String],
                                  refusal: DomainError?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let model = NewOrganisationPage(jurisdictions: try await identity.jurisdictions(), form: values, refusal: refusal, words: PageWords(views, context))
        return views.page("identity/organisation-new", title: views.text("organisation_new", context), model: model, status: status,
                          request: request, context: context)
    }

    func createOrganisation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try signedIn(context)
        let form = try await FormData.read(request, context)
        let values = ["kind", "nameZh", "nameEn", "creditCode", "jurisdictionCode"].reduce(into: [String: String]()) { $0[$1] = form[$1] ?? "" }
        do {
            let organisation = try await identity.createOrganisation(by: actor, NewOrganisation(
                kind: values["kind"]!, nameZh: values["nameZh"]!, nameEn: values["nameEn"]!,
                creditCode: values["creditCode"], jurisdictionCode: values["jurisdictionCode"]!))
            return .redirect(to: "/organisations/\(organisation.id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await organisationForm(request, context, values: values, refusal: error, status: error.formStatus)
        }
    }

    func updateOrganisation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try signedIn(context)
        let id = try id(context)
        let form = try await FormData.read(request, context)
        do {
            _ = try await identity.updateOrganisation(by: actor, id: id, nameZh: form["nameZh"], nameEn: form["nameEn"],
                                                      creditCode: form["creditCode"])
            return .redirect(to: "/organisations/\(id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            let typed = ["nameZh": form["nameZh"] ?? "", "nameEn": form["nameEn"] ?? "", "creditCode": form["creditCode"] ?? ""]
            return try await OrganisationPage(identity: identity, views: views).render(
                id: id, request: request, context: context, refused: .init(prefix: "edit", error: error, form: typed), status: error.formStatus)
        }
    }

    func createUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try signedIn(context)
        let id = try id(context)
        let form = try await FormData.read(request, context)
        let roles = form.values("roles")
        do {
            _ = try await identity.createUser(by: actor, NewUser(
                username: form["username"] ?? "", displayName: form["displayName"] ?? "", email: form["email"],
                password: form["password"] ?? "", organisationID: id, roles: roles))
            return .redirect(to: "/organisations/\(id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            // Everything typed comes back, except the password.
            var values = ["username": form["username"] ?? "", "displayName": form["displayName"] ?? "", "email": form["email"] ?? ""]
            for role in roles { values["role_\(role)"] = "on" }
            return try await OrganisationPage(identity: identity, views: views).render(
                id: id, request: request, context: context, refused: .init(prefix: "user", error: error, form: values), status: error.formStatus)
        }
    }

    func disableUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await identity.setUserDisabled(by: try signedIn(context), userID: try id(context), disabled: true)
        return .redirect(to: "/organisations/\(user.organisationID.lowercased)")
    }

    func enableUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await identity.setUserDisabled(by: try signedIn(context), userID: try id(context), disabled: false)
        return .redirect(to: "/organisations/\(user.organisationID.lowercased)")
    }
}
