import Core
import Foundation
import OpenAPIRuntime
import SpokesAPI
import Tendering
import Transparency

/// Tenders, questions and bids in the JSON API.
extension APIHandler {
    func listTenders(_ input: Operations.ListTenders.Input) async throws -> Operations.ListTenders.Output {
        let q = input.query
        let limit = try pageSize(q.limit, default: 50, maximum: 200)
        let query = TenderQuery(status: q.status.flatMap { TenderStatus(rawValue: $0.rawValue) }, buyerID: try q.buyer.map { try uuid($0, "buyer") },
                                before: try q.before.map { try uuid($0, "before") }, limit: limit, text: q.q, year: q.year,
                                purchaseLineID: try q.purchaseLine.map { try uuid($0, "purchaseLine") })
        return .ok(.init(body: .json(try await tenders.tenders(query, by: actor).map { Components.Schemas.Tender($0, ocdsPrefix: oversight.transparency.prefix) })))
    }

    func getTender(_ input: Operations.GetTender.Input) async throws -> Operations.GetTender.Output {
        let tender = try await tenders.tender(id: try uuid(input.path.tenderId, "tenderId"), by: actor)
        let may = try await tenders.actions(on: tender, for: actor)
        var body = Components.Schemas.Tender(tender, ocdsPrefix: oversight.transparency.prefix)
        body.may = .init(manage: may.manage, bid: may.bid, decideComplaints: may.decideComplaints)
        return .ok(.init(body: .json(body)))
    }

    func createTender(_ input: Operations.CreateTender.Input) async throws -> Operations.CreateTender.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let actor = try signedIn()
        let buyer = try body.buyerId.map { try uuid($0, "buyerId") } ?? actor.organisationID
        return .created(.init(body: .json(.init(try await tenders.createDraft(by: actor, buyerID: buyer, try await terms(body, tenderID: nil))))))
    }

    func updateTender(_ input: Operations.UpdateTender.Input) async throws -> Operations.UpdateTender.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let id = try uuid(input.path.tenderId, "tenderId")
        return .ok(.init(body: .json(.init(try await tenders.updateTerms(by: try signedIn(), tenderID: id, try await terms(body, tenderID: id))))))
    }

    func publishTender(_ input: Operations.PublishTender.Input) async throws -> Operations.PublishTender.Output {
        let published = try await tenders.publish(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"))
        return .ok(.init(body: .json(.init(published, ocdsPrefix: oversight.transparency.prefix))))
    }

    func cancelTender(_ input: Operations.CancelTender.Input) async throws -> Operations.CancelTender.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let tender = try await tenders.cancel(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                              reason: CancellationReason(rawValue: body.reason.rawValue) ?? .noLongerNeeded, note: body.note)
        return .ok(.init(body: .json(.init(tender))))
    }

    func getTenderTimeline(_ input: Operations.GetTenderTimeline.Input) async throws -> Operations.GetTenderTimeline.Output {
        let tender = try await tenders.tender(id: try uuid(input.path.tenderId, "tenderId"), by: actor)
        return .ok(.init(body: .json(try await tenders.timeline(tenderID: tender.id).map { .init(at: $0.occurredAt, action: $0.action) })))
    }

    // MARK: Questions

    func listQuestions(_ input: Operations.ListQuestions.Input) async throws -> Operations.ListQuestions.Output {
        .ok(.init(body: .json(try await tenders.questions(tenderID: try uuid(input.path.tenderId, "tenderId"), by: actor)
            .map(Components.Schemas.Question.init))))
    }

    func askQuestion(_ input: Operations.AskQuestion.Input) async throws -> Operations.AskQuestion.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let question = try await tenders.ask(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                             lotID: try body.lotId.map { try uuid($0, "lotId") }, text: body.text)
        return .created(.init(body: .json(.init(question))))
    }

    func answerQuestion(_ input: Operations.AnswerQuestion.Input) async throws -> Operations.AnswerQuestion.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let question = try await tenders.answer(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                                questionID: try uuid(input.path.questionId, "questionId"), text: body.answer)
        return .ok(.init(body: .json(.init(question))))
    }

    // MARK: Bids

    func submitBid(_ input: Operations.SubmitBid.Input) async throws -> Operations.SubmitBid.Output {
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let receipt = try await bids.submit(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                            lotID: try uuid(input.path.lotId, "lotId"),
                                            BidContent(price: Money(minorUnits: body.priceFen), proposal: body.proposal,
                                                       documents: try (body.documents ?? []).enumerated().map { try uuid($0.element, "documents[\($0.offset)]") }),
                                            idempotencyKey: input.headers.idempotencyKey)
        return .ok(.init(body: .json(.init(receipt))))
    }

    func withdrawBid(_ input: Operations.WithdrawBid.Input) async throws -> Operations.WithdrawBid.Output {
        let receipt = try await bids.withdraw(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                              lotID: try uuid(input.path.lotId, "lotId"))
        return .ok(.init(body: .json(.init(receipt))))
    }

    func confirmBid(_ input: Operations.ConfirmBid.Input) async throws -> Operations.ConfirmBid.Output {
        let receipt = try await bids.confirm(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"),
                                             lotID: try uuid(input.path.lotId, "lotId"))
        return .ok(.init(body: .json(.init(receipt))))
    }

    func listOwnBids(_ input: Operations.ListOwnBids.Input) async throws -> Operations.ListOwnBids.Output {
        let own = try await bids.ownBids(by: try signedIn(), tenderID: try uuid(input.path.tenderId, "tenderId"))
        return .ok(.init(body: .json(own.map {
            .init(id: $0.id.lowercased, lotId: $0.lotID.lowercased, status: .init(rawValue: $0.status.rawValue) ?? .withdrawn,
                  priceFen: $0.content?.price.minorUnits, proposal: $0.content?.proposal, documents: $0.content?.documents.map(\.lowercased),
                  receipt: .init($0.receipt))
        })))
    }

    func listOpenedBids(_ input: Operations.ListOpenedBids.Input) async throws -> Operations.ListOpenedBids.Output {
        let opened = try await bids.openedBids(tenderID: try uuid(input.path.tenderId, "tenderId"), by: actor)
        let bidders = try await identity.organisations(ids: Set(opened.map(\.bidderID)))
        let cited = try await suppliers.citedDocuments(of: opened)
        return .ok(.init(body: .json(opened.map { bid in
            .init(id: bid.id.lowercased, lotId: bid.lotID.lowercased, bidderId: bid.bidderID.lowercased, bidderName: bidders[bid.bidderID]?.nameZh ?? "",
                  priceFen: bid.price.minorUnits, proposal: bid.proposal,
                  documents: bid.proposal == nil ? nil : bid.documents.compactMap { reference in
                      cited[reference.id].map { .init(id: $0.id.lowercased, sha256: reference.sha256, title: $0.title, category: $0.category.rawValue,
                                                      filename: $0.filename, kind: $0.kind.rawValue, size: $0.size) }
                  },
                  submittedAt: bid.submittedAt, commitment: bid.commitment)
        })))
    }

    func checkBidReceipt(_ input: Operations.CheckBidReceipt.Input) async throws -> Operations.CheckBidReceipt.Output {
        let check = try await bids.checkReceipt(commitment: input.path.commitment)
        return .ok(.init(body: .json(.init(receipt: .init(check.receipt), tenderReference: check.tenderReference, lotNumber: check.lotNumber,
                                           isCurrent: check.isCurrent, matchesOpenedBid: check.matchesOpenedBid))))
    }

    // MARK: Mapping

    private func terms(_ b: Components.Schemas.TenderInput, tenderID: UUID?) async throws -> TenderTerms {
        let ids = try b.lots.enumerated().map { try uuid($0.element.purchaseLineId, "lots[\($0.offset)].purchaseLineId") }
        var titles: [UUID: String] = [:]
        var budgets: [UUID: Money] = [:]
        for (id, lot) in zip(ids, b.lots) {
            titles[id] = lot.title
            budgets[id] = lot.budgetFen.map { Money(minorUnits: $0) }
        }
        let procedure = b.procedure.flatMap { Procedure(rawValue: $0.rawValue) } ?? .open
        let defaults = TenderTerms(title: b.title, description: b.description, procedure: procedure, lots: [])
        return TenderTerms(
            title: b.title, description: b.description, procedure: procedure, justification: b.justification ?? "",
            enquiryDays: b.enquiryDays, tenderingDays: b.tenderingDays, evaluationDays: b.evaluationDays, standstillDays: b.standstillDays,
            minimumBids: b.minimumBids, bidsMayExceedBudget: b.bidsMayExceedBudget ?? false, priceWeight: b.priceWeight ?? defaults.priceWeight,
            criteria: b.criteria?.map { Criterion(name: $0.name, weight: $0.weight) } ?? defaults.criteria,
            eligibility: Eligibility(minimumRating: b.eligibility?.minimumRating,
                                     reservedForStages: b.eligibility?.reservedForStages?.compactMap { IncubationStage(rawValue: $0.rawValue) } ?? []),
            invitedSuppliers: try (b.invitedSuppliers ?? []).enumerated().map { try uuid($0.element, "invitedSuppliers[\($0.offset)]") },
            lots: try await tenders.lots(forLines: ids, titles: titles, budgets: budgets, tenderID: tenderID))
    }
}

extension Components.Schemas.Tender {
    /// With `ocdsPrefix`, a published tender names the ocid of its releases.
    init(_ t: Tender, ocdsPrefix: String? = nil) {
        let terms = t.terms
        self.init(
            id: t.id.lowercased, reference: t.reference,
            ocid: t.status == .draft ? nil : ocdsPrefix.map { ReleaseBuilder.ocid(prefix: $0, reference: t.reference) }, buyerId: t.buyerID.lowercased, status: .init(rawValue: t.status.rawValue) ?? .draft,
            termsVersion: t.termsVersion, title: terms.title, description: terms.description,
            procedure: .init(rawValue: terms.procedure.rawValue) ?? .open, justification: terms.justification,
            enquiryDays: terms.enquiryDays, tenderingDays: terms.tenderingDays, evaluationDays: terms.evaluationDays,
            standstillDays: terms.standstillDays, minimumBids: terms.minimumBids, bidsMayExceedBudget: terms.bidsMayExceedBudget,
            priceWeight: terms.priceWeight, criteria: terms.criteria.map { .init(name: $0.name, weight: $0.weight) },
            eligibility: .init(minimumRating: terms.eligibility.minimumRating,
                               reservedForStages: terms.eligibility.reservedForStages.compactMap { .init(rawValue: $0.rawValue) }),
            invitedSuppliers: terms.invitedSuppliers.map(\.lowercased),
            lots: t.lots.map { .init(id: $0.id.lowercased, number: $0.number, purchaseLineId: $0.purchaseLineID.lowercased, title: $0.title,
                                     budgetFen: $0.budget.minorUnits, status: .init(rawValue: $0.status.rawValue) ?? .active) },
            periods: t.periods.map { .init(publishedAt: $0.publishedAt, enquiryEnd: $0.enquiryEnd, tenderEnd: $0.tenderEnd, evaluationEnd: $0.evaluationEnd,
                                           openedAt: $0.openedAt, awardedAt: $0.awardedAt, standstillEnd: $0.standstillEnd) },
            cancellation: t.cancellation.map { .init(reason: .init(rawValue: $0.reason.rawValue) ?? .noLongerNeeded, note: $0.note, at: $0.at) },
            createdAt: t.createdAt)
    }
}

extension Components.Schemas.Question {
    init(_ q: Question) {
        self.init(id: q.id.lowercased, tenderId: q.tenderID.lowercased, lotId: q.lotID?.lowercased, text: q.text, askedAt: q.askedAt,
                  answer: q.answer, answeredAt: q.answeredAt)
    }
}

extension Components.Schemas.BidReceipt {
    init(_ r: BidReceipt) {
        self.init(commitment: r.commitment, bidId: r.bidID.lowercased, tenderId: r.tenderID.lowercased, lotId: r.lotID.lowercased,
                  version: r.version, action: .init(rawValue: r.action.rawValue) ?? .submitted, submittedAt: r.submittedAt)
    }
}
