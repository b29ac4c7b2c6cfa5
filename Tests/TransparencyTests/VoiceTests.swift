import Core
import Foundation
import Identity
import Store
import Tendering
import TestSupport
import Testing
import Transparency

@Suite("Residents' voice")
struct VoiceTests {
    /// The device id of test device `n`.
    static func device(_ n: Int) -> UUID {
        let digits = String(n)
        return UUID(uuidString: "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits)!
    }

    @Test("residents propose and support without an account, one support per device, a ceiling per address; buyers of the area link the lines that answer")
    func voice() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let voice = VoiceService(database: database, identity: t.world.identity, lists: t.lists, clock: t.clock)
            let lixia = try #require(try await t.world.identity.jurisdiction(code: "370102")).id
            /// The voice form as device `n` gets it: a fresh token each time.
            func form(_ n: Int) -> String { voice.deviceToken(device: VoiceTests.device(n)).token }
            await #expect(throws: DomainError.invalid([FieldError("jurisdiction", "choose a jurisdiction from the list")])) {
                _ = try await voice.propose(jurisdictionID: UUID(), title: "老年食堂", description: "社区缺少老年食堂", deviceToken: form(1), client: "10.0.0.1")
            }
            await #expect(throws: DomainError.invalid([FieldError("deviceToken", "is missing: the form carries one; reload the page (API: GET the survey first)")])) {
                _ = try await voice.propose(jurisdictionID: lixia, title: "老年食堂", description: "社区缺少老年食堂", deviceToken: "", client: "10.0.0.1")
            }
            let canteen = try await voice.propose(jurisdictionID: lixia, title: "老年助餐点", description: "燕山街道独居老人多，午餐没有着落。",
                                                  deviceToken: form(1), client: "10.0.0.1")
            let homework = try await voice.propose(jurisdictionID: lixia, title: "课后托管", description: "双职工家庭孩子放学后无人照看。",
                                                   deviceToken: form(2), client: "10.0.0.1")
            for index in 3...VoiceService.proposalsPerAddressPerHour {
                _ = try await voice.propose(jurisdictionID: lixia, title: "需求\(index)", description: "说明", deviceToken: form(index), client: "10.0.0.1")
            }
            await #expect(throws: DomainError(.rateLimited, "too many needs proposed from this address in the last hour; try again later", retryAfter: 3600)) {
                _ = try await voice.propose(jurisdictionID: lixia, title: "再一个", description: "说明", deviceToken: form(9), client: "10.0.0.1")
            }
            #expect(try await voice.support(needID: homework.id, deviceToken: form(1), client: "10.0.0.2"))
            #expect(try await !voice.support(needID: homework.id, deviceToken: form(1), client: "10.0.0.2"), "the same device counts once")
            #expect(try await voice.support(needID: homework.id, deviceToken: form(2), client: "10.0.0.3"))
            #expect(try await voice.support(needID: canteen.id, deviceToken: form(3), client: "10.0.0.3"))
            await #expect(throws: DomainError.notFound("no need has id \(UUID(uuidString: "00000000-0000-7000-8000-000000000009")!.lowercased)")) {
                _ = try await voice.support(needID: UUID(uuidString: "00000000-0000-7000-8000-000000000009")!, deviceToken: form(1), client: "10.0.0.2")
            }
            for index in 0..<(VoiceService.supportsPerAddressPerHour - 1) {
                _ = try await voice.support(needID: canteen.id, deviceToken: form(1_000_000 + index), client: "10.0.0.4")
            }
            _ = try await voice.support(needID: homework.id, deviceToken: form(9999999), client: "10.0.0.4")
            await #expect(throws: DomainError(.rateLimited, "too many supports from this address in the last hour; try again later", retryAfter: 3600)) {
                _ = try await voice.support(needID: homework.id, deviceToken: form(8888888), client: "10.0.0.4")
            }
            // Most supported first.
            let ranked = try await voice.needs(in: lixia, by: nil)
            #expect(ranked.prefix(2).map(\.title) == ["老年助餐点", "课后托管"] && ranked[0].supports == 60 && ranked[1].supports == 3)
            // Buyers of the area link their own lines; others may not.
            let line = try await t.lines(["LX2026-05"])[0]
            await #expect(throws: DomainError.self) { try await voice.link(by: try await t.world.actor("ngo"), needID: canteen.id, purchaseLineID: line.id) }
            await #expect(throws: DomainError.self) { try await voice.link(by: try await t.world.actor("civil"), needID: canteen.id, purchaseLineID: line.id) }
            try await voice.link(by: try await t.world.actor("finance"), needID: canteen.id, purchaseLineID: line.id)
            let fufeng = try await t.world.actor("fufeng")
            // Another county's buyer, with a line of its own, may not answer a need of Lixia.
            let theirs = try await t.lists.addLine(by: fufeng, buyerID: fufeng.organisationID, PurchaseLineContent(
                year: 2026, reference: "FF2026-01", catalogueCode: line.content.catalogueCode, title: "老年助餐服务", targetGroup: "老年人", quantity: 100,
                unit: "人", budget: .yuan(100_000), fundingSource: .generalBudget, tier: .district))
            await #expect(throws: DomainError.forbidden("the need is outside your jurisdiction: buyers answer the needs of their own area")) {
                try await voice.link(by: fufeng, needID: canteen.id, purchaseLineID: theirs.id)
            }
            #expect(try await voice.needs(in: lixia, by: nil).first?.answers.map(\.purchaseLineID) == [line.id])
        }
    }
}
