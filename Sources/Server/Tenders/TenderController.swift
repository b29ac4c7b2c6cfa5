import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Tendering

/// The tender pages: the public list and each tender's page, which shows the buyer, a bidder and
/// everyone else what each may do now; the buyer's editor. Refused forms come back filled in, with
/// every error beside them.
struct TenderController {
    /// Tenders per page of the list.
    static let pageSize = 50
    let tenders: TenderService
    let bids: BidService
    let suppliers: SupplierService
    let lists: PurchaseListService
    let identity: IdentityService
    let views: Views
    /// The site's public address for the feed's links (configuration, never the Host header).
    let publicBase: String

    func register(on router: Router<AppRequestContext>) {
        router.get("/tenders", use: list)
        router.get("/tenders.atom", use: feed)
        router.get("/tenders/new", use: newTender)
        router.post("/tenders", use: create)
        router.get("/tenders/:id", use: show)
        router.get("/tenders/:id/edit", use: edit)
        router.post("/tenders/:id/edit", use: update)
        router.post("/tenders/:id/publish", use: publish)
        router.post("/tenders/:id/cancel", use: cancel)
        router.post("/tenders/:id/questions", use: ask)
        router.post("/tenders/:id/questions/:question/answer", use: answer)
        router.post("/tenders/:id/lots/:lot/bid", use: submitBid)
        router.post("/tenders/:id/lots/:lot/withdraw", use: withdrawBid)
        router.post("/tenders/:id/lots/:lot/confirm", use: confirmBid)
    }

    private let calendar = WorkingCalendar()

    // MARK: The list

    /// The 50 newest published tenders as an Atom feed, for readers and for other sites to follow.
    func feed(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await tenders.tenders(TenderQuery(limit: 50), by: nil).filter { $0.periods != nil }
        let buyers = try await identity.organisations(ids: Set(found.map(\.buyerID)))
        let base = publicBase
        let formatter = ISO8601DateFormatter()
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        let entries = found.map { tender -> String in
            let budget = Money(minorUnits: tender.lots.reduce(0) { $0 + $1.budget.minorUnits }).formatted
            let buyer = buyers[tender.buyerID]?.nameZh ?? ""
            return """
                <entry><id>urn:uuid:\(tender.id.lowercased)</id><title>\(escape("\(tender.reference) \(tender.terms.title)"))</title>\
                <updated>\(formatter.string(from: tender.periods!.publishedAt))</updated><link href="\(base)/tenders/\(tender.id.lowercased)"/>\
                <author><name>\(escape(buyer))</name></author>\
                <summary>\(escape("\(buyer) · \(budget) · \(calendar.describe(tender.periods!.tenderEnd)) · \(tender.terms.description)"))</summary></entry>
                """
        }
        let updated = found.map { $0.periods!.publishedAt }.max() ?? Date(timeIntervalSince1970: 0)
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><id>\(base)/tenders.atom</id><title>\(escape(views.text("tenders_feedTitle", context)))</title>\
            <updated>\(formatter.string(from: updated))</updated><link rel="self" href="\(base)/tenders.atom"/><link href="\(base)/tenders"/>\
            \(entries.joined())</feed>
            """
        return Response(status: .ok, headers: [.contentType: "application/atom+xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let status = query["status"].flatMap { TenderStatus(rawValue: String($0)) }
        let buyer = query["buyer"].flatMap { UUID(uuidString: String($0)) }
        let text = query["q"].map(String.init)
        let before = query["before"].flatMap { UUID(uuidString: String($0)) }
        let fetched = try await tenders.tenders(TenderQuery(status: status, buyerID: buyer, before: before, limit: Self.pageSize + 1, text: text),
                                                by: context.actor)
        let found = Array(fetched.prefix(Self.pageSize))
        let buyers = try await identity.organisations(ids: Set(found.map(\.buyerID)))
        let page = TenderListPage.model(tenders: found, buyers: buyers, may: try await tenders.actions(for: context.actor), draftsOf: context.actor?.organisationID,
                                        status: status, text: text,
                                        pager: Pager(request, cursor: "before", fetched: fetched.count, size: Self.pageSize, last: found.last?.id.lowercased),
                                        language: context.language, say: { views.text($0, context) })
        return views.page("tenders/tenders", title: views.text("tenders_title", context), model: page, request: request, context: context)
    }

    // MARK: One tender

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, tenderID: try context.pathID())
    }

    /// The tender page; `refused` brings back a refused form with what was typed.
    private func render(_ request: Request, _ context: AppRequestContext, tenderID: UUID, refused: RefusedTenderForm? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let file = try await TenderFile.read(tenderID: tenderID, by: context.actor, tenders: tenders, bids: bids, suppliers: suppliers, identity: identity)
        let page = TenderPage.model(file: file, refused: refused, language: context.language, say: { views.text($0, context) },
                                    message: { views.say($0, context) })
        return views.page("tenders/tender", title: "\(file.tender.reference) \(file.tender.terms.title)", model: page, status: status, request: request,
                          context: context)
    }

    /// Runs a form's action; a refusal the user can fix re-renders the tender page with the form and its errors.
    private func act(_ request: Request, _ context: AppRequestContext, form: RefusedTenderForm.Form, values: [String: String] = [:],
                     _ action: () async throws -> Void) async throws -> Response {
        let tenderID = try context.pathID()
        do {
            try await action()
            return .redirect(to: "/tenders/\(tenderID.lowercased)")
        } catch let error as DomainError where [.invalid, .conflict, .forbidden].contains(error.kind) {
            let status: HTTPResponse.Status = switch error.kind {
            case .invalid: .unprocessableContent
            case .conflict: .conflict
            default: .forbidden
            }
            return try await render(request, context, tenderID: tenderID, refused: RefusedTenderForm(form, values: values, problem: error), status: status)
        }
    }

    func publish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context, form: .publish) { _ = try await tenders.publish(by: actor, tenderID: try context.pathID()) }
    }

    func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let values = ["reason": form["reason"] ?? "", "note": form["note"] ?? ""]
        return try await act(request, context, form: .cancel, values: values) {
            guard let reason = CancellationReason(rawValue: values["reason"]!) else {
                // With the note's own problems, so that both are told at once.
                throw DomainError.invalid([FieldError("reason", "choose a reason from the list")] + TenderService.cancellationNote(values["note"]!).problems)
            }
            _ = try await tenders.cancel(by: actor, tenderID: try context.pathID(), reason: reason, note: values["note"]!)
        }
    }

    func ask(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let values = ["text": form["text"] ?? "", "lot": form["lot"] ?? ""]
        return try await act(request, context, form: .ask, values: values) {
            _ = try await tenders.ask(by: actor, tenderID: try context.pathID(), lotID: UUID(uuidString: values["lot"]!), text: values["text"]!)
        }
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let question = try context.pathID("question")
        let values = ["answer": form["answer"] ?? ""]
        return try await act(request, context, form: .answer(question: question), values: values) {
            _ = try await tenders.answer(by: actor, tenderID: try context.pathID(), questionID: question, text: values["answer"]!)
        }
    }

    func submitBid(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let lot = try context.pathID("lot")
        let values = ["price": form["price"] ?? "", "proposal": form["proposal"] ?? "", "key": form["key"] ?? "",
                      "documents": form.values("documents").joined(separator: " ")]
        return try await act(request, context, form: .bid(lot: lot), values: values) {
            let documents = form.values("documents").compactMap(UUID.init(uuidString:))
            guard let price = Money.parse(yuan: values["price"]!) else {
                // With the bid's own rules on the rest, so an empty proposal is told at the same time.
                let rest = BidContent(price: .yuan(1), proposal: values["proposal"]!, documents: documents).problems
                throw DomainError.invalid([FieldError("price", "is not an amount in yuan, e.g. 380000 or 380,000.00")] + rest.filter { $0.field != "price" })
            }
            // The form carries a key made when the page was drawn: a double click or a resent form bids once.
            _ = try await bids.submit(by: actor, tenderID: try context.pathID(), lotID: lot, BidContent(price: price, proposal: values["proposal"]!, documents: documents),
                                      idempotencyKey: values["key"]!.isEmpty ? nil : values["key"])
        }
    }

    func withdrawBid(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let lot = try context.pathID("lot")
        return try await act(request, context, form: .bid(lot: lot)) { _ = try await bids.withdraw(by: actor, tenderID: try context.pathID(), lotID: lot) }
    }

    func confirmBid(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let lot = try context.pathID("lot")
        return try await act(request, context, form: .bid(lot: lot)) { _ = try await bids.confirm(by: actor, tenderID: try context.pathID(), lotID: lot) }
    }

    // MARK: The buyer's editor

    func newTender(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try tenders.authorizeEditor(by: actor)
        let defaults = TenderTerms(title: "", description: "", lots: [])
        var values = TenderEditorValues(defaults)
        let picked = Self.picked(request)
        if !picked.isEmpty {
            // Back from the directory with organisations to invite: an invited tender is what they were picked for.
            values.fields["procedure"] = Procedure.invited.rawValue
            values.invited = picked
        }
        return try await renderEditor(request, context, tender: nil, values: values)
    }

    /// The organisations ticked in the directory (`invite=` in the query; at most 50, ids only).
    static func picked(_ request: Request) -> [String] {
        var seen = Set<String>()
        return FormData(request.uri.query ?? "").values("invite").compactMap { UUID(uuidString: $0)?.lowercased }
            .filter { seen.insert($0).inserted }.prefix(50).map { $0 }
    }

    func edit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let tender = try await tenders.tender(id: try context.pathID(), by: actor)
        try tenders.authorizeEditor(by: actor, tender: tender)
        var values = TenderEditorValues(tender.terms)
        values.invited += Self.picked(request).filter { !values.invited.contains($0) }
        return try await renderEditor(request, context, tender: tender, values: values)
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let values = TenderEditorValues(try await FormData.read(request, context))
        do {
            let tender = try await tenders.createDraft(by: actor, buyerID: actor.organisationID, try await terms(values, tenderID: nil))
            return .redirect(to: "/tenders/\(tender.id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await renderEditor(request, context, tender: nil, values: values, refusal: error, status: error.formStatus)
        }
    }

    func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let tender = try await tenders.tender(id: try context.pathID(), by: actor)
        let values = TenderEditorValues(try await FormData.read(request, context))
        do {
            _ = try await tenders.updateTerms(by: actor, tenderID: tender.id, try await terms(values, tenderID: tender.id))
            return .redirect(to: "/tenders/\(tender.id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await renderEditor(request, context, tender: tender, values: values, refusal: error, status: error.formStatus)
        }
    }

    private func terms(_ v: TenderEditorValues, tenderID: UUID?) async throws -> TenderTerms {
        var check = Validator()
        func number(_ key: String) -> Int? {
            let value = Int(v.fields[key] ?? "")
            check.check(value != nil, key, "must be a whole number")
            return value
        }
        let procedure = Procedure(rawValue: v.fields["procedure"] ?? "") ?? .open
        let days = ["enquiryDays", "tenderingDays", "evaluationDays", "standstillDays", "minimumBids", "priceWeight"].map(number)
        var criteria: [Criterion] = []
        for index in v.criterionRows {
            criteria.append(Criterion(name: v.fields["criterion\(index)"]!, weight: number("weight\(index)") ?? 1))
        }
        let rating = v.fields["minimumRating"].flatMap { Int($0) }
        let lines = v.lines.compactMap(UUID.init(uuidString:))
        // Where the typed text was no number, the procedure's minimum stands in (and price's 0 weight leaves the sum
        // unchecked), so the terms' own rules still speak about every other field in the same answer; the weights' sum
        // is not told while a weight is unread.
        let minimums = procedure.minimums
        let terms = TenderTerms(title: v.fields["title"] ?? "", description: v.fields["description"] ?? "", procedure: procedure,
                                justification: v.fields["justification"] ?? "", enquiryDays: days[0] ?? minimums.enquiryDays,
                                tenderingDays: days[1] ?? minimums.tenderingDays, evaluationDays: days[2] ?? minimums.evaluationDays,
                                standstillDays: days[3] ?? minimums.standstillDays, minimumBids: days[4], bidsMayExceedBudget: v.fields["bidsMayExceedBudget"] == "on",
                                priceWeight: days[5] ?? 0, criteria: criteria, eligibility: Eligibility(minimumRating: rating),
                                invitedSuppliers: v.invited.compactMap(UUID.init(uuidString:)),
                                lots: try await tenders.lots(forLines: lines, tenderID: tenderID))
        if !check.errors.isEmpty {
            let unread = Set(check.errors.map(\.field))
            let all = check.errors + terms.problems.filter {
                !unread.contains($0.field) && !($0.field == "criteria" && unread.contains { $0 == "priceWeight" || $0.hasPrefix("weight") })
            }
            // In the form's order, as the summary lists them.
            func place(_ error: FieldError) -> Int { TenderEditorPage.fields.firstIndex(of: TenderEditorPage.field(error.field, criterionRows: v.criterionRows)) ?? 99 }
            throw DomainError.invalid(all.sorted { place($0) < place($1) })
        }
        return terms
    }

    private func renderEditor(_ request: Request, _ context: AppRequestContext, tender: Tender?, values: TenderEditorValues, refusal: DomainError? = nil,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.signedIn()
        let lines = try await lists.lines(PurchaseLineQuery(buyerID: tender?.buyerID ?? actor.organisationID, limit: 500))
        // The invited first (also those beyond the list's first 200, picked in the directory), then the rest by name.
        let listed = try await identity.organisations(kind: .socialOrganisation, limit: 200)
        var invited: [Organisation] = []
        for id in values.invited.compactMap(UUID.init(uuidString:)).prefix(50) {
            var organisation = listed.first { $0.id == id }
            if organisation == nil { organisation = try? await identity.organisation(id: id) }
            if let organisation, organisation.kind == .socialOrganisation { invited.append(organisation) }
        }
        let suppliers = invited + listed.filter { o in !invited.contains { $0.id == o.id } }
        let page = TenderEditorPage.model(tender: tender, values: values, lines: lines, left: try await tenders.remainingBudgets(of: lines, except: tender?.id),
                                          suppliers: suppliers, refusal: refusal,
                                          language: context.language, say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("tenders/tender-edit", title: views.text(tender == nil ? "tenderEdit_new" : "tenderEdit_edit", context), model: page,
                          status: status, request: request, context: context)
    }
}
