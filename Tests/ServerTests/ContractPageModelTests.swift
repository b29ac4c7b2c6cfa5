import Core
import Delivery
import Foundation
import Identity
import Payments
@testable import Server
import TestSupport
import Testing

/// The contract pages' typed models, built from what the services give each reader: what the page says and which forms
/// it offers, read from the model rather than from HTML. Expectations follow the delivery rules (DOMAIN.md §4, §7).
@Suite("Contract page models")
struct ContractPageModelTests {
    /// The contract page as `username` reads it at `now` (the world's clock unless told), with keys for words.
    static func page(_ w: DeliveryWorld, _ contract: Contract, as username: String, now: Date? = nil, problem: DomainError? = nil,
                     refused: RefusedMilestoneForm? = nil, typed: RefusedContractForm? = nil) async throws -> ContractPage {
        let actor = try await w.actor(username)
        let file = try await w.contracts.file(id: contract.id, by: actor)
        let names = try await w.t.world.identity.organisations(ids: [contract.buyerID, contract.supplierID])
        return ContractPage.model(file: file, statement: try await w.payments.statement(of: contract.id),
                                  evaluations: try await w.contracts.evaluations(of: contract.id), satisfaction: try await w.contracts.satisfaction(of: contract.id),
                                  amendments: try await w.contracts.amendments(of: contract.id), names: names, institutions: [], actor: actor,
                                  workingCalendar: try await w.contracts.calendar(), problem: problem, refused: refused, typed: typed, now: now ?? w.t.clock.now(),
                                  say: { $0 }, message: { $0.english })
    }

    @Test("a draft: only its buyer edits the milestones and prices while nobody has signed; both parties may sign; nothing to publish, claim or pay")
    func draft() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.draftedContract()
            let buyer = try await Self.page(w, contract, as: "finance")
            #expect(buyer.editor != nil && buyer.maySign && !buyer.mayPublish && !buyer.mayClaim && !buyer.mayTerminate)
            // The editor holds what is written so far: two milestones of three blocks, a price row per metric code.
            let editor = try #require(buyer.editor)
            #expect(editor.blocks.map(\.title) == ["第一季度服务", "全年服务", ""] && editor.blocks.map(\.share) == ["40", "60", ""])
            #expect(editor.prices.map(\.code) == ["assessments", "visits"] && editor.hasPrices && editor.proportional)
            let supplier = try await Self.page(w, contract, as: "ngo")
            #expect(supplier.editor == nil && supplier.maySign, "the supplier signs the draft but does not write it")
            // Payment shares add up to 100 %; each milestone shows its own.
            #expect(buyer.milestones.map(\.share) == ["40", "60"] && buyer.milestones.map(\.number) == [1, 2])
            #expect(buyer.milestones.allSatisfy { !$0.mayReport && $0.maySignOff == nil }, "nothing is delivered on a draft")
            #expect(buyer.publicationDeadline == nil && !buyer.publicationLate, "an unsigned contract has no publication deadline")
            #expect(buyer.noSubcontracting == Contract.noSubcontractingClause)
        }
    }

    @Test("signed: published within two working days or shown late; the buyer publishes, the signatures are dated, the editor is gone")
    func signed() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let buyer = try await Self.page(w, contract, as: "finance")
            #expect(buyer.editor == nil && !buyer.maySign && buyer.mayPublish && buyer.mayTerminate)
            #expect(buyer.buyerSignedAt != nil && buyer.supplierSignedAt != nil && buyer.publishedAt == nil)
            #expect(buyer.publicationDeadline != nil && !buyer.publicationLate)
            #expect(buyer.committed == Money.yuan(380_000).formatted, "signing commits the contract's value on its line")
            let supplier = try await Self.page(w, contract, as: "ngo")
            #expect(!supplier.mayPublish && !supplier.mayTerminate && !supplier.mayClaim, "nothing is payable before a sign-off")
            #expect(supplier.milestones.map(\.mayReport) == [true, true])
            // A week on, still unpublished: late.
            let late = try await Self.page(w, contract, as: "finance", now: w.t.clock.now().addingTimeInterval(7 * 86_400))
            #expect(late.publicationLate)
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            let published = try await Self.page(w, contract, as: "finance", now: w.t.clock.now().addingTimeInterval(7 * 86_400))
            #expect(published.publishedAt != nil && published.publicationDeadline == nil && !published.publicationLate && !published.mayPublish)
        }
    }

    @Test("a report waits for an independent evaluator: the sheet proposes what was reported; after a final sign-off it corrects, deciding only met, partially or not met")
    func signOffSheet() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let first = try await w.contracts.milestones(of: [contract.id])[0]
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: first.id,
                                             DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            let evaluator = try await Self.page(w, contract, as: "evaluator")
            let sheet = try #require(evaluator.milestones[0].maySignOff)
            #expect(evaluator.milestones[1].maySignOff == nil, "the second milestone has no report")
            #expect(!sheet.correction && sheet.version == 1 && sheet.reportedBeneficiaries == 120)
            #expect(sheet.rows.map(\.code) == ["visits", "assessments"] && sheet.rows.map(\.reported) == [1800, 100])
            #expect(sheet.rows.map(\.input.value) == ["1800", "100"] && sheet.beneficiaries.value == "120" && sheet.reasons.value == "")
            #expect(sheet.decisions.map(\.value) == ["met", "partially_met", "not_met", "more_evidence"] && !sheet.decisions.contains(where: \.selected))
            #expect(evaluator.milestones[0].metrics.map(\.reported) == [1800, 100] && evaluator.milestones[0].metrics.map(\.verified) == [nil, nil])
            // The parties do not sign off their own contract.
            #expect(try await Self.page(w, contract, as: "ngo").milestones[0].maySignOff == nil)
            #expect(try await Self.page(w, contract, as: "finance").milestones[0].maySignOff == nil)

            // Signed off partially met above the threshold: it waits for a second evaluator, and no sheet is offered meanwhile.
            let signOff = try await w.contracts.signOff(by: try await w.actor("evaluator"), milestoneID: first.id,
                                                        SignOffInput(decision: .partiallyMet, verified: ["visits": 1600, "assessments": 90], verifiedBeneficiaries: 110,
                                                                     reasons: "抽样回访发现部分签到记录无法核实，按可核实数量认定。"))
            let waiting = try await Self.page(w, contract, as: "evaluator2")
            #expect(waiting.milestones[0].maySignOff == nil && waiting.milestones[0].signOffs.first?.awaitingCountersign == true)
            #expect(waiting.milestones[0].signOffs.first?.mayCountersign?.id == signOff.id.lowercased)
            #expect(try await Self.page(w, contract, as: "evaluator").milestones[0].signOffs.first?.mayCountersign == nil,
                    "the second signature is another evaluator's")
            _ = try await w.contracts.countersign(by: try await w.actor("evaluator2"), signOffID: signOff.id)
            let corrected = try await Self.page(w, contract, as: "evaluator")
            let correction = try #require(corrected.milestones[0].maySignOff)
            #expect(correction.correction && correction.decisions.map(\.value) == ["met", "partially_met", "not_met"])
            #expect(corrected.milestones[0].metrics.map(\.verified) == [1600, 90])
            // Payment follows the verified outcomes: the supplier may claim, once.
            let supplier = try await Self.page(w, contract, as: "ngo")
            #expect(supplier.mayClaim && supplier.calculation?.payable == Money.yuan(145_760).formatted)
            _ = try await w.payments.claim(by: try await w.actor("ngo"), contractID: contract.id)
            let claimed = try await Self.page(w, contract, as: "ngo")
            #expect(!claimed.mayClaim && claimed.claims.count == 1 && !claimed.claims[0].mayDecide)
            let buyer = try await Self.page(w, contract, as: "finance")
            #expect(buyer.claims[0].mayDecide && buyer.claims[0].mayPay == nil, "a claim is approved before it is paid")
        }
    }

    @Test("a refused sign-off comes back in its milestone: what was typed, each problem beside its input, the summary in the sheet's order")
    func refusedSignOff() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let first = try await w.contracts.milestones(of: [contract.id])[0]
            _ = try await w.contracts.report(by: try await w.actor("ngo"), milestoneID: first.id,
                                             DeliveryWorld.report(visits: 1800, assessments: 100, beneficiaries: 120))
            let typed = ["verified_visits": "1900", "verified_assessments": "90", "beneficiaries": "110", "decision": "met", "reasons": "太短"]
            let input = SignOffInput(decision: .met, verified: ["visits": 1900, "assessments": 90], verifiedBeneficiaries: 110, reasons: "太短")
            // The service's own answer: more visits than reported, met with a target missed, and reasons too short.
            let refusal = await #expect(throws: DomainError.self) {
                _ = try await w.contracts.signOff(by: try await w.actor("evaluator"), milestoneID: first.id, input)
            }
            let page = try await Self.page(w, contract, as: "evaluator", problem: refusal,
                                           refused: RefusedMilestoneForm(milestoneID: first.id, form: .signOff, values: typed))
            let sheet = try #require(page.milestones[0].maySignOff)
            #expect(sheet.rows.map(\.input.value) == ["1900", "90"] && sheet.reasons.value == "太短" && sheet.beneficiaries.value == "110")
            #expect(sheet.decisions.filter(\.selected).map(\.value) == ["met"])
            #expect(sheet.rows[0].input.error == "must be from 0 to the 1800 reported in version 1" && sheet.rows[1].input.error == nil)
            #expect(sheet.reasons.error == "must explain the decision in at least 10 characters")
            #expect(sheet.decision.error?.hasPrefix("met needs every target verified") == true)
            let summary = try #require(page.problem)
            let prefix = "#signoff-\(first.id.lowercased)-"
            #expect(summary.fields.map(\.href) == [prefix + "verified_visits", prefix + "decision", prefix + "decision", prefix + "reasons"],
                    "in the sheet's order: under met, both metrics miss their targets")
            #expect(summary.fields.first?.field == "完成的上门服务人次", "a metric is named by its definition")
            // Another milestone's sheet, or the same page unrefused, proposes what was reported.
            #expect(try await Self.page(w, contract, as: "evaluator").milestones[0].maySignOff?.rows.map(\.input.value) == ["1800", "100"])
        }
    }

    @Test("the list: a buyer's award past its standstill is offered for a draft; a refused draft keeps what was typed, each problem by its input")
    func list() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let award = try await w.completedAward()
            let finance = try await w.actor("finance")
            let work = try await w.contracts.worklist(for: finance)
            let empty = ContractListPage.model(page: [], pageSize: 50, milestones: [:], work: work, say: { $0 }, message: { $0.english })
            #expect(empty.ready.map(\.value) == [award.awardID.lowercased] && empty.problem == nil && empty.next == nil)
            // Over a year without a justification, and no terms: both told at once, in the form's order.
            let typed = ["awardId": award.awardID.lowercased, "startsOn": "2026-11-19", "endsOn": "2028-06-30", "termJustification": "", "terms": ""]
            let refusal = await #expect(throws: DomainError.self) {
                _ = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: typed["startsOn"]!, endsOn: typed["endsOn"]!,
                                                                           termJustification: nil, terms: ""))
            }
            let refused = ContractListPage.model(page: [], pageSize: 50, milestones: [:], work: work, form: typed, problem: refusal,
                                                 say: { $0 }, message: { $0.english })
            #expect(refused.problem?.fields.map(\.href) == ["#draft-termJustification", "#draft-terms"])
            #expect(refused.problem?.fields.map(\.field) == ["contract_termJustification", "contract_terms"])
            #expect(refused.draft.endsOn.value == "2028-06-30" && refused.draft.endsOn.error == nil && refused.draft.terms.error == "is required")
            #expect(refused.ready.filter(\.selected).map(\.value) == [award.awardID.lowercased])
            // Drafted, the contract is listed with none of its milestones signed off, and the award is no longer offered.
            let contract = try await w.contracts.draft(by: finance, ContractInput(awardID: award.awardID, startsOn: "2026-11-19", endsOn: "2027-11-18",
                                                                                 terms: DeliveryWorld.terms))
            _ = try await w.contracts.setMilestones(by: finance, contractID: contract.id, DeliveryWorld.milestones)
            let listed = try await w.contracts.contracts(for: finance)
            let milestones = Dictionary(grouping: try await w.contracts.milestones(of: listed.map(\.id)), by: \.contractID)
            let page = ContractListPage.model(page: listed, pageSize: 50, milestones: milestones, work: try await w.contracts.worklist(for: finance),
                                              say: { $0 }, message: { $0.english })
            #expect(page.contracts.map(\.reference) == [contract.reference] && page.contracts[0].milestones == "0/2" && page.ready.isEmpty)
            #expect(ContractListPage.model(page: listed, pageSize: 1, milestones: milestones, work: work, say: { $0 }, message: { $0.english }).next
                    == contract.id.lowercased, "a full page has a next one")
        }
    }

    @Test("an institution's engagements: its administrator assigns and removes evaluators on open engagements; an evaluator only reads them")
    func engagements() async throws {
        try await TestDatabase.with { database in
            var w = DeliveryWorld(database)
            w.assessors = ["evaluator"]
            let contract = try await w.draftedContract()
            let admin = try await w.actor("evalcentre")
            let work = try await w.contracts.engagements(of: admin)
            let open = try #require(work.first { $0.engagement.contractID == contract.id }?.engagement)
            let choices = [open.id: try await w.contracts.assignableEvaluators(by: admin, to: open)]
            let page = EngagementListPage.model(work: work, mayAssign: true, choices: choices, problem: nil, message: { $0.english })
            let row = try #require(page.engagements.first { $0.contractId == contract.id.lowercased })
            #expect(row.open && row.hasEvaluators && row.evaluators.map(\.mayRemove) == [true])
            let assigned = row.evaluators.map(\.userId)
            #expect(row.hasChoices && !(row.choices ?? []).contains { assigned.contains($0.id) }, "an evaluator is assigned once")
            let evaluator = EngagementListPage.model(work: work, mayAssign: false, choices: [:], problem: nil, message: { $0.english })
            let read = try #require(evaluator.engagements.first { $0.contractId == contract.id.lowercased })
            #expect(read.choices == nil && !read.hasChoices && read.evaluators.allSatisfy { !$0.mayRemove })
        }
    }

    @Test("the payments page: an approved claim waits for the buyer's payment, linked to its contract; paid, it leaves the list")
    func payments() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.signedContract()
            let claim = try await w.approvedFirstClaim(contract)
            let worklists = PaymentWorklists(contracts: w.contracts, payments: w.payments)
            let finance = try await w.actor("finance")
            func page() async throws -> PaymentsPage {
                PaymentsPage.model(grants: [], claims: try await worklists.claimsToApprove(for: finance) + worklists.paymentsToMake(for: finance),
                                   recoveries: try await worklists.recoveriesOpen(for: finance).filter(\.mayRepay),
                                   names: try await w.t.world.identity.organisations(ids: [contract.supplierID]), now: w.t.clock.now(), problem: nil,
                                   say: { $0 }, message: { $0.english })
            }
            let waiting = try await page()
            #expect(waiting.claims.map(\.contractId) == [contract.id.lowercased] && waiting.claims.map(\.number) == [claim.number])
            #expect(waiting.claims.map(\.status) == ["claim_status_approved"] && waiting.claims[0].amount == claim.amount.formatted)
            #expect(waiting.recoveries.isEmpty && waiting.grants.isEmpty && waiting.problem == nil)
            _ = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-12", paidOn: "2026-11-19", idempotencyKey: nil)
            #expect(try await page().claims.isEmpty)
        }
    }

    @Test("refused, the milestones and rate card editor, the engagement and the amendment come back as typed, not as kept; today is the services' day")
    func refusedFormsKeepWhatWasTyped() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.draftedContract()
            let problem = DomainError.invalid([FieldError("maximum", "must be an amount in yuan")])
            let typed = ["m0_title": "第一季度服务（调整）", "m0_share": "45", "m0_k0_code": "visits", "m0_k0_target": "两千", "m0_k0_platformRecord": "cases_on_time",
                         "maximum": "三十八万", "fee": "25", "price_visits": "12.50", "partialRule": "nothing"]
            let refused = try await Self.page(w, contract, as: "finance", problem: problem, typed: RefusedContractForm(form: .terms, values: typed))
            let editor = try #require(refused.editor)
            #expect(editor.blocks[0].title == "第一季度服务（调整）" && editor.blocks[0].share == "45" && editor.blocks[0].metrics[0].target == "两千")
            #expect(editor.blocks[0].metrics[0].records.filter(\.selected).map(\.value) == ["cases_on_time"])
            #expect(editor.blocks[1].title == "" && editor.blocks[0].metrics[1].code == "", "what was left empty stays empty")
            #expect(editor.maximum == "三十八万" && editor.fee == "25" && !editor.proportional)
            #expect(editor.prices.map(\.code) == ["visits"] && editor.prices[0].price == "12.50", "a price row per metric typed")
            let kept = try await Self.page(w, contract, as: "finance")
            #expect(kept.editor?.blocks.map(\.title) == ["第一季度服务", "全年服务", ""], "without a refusal, what is kept")
            #expect(kept.today == WorkingCalendar().dayKey(w.t.clock.now()) && w.contracts.now() == w.t.clock.now(), "the day of the services' clock")

            // The engagement form is offered while no institution is engaged: end the one the world engaged.
            for engagement in try await w.contracts.file(id: contract.id, by: try await w.actor("finance")).engagements where engagement.isOpen {
                _ = try await w.contracts.endEngagement(by: try await w.actor("finance"), engagementID: engagement.id)
            }
            let unengaged = try await Self.page(w, contract, as: "finance")
            let engaging = ["institutionId": UUID().uuidString.lowercased(), "startsOn": "2027-01-04", "endsOn": "2027-06-30", "fee": "三千"]
            let engage = try #require(try await Self.page(w, contract, as: "finance", problem: problem,
                                                          typed: RefusedContractForm(form: .engage, values: engaging)).engageForm)
            #expect(engage.startsOn == "2027-01-04" && engage.endsOn == "2027-06-30" && engage.fee == "三千")
            let fresh = try #require(unengaged.engageForm)
            #expect(fresh.startsOn == contract.startsOn && fresh.endsOn == contract.endsOn && fresh.fee.isEmpty)

            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: contract.id)
            let signed = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id)
            let amending = ["endsOn": "2027-12-31", "terms": "延长服务期限。", "termJustification": "", "reason": "服务对象增加"]
            let amendment = try #require(try await Self.page(w, signed, as: "ngo", problem: problem,
                                                             typed: RefusedContractForm(form: .amendment, values: amending)).amendmentForm)
            #expect(amendment.refused && amendment.endsOn == "2027-12-31" && amendment.terms == "延长服务期限。" && amendment.reason == "服务对象增加")
            let proposed = try #require(try await Self.page(w, signed, as: "ngo").amendmentForm)
            #expect(!proposed.refused && proposed.terms == signed.terms && proposed.reason.isEmpty)
        }
    }
}
