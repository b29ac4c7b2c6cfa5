import Core
import Foundation
import Identity
import Incubation
import Store
import TestSupport
import Testing

@Suite("Mentors and support sessions")
struct SupportTests {
    @Test("staff keep mentors and record sessions for organisations in the pipeline; refusals name the field or the rule")
    func sessions() async throws {
        try await TestDatabase.with { database in
            let w = IncubationWorld(database)
            let staff = try await w.world.actor("incubator")
            let youth = try await w.world.actor("youth").organisationID
            let mentor = try await w.incubation.addMentor(by: staff, name: "高教授", expertise: "青少年社会工作", affiliation: "山东大学")
            await #expect(throws: DomainError.self) { _ = try await w.incubation.addMentor(by: try await w.world.actor("ngo"), name: "x", expertise: "y", affiliation: "") }
            await #expect(throws: DomainError.conflict("the organisation is not in the pipeline; support is recorded for organisations in a stage")) {
                _ = try await w.incubation.recordSession(by: staff, organisationID: youth, mentorID: mentor.id, heldOn: "2026-10-10", minutes: 90,
                                                         kind: .mentoring, topic: "项目设计")
            }
            _ = try await w.incubation.move(by: staff, organisationID: youth, to: .accelerator, reason: "外引")
            _ = try await w.incubation.recordSession(by: staff, organisationID: youth, mentorID: mentor.id, heldOn: "2026-10-10", minutes: 90,
                                                     kind: .mentoring, topic: "项目设计")
            _ = try await w.incubation.recordSession(by: staff, organisationID: youth, mentorID: nil, heldOn: "2026-10-20", minutes: 180,
                                                     kind: .training, topic: "财务管理培训")
            await #expect(throws: DomainError.invalid([FieldError("heldOn", "cannot be in the future"), FieldError("minutes", "must be 15 minutes to 24 hours")])) {
                _ = try await w.incubation.recordSession(by: staff, organisationID: youth, mentorID: nil, heldOn: "2026-12-10", minutes: 5, kind: .training, topic: "x")
            }
            await #expect(throws: DomainError.invalid([FieldError("mentorId", "is not a mentor of the incubator")])) {
                _ = try await w.incubation.recordSession(by: staff, organisationID: youth, mentorID: UUID(), heldOn: "2026-10-21", minutes: 60, kind: .mentoring, topic: "x")
            }
            let sessions = try await w.incubation.sessions(of: youth)
            #expect(sessions.map(\.minutes).reduce(0, +) == 270 && sessions.first?.mentorID == mentor.id)
        }
    }
}
