import Core
import Delivery
import Foundation
import Store
import Tendering
import TestSupport
import Testing

@Suite("Contracts on the working calendar")
struct ContractCalendarTests {
    @Test("the signature that would start a publication deadline in a year not held is refused; with the year loaded, New Year's Day is off")
    func signing() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let contract = try await w.draftedContract()
            // Thursday 31 December: two working days to publish would reach into 2027.
            w.t.clock.advance(by: TestCalendar.beijing("2026-12-31 10:00").timeIntervalSince(w.t.clock.now()))
            _ = try await w.contracts.sign(by: try await w.actor("finance"), contractID: contract.id)
            await #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { _ = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id) }
            let unsigned = try await w.contracts.file(id: contract.id, by: try await w.actor("finance")).contract
            #expect(unsigned.status == .draft && unsigned.supplierSignedAt == nil && unsigned.commitmentID == nil, "nothing signed, nothing committed")

            try await TestCalendar.load2027(database)
            let signed = try await w.contracts.sign(by: try await w.actor("ngo"), contractID: contract.id)
            #expect(signed.status == .signed)
            let deadline = try #require(try signed.publicationDeadline(try await w.contracts.calendar()))
            #expect(WorkingCalendar().describe(deadline) == "2027-01-05 17:00", "Friday 1 January is New Year's Day: Monday 4 and Tuesday 5 January")

            // A contract signed before its year went missing: the worklist does not fail and does not call it late.
            try await TestCalendar.forget(2027, database)
            w.t.clock.advance(by: 10 * 86_400)
            #expect(try await w.contracts.latePublications(for: try await w.actor("finance")).isEmpty)
            await #expect(throws: WorkingCalendar.YearNotHeld(year: 2027)) { _ = try signed.publicationDeadline(try await w.contracts.calendar()) }
        }
    }
}
