import Catalogue
import Core
import Foundation
import Hummingbird
import Identity
import Mustache
import Tendering
import Transparency

/// The public directory of suppliers (`/suppliers`) and a supplier's own offers (`/supplier/offers`), issue 24 item 3.
/// The same service calls as `GET /api/v1/suppliers` and `/api/v1/my-offers`.
struct DirectoryController {
    let directory: SupplierDirectory
    let suppliers: SupplierService
    let identity: IdentityService
    let catalogue: PurchaseCatalogueService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/suppliers", use: search)
        router.get("/supplier/offers", use: offers)
        router.post("/supplier/offers", use: publish)
        router.post("/supplier/offers/{offer}/withdraw", use: withdraw)
    }

    func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let typed = ["code", "area", "minimumRating", "stage", "q"].reduce(into: [String: String]()) { $0[$1] = query[$1[...]].map(String.init) ?? "" }
        let size = 30
        // The form's choices are read beside the search, not after it: one round trip's wait instead of three.
        async let categories = catalogue.categories()
        async let places = identity.jurisdictions()
        var refusal: DomainError?
        var found: [DirectoryEntry] = []
        do {
            var rating: Int?
            if !typed["minimumRating"]!.isEmpty {
                guard let level = Int(typed["minimumRating"]!) else { throw DomainError.invalid([FieldError("minimumRating", "must be 1 to 5 (1A to 5A)")]) }
                rating = level
            }
            found = try await directory.search(DirectoryQuery(
                itemCode: typed["code"], areaCode: typed["area"], minimumRating: rating, stage: IncubationStage(rawValue: typed["stage"]!),
                text: typed["q"], after: query["after"].flatMap { UUID(uuidString: String($0)) }, limit: size + 1))
        } catch let error as DomainError where error.refusesForm {
            refusal = error
        }
        let asked = FormData(request.uri.query ?? "")
        let picking = asked["pick"] == "1" ? DirectoryPage.Picking(tender: asked["tender"].flatMap(UUID.init(uuidString:)),
                                                                   invited: asked.values("invite").compactMap(UUID.init(uuidString:))) : nil
        let model = DirectoryPage(
            entries: Array(found.prefix(size)), typed: typed, services: try await categories.filter { $0.level == 3 },
            jurisdictions: try await places, refusal: refusal,
            pager: Pager(request, cursor: "after", fetched: found.count, size: size, last: found.prefix(size).last?.organisationID.lowercased),
            picking: picking, words: PageWords(views, context))
        return views.page("suppliers/directory", title: views.text("directory_title", context), model: model,
                          status: refusal == nil ? .ok : .unprocessableContent, request: request, context: context)
    }

    func offers(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await offersPage(request, context, typed: ["unit": "people"], refusal: nil)
    }

    private func offersPage(_ request: Request, _ context: AppRequestContext, typed: [String: String], refusal: DomainError?,
                            status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.signedIn()
        _ = try await suppliers.ownProfile(by: actor)  // the policy's answer first: only a supplier's own staff
        let organisation = try await identity.organisation(id: actor.organisationID)
        let model = OffersPage(offers: try await suppliers.offers(of: actor.organisationID), organisation: organisation,
                               services: try await catalogue.categories().filter { $0.level == 3 }, jurisdictions: try await identity.jurisdictions(),
                               typed: typed, refusal: refusal, words: PageWords(views, context))
        return views.page("suppliers/offers", title: views.text("offers_title", context), model: model, status: status, request: request, context: context)
    }

    func publish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        var typed = OffersPage.inputs.reduce(into: [String: String]()) { $0[$1] = form[$1] ?? "" }
        typed["areas"] = form.values("areas").joined(separator: " ")
        do {
            var problems: [FieldError] = []
            let capacity = JoinController.number(typed["capacity"]!, "capacity", required: true, &problems)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            _ = try await suppliers.publishOffer(by: actor, OfferInput(
                itemCode: typed["itemCode"]!, areaCodes: form.values("areas"), capacity: capacity ?? 0, unit: typed["unit"]!,
                priceMin: typed["priceMin"]!, priceMax: typed["priceMax"]!, description: typed["description"]!))
            return .redirect(to: "/supplier/offers")
        } catch let error as DomainError where error.refusesForm {
            return try await offersPage(request, context, typed: typed, refusal: error, status: error.formStatus)
        }
    }

    func withdraw(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await suppliers.withdrawOffer(by: try context.signedIn(), offerID: try context.pathID("offer"))
        return .redirect(to: "/supplier/offers")
    }
}

/// The directory: the search form as typed, and one card per supplier (a phone shows them one under another).
/// Opened from the tender editor (`pick=1`), it is also where a buyer picks the organisations an invited tender
/// invites: the choices ride along with every search and go back to the editor (`tender`: the draft being edited;
/// none: a new tender), which only fills its check boxes; nothing is saved until the buyer saves the tender.
struct DirectoryPage {
    struct Card {
        let id: String
        let name: String
        let rating: String?
        let stage: String?
        let contracts: Int
        let grades: String?
        /// "96.0 %", with the number of answers beside it in the template.
        let satisfaction: String?
        let answers: Int
        let barred: Bool
        let offers: String?
        /// Picking invitees: this one is ticked; a barred organisation cannot bid, so it has no box.
        let picked: Bool
    }
    struct Picking {
        var tender: UUID?
        var invited: [UUID]
    }
    /// Where the chosen organisations go: the draft's editor or a new tender's.
    let pickAction: String?
    /// Choices made on other pages of results, carried as hidden fields.
    let carried: [String]
    let pickedCount: Int
    let cards: [Card]
    let services: [SelectOption]
    let areas: [SelectOption]
    let ratings: [SelectOption]
    let stages: [SelectOption]
    let q: String
    let problem: ProblemBlock?
    let pager: Pager
    let tender: String?

    init(entries: [DirectoryEntry], typed: [String: String], services: [PurchaseCategory], jurisdictions: [Jurisdiction], refusal: DomainError?,
         pager: Pager, picking: Picking? = nil, words: PageWords) {
        let zh = words.language == .zh
        let names = Dictionary(services.map { ($0.code, zh ? $0.nameZh : $0.nameEn) }, uniquingKeysWith: { first, _ in first })
        let invited = Set(picking?.invited ?? [])
        cards = entries.map { e in
            Card(id: e.organisationID.lowercased, name: zh ? e.nameZh : e.nameEn, rating: e.rating.map { "\($0)A" },
                 stage: e.stage.map { words.say("stage_\($0.rawValue)") }, contracts: e.contracts,
                 grades: e.grades.isEmpty ? nil : e.grades.joined(separator: " "),
                 satisfaction: e.satisfied.map { String(format: "%.1f %%", Double($0) / 100) }, answers: e.answers, barred: e.barred,
                 offers: e.offers.isEmpty ? nil : e.offers.map { "\($0) \(names[$0] ?? "")" }.joined(separator: "、"),
                 picked: invited.contains(e.organisationID))
        }
        pickAction = picking.map { $0.tender.map { "/tenders/\($0.lowercased)/edit" } ?? "/tenders/new" }
        let shown = Set(entries.map(\.organisationID))
        carried = (picking?.invited ?? []).filter { !shown.contains($0) }.map(\.lowercased)
        pickedCount = invited.count
        tender = picking?.tender?.lowercased
        self.services = [SelectOption(value: "", label: words.say("directory_anyService"))]
            + services.map { SelectOption(value: $0.code, label: "\($0.code) \(zh ? $0.nameZh : $0.nameEn)", selected: typed["code"] == $0.code) }
        areas = [SelectOption(value: "", label: words.say("directory_anyArea"))]
            + SelectOption.jurisdictions(jurisdictions, selected: { typed["area"] == $0 }, language: words.language)
        ratings = [SelectOption(value: "", label: words.say("directory_anyRating"))]
            + (1...5).map { SelectOption(value: String($0), label: "≥ \($0)A", selected: typed["minimumRating"] == String($0)) }
        stages = [SelectOption(value: "", label: words.say("directory_anyStage"))]
            + IncubationStage.allCases.map { SelectOption(value: $0.rawValue, label: words.say("stage_\($0.rawValue)"), selected: typed["stage"] == $0.rawValue) }
        q = typed["q"] ?? ""
        problem = refusal.map { ProblemBlock($0, message: { words.message($0) }) }
        self.pager = pager
    }
}

/// A supplier's own offers, with the form to publish one (refused: every error beside its field, what was typed kept).
struct OffersPage {
    static let inputs = ["itemCode", "areas", "capacity", "unit", "priceMin", "priceMax", "description"]
    struct Row {
        let id: String
        let service: String
        let areas: String
        let capacity: String
        let price: String
        let description: String
    }
    let rows: [Row]
    let approved: Bool
    let status: String
    let services: [SelectOption]
    /// Not `areas`: inside the form's fields that name is the typed field's.
    let areaChoices: [SelectOption]
    let units: [SelectOption]
    let refused: RefusedForm

    init(offers: [SupplierOffer], organisation: Organisation, services: [PurchaseCategory], jurisdictions: [Jurisdiction], typed: [String: String],
         refusal: DomainError?, words: PageWords) {
        let zh = words.language == .zh
        let names = Dictionary(services.map { ($0.code, zh ? $0.nameZh : $0.nameEn) }, uniquingKeysWith: { first, _ in first })
        let places = Dictionary(uniqueKeysWithValues: jurisdictions.map { ($0.id, zh ? $0.nameZh : $0.nameEn) })
        rows = offers.map { o in
            Row(id: o.id.lowercased, service: "\(o.itemCode) \(names[o.itemCode] ?? "")", areas: o.areas.compactMap { places[$0] }.joined(separator: "、"),
                capacity: "\(o.capacity) \(words.say("offerUnit_\(o.unit.rawValue)"))",
                price: "\(o.priceMin.formatted) – \(o.priceMax.formatted)", description: o.description)
        }
        approved = organisation.status == .approved
        status = words.say("orgStatus_\(organisation.status.rawValue)")
        let chosenAreas = Set((typed["areas"] ?? "").split(separator: " ").map(String.init))
        self.services = services.map { SelectOption(value: $0.code, label: "\($0.code) \(zh ? $0.nameZh : $0.nameEn)", selected: typed["itemCode"] == $0.code) }
        areaChoices = SelectOption.jurisdictions(jurisdictions, selected: chosenAreas.contains, language: words.language)
        units = SupplierOffer.Unit.allCases.map {
            SelectOption(value: $0.rawValue, label: words.say("offerUnit_\($0.rawValue)"), selected: typed["unit"] == $0.rawValue)
        }
        refused = RefusedForm(refusal, prefix: "offer", names: Self.inputs, form: typed, label: { words.say("field_\($0)") },
                              message: { words.message($0) })
    }
}

/// A card's keys without reflection (see `SelectOption`'s `MustacheParent`): thirty cards a page. An absent optional is
/// nil, as Mustache's `Mirror` lookup unwraps it (a boxed `Optional.none` would print "nil").
extension DirectoryPage.Card: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "rating": rating
        case "stage": stage
        case "contracts": contracts
        case "grades": grades
        case "satisfaction": satisfaction
        case "answers": answers
        case "barred": barred
        case "offers": offers
        case "picked": picked
        default: nil
        }
    }
}
