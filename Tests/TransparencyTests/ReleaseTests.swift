import Core
import Delivery
import Foundation
import Identity
import Payments
import PostgresNIO
import Store
import Tendering
import TestSupport
import Testing
@testable import Transparency

@Suite("OCDS releases")
struct ReleaseTests {
    static let codelists: (tender: Set<String>, award: Set<String>, contract: Set<String>, milestone: Set<String>) = (
        ["planning", "planned", "active", "cancelled", "unsuccessful", "complete", "withdrawn"],
        ["pending", "active", "cancelled", "unsuccessful"],
        ["pending", "active", "cancelled", "terminated"],
        ["scheduled", "met", "notMet", "partiallyMet"])

    @Test("every Spokes status maps into its closed OCDS codelist")
    func mapping() {
        #expect(TenderStatus.allCases.allSatisfy { Self.codelists.tender.contains(ReleaseBuilder.tenderStatus($0)) })
        #expect(ContractStatus.allCases.allSatisfy { Self.codelists.contract.contains(ReleaseBuilder.contractStatus($0)) })
        #expect(MilestoneStatus.allCases.allSatisfy { Self.codelists.milestone.contains(ReleaseBuilder.milestoneStatus($0)) })
        #expect(Procedure.allCases.map(ReleaseBuilder.procurementMethod) == ["open", "selective", "direct"])
        #expect(ReleaseBuilder.ocid(prefix: "a1b2c3", reference: "ZB-2026-0001") == "ocds-a1b2c3-ZB-2026-0001")
        #expect(ReleaseBuilder.value(Money(minorUnits: 14_576_005)).amount == Decimal(string: "145760.05"))
    }

    func service(_ w: DeliveryWorld) -> TransparencyService {
        TransparencyService(database: w.t.world.database, identity: w.t.world.identity, tenders: w.t.tenders, bids: w.t.bids, awards: w.t.awards,
                            lists: w.t.lists, contracts: w.contracts, payments: w.payments, prefix: "test01", clock: w.t.clock)
    }

    func releases(_ s: TransparencyService) async throws -> [Release] {
        var text = ""
        _ = try await s.export(uri: "test", by: nil) { text += $0 }
        let package = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let list = package["releases"] as! [Any]
        return try list.map { try JSONDecoder().decode(Release.self, from: JSONSerialization.data(withJSONObject: $0)) }
    }

    @Test("a release when something public changes, none when nothing did; sealed bids, evaluators and unpublished contracts stay out; releases are never rewritten")
    func lifecycle() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let s = service(w)
            let tender = try await w.t.publishedTender(["LX2026-22"])
            #expect(try await s.sync() > 1, "the tender and the purchase lines' planning processes")
            #expect(try await s.sync() == 0)
            // Bids are in but sealed: the release does not change.
            try await w.t.move(to: tender.periods!.enquiryEnd)
            _ = try await w.t.bids.submit(by: try await w.actor("ngo"), tenderID: tender.id, lotID: tender.lots[0].id,
                                          BidContent(price: .yuan(210_000), proposal: "组建专业社工团队，每周上门两次。"))
            #expect(try await s.sync() == 1, "the tender moved from enquiries to tendering")
            let sealed = try await releases(s).last!
            #expect(sealed.tender.tenderers == nil && sealed.tender.numberOfTenderers == nil && sealed.tag == ["tenderUpdate"])
            #expect(sealed.tender.status == "active" && sealed.tender.spokesStatus == "tendering")
            _ = try await s.sync()
            // The contract of another tender: its award, then the contract once published, then its payment.
            let contract = try await w.signedContract()
            _ = try await s.sync()
            let other = ReleaseBuilder.ocid(prefix: "test01", reference: try await w.t.tenders.tender(id: contract.tenderID, by: nil).reference)
            var latest = try await releases(s).last { $0.ocid == other }!
            #expect(latest.contracts == nil, "a signed contract is public once published")
            #expect(latest.awards?.first?.status == "active" && latest.tender.tenderers?.count == 3)
            let text = try await exportText(s)
            #expect(!text.contains("刘评估") && !text.contains("马评审") && !text.contains("组建专业社工团队"), "no evaluator and no proposal in the export")
            _ = try await w.contracts.publish(by: try await w.actor("finance"), contractID: contract.id)
            _ = try await s.sync()
            latest = try await releases(s).last { $0.ocid == other }!
            #expect(latest.tag == ["contract"] && latest.contracts?.first?.status == "active" && latest.contracts?.first?.milestones.count == 2)
            let claim = try await w.approvedFirstClaim(contract)
            _ = try await w.payments.pay(by: try await w.actor("finance"), claimID: claim.id, treasuryReference: "GK-2026-1120-51", paidOn: "2026-11-24", idempotencyKey: nil)
            _ = try await s.sync()
            latest = try await releases(s).last { $0.ocid == other }!
            // The payment is implementation news; the milestone signed off meanwhile changed the contract's own list.
            #expect(latest.tag == ["implementation", "contractUpdate"])
            let implementation = try #require(latest.contracts?.first?.implementation)
            #expect(implementation.transactions.map(\.id) == ["GK-2026-1120-51"] && implementation.transactions.first?.value.amount == 145_760)
            let milestones = try #require(latest.contracts?.first?.milestones)
            #expect(milestones.map(\.status) == ["partiallyMet", "scheduled"] && milestones.first?.spokesStatus == "partially_met")
            #expect(milestones.first?.dateMet != nil && milestones.last?.dateMet == nil, "a decided milestone says when; one still due does not")
            #expect(ReleaseCheck.problems(latest).isEmpty, "payer and payee are parties with those roles")
            // The record: every release of the process and the compiled latest state.
            let record = try JSONSerialization.jsonObject(with: Data(try await s.recordPackage(ocid: other, uri: "test", by: nil).utf8)) as! [String: Any]
            let entry = (record["records"] as! [[String: Any]])[0]
            #expect((entry["releases"] as! [Any]).count == 3 && (entry["compiledRelease"] as! [String: Any])["tag"] as? [String] == ["compiled"])
            await #expect(throws: DomainError.notFound("no releases have ocid ocds-test01-nothing")) { _ = try await s.recordPackage(ocid: "ocds-test01-nothing", uri: "test", by: nil) }
            // Published releases cannot be changed or removed.
            await #expect(throws: (any Error).self) {
                try await database.transaction { try await $0.query("UPDATE transparency.releases SET tags = '{}'", logger: database.logger) }
            }
            await #expect(throws: (any Error).self) {
                try await database.transaction { try await $0.query("DELETE FROM transparency.releases", logger: database.logger) }
            }
            // Paging: after a sequence number, within dates.
            let (firstPage, next) = try await s.releasePackage(from: nil, to: nil, after: 0, limit: 2, uri: "test", by: nil)
            let firstReleases = (try JSONSerialization.jsonObject(with: Data(firstPage.utf8)) as! [String: Any])["releases"] as! [Any]
            #expect(next != nil && firstReleases.count == 2)
            let (none, _) = try await s.releasePackage(from: w.t.clock.now().addingTimeInterval(3600), to: nil, after: 0, limit: 10, uri: "test", by: nil)
            let noReleases = (try JSONSerialization.jsonObject(with: Data(none.utf8)) as! [String: Any])["releases"] as! [Any]
            #expect(noReleases.isEmpty)
        }
    }

    @Test("opened bids, lots and the public questions are published; awards of a tender cancelled after its award are published cancelled")
    func bidsLotsEnquiriesAndCancellation() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let s = service(w)
            let finance = try await w.actor("finance")
            // A question in the enquiry period of a tender, answered: published without who asked.
            let asked = try await w.t.publishedTender(["LX2026-22"])
            let question = try await w.t.tenders.ask(by: try await w.actor("youth"), tenderID: asked.id, lotID: asked.lots[0].id, text: "服务对象是否包括失能老人？")
            _ = try await w.t.tenders.answer(by: finance, tenderID: asked.id, questionID: question.id, text: "包括，需配备持证护理员。")
            _ = try await s.sync()
            let withQuestion = try await releases(s).last { $0.ocid == ReleaseBuilder.ocid(prefix: "test01", reference: asked.reference) }!
            #expect(withQuestion.tender.enquiries == [Enquiry(id: question.id.lowercased, date: ReleaseBuilder.timestamp(question.askedAt),
                                                              description: "服务对象是否包括失能老人？", answer: "包括，需配备持证护理员。",
                                                              dateAnswered: withQuestion.tender.enquiries?.first?.dateAnswered, relatedLot: "lot-1")])
            #expect(withQuestion.tender.enquiries?.first?.dateAnswered != nil && withQuestion.bids == nil, "no bids before opening")
            #expect(withQuestion.tender.lots?.map(\.id) == ["lot-1"] && withQuestion.tender.items.map(\.relatedLot) == ["lot-1"])
            #expect(withQuestion.tender.submissionMethod == ["electronicSubmission"] && withQuestion.tender.awardCriteria == "ratedCriteria")
            #expect(withQuestion.tender.eligibilityCriteria?.contains("3A") == true)
            // A question asked later is a change to the process: it queues the tender, and the next release carries it.
            _ = try await w.t.tenders.ask(by: try await w.actor("ngo"), tenderID: asked.id, lotID: nil, text: "可否分期支付？")
            #expect(try await s.sync() == 1)
            let later = try await releases(s).last!
            #expect(later.ocid == withQuestion.ocid && Set(later.tender.enquiries?.map(\.description) ?? []) == ["服务对象是否包括失能老人？", "可否分期支付？"])
            let unanswered = later.tender.enquiries?.first { $0.description == "可否分期支付？" }
            #expect(later.tag == ["tenderUpdate"] && unanswered != nil && unanswered?.answer == nil && unanswered?.relatedLot == nil, "\(later.tag)")

            // Opened: every bid with its bidder, price, lot and time; statistics per lot; the bidders are parties.
            let tender = try await w.t.tenderInEvaluation()
            _ = try await s.sync()
            let ocid = ReleaseBuilder.ocid(prefix: "test01", reference: tender.reference)
            let opened = try await releases(s).last { $0.ocid == ocid }!
            let bids = try #require(opened.bids)
            let details = try #require(bids.details)
            #expect(details.map(\.value.amount).sorted() == [200_000, 380_000, 390_000])
            #expect(details.allSatisfy { $0.status == "valid" && $0.relatedLots == ["lot-1"] && $0.tenderers.count == 1 })
            let parties = Dictionary(uniqueKeysWithValues: opened.parties.map { ($0.id, $0) })
            #expect(details.allSatisfy { parties[$0.tenderers[0].id]?.roles.contains("tenderer") == true })
            #expect(details.allSatisfy { $0.tenderers[0].id.hasPrefix("CN-USCI-") && parties[$0.tenderers[0].id]?.identifier?.scheme == "CN-USCI" })
            let statistics = Dictionary(uniqueKeysWithValues: bids.statistics.map { ($0.measure, $0.value) })
            #expect(statistics == ["bids": 3, "validBids": 3, "lowestValidBidValue": 200_000, "highestValidBidValue": 390_000])
            #expect(opened.tender.numberOfTenderers == 3 && ReleaseCheck.problems(opened).isEmpty)

            // Awarded, then cancelled: the next release keeps the awards, cancelled, so a merge does not leave them pending.
            try await w.t.scoreAll(tender)
            let second = try #require(try await w.t.evaluations.evaluation(tenderID: tender.id, by: finance).rankings?.first?.bids[1].bidID)
            _ = try await w.t.awards.decide(by: finance, tenderID: tender.id, lotID: tender.lots[0].id, bidID: second,
                                            reason: "第一名报价异常偏低且未作书面说明，授予排名第二的投标人。")
            _ = try await s.sync()
            let awarded = try await releases(s).last { $0.ocid == ocid }!
            #expect(awarded.awards?.map(\.status) == ["pending"] && awarded.awards?.first?.relatedLots == ["lot-1"])
            #expect(awarded.awards?.first?.relatedBid == second.lowercased)
            _ = try await w.t.tenders.cancel(by: finance, tenderID: tender.id, reason: .budgetWithdrawn, note: "预算调整，本项目取消。")
            _ = try await s.sync()
            let cancelled = try await releases(s).last { $0.ocid == ocid }!
            #expect(cancelled.tender.status == "cancelled" && cancelled.awards?.map(\.status) == ["cancelled"])
            #expect(cancelled.awards?.first?.spokesStatus == "cancelled" && cancelled.tender.lots?.map(\.status) == ["cancelled"])
            #expect(cancelled.tag == ["tenderCancellation", "awardCancellation"])
        }
    }

    @Test("a release that names an organisation without the role, or a period that ends before it starts, fails the check")
    func check() {
        let buyer = OrganizationReference(id: "CN-USCI-1", name: "民政局")
        var release = Release(ocid: "ocds-x-1", id: "", date: "", tag: [], parties: [Party(id: buyer.id, name: buyer.name, roles: ["buyer", "procuringEntity"])],
                              buyer: buyer, tender: TenderSection(id: "1", title: "t", description: "d", status: "active", spokesStatus: "tendering",
                                                                 procuringEntity: buyer, value: Value(amount: 1, currency: "CNY"), items: []))
        #expect(ReleaseCheck.problems(release).isEmpty)
        release.tender.tenderers = [OrganizationReference(id: "CN-USCI-2", name: "社工站")]
        release.tender.tenderPeriod = Period(startDate: "2026-12-02T00:00:00Z", endDate: "2026-12-01T23:59:59Z")
        release.tender.enquiryPeriod = Period(startDate: "2026-11-20T00:00:00Z", endDate: "2026-12-03T08:00:00+08:00")
        #expect(ReleaseCheck.problems(release) == [
            "tender/tenderers names CN-USCI-2, which is not a party with the role tenderer",
            "tender/tenderPeriod ends before it starts",
            "tender/enquiryPeriod ends after tender/tenderPeriod"])
        release.parties.append(Party(id: "CN-USCI-2", name: "社工站", roles: ["tenderer"]))
        release.tender.tenderPeriod?.endDate = "2026-12-03T00:00:00Z"
        #expect(ReleaseCheck.problems(release).isEmpty, "08:00 in Beijing is midnight UTC: the enquiries end with the tendering, not after")
    }

    @Test("a purchase line is a planning process: released when added or changed, and linked from the tender that takes it up")
    func planning() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let s = service(w)
            _ = try await s.sync()
            let finance = try await w.actor("finance")
            let line = try await w.t.lists.addLine(by: finance, buyerID: finance.organisationID, PurchaseLineContent(
                year: 2026, reference: "LX2026-90", catalogueCode: try await w.t.lines(["LX2026-01"])[0].content.catalogueCode, title: "困境儿童关爱服务",
                targetGroup: "困境儿童", quantity: 120, unit: "人", budget: .yuan(150_000), fundingSource: .lottery, tier: .district))
            #expect(try await s.sync() == 1)
            let ocid = ReleaseBuilder.planningOCID(prefix: "test01", lineID: line.id)
            var planned = try await releases(s).last!
            #expect(planned.ocid == ocid && planned.tag == ["planning"] && planned.tender.status == "planned" && planned.tender.procurementMethod == nil)
            #expect(planned.planning?.budget.amount.amount == 150_000 && planned.planning?.budget.description == "彩票公益金（2026年度）")
            #expect(planned.planning?.budget.project == "困境儿童关爱服务" && planned.parties.map(\.roles) == [["buyer", "procuringEntity"]])
            #expect(ReleaseCheck.problems(planned).isEmpty, "the buyer named as procuring entity has that role")
            var content = line.content
            content.budget = .yuan(160_000)
            _ = try await w.t.lists.updateLine(by: finance, id: line.id, content)
            #expect(try await s.sync() == 1)
            planned = try await releases(s).last!
            #expect(planned.ocid == ocid && planned.tag == ["planningUpdate"] && planned.tender.value.amount == 160_000)
            // The tender that takes the line up names it as its planning process.
            let draft = try await w.t.tenders.createDraft(by: finance, buyerID: finance.organisationID, w.t.terms([try await w.t.lists.line(id: line.id)]))
            #expect(try await s.sync() == 0, "a draft tender is not public")
            let tender = try await w.t.tenders.publish(by: finance, tenderID: draft.id)
            #expect(try await s.sync() == 1)
            let release = try await releases(s).last!
            #expect(release.ocid == ReleaseBuilder.ocid(prefix: "test01", reference: tender.reference) && release.tag == ["tender"])
            #expect(release.relatedProcesses == [RelatedProcess(id: "lot-1", relationship: ["planning"], title: "困境儿童关爱服务", identifier: ocid)])
            // A release that differs only where no tag applies is still tagged (OCDS requires one).
            var relinked = release
            relinked.relatedProcesses = nil
            #expect(TransparencyService.tags(release, since: relinked) == ["tenderUpdate"])
        }
    }

    @Test("a change made while the publisher works is not lost: the queue keeps it until a sync has seen it")
    func queue() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database, countersignThreshold: .yuan(1_000_000))
            let s = service(w)
            _ = try await s.sync()
            let finance = try await w.actor("finance")
            let line = try await w.t.lines(["LX2026-01"])[0]
            var content = line.content
            content.quantity += 1
            _ = try await w.t.lists.updateLine(by: finance, id: line.id, content)
            let store = { @Sendable (c: PostgresConnection) in TransparencyStore(connection: c, logger: database.logger) }
            let seen = try await database.read { try await store($0).pending(limit: 10) }
            #expect(seen.map(\.entityID) == [line.id])
            // Another change lands after the publisher read the queue but before it finished.
            content.quantity += 1
            _ = try await w.t.lists.updateLine(by: finance, id: line.id, content)
            try await database.read { try await store($0).done(seen) }
            #expect(try await database.read { try await store($0).pending(limit: 10) }.map(\.entityID) == [line.id])
            #expect(try await s.sync() == 1)
            #expect(try await database.read { try await store($0).pending(limit: 10) }.isEmpty)
            #expect(try await releases(s).last?.tender.items.first?.quantity == content.quantity)
        }
    }

    func exportText(_ s: TransparencyService) async throws -> String {
        var text = ""
        _ = try await s.export(uri: "test", by: nil) { text += $0 }
        return text
    }
}
