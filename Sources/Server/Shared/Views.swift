import Core
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders pages from the Mustache templates under Web/templates inside the shared layout.
struct Views: Sendable {
    /// The templates the code renders; start-up fails when one is missing, because swift-mustache
    /// silently returns nothing for an unknown name.
    static let required = ["shared/layout", "identity/home", "identity/login", "shared/error", "identity/organisations", "identity/organisation",
                           "identity/organisation-new", "identity/jurisdictions", "identity/join", "identity/registrations", "suppliers/directory", "suppliers/offers", "catalogue/purchase-catalogue", "catalogue/catalogue", "catalogue/catalogue-item",
                           "catalogue/catalogue-history", "catalogue/catalogue-materials", "catalogue/catalogue-import", "catalogue/catalogue-drafts", "catalogue/catalogue-edit", "purchase-lists/purchase-lists",
                           "tenders/tenders", "tenders/tender", "tenders/tender-edit", "evaluation/evaluation", "evaluation/panels", "suppliers/supplier", "incubation/incubator", "incubation/incubator-organisation", "incubation/programmes", "incubation/programme",
                           "incubation/incubator-spaces", "payments/payments", "contracts/contracts", "contracts/contract", "contracts/survey", "transparency/oversight", "transparency/insights", "transparency/voice", "transparency/cases", "transparency/case",
                           "tenders/admin-calendar", "grassroots/sites", "grassroots/site", "grassroots/site-form",
                           "grassroots/site-import", "grassroots/requests", "grassroots/request-queue", "grassroots/request-form", "grassroots/request",
                           "grassroots/request-notice", "grassroots/track", "grassroots/supervision",
                           // Grassroots: standards
                           "grassroots/standards", "grassroots/standard", "grassroots/standard-form", "grassroots/site-grades",
                           "grassroots/inspection", "grassroots/inspection-form",
                           "api/docs", "training/clock"]

    let library: MustacheLibrary
    let localisation: Localisation
    let secureCookies: Bool
    /// A training instance's clock: every page then carries the training banner with the class's time (issue 27).
    let training: TrainingClock?

    init(directory: String, secureCookies: Bool, training: TrainingClock? = nil) async throws {
        guard FileManager.default.fileExists(atPath: directory + "/templates") else {
            throw StartupError(description: "no templates folder at \(directory)/templates (start Spokes from the project folder or set the web directory)")
        }
        let library: MustacheLibrary
        do {
            library = try await MustacheLibrary(directory: directory + "/templates")
        } catch {
            throw StartupError(description: "a template under \(directory)/templates does not parse: \(error)")
        }
        let missing = Self.required.filter { library.getTemplate(named: $0) == nil }
        guard missing.isEmpty else {
            throw StartupError(description: "missing templates in \(directory)/templates: \(missing.joined(separator: ", "))")
        }
        self.library = library
        localisation = try Localisation(directory: directory + "/locales")
        self.secureCookies = secureCookies
        self.training = training
    }

    /// A whole page: the named template with `data`, inside the layout with navigation for the actor.
    func page(_ name: String, title: String, data: [String: Any] = [:], status: HTTPResponse.Status = .ok,
              request: Request, context: AppRequestContext) -> Response {
        let language = context.language
        let t = localisation.strings(language)
        var object: [String: Any] = [:]
        // Templates cannot ask whether a list is empty, so every list gets a flag: errors → hasErrors.
        for (key, value) in data {
            guard let flat = TemplateData.flatten(value) else { continue }
            object[key] = flat
            if let list = flat as? [Any] { object["has" + key.prefix(1).uppercased() + key.dropFirst()] = !list.isEmpty }
        }
        object["t"] = t
        object["csrf"] = context.csrfToken
        guard let content = library.render(object, withTemplate: name) else {
            return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "template \(name) failed")))
        }
        var layout: [String: Any] = [
            "t": t,
            "lang": language.rawValue,
            "title": title,
            "content": content,
            "csrf": context.csrfToken,
            "nav": Navigation.items(for: context.actor, path: request.uri.path, t: t, training: training != nil),
            "switchLanguage": [
                "name": language.other.nativeName,
                "href": "/lang?to=\(language.other.rawValue)&back=\(request.uri.path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "/")",
            ],
        ]
        if let actor = context.actor {
            layout["user"] = ["displayName": actor.displayName, "username": actor.username,
                              "roles": actor.roles.sorted().map { t["role_\($0.rawValue)"] ?? $0.rawValue }.joined(separator: " · ")]
        }
        if let training {
            layout["training"] = ["now": TrainingPage.minute(training.now()),
                                  "trainer": TrainingService.mayMove(context.actor)]
        }
        let html = library.render(layout, withTemplate: "shared/layout") ?? content
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page from a typed page model: its stored properties are the template's names (lists get their
    /// `hasX` flags as with `data`; a nil optional is left out, so a section on it is skipped), flattened once
    /// (`TemplateData`).
    func page<Model>(_ name: String, title: String, model: Model, status: HTTPResponse.Status = .ok,
                     request: Request, context: AppRequestContext) -> Response {
        let data = TemplateData.fields(of: model)
        return page(name, title: title, data: data, status: status, request: request, context: context)
    }

    func text(_ key: String, _ context: AppRequestContext) -> String {
        localisation.text(key, context.language)
    }

    /// A sentence the code said in English and a row keeps (a recovery's reason), in the page's language.
    func stored(_ text: String, _ context: AppRequestContext) -> String {
        localisation.sayStored(text, context.language)
    }

    /// A message (a refusal, a field's problem) in the page's language.
    func say(_ message: Message, _ context: AppRequestContext) -> String {
        localisation.say(message, context.language)
    }
}

/// The menu each role sees. Modules add their entries here as they arrive.
enum Navigation {
    static func items(for actor: Actor?, path: String, t: [String: String], training: Bool = false) -> [[String: Any]] {
        var items: [(String, String)] = [("/", "nav_home"), ("/organisations", "nav_organisations"),
                                         ("/jurisdictions", "nav_jurisdictions"), ("/catalogue", "nav_catalogue"),
                                         ("/catalogue/purchase", "nav_purchaseCatalogue"), ("/purchase-lists", "nav_purchaseLists"),
                                         ("/tenders", "nav_tenders"), ("/contracts", "nav_contracts"), ("/insights", "nav_insights"), ("/voice", "nav_voice"), ("/incubator", "nav_incubator"),
                                         ("/sites", "nav_sites"), ("/standards", "nav_standards"), ("/track", "nav_track"),
                                         ("/suppliers", "nav_directory")]
        if actor == nil { items.append(("/join", "nav_join")) }
        if let actor {
            items.append(("/organisations/\(actor.organisationID.uuidString.lowercased())", "nav_myOrganisation"))
            if actor.has(.admin) { items.append(("/admin/organisations/new", "nav_newOrganisation")) }
            if Policy.decide(actor, .keepCalendar, .platform) == .allow { items.append(("/admin/calendar", "nav_calendar")) }
            if training && TrainingService.mayMove(actor) { items.append(("/training", "training_title")) }
            if actor.has(.caseworker) { items.append(("/requests", "nav_requests")) }
            if actor.has(.registrar) { items.append(("/registrations", "nav_registrations")) }
            // Offices and overseers watch their jurisdiction's cases; a centre's own staff reach theirs from /requests.
            if actor.has(.overseer) || actor.organisationKind.isBuyer && actor.has(.buyer) {
                items.append(("/requests/supervision", "nav_supervision"))
            }
            if actor.has(.evaluator) { items.append(("/panels", "nav_panels")) }
            if actor.organisationKind == .evaluationInstitution { items.append(("/engagements", "nav_engagements")) }
            if actor.has(.overseer) || actor.has(.admin) { items.append(("/oversight", "nav_oversight")) }
            if actor.has(.buyer) { items.append(("/oversight/cases", "nav_cases")) }
            if Policy.decide(actor, .recordPayment, Resource(organisationID: actor.organisationID)) == .allow { items.append(("/payments", "nav_payments")) }
            if Policy.decide(actor, .manageSupplierProfile, Resource(organisationID: actor.organisationID)) == .allow {
                items.append(("/supplier", "nav_supplier"))
                items.append(("/supplier/offers", "nav_offers"))
            }
            // Finance offices keep their own jurisdiction's list (and those below it).
            if Policy.decide(actor, .manageCatalogue, Resource(jurisdictionPath: actor.jurisdictionPath)) == .allow {
                items.append(("/catalogue/drafts", "nav_drafts"))
                items.append(("/catalogue/import", "nav_import"))
            }
        }
        return items.map { href, key in
            ["href": href, "label": t[key] ?? key, "current": href == path]
        }
    }
}
