import Core
import Foundation
import Identity
import TestSupport
import Testing
import Transparency

/// Issue 19: residents' voice cannot be stuffed with made-up devices, replayed tokens or parallel requests.
@Suite("Residents' voice limits under parallel requests")
struct VoiceLimitTests {
    static func count(_ body: @escaping @Sendable (Int) async throws -> Bool) async throws -> [String: Int] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<25 {
                group.addTask {
                    do {
                        return try await body(index) ? "counted" : "already"
                    } catch let error as DomainError {
                        return error.kind.rawValue
                    }
                }
            }
            return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
    }

    @Test("25 proposals in parallel from one address: exactly 5 taken; 25 supports in parallel after 50: exactly 10 counted")
    func parallelCeilings() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let voice = VoiceService(database: database, identity: t.world.identity, lists: t.lists, clock: t.clock)
            let lixia = try #require(try await t.world.identity.jurisdiction(code: "370102")).id
            let proposals = (0..<25).map { _ in voice.deviceToken(device: nil).token }
            let proposed = try await Self.count { index in
                _ = try await voice.propose(jurisdictionID: lixia, title: "需求\(index)", description: "说明", deviceToken: proposals[index], client: "198.51.100.7")
                return true
            }
            #expect(proposed == ["counted": VoiceService.proposalsPerAddressPerHour, "rate-limited": 25 - VoiceService.proposalsPerAddressPerHour])
            #expect(try await voice.needs(by: nil).count == 5)

            let need = try #require(try await voice.needs(by: nil).first)
            for _ in 0..<(VoiceService.supportsPerAddressPerHour - 10) {
                #expect(try await voice.support(needID: need.id, deviceToken: voice.deviceToken(device: nil).token, client: "192.0.2.1"))
            }
            let supports = (0..<25).map { _ in voice.deviceToken(device: nil).token }
            let supported = try await Self.count { index in
                try await voice.support(needID: need.id, deviceToken: supports[index], client: "192.0.2.1")
            }
            #expect(supported == ["counted": 10, "rate-limited": 15])
            #expect(try await voice.needs(by: nil).first { $0.id == need.id }?.supports == VoiceService.supportsPerAddressPerHour)
        }
    }

    @Test("made-up and survey tokens are refused (422); a used one (409), also sent 25 times at once; one support per device")
    func tokens() async throws {
        try await TestDatabase.with { database in
            let t = TenderWorld(database)
            let voice = VoiceService(database: database, identity: t.world.identity, lists: t.lists, clock: t.clock)
            let lixia = try #require(try await t.world.identity.jurisdiction(code: "370102")).id
            let forged = DomainError.invalid([FieldError("deviceToken", "is not a token this server issued for this form; reload the page to get a new one")])
            await #expect(throws: forged) {
                _ = try await voice.propose(jurisdictionID: lixia, title: "课后托管", description: "说明", deviceToken: "flood-device-1000001", client: "198.51.100.7")
            }
            let need = try await voice.propose(jurisdictionID: lixia, title: "课后托管", description: "说明", deviceToken: voice.deviceToken(device: nil).token,
                                               client: "198.51.100.7")
            let survey = t.world.identity.anonymousTokens.issue(scope: "survey/" + need.id.uuidString.lowercased(), device: nil, at: t.clock.now())
            await #expect(throws: forged) { _ = try await voice.support(needID: need.id, deviceToken: survey.token, client: "198.51.100.7") }
            await #expect(throws: forged) { _ = try await voice.support(needID: need.id, deviceToken: "flood-device-1000002", client: "198.51.100.7") }

            let once = voice.deviceToken(device: nil)
            let outcomes = try await Self.count { _ in try await voice.support(needID: need.id, deviceToken: once.token, client: "192.0.2.\(Int.random(in: 1...200))") }
            #expect(outcomes == ["counted": 1, "conflict": 24])
            // Another form of the same device: counted once already.
            #expect(try await !voice.support(needID: need.id, deviceToken: voice.deviceToken(device: once.device).token, client: "198.51.100.7"))
            #expect(try await voice.needs(by: nil).first?.supports == 1)
        }
    }
}
