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

    private func name(_ o: Organisation, _ context: AppRequestContext) -> String { context.language == .zh ? o.nameZh : o.nameEn }

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
        let mayDraft = try await tenders.actions(for: context.actor).draft
        let data: [String: Any] = [
            "statuses": TenderStatus.allCases.filter { $0 != .draft || mayDraft }.map {
                ["value": $0.rawValue, "label": views.text("tenderStatus_\($0.rawValue)", context), "selected": $0 == status] },
            "tenders": found.map { t -> [String: Any] in
                ["id": t.id.lowercased, "reference": t.reference, "title": t.terms.title, "buyer": buyers[t.buyerID].map { name($0, context) } ?? "",
                 "status": t.status.rawValue, "statusLabel": views.text("tenderStatus_\(t.status.rawValue)", context),
                 "procedure": views.text("procedure_\(t.terms.procedure.rawValue)", context), "lots": t.lots.count,
                 "budget": Money(minorUnits: t.lots.reduce(0) { $0 + $1.budget.minorUnits }).formatted,
                 "deadline": t.periods.map { calendar.describe($0.tenderEnd) } ?? "—"]
            },
            "mayDraft": mayDraft,
            "pager": Pager(request, cursor: "before", fetched: fetched.count, size: Self.pageSize, last: found.last?.id.lowercased),
            "q": text ?? "",
            "myDrafts": mayDraft ? "/tenders?status=draft&buyer=\(context.actor!.organisationID.lowercased)" : "",
        ]
        return views.page("tenders/tenders", title: views.text("tenders_title", context), data: data, request: request, context: context)
    }

    // MARK: One tender

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, tenderID: try context.pathID())
    }

    /// The tender page; `problem` and `form` bring back a refused form (`formName` says which).
    private func render(_ request: Request, _ context: AppRequestContext, tenderID: UUID, formName: String = "", form: [String: String] = [:],
                        problem: DomainError? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let tender = try await tenders.tender(id: tenderID, by: context.actor)
        let actor = context.actor
        let buyer = try await identity.organisation(id: tender.buyerID)
        let may = try await tenders.actions(on: tender, for: actor)
        let isBuyer = may.manage, isBidder = may.bid
        let openings = tenders.openings(of: tender)
        let lotNumbers = Dictionary(uniqueKeysWithValues: tender.lots.map { ($0.id, $0.number) })
        var data: [String: Any] = [
            "tenderId": tender.id.lowercased, "reference": tender.reference, "title": tender.terms.title, "description": tender.terms.description,
            "buyer": name(buyer, context), "buyerId": buyer.id.lowercased,
            "status": tender.status.rawValue, "statusLabel": views.text("tenderStatus_\(tender.status.rawValue)", context),
            "procedure": views.text("procedure_\(tender.terms.procedure.rawValue)", context),
            "termsVersion": tender.termsVersion, "minimumBids": tender.terms.minimumBids,
            "minimumRating": tender.terms.eligibility.minimumRating.map { "\($0)A" } ?? views.text("tender_noRating", context),
            "mayExceed": tender.terms.bidsMayExceedBudget,
            "criteria": [["name": views.text("tender_price", context), "weight": tender.terms.priceWeight]]
                + tender.terms.criteria.map { ["name": $0.name, "weight": $0.weight] },
            "lots": tender.lots.map { lot -> [String: Any] in
                ["lotId": lot.id.lowercased, "number": lot.number, "title": lot.title, "budget": lot.budget.formatted,
                 "status": views.text("lotStatus_\(lot.status.rawValue)", context)]
            },
            "isBuyer": isBuyer, "isDraft": tender.status == .draft, "showEvaluation": isBuyer || tender.isOpened,
            "canCancel": isBuyer && !tender.status.isFinal,
            "canEdit": isBuyer && (tender.status == .draft || openings.answers),
            "canAsk": actor != nil && actor?.organisationID != tender.buyerID && openings.questions,
            "canAnswer": isBuyer && openings.answers,
            "formName": formName, "form": form,
            "reasons": CancellationReason.allCases.map { ["value": $0.rawValue, "label": views.text("cancel_\($0.rawValue)", context)] },
        ]
        // A refused bid names its fields by their labels and links to the lot's inputs (ids `bid-<lot>-<field>`).
        let refusedBid = formName.hasPrefix("bid-") ? RefusedForm(problem, prefix: formName, names: Self.bidFields, form: form,
                                                                  formField: { String($0.prefix { $0 != "[" }) }, label: { views.text("bid_\($0)", context) },
                                                                  message: { views.say($0, context) }) : nil
        // Mustache shows a section for any value it is given, even nil or "": set these only when present.
        if let problem { data["problem"] = refusedBid?.problem ?? problem.pageData(views, context) }
        if !tender.terms.justification.isEmpty { data["justification"] = tender.terms.justification }
        if let cancellation = tender.cancellation {
            data["cancellation"] = ["reason": views.text("cancel_\(cancellation.reason.rawValue)", context), "note": cancellation.note,
                                    "at": calendar.describe(cancellation.at)]
        }
        if let p = tender.periods {
            data["periods"] = [
                ["label": views.text("tender_published", context), "at": calendar.describe(p.publishedAt)],
                ["label": views.text("tender_enquiryEnd", context), "at": calendar.describe(p.enquiryEnd)],
                ["label": views.text("tender_tenderEnd", context), "at": calendar.describe(p.tenderEnd)],
                ["label": views.text("tender_evaluationEnd", context), "at": calendar.describe(p.evaluationEnd)],
            ] + (p.standstillEnd.map { [["label": views.text("tender_standstillEnd", context), "at": calendar.describe($0)]] } ?? [])
            data["tenderEnd"] = calendar.describe(p.tenderEnd)
        } else {
            data["periodsPlanned"] = views.text("tender_periodsPlanned", context)
                .replacingOccurrences(of: "{enquiry}", with: String(tender.terms.enquiryDays))
                .replacingOccurrences(of: "{tendering}", with: String(tender.terms.tenderingDays))
        }
        data["questions"] = try await tenders.questions(of: tender).map { q -> [String: Any] in
            ["questionId": q.id.lowercased, "text": q.text, "askedAt": calendar.describe(q.askedAt), "answer": q.answer ?? "",
             "answered": q.answer != nil, "lot": q.lotID.flatMap { lotNumbers[$0] }.map { "\(views.text("tender_lot", context)) \($0)" } ?? ""]
        }
        data["timeline"] = try await tenders.timeline(tenderID: tender.id).map {
            ["at": calendar.describe($0.occurredAt), "event": views.text("event_\($0.action.replacingOccurrences(of: ".", with: "_"))", context)]
        }
        if isBidder, let actor, tender.status != .draft {
            let own = try await bids.ownBids(by: actor, tenderID: tender.id)
            let library = try await suppliers.library(by: actor)
            data["bidLots"] = tender.lots.map { lot -> [String: Any] in
                let mine = own.first { $0.lotID == lot.id }
                var row: [String: Any] = ["lotId": lot.id.lowercased, "number": lot.number, "title": lot.title, "budget": lot.budget.formatted,
                                          "canBid": openings.bids && lot.status == .active, "key": UUID().uuidString.lowercased()]
                if let mine {
                    row["mine"] = ["status": views.text("bidStatus_\(mine.status.rawValue)", context), "withdrawn": mine.status == .withdrawn,
                                   "needsConfirmation": mine.status == .needsConfirmation,
                                   "price": mine.content?.price.formatted ?? "", "proposal": mine.content?.proposal ?? "",
                                   "commitment": mine.receipt.commitment, "version": mine.receipt.version,
                                   "at": calendar.describeExactly(mine.receipt.submittedAt)]
                }
                if formName == "bid-\(lot.id.lowercased)" {
                    row["form"] = form
                    if let refusedBid { row["f"] = refusedBid.fields }
                }
                let cited = Set(mine?.content?.documents ?? [])
                row["library"] = library.map { ["documentId": $0.id.lowercased, "title": $0.title, "checked": cited.contains($0.id)] }
                return row
            }
        }
        if tender.isOpened {
            let opened = try await bids.openedBids(of: tender, by: actor)
            let bidders = try await identity.organisations(ids: Set(opened.map(\.bidderID)))
            let cited = try await suppliers.citedDocuments(of: opened)
            data["opened"] = opened.map { bid -> [String: Any] in
                ["lot": lotNumbers[bid.lotID] ?? 0, "bidder": bidders[bid.bidderID].map { name($0, context) } ?? "", "price": bid.price.formatted,
                 "proposal": bid.proposal ?? "", "hasProposal": bid.proposal != nil, "commitment": String(bid.commitment.prefix(16)),
                 "documents": bid.documents.compactMap { reference in cited[reference.id].map {
                     ["href": "/tenders/\(tender.id.lowercased)/bids/\(bid.id.lowercased)/documents/\($0.id.lowercased)", "title": $0.title,
                      "kind": $0.kind.rawValue.uppercased()]
                 } }]
            }
        }
        return views.page("tenders/tender", title: "\(tender.reference) \(tender.terms.title)", data: data, status: status, request: request, context: context)
    }

    /// Runs a form's action; a refusal the user can fix re-renders the tender page with the form and its errors.
    private func act(_ request: Request, _ context: AppRequestContext, form: String, values: [String: String] = [:],
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
            return try await render(request, context, tenderID: tenderID, formName: form, form: values, problem: error, status: status)
        }
    }

    func publish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context, form: "publish") { _ = try await tenders.publish(by: actor, tenderID: try context.pathID()) }
    }

    func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let values = ["reason": form["reason"] ?? "", "note": form["note"] ?? ""]
        return try await act(request, context, form: "cancel", values: values) {
            guard let reason = CancellationReason(rawValue: values["reason"]!) else {
                throw DomainError.invalid([FieldError("reason", "choose a reason from the list")])
            }
            _ = try await tenders.cancel(by: actor, tenderID: try context.pathID(), reason: reason, note: values["note"]!)
        }
    }

    func ask(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let values = ["text": form["text"] ?? "", "lot": form["lot"] ?? ""]
        return try await act(request, context, form: "ask", values: values) {
            _ = try await tenders.ask(by: actor, tenderID: try context.pathID(), lotID: UUID(uuidString: values["lot"]!), text: values["text"]!)
        }
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let question = try context.pathID("question")
        let values = ["answer": form["answer"] ?? ""]
        return try await act(request, context, form: "answer-\(question.lowercased)", values: values) {
            _ = try await tenders.answer(by: actor, tenderID: try context.pathID(), questionID: question, text: values["answer"]!)
        }
    }

    func submitBid(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let lot = try context.pathID("lot")
        let values = ["price": form["price"] ?? "", "proposal": form["proposal"] ?? "", "key": form["key"] ?? ""]
        return try await act(request, context, form: "bid-\(lot.lowercased)", values: values) {
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
        return try await act(request, context, form: "bid-\(lot.lowercased)") { _ = try await bids.withdraw(by: actor, tenderID: try context.pathID(), lotID: lot) }
    }

    func confirmBid(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let lot = try context.pathID("lot")
        return try await act(request, context, form: "bid-\(lot.lowercased)") { _ = try await bids.confirm(by: actor, tenderID: try context.pathID(), lotID: lot) }
    }

    // MARK: The buyer's editor

    func newTender(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        try tenders.authorizeEditor(by: actor)
        let defaults = TenderTerms(title: "", description: "", lots: [])
        return try await renderEditor(request, context, tender: nil, values: EditorValues(defaults))
    }

    func edit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let tender = try await tenders.tender(id: try context.pathID(), by: actor)
        try tenders.authorizeEditor(by: actor, tender: tender)
        return try await renderEditor(request, context, tender: tender, values: EditorValues(tender.terms))
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let values = EditorValues(try await FormData.read(request, context))
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
        let values = EditorValues(try await FormData.read(request, context))
        do {
            _ = try await tenders.updateTerms(by: actor, tenderID: tender.id, try await terms(values, tenderID: tender.id))
            return .redirect(to: "/tenders/\(tender.id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await renderEditor(request, context, tender: tender, values: values, refusal: error, status: error.formStatus)
        }
    }

    /// The editor's fields as typed, so a refused form comes back exactly as sent.
    struct EditorValues {
        var fields: [String: String]
        var lines: [String]
        var invited: [String]

        init(_ terms: TenderTerms) {
            fields = ["title": terms.title, "description": terms.description, "procedure": terms.procedure.rawValue,
                      "justification": terms.justification, "enquiryDays": String(terms.enquiryDays), "tenderingDays": String(terms.tenderingDays),
                      "evaluationDays": String(terms.evaluationDays), "standstillDays": String(terms.standstillDays),
                      "minimumBids": String(terms.minimumBids), "minimumRating": terms.eligibility.minimumRating.map(String.init) ?? "",
                      "bidsMayExceedBudget": terms.bidsMayExceedBudget ? "on" : "", "priceWeight": String(terms.priceWeight)]
            for index in 0..<3 {
                fields["criterion\(index)"] = index < terms.criteria.count ? terms.criteria[index].name : ""
                fields["weight\(index)"] = index < terms.criteria.count ? String(terms.criteria[index].weight) : ""
            }
            lines = terms.lots.map(\.purchaseLineID.lowercased)
            invited = terms.invitedSuppliers.map(\.lowercased)
        }

        init(_ form: FormData) {
            fields = [:]
            for key in ["title", "description", "procedure", "justification", "enquiryDays", "tenderingDays", "evaluationDays", "standstillDays",
                        "minimumBids", "minimumRating", "bidsMayExceedBudget", "priceWeight", "criterion0", "weight0", "criterion1", "weight1",
                        "criterion2", "weight2"] {
                fields[key] = form[key] ?? ""
            }
            lines = form.values("lines")
            invited = form.values("invited")
        }

        /// The criterion rows typed in (a row without a name is no criterion): the terms' n-th criterion is row `criterionRows[n]`.
        var criterionRows: [Int] { (0..<3).filter { !(fields["criterion\($0)"] ?? "").isEmpty } }
    }

    private func terms(_ v: EditorValues, tenderID: UUID?) async throws -> TenderTerms {
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
            func place(_ error: FieldError) -> Int { Self.editorFields.firstIndex(of: Self.editorField(error.field, criterionRows: v.criterionRows)) ?? 99 }
            throw DomainError.invalid(all.sorted { place($0) < place($1) })
        }
        return terms
    }

    /// The bid form's inputs, named as the bid's rules name them.
    static let bidFields = ["price", "proposal", "documents"]

    /// The editor's inputs (ids `tender-<name>`), with `criteria`, `lines` and `invited` naming their fieldsets.
    static let editorFields = ["title", "description", "procedure", "justification", "enquiryDays", "tenderingDays", "evaluationDays",
                               "standstillDays", "criteria", "priceWeight", "criterion0", "weight0", "criterion1", "weight1", "criterion2", "weight2",
                               "minimumRating", "minimumBids", "invited", "lines"]

    /// The editor's input a field of the terms belongs to: the n-th criterion is the row it was typed in.
    static func editorField(_ field: String, criterionRows: [Int]) -> String {
        let head = String(field.prefix { $0 != "[" && $0 != "." })
        switch head {
        case "criteria" where field != head:
            let index = Int(field.dropFirst(head.count + 1).prefix { $0.isNumber }) ?? 0
            let row = index < criterionRows.count ? criterionRows[index] : 0
            return (field.hasSuffix(".weight") ? "weight" : "criterion") + String(row)
        case "eligibility": return "minimumRating"
        case "invitedSuppliers": return "invited"
        case "lots": return "lines"
        default: return head
        }
    }

    /// An editor input's words on the page, as the summary names it.
    private func editorLabel(_ name: String, _ context: AppRequestContext) -> String {
        if let row = Int(name.filter(\.isNumber)), name.hasPrefix("criterion") || name.hasPrefix("weight") {
            let criterion = views.text("tenderEdit_criterion", context) + " \(row + 1)"
            return name.hasPrefix("weight") ? criterion + " · " + views.text("tender_points", context) : criterion
        }
        let keys = ["title": "tender_title", "description": "tenderEdit_description", "procedure": "tender_procedure",
                    "justification": "tender_justification", "criteria": "tender_criteria", "priceWeight": "tender_price",
                    "minimumRating": "tender_minimumRating", "minimumBids": "tender_minimumBids", "invited": "tenderEdit_invited",
                    "lines": "tenderEdit_lines"]
        return views.text(keys[name] ?? "tenderField_\(name)", context)
    }

    private func renderEditor(_ request: Request, _ context: AppRequestContext, tender: Tender?, values: EditorValues, refusal: DomainError? = nil,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.signedIn()
        let buyerID = tender?.buyerID ?? actor.organisationID
        let lines = try await lists.lines(PurchaseLineQuery(buyerID: buyerID, limit: 500))
        let left = try await tenders.remainingBudgets(of: lines, except: tender?.id)
        let suppliers = try await identity.organisations(kind: .socialOrganisation, limit: 200)
        let published = tender.map { $0.status != .draft } ?? false
        var fields = values.fields
        fields["bidsMayExceedBudget"] = fields["bidsMayExceedBudget"] == "on" ? "checked" : ""
        let rows = values.criterionRows
        let refused = RefusedForm(refusal, prefix: "tender", names: Self.editorFields, form: values.fields,
                                  formField: { Self.editorField($0, criterionRows: rows) }, label: { editorLabel($0, context) },
                                  message: { views.say($0, context) })
        var data: [String: Any] = [
            "action": tender.map { "/tenders/\($0.id.lowercased)/edit" } ?? "/tenders",
            "reference": tender?.reference ?? "", "isNew": tender == nil, "published": published,
            "form": fields,
            "f": refused.fields,
            "procedures": Procedure.allCases.map { ["value": $0.rawValue, "label": views.text("procedure_\($0.rawValue)", context),
                                                    "selected": $0.rawValue == fields["procedure"], "minimums": minimums($0, context)] },
            "ratings": (1...5).map { ["value": String($0), "label": "\($0)A", "selected": String($0) == fields["minimumRating"]] },
            "lines": lines.map { line -> [String: Any] in
                let checked = values.lines.contains(line.id.lowercased), remaining = left[line.id] ?? line.content.budget
                // A line whose budget other tenders hold in full cannot make a lot: shown, but not offered.
                return ["id": line.id.lowercased, "reference": line.content.reference, "year": line.content.year, "title": line.content.title,
                        "budget": line.content.budget.formatted, "left": remaining.formatted, "checked": checked,
                        "partly": remaining != line.content.budget, "spent": remaining.minorUnits == 0 && !checked]
            },
            "suppliers": suppliers.map { ["id": $0.id.lowercased, "name": name($0, context), "checked": values.invited.contains($0.id.lowercased)] },
        ]
        if let problem = refused.problem { data["problem"] = problem }
        return views.page("tenders/tender-edit", title: views.text(tender == nil ? "tenderEdit_new" : "tenderEdit_edit", context), data: data,
                          status: status, request: request, context: context)
    }

    private func minimums(_ procedure: Procedure, _ context: AppRequestContext) -> String {
        let m = procedure.minimums
        return views.text("tenderEdit_minimums", context)
            .replacingOccurrences(of: "{enquiry}", with: String(m.enquiryDays)).replacingOccurrences(of: "{tendering}", with: String(m.tenderingDays))
            .replacingOccurrences(of: "{standstill}", with: String(m.standstillDays))
    }
}
