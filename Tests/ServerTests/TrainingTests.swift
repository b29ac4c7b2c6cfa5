import Core
import Foundation
import Hummingbird
import Identity
import HummingbirdTesting
import PostgresNIO
import Server
import Store
import TestSupport
import Testing
import Tendering

/// Training mode (issue 27): the clock every rule and worker reads, moved only on a training instance, only by its
/// trainer (a platform administrator); every page marked; releases marked as test data.
@Suite("Training mode")
struct TrainingTests {
    /// The router on a fresh demo database marked as a training class's, whose clock stands at `TenderWorld.monday`.
    static func runTraining(_ body: @Sendable @escaping (any TestClientProtocol, TenderWorld, AppDependencies) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            try await database.client.query("UPDATE public.spokes_instance SET mode = 'training'", logger: database.logger)
            let wall = ManualClock(TenderWorld.monday)
            let time = try await InstanceRecord.changeTrainingTime(of: database) { _ in
                TrainingTime(realAnchor: wall.now(), virtualAnchor: TenderWorld.monday, rate: 0)
            }
            let clock = TrainingClock(time, wall: wall)
            let tendering = TenderWorld(database)
            // The instance's identity service reads the class's clock, as `spokes serve --training` builds it.
            let identity = IdentityService(database: database, clock: clock, policy: TestDatabase.signInPolicy)
            let dependencies = AppDependencies(database: database, identity: identity, clock: clock, sealer: tendering.sealer,
                                               configuration: TestApp.configuration)
            let router = try await buildRouter(dependencies)
            try await Application(router: router).test(.router) { client in try await body(client, tendering, dependencies) }
        }
    }

    @Test("a production instance tells the real time and refuses to move it, to everyone")
    func production() async throws {
        try await TestApp.run { client, _ in
            let clock = try await client.json(.get, "/api/v1/clock")
            #expect(clock.status == .ok)
            #expect(clock.json?["mode"] as? String == "production" && clock.json?["rate"] as? Double == 1)
            let moved = try await client.json(.post, "/api/v1/clock/advance", token: try await client.token("admin"), body: #"{"by":"2d"}"#)
            #expect(moved.status == .conflict, "\(moved.text)")
            #expect(moved.json?["type"] as? String == "urn:spokes:problem:conflict")
            #expect(try await client.json(.post, "/api/v1/clock/advance", token: try await client.token("finance"), body: #"{"by":"2d"}"#).status == .forbidden)
            #expect(try await client.json(.post, "/api/v1/clock/advance", body: #"{"by":"2d"}"#).status == .unauthorized)
            let home = try await Browser(client).get("/")
            #expect(!home.html.contains("data-training-banner"))
        }
    }

    @Test("the trainer moves the class's clock by a span; nobody else may, and a bad span changes nothing")
    func span() async throws {
        try await Self.runTraining { client, _, dependencies in
            let trainer = try await client.token("admin")
            #expect(try await client.json(.get, "/api/v1/clock").json?["mode"] as? String == "training")
            for body in [#"{"by":"0d"}"#, #"{"by":"367d"}"#, #"{"by":"2x"}"#, #"{"by":"9999999d"}"#, #"{}"#,
                         #"{"by":"2d","tenderId":"0192f0c4-6a3e-7c4e-9a55-3f1d2b4c5e6f"}"#, #"{"tenderId":"not-a-uuid"}"#] {
                let refused = try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: body)
                #expect(refused.status.code == 422 || refused.status.code == 400, "\(body): \(refused.status) \(refused.text)")
            }
            #expect(dependencies.clock.now() == TenderWorld.monday)
            for user in ["finance", "ngo", "evaluator", "overseer"] {
                #expect(try await client.json(.post, "/api/v1/clock/advance", token: try await client.token(user), body: #"{"by":"2d"}"#).status == .forbidden)
            }
            #expect(dependencies.clock.now() == TenderWorld.monday)
            let moved = try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: #"{"by":"2d"}"#)
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(dependencies.clock.now() == TenderWorld.monday.addingTimeInterval(2 * 86_400))
            // The database holds the same time line, so every instance of the class (and `spokes clock`) reads it.
            #expect(try await InstanceRecord.trainingTime(of: dependencies.database)?.virtualAnchor == TenderWorld.monday.addingTimeInterval(2 * 86_400))
            // The trainer's token outlives a jump past its 30 days: tokens and sessions are on real time.
            #expect(try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: #"{"by":"40d"}"#).status == .ok)
            #expect(try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: #"{"by":"1s"}"#).status == .ok)
        }
    }

    @Test("two trainers moving the clock at once both count: the time line is changed under a lock")
    func concurrent() async throws {
        try await Self.runTraining { client, _, dependencies in
            let trainer = try await client.token("admin")
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: #"{"by":"1d"}"#).status.code }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(try await InstanceRecord.trainingTime(of: dependencies.database)?.virtualAnchor == TenderWorld.monday.addingTimeInterval(6 * 86_400))
            #expect(dependencies.clock.now() == TenderWorld.monday.addingTimeInterval(6 * 86_400))
        }
    }

    @Test("moving to a tender's next deadline lets the worker do what falls due, step by step, in order")
    func deadlines() async throws {
        try await Self.runTraining { client, tendering, dependencies in
            let tender = try await tendering.publishedTender(["LX2026-01"])
            let periods = try #require(tender.periods)
            let trainer = try await client.token("admin")
            let body = #"{"tenderId":"\#(tender.id.lowercased)"}"#
            let first = try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: body)
            #expect(first.status == .ok, "\(first.text)")
            #expect((first.json?["deadline"] as? [String: Any])?["kind"] as? String == "enquiryEnd")
            #expect(dependencies.clock.now() == periods.enquiryEnd.addingTimeInterval(1))
            _ = try await dependencies.tenderWorker.runDue()
            #expect(try await dependencies.tenders.tender(id: tender.id, by: nil).status == .tendering)
            let second = try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: body)
            #expect((second.json?["deadline"] as? [String: Any])?["kind"] as? String == "tenderEnd")
            _ = try await dependencies.tenderWorker.runDue()
            // Too few bids: the worker ends the tender at its deadline, as on a real instance.
            #expect(try await dependencies.tenders.tender(id: tender.id, by: nil).status == .unsuccessful)
            let none = try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: body)
            #expect(none.status == .conflict, "\(none.text)")
            let missing = try await client.json(.post, "/api/v1/clock/advance", token: trainer, body: #"{"tenderId":"0192f0c4-6a3e-7c4e-9a55-3f1d2b4c5e6f"}"#)
            #expect(missing.status == .notFound)
        }
    }

    @Test("every page carries the training banner with the class's time; the trainer's page moves the clock and refuses a bad span beside its field")
    func pages() async throws {
        try await Self.runTraining { client, tendering, dependencies in
            let visitor = Browser(client)
            let home = try await visitor.get("/")
            #expect(home.html.contains("data-training-banner") && home.html.contains("2026-11-02 09:00"))
            let anonymous = try await visitor.get("/training")
            #expect(anonymous.status == .unauthorized || anonymous.status == .seeOther, "\(anonymous.status)")
            let trainer = Browser(client)
            _ = try await trainer.signIn("admin")
            let tender = try await tendering.publishedTender(["LX2026-01"])
            let page = try await trainer.get("/training")
            #expect(page.status == .ok && page.html.contains(tender.reference))
            let refused = try await trainer.post("/training/advance", [("by", "2x")])
            // Beside its field, in Chinese, with what was typed; the summary names the field by its label and links it.
            #expect(refused.status == .unprocessableContent && refused.html.contains("value=\"2x\"") && refused.html.contains("aria-invalid=\"true\""))
            #expect(refused.html.contains("id=\"training-by-error\"") && refused.html.contains("href=\"#training-by\"") && refused.html.contains("时长应在"))
            #expect(dependencies.clock.now() == TenderWorld.monday)
            // A move answers with a redirect to the page, so a reload never moves the clock again.
            let moved = try await trainer.post("/training/advance", [("by", "1d")])
            #expect(moved.status == .seeOther && moved.location == "/training?by=1d", "\(moved.status) \(moved.location ?? "")")
            let after = try await trainer.get("/training?by=1d")
            #expect(after.html.contains("data-training-moved") && after.html.contains("时钟已拨快 1 天"))
            #expect(dependencies.clock.now() == TenderWorld.monday.addingTimeInterval(86_400))
            // A session of 12 real hours outlives a day of the class's time.
            #expect(try await trainer.get("/training").status == .ok)
            let buyer = Browser(client)
            _ = try await buyer.signIn("finance")
            #expect(try await buyer.post("/training/advance", [("by", "1d")]).status == .forbidden)
            #expect(dependencies.clock.now() == TenderWorld.monday.addingTimeInterval(86_400))
        }
    }

    @Test("a training instance's releases carry the test prefix and mode test, and are dated when their change was made, not after a move")
    func releases() async throws {
        try await Self.runTraining { client, tendering, dependencies in
            let tender = try await tendering.publishedTender(["LX2026-01"])
            // Moved before any worker published the tender: the move publishes it first, at the time it was made.
            #expect(try await client.json(.post, "/api/v1/clock/advance", token: try await client.token("admin"), body: #"{"by":"10d"}"#).status == .ok)
            _ = try await dependencies.transparency.sync()
            let response = try await client.json(.get, "/api/v1/ocds/releases?limit=100")
            let releases = try #require(response.json?["releases"] as? [[String: Any]], "\(response.text.prefix(300))")
            let ours = releases.filter { ($0["ocid"] as? String)?.hasSuffix(tender.reference) == true }
            #expect(!ours.isEmpty)
            #expect(ours.allSatisfy { ($0["date"] as? String)?.hasPrefix("2026-11-02T01:00:00") == true }, "\(ours.map { $0["date"] ?? "" })")
            for release in releases {
                #expect((release["ocid"] as? String)?.hasPrefix("ocds-spokes-test-") == true, "\(release["ocid"] ?? "")")
                #expect(release["mode"] as? String == "test")
            }
        }
    }
}
