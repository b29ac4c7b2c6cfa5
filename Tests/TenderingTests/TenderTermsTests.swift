import Core
import Foundation
import Tendering
import Testing

@Suite("Tender terms and lifecycle rules")
struct TenderTermsTests {
    let lot = LotTerms(purchaseLineID: UUID(), title: "居家养老上门服务", budget: .yuan(400_000))

    func fields(_ terms: TenderTerms) -> Set<String> { Set(terms.problems.map(\.field)) }

    @Test("defaults meet each procedure's minimums")
    func defaults() {
        #expect(TenderTerms(title: "t", description: "d", lots: [lot]).problems.isEmpty)
        #expect(TenderTerms(title: "t", description: "d", procedure: .invited, invitedSuppliers: [UUID(), UUID(), UUID()], lots: [lot]).problems.isEmpty)
        #expect(TenderTerms(title: "t", description: "d", procedure: .singleSource, justification: "该机构是本区唯一具备失独家庭服务资质和经验的社会工作机构。",
                            invitedSuppliers: [UUID()], lots: [lot]).problems.isEmpty)
    }

    @Test("periods shorter than the procedure's minimum are refused, per field")
    func minimums() {
        var terms = TenderTerms(title: "t", description: "d", lots: [lot])
        terms.enquiryDays = 2
        terms.tenderingDays = 4
        terms.standstillDays = 11
        #expect(fields(terms) == ["enquiryDays", "tenderingDays", "standstillDays"])
        #expect(terms.problems.first { $0.field == "tenderingDays" }?.message == "must be at least 5 working days for open tenders")
        terms.procedure = .invited
        terms.invitedSuppliers = [UUID(), UUID(), UUID()]
        terms.tenderingDays = 3
        terms.standstillDays = 3
        #expect(fields(terms) == ["enquiryDays"])
    }

    @Test("weights add up to 100; invited tenders invite three; single source needs one name and a justification")
    func procedureRules() {
        var terms = TenderTerms(title: "t", description: "d", lots: [lot])
        terms.priceWeight = 40
        #expect(fields(terms) == ["criteria"])
        let invited = TenderTerms(title: "t", description: "d", procedure: .invited, invitedSuppliers: [UUID(), UUID()], lots: [lot])
        #expect(fields(invited) == ["invitedSuppliers"])
        let single = TenderTerms(title: "t", description: "d", procedure: .singleSource, justification: "唯一", invitedSuppliers: [UUID()], lots: [lot])
        #expect(fields(single) == ["justification"])
        #expect(fields(TenderTerms(title: "t", description: "d", lots: [])) == ["lots"])
        #expect(fields(TenderTerms(title: "t", description: "d", lots: [lot, lot])) == ["lots"])
    }

    @Test("the lifecycle allows only its own moves")
    func lifecycle() throws {
        #expect(try TenderStatus.draft.transition(to: .enquiries) == .enquiries)
        #expect(throws: DomainError.self) { try TenderStatus.draft.transition(to: .tendering) }
        #expect(throws: DomainError.self) { try TenderStatus.evaluation.transition(to: .tendering) }
        #expect(throws: DomainError.self) { try TenderStatus.complete.transition(to: .cancelled) }
        #expect(TenderStatus.tendering.allows(.cancelled))
        #expect(TenderStatus.tendering.allows(.unsuccessful))
        #expect(!TenderStatus.enquiries.allows(.evaluation))
    }
}
