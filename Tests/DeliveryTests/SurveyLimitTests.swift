import Core
import Delivery
import Foundation
import Identity
import TestSupport
import Testing

/// Issue 19: survey answers cannot be stuffed with made-up devices, replayed tokens or parallel requests.
@Suite("Survey limits under parallel answers")
struct SurveyLimitTests {
    /// A signed contract and its survey link.
    static func openSurvey(_ w: DeliveryWorld) async throws -> (Contract, String) {
        let contract = try await w.signedContract()
        return (contract, try #require(contract.surveyToken))
    }

    @Test("25 answers in parallel from one address after 20: exactly 10 counted, the ceiling of 30 holds")
    func parallelCeiling() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let (contract, link) = try await Self.openSurvey(w)
            #expect(ContractService.answersPerAddressPerHour == 30)
            for _ in 0..<20 {
                #expect(try await w.contracts.answerSurvey(token: link, rating: 4, comment: "", deviceToken: w.contracts.surveyDeviceToken(for: contract, device: nil).token,
                                                           client: "198.51.100.7"))
            }
            let forms = (0..<25).map { _ in w.contracts.surveyDeviceToken(for: contract, device: nil).token }
            let results = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for form in forms {
                    group.addTask {
                        do {
                            return (form, try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: form, client: "198.51.100.7")
                                ? "counted" : "already")
                        } catch let error as DomainError {
                            return (form, error.kind.rawValue)
                        }
                    }
                }
                return try await group.reduce(into: [(String, String)]()) { $0.append($1) }
            }
            let outcomes = results.reduce(into: [String: Int]()) { $0[$1.1, default: 0] += 1 }
            #expect(outcomes == ["counted": 10, "rate-limited": 15])
            #expect(try await w.contracts.satisfaction(of: contract.id).answers == 30)
            // Another address is not held back by this one.
            #expect(try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: w.contracts.surveyDeviceToken(for: contract, device: nil).token,
                                                       client: "203.0.113.9"))
            // A token refused for the ceiling was not used up: it counts once the hour has passed.
            w.t.clock.advance(by: 3601)
            let refused = try #require(results.first { $0.1 == "rate-limited" }).0
            #expect(try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: refused, client: "198.51.100.7"))
        }
    }

    @Test("made-up, forged, other-survey and expired tokens are refused (422); a used one is refused (409), also when sent 25 times at once")
    func tokens() async throws {
        try await TestDatabase.with { database in
            let w = DeliveryWorld(database)
            let (contract, link) = try await Self.openSurvey(w)
            let forged = DomainError.invalid([FieldError("deviceToken", "is not a token this server issued for this form; reload the page to get a new one")])
            await #expect(throws: forged) {
                _ = try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: "app-device-0123456789", client: "198.51.100.7")
            }
            // A token of another identity service (another server's key) is forged here.
            let stranger = IdentityService(database: database).anonymousTokens.issue(scope: "survey/" + contract.id.uuidString.lowercased(), device: nil, at: w.t.clock.now())
            await #expect(throws: forged) {
                _ = try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: stranger.token, client: "198.51.100.7")
            }
            // A voice token is not a survey token.
            let voice = w.t.world.identity.anonymousTokens.issue(scope: "voice", device: nil, at: w.t.clock.now())
            await #expect(throws: forged) {
                _ = try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: voice.token, client: "198.51.100.7")
            }
            let old = w.contracts.surveyDeviceToken(for: contract, device: nil)
            let form = w.contracts.surveyDeviceToken(for: contract, device: nil)
            #expect(try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: form.token, client: "198.51.100.7"))
            await #expect(throws: AnonymousTokens.usedError) {
                _ = try await w.contracts.answerSurvey(token: link, rating: 1, comment: "", deviceToken: form.token, client: "203.0.113.9")
            }
            // The same token 25 times at once: one answer.
            let once = w.contracts.surveyDeviceToken(for: contract, device: nil).token
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<25 {
                    group.addTask {
                        do {
                            return try await w.contracts.answerSurvey(token: link, rating: 2, comment: "", deviceToken: once, client: "192.0.2.1") ? "counted" : "already"
                        } catch let error as DomainError {
                            return error.kind.rawValue
                        }
                    }
                }
                return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes == ["counted": 1, "conflict": 24])
            // A second form of the same device: the first answer stands.
            let sameDevice = w.contracts.surveyDeviceToken(for: contract, device: form.device)
            #expect(try await !w.contracts.answerSurvey(token: link, rating: 1, comment: "", deviceToken: sameDevice.token, client: "198.51.100.7"))
            #expect(try await w.contracts.satisfaction(of: contract.id).answers == 2)
            w.t.clock.advance(by: AnonymousTokens.lifetime + 1)
            await #expect(throws: DomainError.invalid([FieldError("deviceToken", "has expired (a form's token lasts a day); reload the page to get a new one")])) {
                _ = try await w.contracts.answerSurvey(token: link, rating: 5, comment: "", deviceToken: old.token, client: "198.51.100.7")
            }
        }
    }
}
